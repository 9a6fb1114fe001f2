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
"""
from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cached_property

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from vntext.dates import VN_TZ
from vntext.textnorm import fold
from db.models import AlertOutbox, Article, Document, DocumentMention, Event, Portal, ViewSample, utcnow
from monitor.mailer import DeliveryError, SmtpTransport, post_webhook
from monitor.rules import DOC_TYPES, KIND_NAMES, RuleSet, channel_of

log = logging.getLogger("portalwatch.alerts")
STATUSES = ("pending", "sending", "sent", "failed")
FIELD_NAMES = {"title": "Tiêu đề", "summary": "Tóm tắt", "body_text": "Nội dung", "author": "Tác giả",
               "category": "Chuyên mục", "published_at": "Ngày đăng", "updated_at": "Ngày cập nhật",
               "attachments": "Tệp đính kèm"}

_env = Environment(loader=PackageLoader("monitor", "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


# ---- formatting helpers -------------------------------------------------------------------------
def vn_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def vn_number(value) -> str:
    if value is None:
        return "?"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{int(value):,}".replace(",", ".")


def short(text: str, limit: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def portal_short(name: str) -> str:
    """"Quận Bắc Từ Liêm (cổng 2024)" → "Quận Bắc Từ Liêm" for subjects."""
    head = name.split(" (", 1)[0].strip()
    return head or name


def _excerpt_diff(old: str, new: str, context: int = 60, limit: int = 300) -> tuple[str, str]:
    """Long texts: only the changed stretch, with a little context on each side."""
    old, new = old or "", new or ""
    if len(old) <= limit and len(new) <= limit:
        return old, new
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    start = max(prefix - context, 0)

    def cut(text):
        end = min(len(text) - suffix + context, len(text))
        piece = text[start:end]
        piece = piece if len(piece) <= limit else piece[:limit] + "…"
        return ("…" if start else "") + piece + ("…" if end < len(text) else "")
    return cut(old), cut(new)


def _show(value) -> str:
    if value is None or value == "":
        return "(trống)"
    if isinstance(value, list):
        return ", ".join(a.get("file_name") or a.get("title") or a.get("url", "") if isinstance(a, dict) else str(a)
                         for a in value) or "(không có)"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        return vn_date(value)
    return str(value)


# ---- one event, as rules and templates see it ---------------------------------------------------
class EventView:
    def __init__(self, session, event: Event, portals: dict | None = None):
        self.session = session
        self.event = event
        self.kind = event.kind
        self.payload = event.payload or {}
        portals = {} if portals is None else portals
        if event.portal_id not in portals:
            portals[event.portal_id] = session.get(Portal, event.portal_id)
        self.portal = portals[event.portal_id]
        self.portal_key = self.portal.key if self.portal else ""
        self.portal_name = self.portal.name if self.portal else f"portal {event.portal_id}"

    @cached_property
    def article(self) -> Article | None:
        return self.session.get(Article, self.event.article_id) if self.event.article_id else None

    @cached_property
    def documents(self) -> list[Document]:
        if self.event.document_id:
            doc = self.session.get(Document, self.event.document_id)
            return [doc] if doc else []
        if self.event.article_id:
            return list(self.session.scalars(select(Document).join(
                DocumentMention, DocumentMention.document_id == Document.id).where(
                DocumentMention.article_id == self.event.article_id).order_by(Document.id)))
        return []

    @property
    def title(self) -> str:
        p = self.payload
        return (p.get("article") or {}).get("title") or p.get("title") or (self.article.title if self.article else "")

    @property
    def url(self) -> str:
        p = self.payload
        return (p.get("article") or {}).get("url") or p.get("url") or (self.article.url if self.article else "")

    def folded_texts(self) -> list[tuple[str, str]]:
        body = " ".join(filter(None, [self.article.summary if self.article else "",
                                      self.article.body_text if self.article else "",
                                      self.payload.get("sentence", "")]))
        return [("tiêu đề", fold(self.title)), ("nội dung", fold(body))]

    @property
    def views(self):
        p = self.payload
        for value in (p.get("views_after"), p.get("views"), (p.get("article") or {}).get("views")):
            if value is not None:
                return value
        return self.article.views if self.article else None

    @property
    def delta(self):
        p = self.payload
        if p.get("delta") is not None:
            return p["delta"]
        if p.get("views_after") is not None and p.get("views_before") is not None:
            return p["views_after"] - p["views_before"]
        return None

    @property
    def percent(self):
        p = self.payload
        if p.get("percent") is not None:
            return p["percent"]
        if self.delta is not None and p.get("views_before"):
            return round(100 * self.delta / p["views_before"], 1)
        return None

    # ---- what the templates show ------------------------------------------------------------
    def headline(self) -> str:
        p, k = self.payload, self.kind
        if k == "new_document":
            name = p.get("type_name") or DOC_TYPES.get(p.get("type") or "", "") or "Văn bản"
            return f"{name} mới: {p.get('canonical', '')}"
        if k == "views_spike":
            return f"Lượt xem tăng vọt (+{vn_number(self.delta)}): {short(self.title, 70)}"
        if k == "views_milestone":
            return f"Vượt {vn_number(p.get('milestone'))} lượt xem: {short(self.title, 70)}"
        if k == "source_down":
            return f"Cổng không truy cập được từ {vn_date(p.get('since'))}"
        if k in ("source_up", "source_stale", "extraction_degraded"):
            return KIND_NAMES[k]
        return f"{KIND_NAMES.get(k, k)}: {short(self.title, 70)}"

    def subject(self) -> str:
        return f"[portalwatch] {self.headline()} — {portal_short(self.portal_name)}"

    def facts(self) -> list[tuple[str, str]]:
        p, k, out = self.payload, self.kind, []
        if k == "new_document":
            out += [("Số, ký hiệu", p.get("canonical", "")),
                    ("Loại văn bản", f"{p.get('type_name') or '?'}" + (f" ({p['type']})" if p.get("type") else "")),
                    ("Cơ quan ban hành", p.get("issuer") or "không rõ"),
                    ("Ngày ban hành", vn_date(p.get("issued_on")) or "không rõ"),
                    ("Hệ thống", "văn bản của Đảng" if p.get("system") == "party" else "văn bản nhà nước")]
        elif k in ("views_spike", "views_milestone"):
            out += [("Lượt xem trước", vn_number(p.get("views_before"))),
                    ("Lượt xem hiện tại", vn_number(p.get("views_after"))),
                    ("Tăng thêm", f"+{vn_number(self.delta)}" + (f" ({vn_number(self.percent)}%)"
                                                                   if self.percent is not None else ""))]
            if p.get("per_hour") is not None:
                out.append(("Tốc độ", f"{vn_number(p['per_hour'])} lượt/giờ (trước đó {vn_number(p.get('baseline_per_hour'))} lượt/giờ)"))
            if p.get("milestone"):
                out.append(("Mốc", vn_number(p["milestone"])))
        elif k == "source_down":
            out += [("Không truy cập được từ", vn_date(p.get("since"))),
                    ("Số lần thu thập thất bại liên tiếp", str(p.get("failed_runs", "?")))]
        elif k == "source_up":
            out += [("Gián đoạn từ", vn_date(p.get("down_since"))),
                    ("Số lần thất bại trước đó", str(p.get("failed_runs", "?")))]
        elif k == "source_stale":
            out += [("Bài mới gần nhất", vn_date(p.get("last_new_article")))]
        elif k == "extraction_degraded":
            for name, info in (p.get("fields") or {}).items():
                out.append((f"Trường {FIELD_NAMES.get(name, name)}",
                            f"{info.get('coverage', 0):.0%} bài có (trước đó {info.get('before', 0):.0%}, ngưỡng {info.get('floor', 0):.0%})"))
        elif k == "removed":
            out += [("Lý do", p.get("reason", ""))]
        elif k == "restored":
            out += [("Bị gỡ lúc", vn_date(p.get("removed_at")))]
        published = (p.get("article") or {}).get("published_at") or p.get("published_at")
        if published:
            out.append(("Ngày đăng bài", vn_date(published)))
        return out

    def changes(self) -> list[dict]:
        out = []
        for name, diff in (self.payload.get("changes") or {}).items():
            old, new = diff.get("old"), diff.get("new")
            if isinstance(old, str) and isinstance(new, str):
                old, new = _excerpt_diff(old, new)
            out.append({"field": FIELD_NAMES.get(name, name), "old": _show(old), "new": _show(new)})
        return out

    def context(self) -> dict:
        return {"kind": self.kind, "kind_name": KIND_NAMES.get(self.kind, self.kind), "headline": self.headline(),
                "subject": self.subject(), "portal": self.portal_name, "portal_key": self.portal_key,
                "title": self.title, "url": self.url, "facts": self.facts(), "changes": self.changes(),
                "sentence": self.payload.get("sentence", ""), "errors": self.payload.get("errors") or [],
                "occurred": vn_date(self.event.occurred_at), "event_id": self.event.id, "delta": self.delta}


# ---- enqueue ------------------------------------------------------------------------------------
def _message_id(event_id: int, recipient: str) -> str:
    return f"<event-{event_id}.{hashlib.sha1(recipient.encode('utf-8')).hexdigest()[:12]}@portalwatch>"


def enqueue(Session, ruleset: RuleSet, *, event_ids=None, since: datetime | None = None,
            now: datetime | None = None) -> int:
    """Queue every matching (event, channel, recipient) not queued yet; returns the rows written.

    Events: the given ids, else those created since `since` (default: now − delivery.lookback).
    """
    now = now or utcnow()
    written = 0
    with Session() as session, session.begin():
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
        portals: dict = {}
        for event in events:
            view = EventView(session, event, portals)
            for (channel, recipient), (rule, _reasons) in ruleset.targets(view).items():
                if (event.id, channel, recipient) in existing:
                    continue
                if rule.mode == "digest":
                    due, message_id = rule.next_digest(event.created_at), ""
                else:
                    due, message_id = rule.quiet_until(now) or now, _message_id(event.id, recipient)
                row = AlertOutbox(event_id=event.id, channel=channel, recipient=recipient, rule=rule.name,
                                  mode=rule.mode, status="pending", attempts=0, next_attempt_at=due, last_error="",
                                  message_id=message_id, created_at=now)
                try:
                    with session.begin_nested():
                        session.add(row)
                except IntegrityError:  # another process queued it first
                    continue
                existing.add((event.id, channel, recipient))
                written += 1
    return written


# ---- deliver ------------------------------------------------------------------------------------
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


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)


def _claim(Session, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
    claimed: list[Claimed] = []
    with Session() as session, session.begin():
        rows = session.execute(select(
            AlertOutbox.id, AlertOutbox.event_id, AlertOutbox.channel, AlertOutbox.recipient, AlertOutbox.rule,
            AlertOutbox.mode, AlertOutbox.status, AlertOutbox.attempts, AlertOutbox.message_id).where(
            AlertOutbox.status.in_(("pending", "sending")), AlertOutbox.next_attempt_at <= now)
            .order_by(AlertOutbox.id).limit(limit)).all()
        for r in rows:
            done = session.execute(
                update(AlertOutbox).where(AlertOutbox.id == r.id, AlertOutbox.status == r.status,
                                          AlertOutbox.attempts == r.attempts)
                .values(status="sending", attempts=r.attempts + 1, next_attempt_at=now + lease)
                .execution_options(synchronize_session=False)).rowcount
            if done == 1:
                claimed.append(Claimed(r.id, r.event_id, r.channel, r.recipient, r.rule, r.mode, r.attempts + 1,
                                       r.message_id))
        # A digest's rows share one Message-ID, fixed the first time they are claimed together.
        fresh: dict[tuple[str, str], list[Claimed]] = OrderedDict()
        for c in claimed:
            if c.mode == "digest" and not c.message_id:
                fresh.setdefault((c.channel, c.recipient), []).append(c)
        for (channel, recipient), group in fresh.items():
            ids = ",".join(str(c.id) for c in group)
            mid = (f"<digest-{now.astimezone(VN_TZ):%Y%m%d}."
                   f"{hashlib.sha1(f'{recipient}|{ids}'.encode()).hexdigest()[:12]}@portalwatch>")
            session.execute(update(AlertOutbox).where(AlertOutbox.id.in_([c.id for c in group]))
                            .values(message_id=mid).execution_options(synchronize_session=False))
            for c in group:
                c.message_id = mid
    return claimed


def _mark_sent(Session, rows: list[Claimed], now: datetime) -> None:
    with Session() as session, session.begin():
        for c in rows:
            session.execute(update(AlertOutbox).where(AlertOutbox.id == c.id, AlertOutbox.status == "sending",
                                                      AlertOutbox.attempts == c.attempts)
                            .values(status="sent", sent_at=now, last_error="")
                            .execution_options(synchronize_session=False))


def _mark_failed(Session, ruleset: RuleSet, rows: list[Claimed], error: str, now: datetime, report) -> None:
    d = ruleset.delivery
    with Session() as session, session.begin():
        for c in rows:
            if c.attempts >= d.max_attempts:
                values = {"status": "failed"}
                report.failed += 1
            else:
                due = now + d.backoff_after(c.attempts)
                rule = ruleset.rule(c.rule)
                if rule is not None and c.mode == "immediate":
                    due = rule.quiet_until(due) or due
                values = {"status": "pending", "next_attempt_at": due}
                report.retrying += 1
            session.execute(update(AlertOutbox).where(AlertOutbox.id == c.id, AlertOutbox.status == "sending",
                                                      AlertOutbox.attempts == c.attempts)
                            .values(last_error=error[:2000], **values).execution_options(synchronize_session=False))
    log.warning("alert delivery failed for %d row(s): %s", len(rows), error)


def render_immediate(session, ruleset: RuleSet, c: Claimed, now: datetime) -> dict:
    event = session.get(Event, c.event_id)
    view = EventView(session, event)
    rule = ruleset.rule(c.rule)
    reasons = (rule.match(view) if rule else None) or [f"quy tắc “{c.rule}” (nay không còn trong tệp quy tắc)"]
    ctx = view.context() | {"rule": c.rule, "reasons": reasons, "recipient": c.recipient,
                            "sent_at": vn_date(now), "message_id": c.message_id}
    return {"subject": ctx["subject"], "text": _env.get_template("immediate.txt").render(ctx),
            "html": _env.get_template("immediate.html").render(ctx), "context": ctx,
            "json": {"kind": view.kind, "portal": view.portal_key, "portal_name": view.portal_name,
                     "event_id": event.id, "payload": view.payload, "rule": c.rule, "reasons": reasons}}


def _movers(session, portal_ids: list[int], since: datetime, now: datetime, limit: int = 3) -> dict[int, list[dict]]:
    """Per portal, the articles whose counter grew most since `since` (from the view time series)."""
    window = session.execute(
        select(Article.portal_id, Article.id, Article.title, Article.url, func.max(ViewSample.views),
               func.min(ViewSample.views))
        .join(ViewSample, ViewSample.article_id == Article.id)
        .where(Article.portal_id.in_(portal_ids), ViewSample.last_at >= since, ViewSample.first_at <= now)
        .group_by(Article.portal_id, Article.id, Article.title, Article.url)).all()
    if not window:
        return {}
    before = dict(session.execute(
        select(ViewSample.article_id, func.max(ViewSample.views))
        .where(ViewSample.article_id.in_([row[1] for row in window]), ViewSample.last_at < since)
        .group_by(ViewSample.article_id)).all())
    ranked = sorted(((row[4] - before.get(row[1], row[5]), row) for row in window), key=lambda x: (-x[0], x[1][1]))
    out: dict[int, list[dict]] = {}
    for delta, (portal_id, _id, title, url, views, _low) in ranked:
        if delta > 0 and len(out.setdefault(portal_id, [])) < limit:
            out[portal_id].append({"title": title, "url": url, "views": vn_number(views), "delta": vn_number(delta)})
    return out


def render_digest(session, ruleset: RuleSet, group: list[Claimed], now: datetime) -> dict:
    events = {e.id: e for e in session.scalars(select(Event).where(Event.id.in_([c.event_id for c in group])))}
    portals: dict = {}
    by_portal: dict[int, dict] = OrderedDict()
    rules_used = sorted({c.rule for c in group})
    weekly = any((r := ruleset.rule(name)) is not None and r.digest == "weekly" for name in rules_used)
    for c in sorted(group, key=lambda c: (events[c.event_id].portal_id, events[c.event_id].kind, c.event_id)):
        view = EventView(session, events[c.event_id], portals)
        entry = by_portal.setdefault(view.event.portal_id, {"name": view.portal_name, "key": view.portal_key,
                                                             "kinds": OrderedDict(), "movers": []})
        entry["kinds"].setdefault(view.kind, {"name": KIND_NAMES.get(view.kind, view.kind), "items": []})
        entry["kinds"][view.kind]["items"].append(view.context())
    since = now - timedelta(days=7 if weekly else 1)
    for portal_id, movers in _movers(session, list(by_portal), since, now).items():
        by_portal[portal_id]["movers"] = movers
    label = "Bản tin tuần" if weekly else "Bản tin ngày"
    day = now.astimezone(VN_TZ).strftime("%d/%m/%Y")
    subject = f"[portalwatch] {label} {day}: {len(group)} sự kiện"
    if len(by_portal) == 1:
        subject += f" — {portal_short(next(iter(by_portal.values()))['name'])}"
    ctx = {"subject": subject, "label": label, "day": day, "since": vn_date(since), "portals": list(by_portal.values()),
           "count": len(group), "rules": rules_used, "recipient": group[0].recipient, "sent_at": vn_date(now)}
    return {"subject": subject, "text": _env.get_template("digest.txt").render(ctx),
            "html": _env.get_template("digest.html").render(ctx), "context": ctx,
            "json": {"digest": True, "events": [c.event_id for c in group], "rules": rules_used}}


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


def deliver(Session, ruleset: RuleSet, *, now: datetime | None = None, limit: int = 500,
            transport: SmtpTransport | None = None, webhook=post_webhook) -> DeliveryReport:
    """Send every due outbox row (immediate ones one by one, digest ones grouped per recipient)."""
    now = now or utcnow()
    report = DeliveryReport()
    claimed = _claim(Session, now, ruleset.delivery.lease, limit)
    if not claimed:
        return report
    groups: dict[tuple, list[Claimed]] = OrderedDict()
    for c in claimed:
        key = (c.channel, c.recipient, c.message_id) if c.mode == "digest" else (c.id,)
        groups.setdefault(key, []).append(c)
    own_transport = transport is None
    transport = transport or SmtpTransport(ruleset.smtp)
    connection_error: str | None = None
    try:
        for rows in groups.values():
            first = rows[0]
            try:
                with Session() as session:
                    rendered = (render_digest(session, ruleset, rows, now) if first.mode == "digest"
                                else render_immediate(session, ruleset, first, now))
                if first.channel == "webhook":
                    payload = {"text": rendered["text"], "subject": rendered["subject"],
                               "message_id": first.message_id, **rendered["json"]}
                    webhook(first.recipient, payload, message_id=first.message_id)
                else:
                    if connection_error:  # the server was unreachable a moment ago: do not hammer it
                        raise DeliveryError(connection_error)
                    try:
                        transport.send(build_email(ruleset, first.recipient, rendered, first.message_id, now,
                                                   rule=first.rule if first.mode == "immediate" else ""))
                    except DeliveryError as exc:
                        if "connection refused" in str(exc) or "timed out" in str(exc):
                            connection_error = str(exc)
                        raise
            except DeliveryError as exc:
                report.errors.append(str(exc))
                _mark_failed(Session, ruleset, rows, str(exc), now, report)
                continue
            except Exception as exc:  # a bug rendering one alert must not lose it or block the rest
                log.exception("cannot render alert rows %s", [c.id for c in rows])
                report.errors.append(f"{type(exc).__name__}: {exc}")
                _mark_failed(Session, ruleset, rows, f"internal error: {type(exc).__name__}: {exc}", now, report)
                continue
            # The at-least-once boundary: the message is out; a crash before this commit resends it.
            _mark_sent(Session, rows, now)
            report.sent += len(rows)
            report.messages += 1
    finally:
        if own_transport:
            transport.close()
    return report


def retry_failed(Session, now: datetime | None = None) -> int:
    """Failed rows back to pending, due now, with a fresh attempt budget (last_error is kept)."""
    now = now or utcnow()
    with Session() as session, session.begin():
        return session.execute(update(AlertOutbox).where(AlertOutbox.status == "failed")
                               .values(status="pending", attempts=0, next_attempt_at=now)
                               .execution_options(synchronize_session=False)).rowcount


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
    enqueue(Session, ruleset, event_ids=event_ids, now=now)
    return deliver(Session, ruleset, now=now)


def outbox_rows(Session, status: str | None = None, limit: int = 200) -> list[dict]:
    with Session() as session:
        query = (select(AlertOutbox, Event.kind, Event.payload, Portal.key).join(Event, Event.id == AlertOutbox.event_id)
                 .join(Portal, Portal.id == Event.portal_id).order_by(AlertOutbox.id.desc()).limit(limit))
        if status:
            query = query.where(AlertOutbox.status == status)
        out = []
        for row, kind, payload, site in session.execute(query):
            iso = lambda v: v.astimezone(VN_TZ).isoformat(timespec="seconds") if v else None  # noqa: E731
            out.append({"id": row.id, "event_id": row.event_id, "kind": kind, "site": site,
                        "what": (payload or {}).get("canonical") or (payload or {}).get("title") or "",
                        "channel": row.channel, "recipient": row.recipient, "rule": row.rule, "mode": row.mode,
                        "status": row.status, "attempts": row.attempts, "next_attempt_at": iso(row.next_attempt_at),
                        "last_error": row.last_error, "message_id": row.message_id,
                        "created_at": iso(row.created_at), "sent_at": iso(row.sent_at)})
        return out


def sample_message(ruleset: RuleSet, address: str, now: datetime | None = None) -> EmailMessage:
    now = now or utcnow()
    text = (f"Xin chào,\n\nĐây là thư thử nghiệm của portalwatch, gửi lúc {vn_date(now)} (giờ Việt Nam)\n"
            f"qua máy chủ {ruleset.smtp.host}:{ruleset.smtp.port} ({ruleset.smtp.security}).\n"
            "Nếu bạn đọc được dòng này với đầy đủ dấu tiếng Việt (Nghị quyết, Hội đồng nhân dân, Đảng ủy),\n"
            "cấu hình gửi thư đã hoạt động.\n\n— portalwatch\n")
    html = "<html><body>" + "".join(f"<p>{line}</p>" for line in text.split("\n\n")) + "</body></html>"
    mid = f"<test-{now:%Y%m%d%H%M%S}.{hashlib.sha1(address.encode()).hexdigest()[:12]}@portalwatch>"
    return build_email(ruleset, address, {"subject": "[portalwatch] Thư thử nghiệm — cấu hình gửi thư",
                                          "text": text, "html": html}, mid, now)


__all__ = ["EventView", "enqueue", "deliver", "retry_failed", "process", "outbox_rows", "render_immediate",
           "render_digest", "build_email", "DeliveryReport", "STATUSES", "channel_of"]
