"""New and changed rules: a rule added to the rules file (or changed: new keywords, kinds,
recipients …) matches every event inside the delivery lookback at once, and nothing in that
back catalogue is news to the rule's recipients. The archive remembers when it first saw each
rule in its current form (db.models.RuleSighting). Of the events created up to the enqueue pass
before that sighting, the rule mails only items published within the rules file's `[baseline]
recent` before they were observed (Vietnam time) as it says; the others wait for one "rule
added" summary per rule and recipient (outbox mode "rule_added"). Events created after that
pass flow as usual, to old and new recipients; an old recipient of a changed rule was offered
what the old form matched when it was news (already queued: not again).

A rule's form is a fingerprint of what decides its matches and targets: kinds, portals, document
types, issuers, keywords (folded and unordered, as they are matched), thresholds,
include_baseline, mode and the recipients it names itself. Its place in the file, quiet hours,
digest slot and the file's top-level recipients (the environment may replace them) are not part
of it. Each (rule, recipient) has a sighting too: a recipient the rule had not had before gets
the rule's back catalogue as a summary, for that recipient alone.

The first ruleset an archive records (a new installation, or an archive upgraded to revision
0010) holds nothing back: its rules were there before anything was alerted, and a new portal's
back catalogue is the first-crawl policy's (baseline.py).

An event about an article is old when the article was published more than the window before the
event was observed (undated: old), as for a first crawl; an event about the portal itself
(source_down …) has no publication, so it is old when it occurred more than the window before
the archive's latest observation. Both on the observation clock (db/clock.py): on the replica the
system clock is years ahead of it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from vntext.textnorm import fold
from db.models import Event, RuleSighting
from db.tables import insert_or_ignore
from monitor.alerts.baseline import published_at
from monitor.events import EventView
from monitor.rules import Rule, RuleSet

RULE_ADDED = "rule_added"  # the outbox mode of rows held for a rule's summary


def fingerprint(ruleset: RuleSet, rule: Rule) -> str:
    """What decides the rule's matches and targets, hashed: equal for two spellings of one rule.

    Its own recipients are part of it, the file's top-level ones (PORTALWATCH_ALERT_TO may
    replace them) are not: a scheduler and an operator's shell with another environment read
    one rule, not two forms that flip at each enqueue. A recipient the rule has not had before
    is held back for that recipient alone (recipient sightings, below)."""
    number = lambda value: None if value is None else float(value)  # noqa: E731 (50 and 50.0 are one threshold)
    form = {"kinds": sorted(rule.kinds), "portals": sorted(rule.portals), "doc_types": sorted(rule.doc_types),
            "issuers": sorted(rule.issuers), "keywords": sorted({fold(k) for k in rule.keywords}),
            "min_views": number(rule.min_views), "min_delta": number(rule.min_delta),
            "min_percent": number(rule.min_percent), "include_baseline": rule.include_baseline, "mode": rule.mode,
            "recipients": sorted(set(rule.recipients))}
    return hashlib.sha256(json.dumps(form, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


# Rows of rule_sightings that are not a rule's (no schema change: migration 0010 is released):
# one per (rule, recipient), named by this prefix (a control character, which a rule's name has no
# use for) and two hashes, to fit the 128-character key whatever the address' length; and PASS.
RESERVED = "\x1f"
PASS = RESERVED + "enqueue"  # the row whose first_seen_at is when the last enqueue pass ran


def recipient_key(rule_name: str, recipient: str) -> str:
    tag = lambda text: hashlib.sha1(text.encode("utf-8")).hexdigest()[:24]  # noqa: E731
    return f"{RESERVED}{tag(rule_name)}.{tag(recipient)}"


@dataclass(frozen=True)
class Sighting:
    name: str
    fingerprint: str
    first_seen_at: datetime
    version: int      # 1: the rule as first seen; each change adds one
    holds_back: bool  # False: part of the archive's first ruleset


_COLUMNS = (RuleSighting.name, RuleSighting.fingerprint, RuleSighting.first_seen_at, RuleSighting.version,
            RuleSighting.holds_back)


def sightings(session, names) -> dict[str, Sighting]:
    rows = session.execute(select(*_COLUMNS).where(RuleSighting.name.in_(list(names)))).all()
    return {row.name: Sighting(*row) for row in rows}


def record(session, ruleset: RuleSet, now: datetime) -> dict[str, Sighting]:
    """Each rule's sighting in its current form, recorded at `now` if the archive has none yet,
    and each (rule, recipient)'s, keyed by recipient_key.

    Safe with two processes: a new row is inserted or ignored (its name is the primary key), a
    changed one updated only if its fingerprint is still the one read; the loser of either race
    finds the winner's row when it reads them all again."""
    forms = {rule.name: fingerprint(ruleset, rule) for rule in ruleset.rules}
    if not forms:
        return {}
    first_ruleset = session.scalar(select(RuleSighting.name).limit(1)) is None
    pairs = {recipient_key(rule.name, recipient): rule.name
             for rule in ruleset.rules for recipient in ruleset.recipients_of(rule)}
    known = sightings(session, [*forms, *pairs, PASS])
    cut = _passed(session, known.get(PASS), now)
    for name, form in forms.items():
        _see(session, known.get(name), name, form, now, holds_back=not first_ruleset)
    had_recipients = {rule for key, rule in pairs.items() if key in known}
    for key, name in pairs.items():
        rule = known.get(name)
        if key not in known and rule is not None and rule.fingerprint == forms[name] and name not in had_recipients:
            # the rule's first recipient sightings (an archive from before them): its current
            # recipients are the rule's own, as old as its sighting
            _see(session, None, key, forms[name], rule.first_seen_at, holds_back=rule.holds_back)
        else:  # a new rule's recipients, or a recipient new to a known rule: held for it alone
            _see(session, known.get(key), key, forms[name], cut, holds_back=not first_ruleset)
    return sightings(session, [*forms, *pairs])


