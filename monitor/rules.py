"""Alert subscriptions: who gets which events, how, and when. A TOML file, validated.

`--rules FILE`, else $PORTALWATCH_RULES, else the shipped monitor/default_rules.toml. An error
names the file, the line and the field, e.g. `rules.toml:14: rule[2].doc_types: unknown
document type 'NQQ' (known: BB, BC, …)`.

    recipients = ["ban.tuyen.giao@example.vn"]   # for every rule that names none of its own
    # ($PORTALWATCH_ALERT_TO, comma-separated, adds to this list)

    [smtp]
    host = "smtp.example.vn"
    port = 587
    security = "starttls"          # starttls | ssl | plain
    from = "portalwatch <canh-bao@example.vn>"
    username = "canh-bao"          # password: $PORTALWATCH_SMTP_PASSWORD or password_file, never here
    password_file = "~/.config/portalwatch/smtp-password"

    [delivery]
    max_attempts = 8               # then status = failed (listed, retried by `portalwatch alerts retry`)
    backoff = "1m"                 # first retry after …, doubling, at most max_backoff
    max_backoff = "6h"

    [[rule]]
    name = "nghi-quyet-moi"
    kinds = ["new_document"]
    doc_types = ["NQ", "CT", "CTr"]  # Decree 30/2020 and Party (HD 36) codes
    issuers = ["TW", "TU", "HĐND", "UBND"]
    portals = ["bactuliem"]          # registry keys; default: every portal
    keywords = ["đất đai"]           # any of them, diacritics optional ("dat dai" is the same)
    min_views = 1000                 # views thresholds: min_views, min_delta, min_percent
    mode = "immediate"               # or "digest"
    quiet_hours = "22:00-06:30"      # immediate alerts in this window wait for its end
    digest = "daily"                 # digest mode: daily | weekly
    digest_at = "07:00"              # Asia/Ho_Chi_Minh
    digest_day = "monday"            # weekly digests
    recipients = ["https://chat.example.vn/hooks/abc"]   # email addresses and/or webhook URLs

An event goes to a recipient at most once (one outbox row per event, channel and recipient):
when several rules match, an immediate rule wins over a digest rule, then the first in the file.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from pathlib import Path

from vntext.dates import VN_TZ
from vntext.doctypes import TYPE_NAMES_PARTY, TYPE_NAMES_STATE
from vntext.textnorm import clean_text, fold
from monitor.config import _line_of, parse_duration
from monitor.mailer import SmtpSettings

DEFAULT_RULES = Path(__file__).with_name("default_rules.toml")
RULES_ENV = "PORTALWATCH_RULES"
ALERT_TO_ENV = "PORTALWATCH_ALERT_TO"

KIND_NAMES = {
    "new_document": "Văn bản mới",
    "new_article": "Bài viết mới",
    "edited": "Bài viết được sửa",
    "views_spike": "Lượt xem tăng vọt",
    "views_milestone": "Mốc lượt xem",
    "removed": "Bài viết bị gỡ",
    "restored": "Bài viết được khôi phục",
    "source_down": "Cổng không truy cập được",
    "source_up": "Cổng hoạt động trở lại",
    "source_stale": "Cổng lâu không có bài mới",
    "extraction_degraded": "Trích xuất dữ liệu suy giảm",
}
DOC_TYPES = {**{k: v for k, v in TYPE_NAMES_STATE.items()}, **TYPE_NAMES_PARTY}
DOC_TYPES["NQ"], DOC_TYPES["CT"] = "Nghị quyết", "Chỉ thị"
_DOC_CODES = {code.upper(): code for code in DOC_TYPES}
# ASCII spellings people type for issuers with Đ.
_ISSUER_ALIASES = {"HDND": "HĐND", "DU": "ĐU", "DUK": "ĐUK", "BCSD": "BCSĐ", "TƯ": "TƯ"}
_ISSUER_RE = re.compile(r"^[A-ZĐƯ0-9&]+(?:-[A-ZĐƯ0-9&]+)*$")
_EMAIL_RE = re.compile(r"^[^@\s<>\"(),;:]+@[A-Za-z0-9.-]+$")
_CLOCK_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
            "thu2": 0, "thu3": 1, "thu4": 2, "thu5": 3, "thu6": 4, "thu7": 5, "chunhat": 6}
RULE_FIELDS = {"name", "recipients", "kinds", "portals", "doc_types", "issuers", "keywords", "min_views", "min_delta",
               "min_percent", "include_baseline", "mode", "digest", "digest_at", "digest_day", "quiet_hours"}


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
        """The reasons (Vietnamese, for the reader) this rule matches the event, or None."""
        reasons: list[str] = []
        if ev.kind == "new_article" and ev.payload.get("baseline") and not self.include_baseline:
            return None  # the first crawl of a portal: every article is "new", none is news
        if self.kinds:
            if ev.kind not in self.kinds:
                return None
            reasons.append(f"loại sự kiện: {KIND_NAMES.get(ev.kind, ev.kind)}")
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
        for attr, label, value in (("min_views", "lượt xem", ev.views), ("min_delta", "lượt xem tăng thêm", ev.delta),
                                   ("min_percent", "tỷ lệ tăng lượt xem (%)", ev.percent)):
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


# ---- parsing ------------------------------------------------------------------------------------
def _rule_line(text: str, index: int, key: str | None) -> int:
    """Line of `key` inside the index-th [[rule]] table (or of its header)."""
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines, 1) if re.match(r"^\s*\[\[\s*rule\s*\]\]", line)]
    if index >= len(headers):
        return 1
    start = headers[index]
    if key:
        for offset, candidate in enumerate(lines[start:], start + 1):
            if re.match(r"^\s*\[", candidate):
                break
            if re.match(rf"^\s*{re.escape(key)}\s*=", candidate):
                return offset
    return start


def _top_line(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"^\s*\[", line):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return 1


def parse_rules(text: str, source: str = "<rules>", env: dict | None = None) -> RuleSet:
    env = os.environ if env is None else env
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{source}: not valid TOML: {exc}") from exc

    def fail(where: str, problem: str, line: int) -> RulesError:
        return RulesError(f"{source}:{line}: {where}: {problem}")

    known_top = {"recipients", "smtp", "delivery", "rule"}
    for key in data:
        if key not in known_top:
            raise fail(key, f"unknown field (known: {', '.join(sorted(known_top))})", _top_line(text, key))

    def recipients(value, where, line) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(where, "expected a list of email addresses and/or webhook URLs", line)
        out = []
        for item in value:
            item = item.strip()
            if channel_of(item) == "webhook":
                if not re.match(r"^https?://[^\s/]+", item):
                    raise fail(where, f"not a webhook URL: {item!r}", line)
            elif not _EMAIL_RE.match(item):
                raise fail(where, f"not an email address or http(s) URL: {item!r}", line)
            out.append(item)
        return tuple(out)

    top = recipients(data.get("recipients", []), "recipients", _top_line(text, "recipients"))
    extra = [a.strip() for a in env.get(ALERT_TO_ENV, "").split(",") if a.strip()]
    if extra:
        top += tuple(r for r in recipients(extra, f"${ALERT_TO_ENV}", 1) if r not in top)

    # [smtp]
    smtp_data = data.get("smtp", {})
    sline = lambda key: _line_of(text, f"smtp.{key}")  # noqa: E731
    if not isinstance(smtp_data, dict):
        raise fail("smtp", "expected a table", 1)
    smtp_known = {"host", "port", "security", "from", "username", "password_file", "timeout"}
    for key in smtp_data:
        if key == "password":
            raise fail("smtp.password", f"the password is never written in the rules file: set ${'PORTALWATCH_SMTP_PASSWORD'} "
                                        "or smtp.password_file", sline(key))
        if key not in smtp_known:
            raise fail(f"smtp.{key}", f"unknown field (known: {', '.join(sorted(smtp_known))})", sline(key))
    for key in ("host", "from", "username", "password_file", "security"):
        if key in smtp_data and not isinstance(smtp_data[key], str):
            raise fail(f"smtp.{key}", "expected a string", sline(key))
    security = smtp_data.get("security", "plain")
    if security not in ("starttls", "ssl", "plain"):
        raise fail("smtp.security", f"expected starttls, ssl or plain, not {security!r}", sline("security"))
    port = smtp_data.get("port", {"ssl": 465, "starttls": 587}.get(security, 25))
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise fail("smtp.port", "expected a port number (1-65535)", sline("port"))
    timeout = smtp_data.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise fail("smtp.timeout", "expected seconds (a positive number)", sline("timeout"))
    sender = smtp_data.get("from", SmtpSettings.sender)
    if not re.search(r"[^@\s<>]+@[^@\s<>]+", sender):
        raise fail("smtp.from", f"not an email address: {sender!r}", sline("from"))
    smtp = SmtpSettings(host=smtp_data.get("host", "localhost"), port=port, security=security, sender=sender,
                        username=smtp_data.get("username", ""), password_file=smtp_data.get("password_file", ""),
                        timeout=float(timeout))
    if env.get("PORTALWATCH_SMTP_HOST"):
        smtp = replace(smtp, host=env["PORTALWATCH_SMTP_HOST"])
    if env.get("PORTALWATCH_SMTP_PORT"):
        smtp = replace(smtp, port=int(env["PORTALWATCH_SMTP_PORT"]))
    if env.get("PORTALWATCH_SMTP_SECURITY") in ("starttls", "ssl", "plain"):
        smtp = replace(smtp, security=env["PORTALWATCH_SMTP_SECURITY"])

    # [delivery]
    d = data.get("delivery", {})
    dline = lambda key: _line_of(text, f"delivery.{key}")  # noqa: E731
    if not isinstance(d, dict):
        raise fail("delivery", "expected a table", 1)
    base = DeliverySettings()
    for key in d:
        if key not in DeliverySettings.__dataclass_fields__:
            raise fail(f"delivery.{key}", f"unknown field (known: {', '.join(DeliverySettings.__dataclass_fields__)})",
                       dline(key))
    values = {}
    for key, default in vars(base).items():
        if key not in d:
            continue
        if key == "max_attempts":
            if isinstance(d[key], bool) or not isinstance(d[key], int) or d[key] < 1:
                raise fail("delivery.max_attempts", "expected a positive integer", dline(key))
            values[key] = d[key]
        else:
            try:
                values[key] = parse_duration(d[key])
            except ValueError as exc:
                raise fail(f"delivery.{key}", str(exc), dline(key)) from None
    delivery = replace(base, **values)

    # [[rule]]
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise fail("rule", "expected [[rule]] tables", _top_line(text, "rule"))
    from crawler.registry import load_sites

    registry = load_sites()
    rules: list[Rule] = []
    for i, r in enumerate(raw_rules):
        label = f"rule[{i + 1}]"

        def bad(key, problem, _i=i):
            return fail(f"{label}.{key}" if key else label, problem, _rule_line(text, _i, key))

        name = r.get("name", f"rule-{i + 1}")
        if not isinstance(name, str) or not name.strip() or len(name) > 128:
            raise bad("name", "expected a non-empty name (at most 128 characters)")
        if any(x.name == name for x in rules):
            raise bad("name", f"another rule is already named {name!r}")
        label = f"rule[{i + 1}] ({name})"
        for key in r:
            if key not in RULE_FIELDS:
                raise bad(key, f"unknown field (known: {', '.join(sorted(RULE_FIELDS))})")

        def strings(key):
            value = r.get(key, [])
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise bad(key, "expected a list of strings")
            return [v.strip() for v in value]

        kinds = strings("kinds")
        for k in kinds:
            if k not in KIND_NAMES:
                raise bad("kinds", f"unknown event kind {k!r} (known: {', '.join(KIND_NAMES)})")
        portals = strings("portals")
        for p in portals:
            if p not in registry:
                raise bad("portals", f"unknown portal {p!r} (see `portalwatch sites`)")
        doc_types = []
        for t in strings("doc_types"):
            code = _DOC_CODES.get(clean_text(t).upper())
            if code is None:
                raise bad("doc_types", f"unknown document type {t!r} (known: {', '.join(sorted(DOC_TYPES))})")
            doc_types.append(code)
        issuers = []
        for s in strings("issuers"):
            value = clean_text(s).upper()
            value = _ISSUER_ALIASES.get(value, value)
            if not _ISSUER_RE.match(value):
                raise bad("issuers", f"not an issuer abbreviation like TU, HĐND, UBND: {s!r}")
            issuers.append(value)
        keywords = strings("keywords")
        for k in keywords:
            if not fold(k).strip():
                raise bad("keywords", f"empty keyword {k!r}")
        thresholds = {}
        for key in ("min_views", "min_delta", "min_percent"):
            if key in r:
                v = r[key]
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or (key != "min_percent" and not isinstance(v, int)):
                    raise bad(key, "expected a non-negative " + ("number" if key == "min_percent" else "integer"))
                thresholds[key] = v
        include_baseline = r.get("include_baseline", False)
        if not isinstance(include_baseline, bool):
            raise bad("include_baseline", "expected true or false")
        mode = r.get("mode", "immediate")
        if mode not in ("immediate", "digest"):
            raise bad("mode", f"expected immediate or digest, not {mode!r}")
        digest = r.get("digest", "daily")
        if digest not in ("daily", "weekly"):
            raise bad("digest", f"expected daily or weekly, not {digest!r}")

        def clock(key, value):
            m = _CLOCK_RE.match(str(value).strip()) if isinstance(value, str) else None
            if not m:
                raise bad(key, f"expected a local time HH:MM (Asia/Ho_Chi_Minh), not {value!r}")
            return time(int(m[1]), int(m[2]))

        digest_at = clock("digest_at", r["digest_at"]) if "digest_at" in r else time(7, 0)
        day = r.get("digest_day", "monday")
        day_key = fold(str(day)).replace(" ", "")
        if day_key not in WEEKDAYS:
            raise bad("digest_day", f"expected a weekday (monday … sunday), not {day!r}")
        quiet = None
        if "quiet_hours" in r:
            q = r["quiet_hours"]
            parts = q.split("-") if isinstance(q, str) else []
            if len(parts) != 2:
                raise bad("quiet_hours", f'expected "HH:MM-HH:MM" (Asia/Ho_Chi_Minh), not {q!r}')
            quiet = (clock("quiet_hours", parts[0]), clock("quiet_hours", parts[1]))
            if quiet[0] == quiet[1]:
                raise bad("quiet_hours", "start and end are the same time")
        own = recipients(r.get("recipients", []), f"{label}.recipients", _rule_line(text, i, "recipients"))
        rules.append(Rule(
            name=name, recipients=own, kinds=frozenset(kinds), portals=frozenset(portals),
            doc_types=frozenset(doc_types), issuers=frozenset(issuers), keywords=tuple(keywords),
            include_baseline=include_baseline, mode=mode, digest=digest, digest_at=digest_at,
            digest_day=WEEKDAYS[day_key], quiet_hours=quiet, **thresholds))
    return RuleSet(rules=tuple(rules), smtp=smtp, delivery=delivery, recipients=top, source=source)


def load_rules(path: str | None = None, env: dict | None = None) -> RuleSet:
    env = os.environ if env is None else env
    path = path or env.get(RULES_ENV) or str(DEFAULT_RULES)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"cannot read rules {path}: {exc.strerror or exc}") from exc
    return parse_rules(text, path, env)
