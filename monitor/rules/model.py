"""Alert rules as values: a Rule matches an event (with the reasons, for the reader) and knows
its timing (quiet hours, digest slots); a RuleSet is a whole validated rules file."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from vntext.dates import VN_TZ
from vntext.textnorm import fold
from monitor.events import DOC_TYPES, KINDS
from monitor.mailer import SmtpSettings

WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
            "thu2": 0, "thu3": 1, "thu4": 2, "thu5": 3, "thu6": 4, "thu7": 5, "chunhat": 6}


class RulesError(ValueError):
    pass


def channel_of(recipient: str) -> str:
    return "webhook" if recipient.startswith(("http://", "https://")) else "email"


@dataclass(frozen=True)
class DeliverySettings:
    max_attempts: int = 8
    backoff: timedelta = timedelta(minutes=1)
    max_backoff: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=5)   # a row left "sending" this long by a dead process is sent again
    lookback: timedelta = timedelta(days=1)   # catch-up window for events not yet considered

    def backoff_after(self, attempts: int) -> timedelta:
        return min(self.backoff * (2 ** max(attempts - 1, 0)), self.max_backoff)


@dataclass(frozen=True)
class BaselineSettings:
    """What a portal's first crawl may send at once: only items published within `recent` of the
    crawl (Vietnam time); its older items go into one "portal added" summary per recipient. A new
    or changed rule, of the events detected before it: only items published within `recent` of
    now; the older go into one "rule added" summary per recipient."""

    recent: timedelta = timedelta(days=3)


@dataclass(frozen=True)
class Rule:
    name: str
    recipients: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset()
    portals: frozenset[str] = frozenset()
    doc_types: frozenset[str] = frozenset()
    issuers: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()
    min_views: int | None = None
    min_delta: int | None = None
    min_percent: float | None = None
    include_baseline: bool = False
    mode: str = "immediate"
    digest: str = "daily"
    digest_at: time = time(7, 0)
    digest_day: int = 0
    quiet_hours: tuple[time, time] | None = None

    # ---- matching ---------------------------------------------------------------------------
    def match(self, ev) -> list[str] | None:
        """The reasons (Vietnamese, for the reader) this rule matches the event, or None.

        `ev` is a monitor.events.EventView (or anything with its kind, typed payload, portal_key,
        portal_name, documents and folded_texts()).
        """
        reasons: list[str] = []
        if ev.payload.is_baseline() and not self.include_baseline:
            return None  # the first crawl of a portal: every article is "new", none is news
        if self.kinds:
            if ev.kind not in self.kinds:
                return None
            reasons.append(f"loại sự kiện: {KINDS[ev.kind].NAME}")
        if self.portals:
            if ev.portal_key not in self.portals:
                return None
            reasons.append(f"cổng: {ev.portal_name}")
        if self.doc_types or self.issuers:
            found = next((d for d in ev.documents if self._document_ok(d)), None)
            if found is None:
                return None
            if self.doc_types:
                reasons.append(f"loại văn bản: {found.type} ({found.type_name or DOC_TYPES.get(found.type, '')})"
                               f" — {found.canonical}")
            if self.issuers:
                reasons.append(f"cơ quan ban hành: {found.issuer}")
        if self.keywords:
            hit = next(((k, where) for k in self.keywords for where, text in ev.folded_texts() if _has_word(text, k)),
                       None)
            if hit is None:
                return None
            reasons.append(f"từ khóa “{hit[0]}” trong {hit[1]}")
        p = ev.payload
        for attr, label, value in (("min_views", "lượt xem", p.views()), ("min_delta", "lượt xem tăng thêm", p.growth()),
                                   ("min_percent", "tỷ lệ tăng lượt xem (%)", p.growth_percent())):
            threshold = getattr(self, attr)
            if threshold is None:
                continue
            if value is None or value < threshold:
                return None
            reasons.append(f"{label} ≥ {_num(threshold)} (thực tế {_num(value)})")
        if not reasons:
            reasons.append("mọi sự kiện")
        return reasons

    def _document_ok(self, doc) -> bool:
        if self.doc_types and doc.type not in self.doc_types:
            return False
        if self.issuers:
            issuer = (doc.issuer or "").upper()
            if issuer not in self.issuers and issuer.rsplit("-", 1)[-1] not in self.issuers:
                return False
        return True

    # ---- timing -----------------------------------------------------------------------------
    def quiet_until(self, at: datetime) -> datetime | None:
        """When the quiet hours holding `at` end, or None if `at` is outside them."""
        if not self.quiet_hours:
            return None
        start, end = self.quiet_hours
        local = at.astimezone(VN_TZ)
        t = local.time().replace(tzinfo=None)
        inside = (start <= t < end) if start < end else (t >= start or t < end)
        if not inside:
            return None
        until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        if until <= local:
            until += timedelta(days=1)
        return until

    def next_digest(self, after: datetime) -> datetime:
        """The first digest time of this rule strictly after `after` (Asia/Ho_Chi_Minh)."""
        local = after.astimezone(VN_TZ)
        slot = local.replace(hour=self.digest_at.hour, minute=self.digest_at.minute, second=0, microsecond=0)
        while slot <= local or (self.digest == "weekly" and slot.weekday() != self.digest_day):
            slot += timedelta(days=1)
        return slot

    def describe(self) -> str:
        parts = []
        if self.kinds:
            parts.append("kinds " + ", ".join(sorted(self.kinds)))
        if self.portals:
            parts.append("portals " + ", ".join(sorted(self.portals)))
        if self.doc_types:
            parts.append("document types " + ", ".join(sorted(self.doc_types)))
        if self.issuers:
            parts.append("issuers " + ", ".join(sorted(self.issuers)))
        if self.keywords:
            parts.append("keywords " + ", ".join(self.keywords))
        for attr in ("min_views", "min_delta", "min_percent"):
            if getattr(self, attr) is not None:
                parts.append(f"{attr} {getattr(self, attr)}")
        when = "immediately" if self.mode == "immediate" else (
            f"in a {self.digest} digest at {self.digest_at:%H:%M}"
            + (f" on {[k for k, v in WEEKDAYS.items() if v == self.digest_day][0]}s" if self.digest == "weekly" else ""))
        if self.quiet_hours:
            when += f", quiet {self.quiet_hours[0]:%H:%M}-{self.quiet_hours[1]:%H:%M}"
        return f"{'; '.join(parts) or 'every event'} → {when}"


def _num(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return f"{int(value):,}".replace(",", ".")


def _has_word(folded_text: str, keyword: str) -> bool:
    key = fold(keyword)
    return bool(key) and re.search(rf"(?<!\w){re.escape(key)}(?!\w)", folded_text) is not None


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    smtp: SmtpSettings = SmtpSettings()
    delivery: DeliverySettings = DeliverySettings()
    baseline: BaselineSettings = BaselineSettings()
    recipients: tuple[str, ...] = ()
    source: str = "(built-in)"

    def recipients_of(self, rule: Rule) -> tuple[str, ...]:
        return rule.recipients or self.recipients

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)

    def targets(self, ev) -> dict[tuple[str, str], tuple[Rule, list[str]]]:
        """(channel, recipient) → (the rule that wins, its reasons) for one event."""
        out: dict[tuple[str, str], tuple[Rule, list[str]]] = {}
        ordered = [r for r in self.rules if r.mode == "immediate"] + [r for r in self.rules if r.mode != "immediate"]
        for rule in ordered:
            recipients = self.recipients_of(rule)
            if not recipients:
                continue
            reasons = rule.match(ev)
            if reasons is None:
                continue
            for recipient in recipients:
                out.setdefault((channel_of(recipient), recipient), (rule, reasons))
        return out

    def with_overrides(self, **smtp) -> "RuleSet":
        return replace(self, smtp=replace(self.smtp, **smtp))
