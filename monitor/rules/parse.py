"""Reading a rules file: TOML → RuleSet, every problem reported with its file, line and field."""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import replace
from datetime import time
from pathlib import Path

from vntext.textnorm import clean_text, fold
from monitor.config import _line_of, key_line, parse_duration
from monitor.events import DOC_TYPES, KINDS
from monitor.mailer import SmtpSettings
from monitor.rules.model import WEEKDAYS, BaselineSettings, DeliverySettings, Rule, RuleSet, RulesError, channel_of

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "default_rules.toml"
RULES_ENV = "PORTALWATCH_RULES"
ALERT_TO_ENV = "PORTALWATCH_ALERT_TO"

RULE_FIELDS = {"name", "recipients", "kinds", "portals", "doc_types", "issuers", "keywords", "min_views", "min_delta",
               "min_percent", "include_baseline", "mode", "digest", "digest_at", "digest_day", "quiet_hours"}
SMTP_FIELDS = {"host", "port", "security", "from", "username", "password_file", "timeout"}
_DOC_CODES = {code.upper(): code for code in DOC_TYPES}
# ASCII spellings people type for issuers with Đ.
_ISSUER_ALIASES = {"HDND": "HĐND", "DU": "ĐU", "DUK": "ĐUK", "BCSD": "BCSĐ", "TƯ": "TƯ"}
_ISSUER_RE = re.compile(r"^[A-ZĐƯ0-9&]+(?:-[A-ZĐƯ0-9&]+)*$")
_EMAIL_RE = re.compile(r"^[^@\s<>\"(),;:]+@[A-Za-z0-9.-]+$")
_CLOCK_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class _Source:
    """The rules text and its name: line numbers for fields (tomllib keeps no positions) and errors."""

    def __init__(self, text: str, name: str):
        self.text, self.name = text, name

    def fail(self, where: str, problem: str, line: int) -> RulesError:
        return RulesError(f"{self.name}:{line}: {where}: {problem}")

    def top_line(self, key: str) -> int:
        for number, line in enumerate(self.text.splitlines(), 1):
            if re.match(r"^\s*\[", line):
                break
            if re.match(rf"^\s*{re.escape(key)}\s*=", line):
                return number
        return 1

    def table_line(self, dotted: str) -> int:
        return _line_of(self.text, dotted)

    def rule_line(self, index: int, key: str | None) -> int:
        """Line of `key` inside the index-th [[rule]] table (or of its header)."""
        lines = self.text.splitlines()
        headers = [n for n, line in enumerate(lines, 1) if re.match(r"^\s*\[\[\s*rule\s*\]\]", line)]
        if index >= len(headers):
            return 1
        start = headers[index]
        return (key_line(lines, start, key) if key else None) or start

    def recipients(self, value, where: str, line: int) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, "expected a list of email addresses and/or webhook URLs", line)
        out = []
        for item in value:
            item = item.strip()
            if channel_of(item) == "webhook":
                if not re.match(r"^https?://[^\s/]+", item):
                    raise self.fail(where, f"not a webhook URL: {item!r}", line)
            elif not _EMAIL_RE.match(item):
                raise self.fail(where, f"not an email address or http(s) URL: {item!r}", line)
            out.append(item)
        return tuple(out)


def parse_rules(text: str, source: str = "<rules>", env: dict | None = None) -> RuleSet:
    env = os.environ if env is None else env
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{source}: not valid TOML: {exc}") from exc
    src = _Source(text, source)
    known_top = {"recipients", "smtp", "delivery", "baseline", "rule"}
    for key in data:
        if key not in known_top:
            raise src.fail(key, f"unknown field (known: {', '.join(sorted(known_top))})", src.top_line(key))
    top = src.recipients(data.get("recipients", []), "recipients", src.top_line("recipients"))
    extra = [a.strip() for a in env.get(ALERT_TO_ENV, "").split(",") if a.strip()]
    if extra:
        top += tuple(r for r in src.recipients(extra, f"${ALERT_TO_ENV}", 1) if r not in top)
    smtp = _smtp(src, data.get("smtp", {}), env)
    delivery = _delivery(src, data.get("delivery", {}))
    baseline = _baseline(src, data.get("baseline", {}))
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise src.fail("rule", "expected [[rule]] tables", src.top_line("rule"))
    from crawler.registry import load_sites

    registry = load_sites()
    rules: list[Rule] = []
    for index, raw in enumerate(raw_rules):
        rules.append(_RuleTable(src, index, raw, rules, registry).parse())
    return RuleSet(rules=tuple(rules), smtp=smtp, delivery=delivery, baseline=baseline, recipients=top,
                   source=source)


