"""Alerts: events → outbox rows (one per event, channel and recipient) → email or webhook, once.

The outbox (db.models.AlertOutbox) is the whole delivery state:

1. `enqueue()` reads events and writes their outbox rows in the same transaction, before any
   send. The unique (event_id, channel, recipient) constraint makes enqueueing idempotent: an
   event is queued for a recipient once, however often enqueue runs over it.
2. `deliver()` claims due rows with a conditional UPDATE (status pending → sending, attempts + 1,
   next_attempt_at = now + lease) committed before the send, so two deliverers never send the
   same row. Then it sends, then marks the row sent in a new transaction.
3. A failed send (connection refused, 4xx/5xx, webhook non-2xx) records `last_error` and puts the
   row back to pending with exponential backoff; after `max_attempts` it becomes `failed` —
   still in the table, listed by `portalwatch alerts list --status failed`, re-queued by
   `portalwatch alerts retry`. Nothing is ever deleted.

The at-least-once boundary: if the process dies after the SMTP server accepted a message but
before "mark sent" committed, the row is still `sending`; once its lease expires the next
delivery sends it again. The resend carries the SAME Message-ID — derived from the event and the
recipient (`<event-{id}.{sha1(recipient)[:12]}@portalwatch>`), or stored on the rows of a digest
when they are first claimed — so mail clients and list servers treat it as the same message
(webhooks get it as the `Idempotency-Key` header and `message_id` field). No alert is lost; at
worst one is delivered twice with one identity.

A portal's first crawl is held back (monitor/alerts/baseline.py): only its recently published
items are queued as their rules say; the rest are queued in mode "summary", one Message-ID per
portal and recipient, and claimed and sent together as one "portal added" mail. A rule newly
added or changed holds back, the same way, the events detected before the archive first saw it
(monitor/alerts/sightings.py): mode "rule_added", one "rule added" mail per rule and recipient.

Modules: outbox (enqueue, claim, mark, retry, listing), baseline (the first-crawl policy),
sightings (new and changed rules), render (the Jinja2 mails, digests and summaries), delivery (deliver, build_email, the test mail,
the scheduler's `process`). What an event means and how it reads comes from monitor/events.
"""
from monitor.alerts.delivery import DeliveryReport, build_email, deliver, has_recipients, process, sample_message
from monitor.alerts.outbox import STATUSES, enqueue, outbox_rows, retry_failed
from monitor.alerts.render import render_digest, render_immediate

__all__ = ["enqueue", "deliver", "retry_failed", "process", "outbox_rows", "render_immediate",
           "render_digest", "build_email", "sample_message", "has_recipients", "DeliveryReport", "STATUSES"]
