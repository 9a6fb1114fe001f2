"""The alert outbox (db.models.AlertOutbox): rows written before any send, claimed with a lease,
marked sent or failed. Nothing is ever deleted; see monitor/alerts/__init__.py for the protocol."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from vntext.dates import VN_TZ
from db.models import AlertOutbox, Event, Portal, utcnow
from db.tables import insert_or_ignore
from monitor.alerts.baseline import SUMMARY, FirstCrawl
from monitor.alerts.sightings import RULE_ADDED, NewRules
from monitor.events import event_views, label_of
from monitor.rules import RuleSet

STATUSES = ("pending", "sending", "sent", "failed")
SUMMARIES = (SUMMARY, RULE_ADDED)  # modes whose rows sharing a Message-ID are claimed and sent as one mail


def _tag(text: str) -> str:
    """A recipient's (or a rule name's) part of a Message-ID: stable, and no address (nor any
    character a Message-ID cannot hold) in the header."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def message_id(event_id: int, recipient: str) -> str:
    """An immediate alert's Message-ID: the same for every resend of it."""
    return f"<event-{event_id}.{_tag(recipient)}@portalwatch>"


def summary_message_id(portal_key: str, first_event_id: int, recipient: str) -> str:
    """One portal-added summary's Message-ID: the portal, the batch's first held event, the recipient."""
    return f"<portal-added-{portal_key}.{first_event_id}.{_tag(recipient)}@portalwatch>"


def rule_summary_message_id(rule_name: str, first_event_id: int, recipient: str) -> str:
    """One rule-added summary's Message-ID: the rule, the batch's first held event, the recipient."""
    return f"<rule-added-{_tag(rule_name)}.{first_event_id}.{_tag(recipient)}@portalwatch>"


# ---- enqueue ------------------------------------------------------------------------------------
def enqueue(Session, ruleset: RuleSet, *, event_ids=None, since: datetime | None = None,
            now: datetime | None = None) -> int:
    """Queue every matching (event, channel, recipient) not queued yet; returns the rows written.

    Events: the given ids, else those created since `since` (default: now − delivery.lookback).
    Old items of a portal's first crawl are queued for its summary (monitor/alerts/baseline.py),
    old items created before a new or changed rule was first seen for the rule's summary
    (monitor/alerts/sightings.py). An event both hold goes into the portal's summary only: it
    is the portal's back catalogue whatever the rules, and a new installation, whose rules are
    all new to it, gets one "portal added" mail per portal as before.
    """
    now = now or utcnow()
    written = 0
    with Session() as session, session.begin():
        # First, before the events are read: a process that loses the race to record a sighting
        # waits for the winner's commit, then sees the rows the winner queued.
        new_rules = NewRules(session, ruleset, now)
        query = select(Event).order_by(Event.id)
        if event_ids is not None:
            ids = list(event_ids)
            if not ids:
                return 0
            query = query.where(Event.id.in_(ids))
        else:
            query = query.where(Event.created_at >= (since or now - ruleset.delivery.lookback))
        events = session.scalars(query).all()
        if not events:
            return 0
        existing = set(session.execute(select(AlertOutbox.event_id, AlertOutbox.channel, AlertOutbox.recipient).where(
            AlertOutbox.event_id >= events[0].id, AlertOutbox.event_id <= events[-1].id)).all())
        first_crawl = FirstCrawl(session, ruleset.baseline)
        held: dict[tuple, list] = OrderedDict()  # (mode, portal key or rule, channel, recipient) → [(event, rule)]
        for view in event_views(session, events):
            event, first_crawl_holds = view.event, first_crawl.holds(view)
            for (channel, recipient), (rule, _reasons) in ruleset.targets(view).items():
                if (event.id, channel, recipient) in existing:
                    continue
                if first_crawl_holds:
                    held.setdefault((SUMMARY, view.portal_key, channel, recipient), []).append((event, rule))
                elif new_rules.holds(view, rule, recipient):
                    held.setdefault((RULE_ADDED, rule.name, channel, recipient), []).append((event, rule))
                elif _queue(session, event, channel, recipient, rule, now):
                    written += 1
        for (mode, key, channel, recipient), items in held.items():
            written += _queue_summary(session, mode, key, channel, recipient, items, now)
    return written


