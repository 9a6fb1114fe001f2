"""Sending what the outbox holds: claim due rows, render, send by SMTP or webhook, mark."""
from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime

from vntext.dates import VN_TZ
from db.models import utcnow
from monitor.alerts import outbox
from monitor.alerts.outbox import Claimed
from monitor.alerts.baseline import SUMMARY
from monitor.alerts.render import render_digest, render_immediate, render_rule_summary, render_summary
from monitor.alerts.sightings import RULE_ADDED
from monitor.events.format import vn_date
from monitor.mailer import DeliveryError, SmtpTransport, post_webhook
from monitor.rules import RuleSet

log = logging.getLogger("portalwatch.alerts")


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)


class _MailPolicy(policy.EmailPolicy):
    """policy.SMTP, but unstructured non-ASCII headers are encoded by email.header.Header.

    Python 3.11's folder drops the space at a fold between an ASCII word and an encoded word
    ("23-NQ/TU — Quận" came back as "23-NQ/TU— Quận"); Header keeps every space inside the
    RFC 2047 encoded words.
    """

    _ENCODE = ("subject", "x-portalwatch-rule")

    def _header_encode(self, name, value) -> str | None:
        if name.lower() in self._ENCODE and not str(value).isascii():
            return f"{name}: " + Header(str(value), "utf-8", header_name=name).encode(linesep=self.linesep) + self.linesep
        return None

    def fold(self, name, value):
        return self._header_encode(name, value) or super().fold(name, value)

    def fold_binary(self, name, value):
        encoded = self._header_encode(name, value)
        return encoded.encode("ascii") if encoded else super().fold_binary(name, value)


MAIL_POLICY = _MailPolicy(linesep="\r\n")


def build_email(ruleset: RuleSet, recipient: str, rendered: dict, message_id: str, now: datetime,
                rule: str = "") -> EmailMessage:
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["Subject"] = rendered["subject"]
    msg["From"] = ruleset.smtp.sender
    msg["To"] = recipient
    msg["Date"] = format_datetime(now.astimezone(VN_TZ))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    if rule:
        msg["X-Portalwatch-Rule"] = rule
    msg.set_content(rendered["text"], cte="quoted-printable")
    msg.add_alternative(rendered["html"], subtype="html", cte="quoted-printable")
    return msg


class _Sender:
    """One delivery pass's channels; after a refused or timed-out SMTP connection, later mails of
    the pass fail at once instead of hammering the server."""

    def __init__(self, ruleset: RuleSet, transport: SmtpTransport, webhook):
        self.ruleset, self.transport, self.webhook = ruleset, transport, webhook
        self.connection_error: str | None = None

    def send(self, rows: list[Claimed], rendered: dict, now: datetime) -> None:
        first = rows[0]
        if first.channel == "webhook":
            payload = {"text": rendered["text"], "subject": rendered["subject"], "message_id": first.message_id,
                       **rendered["json"]}
            self.webhook(first.recipient, payload, message_id=first.message_id)
            return
        if self.connection_error:
            raise DeliveryError(self.connection_error)
        try:
            self.transport.send(build_email(self.ruleset, first.recipient, rendered, first.message_id, now,
                                            rule=first.rule if first.mode in ("immediate", RULE_ADDED) else ""))
        except DeliveryError as exc:
            if "connection refused" in str(exc) or "timed out" in str(exc):
                self.connection_error = str(exc)
            raise


def deliver(Session, ruleset: RuleSet, *, now: datetime | None = None, limit: int = 500,
            transport: SmtpTransport | None = None, webhook=post_webhook) -> DeliveryReport:
    """Send every due outbox row (immediate ones one by one, a digest's or a summary's rows as one mail)."""
    now = now or utcnow()
    report = DeliveryReport()
    claimed = outbox.claim(Session, now, ruleset.delivery.lease, limit)
    if not claimed:
        return report
    groups: dict[tuple, list[Claimed]] = OrderedDict()
    for c in claimed:
        key = (c.channel, c.recipient, c.message_id) if c.mode in ("digest", *outbox.SUMMARIES) else (c.id,)
        groups.setdefault(key, []).append(c)
    own_transport = transport is None
    sender = _Sender(ruleset, transport or SmtpTransport(ruleset.smtp), webhook)
    try:
        for rows in groups.values():
            _deliver_one(Session, ruleset, sender, rows, now, report)
    finally:
        if own_transport:
            sender.transport.close()
    return report