def load_rules(path: str | None = None, env: dict | None = None) -> RuleSet:
    """`path`, else $PORTALWATCH_RULES, else the shipped monitor/default_rules.toml."""
    env = os.environ if env is None else env
    path = path or env.get(RULES_ENV) or str(DEFAULT_RULES)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"cannot read rules {path}: {exc.strerror or exc}") from exc
    return parse_rules(text, path, env)


# ---- [smtp] and [delivery] ------------------------------------------------------------------------
def _smtp(src: _Source, table, env) -> SmtpSettings:
    line = lambda key: src.table_line(f"smtp.{key}")  # noqa: E731
    if not isinstance(table, dict):
        raise src.fail("smtp", "expected a table", 1)
    for key in table:
        if key == "password":
            raise src.fail("smtp.password", "the password is never written in the rules file: set "
                                            "$PORTALWATCH_SMTP_PASSWORD or smtp.password_file", line(key))
        if key not in SMTP_FIELDS:
            raise src.fail(f"smtp.{key}", f"unknown field (known: {', '.join(sorted(SMTP_FIELDS))})", line(key))
    for key in ("host", "from", "username", "password_file", "security"):
        if key in table and not isinstance(table[key], str):
            raise src.fail(f"smtp.{key}", "expected a string", line(key))
    security = table.get("security", "plain")
    if security not in ("starttls", "ssl", "plain"):
        raise src.fail("smtp.security", f"expected starttls, ssl or plain, not {security!r}", line("security"))
    port = table.get("port", {"ssl": 465, "starttls": 587}.get(security, 25))
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise src.fail("smtp.port", "expected a port number (1-65535)", line("port"))
    timeout = table.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise src.fail("smtp.timeout", "expected seconds (a positive number)", line("timeout"))
    sender = table.get("from", SmtpSettings.sender)
    if not re.search(r"[^@\s<>]+@[^@\s<>]+", sender):
        raise src.fail("smtp.from", f"not an email address: {sender!r}", line("from"))
    smtp = SmtpSettings(host=table.get("host", "localhost"), port=port, security=security, sender=sender,
                        username=table.get("username", ""), password_file=table.get("password_file", ""),
                        timeout=float(timeout))
    return _smtp_from_env(smtp, env)


def _smtp_from_env(smtp: SmtpSettings, env) -> SmtpSettings:
    if env.get("PORTALWATCH_SMTP_HOST"):
        smtp = replace(smtp, host=env["PORTALWATCH_SMTP_HOST"])
    if env.get("PORTALWATCH_SMTP_PORT"):
        smtp = replace(smtp, port=int(env["PORTALWATCH_SMTP_PORT"]))
    if env.get("PORTALWATCH_SMTP_SECURITY") in ("starttls", "ssl", "plain"):
        smtp = replace(smtp, security=env["PORTALWATCH_SMTP_SECURITY"])
    return smtp


def _delivery(src: _Source, table) -> DeliverySettings:
    line = lambda key: src.table_line(f"delivery.{key}")  # noqa: E731
    if not isinstance(table, dict):
        raise src.fail("delivery", "expected a table", 1)
    base = DeliverySettings()
    known = DeliverySettings.__dataclass_fields__
    for key in table:
        if key not in known:
            raise src.fail(f"delivery.{key}", f"unknown field (known: {', '.join(known)})", line(key))
    values = {}
    for key in vars(base):
        if key not in table:
            continue
        if key == "max_attempts":
            if isinstance(table[key], bool) or not isinstance(table[key], int) or table[key] < 1:
                raise src.fail("delivery.max_attempts", "expected a positive integer", line(key))
            values[key] = table[key]
        else:
            try:
                values[key] = parse_duration(table[key])
            except ValueError as exc:
                raise src.fail(f"delivery.{key}", str(exc), line(key)) from None
    return replace(base, **values)


def _baseline(src: _Source, table) -> BaselineSettings:
    if not isinstance(table, dict):
        raise src.fail("baseline", "expected a table", src.top_line("baseline"))
    known = BaselineSettings.__dataclass_fields__
    for key in table:
        if key not in known:
            raise src.fail(f"baseline.{key}", f"unknown field (known: {', '.join(known)})",
                           src.table_line(f"baseline.{key}"))
    if "recent" not in table:
        return BaselineSettings()
    try:
        recent = parse_duration(table["recent"])
    except ValueError as exc:
        raise src.fail("baseline.recent", str(exc), src.table_line("baseline.recent")) from None
    return BaselineSettings(recent=recent)