def _queue(session, event: Event, channel: str, recipient: str, rule, now: datetime) -> bool:
    """One outbox row, due now, after quiet hours, or at the rule's next digest; False if another process won."""
    if rule.mode == "digest":
        due, mid = rule.next_digest(event.created_at), ""  # a digest's Message-ID is fixed when first claimed
    else:
        due, mid = rule.quiet_until(now) or now, message_id(event.id, recipient)
    return _add_row(session, event, channel, recipient, rule.name, rule.mode, due, mid, now)


def _queue_summary(session, mode: str, key: str, channel: str, recipient: str, items: list, now: datetime) -> int:
    """The rows of one summary for one recipient (a portal's, or a rule's): one Message-ID, one due
    time (after the quiet hours of every rule in it), so they are claimed and sent as one mail."""
    mid = (summary_message_id if mode == SUMMARY else rule_summary_message_id)(key, items[0][0].id, recipient)
    due = max(rule.quiet_until(now) or now for _event, rule in items)
    return sum(_add_row(session, event, channel, recipient, rule.name, mode, due, mid, now) for event, rule in items)


def _add_row(session, event: Event, channel: str, recipient: str, rule: str, mode: str, due: datetime, mid: str,
             now: datetime) -> bool:
    # False: another process queued it first
    return insert_or_ignore(session, AlertOutbox.__table__, {
        "event_id": event.id, "channel": channel, "recipient": recipient, "rule": rule, "mode": mode,
        "status": "pending", "attempts": 0, "next_attempt_at": due, "last_error": "", "message_id": mid,
        "created_at": now})


# ---- claim, mark ----------------------------------------------------------------------------------
@dataclass
class Claimed:
    id: int
    event_id: int
    channel: str
    recipient: str
    rule: str
    mode: str
    attempts: int
    message_id: str


_CLAIM_COLUMNS = (AlertOutbox.id, AlertOutbox.event_id, AlertOutbox.channel, AlertOutbox.recipient, AlertOutbox.rule,
                  AlertOutbox.mode, AlertOutbox.status, AlertOutbox.attempts, AlertOutbox.message_id)


