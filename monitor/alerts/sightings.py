"""New and changed rules: a rule added to the rules file (or changed: new keywords, kinds,
recipients …) matches every event inside the delivery lookback at once, and nothing in that
back catalogue is news to the rule's recipients. The archive remembers when it first saw each
rule in its current form (db.models.RuleSighting); of the events created BEFORE that sighting,
the rule mails only items published within the rules file's `[baseline] recent` before they
were observed (Vietnam time) as it says; the others wait for one "rule added" summary per rule
and recipient (outbox mode "rule_added"). Events created after the sighting flow as usual.

A rule's form is a fingerprint of what decides its matches and targets: kinds, portals, document
types, issuers, keywords (folded and unordered, as they are matched), thresholds,
include_baseline, mode and its recipients (the file's `recipients` when it names none). Its
place in the file, quiet hours and digest slot decide no match and are not part of it.

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
    """What decides the rule's matches and targets, hashed: equal for two spellings of one rule."""
    number = lambda value: None if value is None else float(value)  # noqa: E731 (50 and 50.0 are one threshold)
    form = {"kinds": sorted(rule.kinds), "portals": sorted(rule.portals), "doc_types": sorted(rule.doc_types),
            "issuers": sorted(rule.issuers), "keywords": sorted({fold(k) for k in rule.keywords}),
            "min_views": number(rule.min_views), "min_delta": number(rule.min_delta),
            "min_percent": number(rule.min_percent), "include_baseline": rule.include_baseline, "mode": rule.mode,
            "recipients": sorted(set(ruleset.recipients_of(rule)))}
    return hashlib.sha256(json.dumps(form, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


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
    """Each rule's sighting in its current form, recorded at `now` if the archive has none yet.

    Safe with two processes: a new rule is inserted or ignored (its name is the primary key), a
    changed one updated only if its fingerprint is still the one read; the loser of either race
    finds the winner's row when it reads them all again."""
    forms = {rule.name: fingerprint(ruleset, rule) for rule in ruleset.rules}
    if not forms:
        return {}
    first_ruleset = session.scalar(select(RuleSighting.name).limit(1)) is None
    known = sightings(session, forms)
    for name, form in forms.items():
        seen = known.get(name)
        if seen is None:
            insert_or_ignore(session, RuleSighting.__table__, {  # or another process saw it first
                "name": name, "fingerprint": form, "first_seen_at": now, "version": 1,
                "holds_back": not first_ruleset})
        elif seen.fingerprint != form:
            session.execute(update(RuleSighting).where(RuleSighting.name == name,
                                                       RuleSighting.fingerprint == seen.fingerprint)
                            .values(fingerprint=form, first_seen_at=now, version=seen.version + 1, holds_back=True)
                            .execution_options(synchronize_session=False))
    return sightings(session, forms)


class NewRules:
    """Which (event, rule) pairs of a batch are a new or changed rule's back catalogue."""

    def __init__(self, session, ruleset: RuleSet, now: datetime):
        self.recent = ruleset.baseline.recent
        self.observed_now = session.scalar(select(func.max(Event.occurred_at)))  # the observation clock's now
        self.seen = record(session, ruleset, now)

    def holds(self, view: EventView, rule: Rule) -> bool:
        """True: the event goes into the rule's summary instead of its mail."""
        seen = self.seen.get(rule.name)
        if seen is None or not seen.holds_back or view.event.created_at >= seen.first_seen_at:
            return False
        article = view.payload.shown_article()
        if article is None:
            return view.event.occurred_at < self.observed_now - self.recent
        published = published_at(article.published_at)
        return published is None or published < view.event.occurred_at - self.recent