# ---- [[rule]] -------------------------------------------------------------------------------------
class _RuleTable:
    """One [[rule]] table being read; `bad()` names the rule and the field's line."""

    def __init__(self, src: _Source, index: int, raw: dict, earlier: list[Rule], registry):
        self.src, self.index, self.raw, self.earlier, self.registry = src, index, raw, earlier, registry
        self.label = f"rule[{index + 1}]"

    def bad(self, key: str | None, problem: str) -> RulesError:
        where = f"{self.label}.{key}" if key else self.label
        return self.src.fail(where, problem, self.src.rule_line(self.index, key))

    def parse(self) -> Rule:
        r = self.raw
        name = r.get("name", f"rule-{self.index + 1}")
        if not isinstance(name, str) or not name.strip() or len(name) > 128:
            raise self.bad("name", "expected a non-empty name (at most 128 characters)")
        if any(x.name == name for x in self.earlier):
            raise self.bad("name", f"another rule is already named {name!r}")
        self.label = f"rule[{self.index + 1}] ({name})"
        for key in r:
            if key not in RULE_FIELDS:
                raise self.bad(key, f"unknown field (known: {', '.join(sorted(RULE_FIELDS))})")
        filters, thresholds = self.filters(), self.thresholds()
        include_baseline = r.get("include_baseline", False)
        if not isinstance(include_baseline, bool):
            raise self.bad("include_baseline", "expected true or false")
        timing = self.timing()
        own = self.src.recipients(r.get("recipients", []), f"{self.label}.recipients",
                                  self.src.rule_line(self.index, "recipients"))
        return Rule(name=name, recipients=own, include_baseline=include_baseline, **filters, **thresholds, **timing)

    def strings(self, key: str) -> list[str]:
        value = self.raw.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.bad(key, "expected a list of strings")
        return [v.strip() for v in value]

    def filters(self) -> dict:
        kinds = self.strings("kinds")
        for k in kinds:
            if k not in KINDS:
                raise self.bad("kinds", f"unknown event kind {k!r} (known: {', '.join(KINDS)})")
        portals = self.strings("portals")
        for p in portals:
            if p not in self.registry:
                raise self.bad("portals", f"unknown portal {p!r} (see `portalwatch sites`)")
        doc_types = []
        for t in self.strings("doc_types"):
            code = _DOC_CODES.get(clean_text(t).upper())
            if code is None:
                raise self.bad("doc_types", f"unknown document type {t!r} (known: {', '.join(sorted(DOC_TYPES))})")
            doc_types.append(code)
        issuers = []
        for s in self.strings("issuers"):
            value = clean_text(s).upper()
            value = _ISSUER_ALIASES.get(value, value)
            if not _ISSUER_RE.match(value):
                raise self.bad("issuers", f"not an issuer abbreviation like TU, HĐND, UBND: {s!r}")
            issuers.append(value)
        keywords = self.strings("keywords")
        for k in keywords:
            if not fold(k).strip():
                raise self.bad("keywords", f"empty keyword {k!r}")
        return {"kinds": frozenset(kinds), "portals": frozenset(portals), "doc_types": frozenset(doc_types),
                "issuers": frozenset(issuers), "keywords": tuple(keywords)}

    def thresholds(self) -> dict:
        out = {}
        for key in ("min_views", "min_delta", "min_percent"):
            if key in self.raw:
                v = self.raw[key]
                whole = key != "min_percent"
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or (whole and not isinstance(v, int)):
                    raise self.bad(key, "expected a non-negative " + ("integer" if whole else "number"))
                out[key] = v
        return out

    def clock(self, key: str, value) -> time:
        m = _CLOCK_RE.match(str(value).strip()) if isinstance(value, str) else None
        if not m:
            raise self.bad(key, f"expected a local time HH:MM (Asia/Ho_Chi_Minh), not {value!r}")
        return time(int(m[1]), int(m[2]))

    def timing(self) -> dict:
        r = self.raw
        mode = r.get("mode", "immediate")
        if mode not in ("immediate", "digest"):
            raise self.bad("mode", f"expected immediate or digest, not {mode!r}")
        digest = r.get("digest", "daily")
        if digest not in ("daily", "weekly"):
            raise self.bad("digest", f"expected daily or weekly, not {digest!r}")
        digest_at = self.clock("digest_at", r["digest_at"]) if "digest_at" in r else time(7, 0)
        day = r.get("digest_day", "monday")
        day_key = fold(str(day)).replace(" ", "")
        if day_key not in WEEKDAYS:
            raise self.bad("digest_day", f"expected a weekday (monday … sunday), not {day!r}")
        quiet = None
        if "quiet_hours" in r:
            q = r["quiet_hours"]
            parts = q.split("-") if isinstance(q, str) else []
            if len(parts) != 2:
                raise self.bad("quiet_hours", f'expected "HH:MM-HH:MM" (Asia/Ho_Chi_Minh), not {q!r}')
            quiet = (self.clock("quiet_hours", parts[0]), self.clock("quiet_hours", parts[1]))
            if quiet[0] == quiet[1]:
                raise self.bad("quiet_hours", "start and end are the same time")
        return {"mode": mode, "digest": digest, "digest_at": digest_at, "digest_day": WEEKDAYS[day_key],
                "quiet_hours": quiet}