def claim(Session, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
    """Due rows → sending (attempts + 1, leased until now + lease), committed before any send.

    A summary is one mail whatever its size: when `limit` cuts through one, the rest of its rows
    are claimed too, or the next pass would send a second mail with the same Message-ID."""
    claimed: list[Claimed] = []
    due = (AlertOutbox.status.in_(("pending", "sending")), AlertOutbox.next_attempt_at <= now)
    with Session() as session, session.begin():
        rows = session.execute(select(*_CLAIM_COLUMNS).where(*due).order_by(AlertOutbox.id).limit(limit)).all()
        summaries = {r.message_id for r in rows if r.mode in SUMMARIES}
        if summaries:
            taken = {r.id for r in rows}
            rows += [r for r in session.execute(select(*_CLAIM_COLUMNS).where(
                *due, AlertOutbox.mode.in_(SUMMARIES), AlertOutbox.message_id.in_(summaries)).order_by(AlertOutbox.id))
                if r.id not in taken]
        for r in rows:
            done = session.execute(
                update(AlertOutbox).where(AlertOutbox.id == r.id, AlertOutbox.status == r.status,
                                          AlertOutbox.attempts == r.attempts)
                .values(status="sending", attempts=r.attempts + 1, next_attempt_at=now + lease)
                .execution_options(synchronize_session=False)).rowcount
            if done == 1:
                claimed.append(Claimed(r.id, r.event_id, r.channel, r.recipient, r.rule, r.mode, r.attempts + 1,
                                       r.message_id))
        _fix_digest_ids(session, claimed, now)
    return claimed


def release_orphans(Session, now: datetime, claimed_before: datetime, claim_lease: timedelta) -> int:
    """Rows left "sending" by a claim made at or before `claimed_before` are due again now; returns
    how many. A row's claim time is its next_attempt_at less the claim lease (claim sets it so).

    Called by a scheduler that has just taken the archive's lease, with `claimed_before` one lease
    TTL back (monitor/scheduler.py): a scheduler that lost its lease may still be sending what it
    claimed just before, and resetting that row would send it twice; a claim that old is a dead
    deliverer's, and waiting out its 5-minute claim would hold those alerts back for nothing. The
    resend carries the same Message-ID (at least once, with one identity)."""
    with Session() as session, session.begin():
        return session.execute(update(AlertOutbox).where(AlertOutbox.status == "sending",
                                                         AlertOutbox.next_attempt_at <= claimed_before + claim_lease)
                               .values(status="pending", next_attempt_at=now)
                               .execution_options(synchronize_session=False)).rowcount


def newest_claim(Session, claim_lease: timedelta) -> datetime | None:
    """When the newest row still "sending" was claimed; None when none is."""
    with Session() as session:
        until = session.scalar(select(func.max(AlertOutbox.next_attempt_at)).where(AlertOutbox.status == "sending"))
    return None if until is None else until - claim_lease


def _fix_digest_ids(session, claimed: list[Claimed], now: datetime) -> None:
    """A digest's rows share one Message-ID, fixed the first time they are claimed together."""
    fresh: dict[tuple[str, str], list[Claimed]] = OrderedDict()
    for c in claimed:
        if c.mode == "digest" and not c.message_id:
            fresh.setdefault((c.channel, c.recipient), []).append(c)
    for (_channel, recipient), group in fresh.items():
        ids = ",".join(str(c.id) for c in group)
        mid = (f"<digest-{now.astimezone(VN_TZ):%Y%m%d}."
               f"{hashlib.sha1(f'{recipient}|{ids}'.encode()).hexdigest()[:12]}@portalwatch>")
        session.execute(update(AlertOutbox).where(AlertOutbox.id.in_([c.id for c in group]))
                        .values(message_id=mid).execution_options(synchronize_session=False))
        for c in group:
            c.message_id = mid


def mark_sent(Session, rows: list[Claimed], now: datetime) -> None:
    with Session() as session, session.begin():
        for c in rows:
            session.execute(update(AlertOutbox).where(AlertOutbox.id == c.id, AlertOutbox.status == "sending",
                                                      AlertOutbox.attempts == c.attempts)
                            .values(status="sent", sent_at=now, last_error="")
                            .execution_options(synchronize_session=False))


def mark_failed(Session, ruleset: RuleSet, rows: list[Claimed], error: str, now: datetime) -> tuple[int, int]:
    """Back to pending after backoff (and quiet hours), or failed after max_attempts: (failed, retrying)."""
    d = ruleset.delivery
    failed = retrying = 0
    with Session() as session, session.begin():
        for c in rows:
            if c.attempts >= d.max_attempts:
                values = {"status": "failed"}
                failed += 1
            else:
                due = now + d.backoff_after(c.attempts)
                rule = ruleset.rule(c.rule)
                if rule is not None and c.mode == "immediate":
                    due = rule.quiet_until(due) or due
                values = {"status": "pending", "next_attempt_at": due}
                retrying += 1
            session.execute(update(AlertOutbox).where(AlertOutbox.id == c.id, AlertOutbox.status == "sending",
                                                      AlertOutbox.attempts == c.attempts)
                            .values(last_error=error[:2000], **values).execution_options(synchronize_session=False))
    return failed, retrying


def retry_failed(Session, now: datetime | None = None) -> int:
    """Failed rows back to pending, due now, with a fresh attempt budget (last_error is kept)."""
    now = now or utcnow()
    with Session() as session, session.begin():
        return session.execute(update(AlertOutbox).where(AlertOutbox.status == "failed")
                               .values(status="pending", attempts=0, next_attempt_at=now)
                               .execution_options(synchronize_session=False)).rowcount


def outbox_rows(Session, status: str | None = None, limit: int = 200) -> list[dict]:
    """The outbox newest first, as `portalwatch alerts list` prints it."""
    def iso(value):
        return value.astimezone(VN_TZ).isoformat(timespec="seconds") if value else None

    with Session() as session:
        query = (select(AlertOutbox, Event.kind, Event.payload, Portal.key).join(Event, Event.id == AlertOutbox.event_id)
                 .join(Portal, Portal.id == Event.portal_id).order_by(AlertOutbox.id.desc()).limit(limit))
        if status:
            query = query.where(AlertOutbox.status == status)
        return [{"id": row.id, "event_id": row.event_id, "kind": kind, "site": site,
                 "what": label_of(kind, payload),
                 "channel": row.channel, "recipient": row.recipient, "rule": row.rule, "mode": row.mode,
                 "status": row.status, "attempts": row.attempts, "next_attempt_at": iso(row.next_attempt_at),
                 "last_error": row.last_error, "message_id": row.message_id,
                 "created_at": iso(row.created_at), "sent_at": iso(row.sent_at)}
                for row, kind, payload, site in session.execute(query)]