def _deliver_one(Session, ruleset: RuleSet, sender: _Sender, rows: list[Claimed], now: datetime,
                 report: DeliveryReport) -> None:
    """Render and send one message (one immediate row, or one digest's rows), then mark its rows."""
    try:
        with Session() as session:
            render = {"digest": render_digest, SUMMARY: render_summary,
                      RULE_ADDED: render_rule_summary}.get(rows[0].mode)
            rendered = render(session, ruleset, rows, now) if render else render_immediate(session, ruleset, rows[0], now)
        sender.send(rows, rendered, now)
    except DeliveryError as exc:
        _failed(Session, ruleset, rows, str(exc), str(exc), now, report)
        return
    except Exception as exc:  # a bug rendering one alert must not lose it or block the rest
        log.exception("cannot render alert rows %s", [c.id for c in rows])
        _failed(Session, ruleset, rows, f"{type(exc).__name__}: {exc}",
                f"internal error: {type(exc).__name__}: {exc}", now, report)
        return
    # The at-least-once boundary: the message is out; a crash before this commit resends it.
    outbox.mark_sent(Session, rows, now)
    report.sent += len(rows)
    report.messages += 1


def _failed(Session, ruleset, rows, reported: str, recorded: str, now: datetime, report: DeliveryReport) -> None:
    report.errors.append(reported)
    failed, retrying = outbox.mark_failed(Session, ruleset, rows, recorded, now)
    report.failed += failed
    report.retrying += retrying
    log.warning("alert delivery failed for %d row(s): %s", len(rows), recorded)


def has_recipients(ruleset: RuleSet) -> bool:
    return any(ruleset.recipients_of(rule) for rule in ruleset.rules)


def process(db_url: str, event_ids=None, rules_path: str | None = None, now: datetime | None = None,
            ruleset: RuleSet | None = None) -> DeliveryReport | None:
    """The scheduler's step after detection: queue alerts for these events, then send what is due."""
    from db.engine import session_factory
    from monitor.rules import load_rules

    ruleset = ruleset or load_rules(rules_path)
    if not has_recipients(ruleset):
        return None
    Session = session_factory(db_url)
    outbox.enqueue(Session, ruleset, event_ids=event_ids, now=now)
    return deliver(Session, ruleset, now=now)


def sample_message(ruleset: RuleSet, address: str, now: datetime | None = None) -> EmailMessage:
    """`portalwatch alerts send-test`: a mail that shows whether SMTP settings and Vietnamese text work."""
    now = now or utcnow()
    text = (f"Xin chào,\n\nĐây là thư thử nghiệm của portalwatch, gửi lúc {vn_date(now)} (giờ Việt Nam)\n"
            f"qua máy chủ {ruleset.smtp.host}:{ruleset.smtp.port} ({ruleset.smtp.security}).\n"
            "Nếu bạn đọc được dòng này với đầy đủ dấu tiếng Việt (Nghị quyết, Hội đồng nhân dân, Đảng ủy),\n"
            "cấu hình gửi thư đã hoạt động.\n\n— portalwatch\n")
    html = "<html><body>" + "".join(f"<p>{line}</p>" for line in text.split("\n\n")) + "</body></html>"
    mid = f"<test-{now:%Y%m%d%H%M%S}.{hashlib.sha1(address.encode()).hexdigest()[:12]}@portalwatch>"
    return build_email(ruleset, address, {"subject": "[portalwatch] Thư thử nghiệm — cấu hình gửi thư",
                                          "text": text, "html": html}, mid, now)