def _passed(session, previous: Sighting | None, now: datetime) -> datetime:
    """Records this enqueue pass; returns when the previous one ran (now if none is recorded).

    A (rule, recipient) new or changed in this pass holds back only the events created up to the
    previous pass: those created since (this cycle's crawl: a new citation in an old article, an
    edit, a views spike) were never offered to anyone, and are news to every recipient."""
    if previous is None:
        insert_or_ignore(session, RuleSighting.__table__, {
            "name": PASS, "fingerprint": "", "first_seen_at": now, "version": 1, "holds_back": False})
    else:  # never back: a racing pass with an earlier clock leaves the later one
        session.execute(update(RuleSighting).where(RuleSighting.name == PASS, RuleSighting.first_seen_at < now)
                        .values(first_seen_at=now).execution_options(synchronize_session=False))
    return previous.first_seen_at if previous is not None else now


def _see(session, seen: Sighting | None, name: str, form: str, now: datetime, holds_back: bool) -> None:
    if seen is None:
        insert_or_ignore(session, RuleSighting.__table__, {  # or another process saw it first
            "name": name, "fingerprint": form, "first_seen_at": now, "version": 1, "holds_back": holds_back})
    elif seen.fingerprint != form:
        session.execute(update(RuleSighting)
                        .where(RuleSighting.name == name, RuleSighting.fingerprint == seen.fingerprint)
                        .values(fingerprint=form, first_seen_at=now, version=seen.version + 1, holds_back=True)
                        .execution_options(synchronize_session=False))


class NewRules:
    """Which (event, rule) pairs of a batch are a new or changed rule's back catalogue."""

    def __init__(self, session, ruleset: RuleSet, now: datetime):
        self.recent = ruleset.baseline.recent
        self.observed_now = session.scalar(select(func.max(Event.occurred_at)))  # the observation clock's now
        self.seen = record(session, ruleset, now)

    def holds(self, view: EventView, rule: Rule, recipient: str) -> bool:
        """True: the event goes into the rule's summary for this recipient instead of its mail."""
        seen = self.seen.get(recipient_key(rule.name, recipient))
        if seen is None or not seen.holds_back or view.event.created_at > seen.first_seen_at:
            return False
        article = view.payload.shown_article()
        if article is None:
            return view.event.occurred_at < self.observed_now - self.recent
        published = published_at(article.published_at)
        return published is None or published < view.event.occurred_at - self.recent
