"""Mails from events: one event's immediate mail, a digest of many, the "portal added" summary of
a first crawl, the "rule added" summary of a new or changed rule, from Jinja2 templates in
monitor/templates. What each kind says (headline, facts,
changes) comes from its definition in monitor/events; this module lays it out."""
from __future__ import annotations

from collections import Counter, OrderedDict
from datetime import datetime, timedelta

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import func, select

from vntext.dates import VN_TZ
from db.clock import run_clock
from db.models import Article, CrawlRun, Event, ViewSample
from monitor.alerts.baseline import published_at, window_text
from monitor.alerts.outbox import Claimed
from monitor.alerts.sightings import sightings
from monitor.events import DOC_TYPES, KINDS, EventView, NewDocument, event_views
from monitor.events.format import portal_short, vn_date, vn_number
from monitor.rules import RuleSet

EXAMPLES = 5  # the newest items a "portal added" summary shows
LISTED = 100  # the items a "rule added" summary lists (newest first; the rest are counted)

_env = Environment(loader=PackageLoader("monitor", "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def subject(view: EventView) -> str:
    return f"[portalwatch] {view.payload.headline()} — {portal_short(view.portal_name)}"


def event_context(view: EventView) -> dict:
    """What the templates show of one event."""
    p = view.payload
    return {"kind": view.kind, "kind_name": p.NAME, "headline": p.headline(), "subject": subject(view),
            "portal": view.portal_name, "portal_key": view.portal_key, "title": p.title, "url": p.url,
            "facts": p.facts(), "changes": p.changes_shown(), "sentence": p.mention(), "errors": p.recent_errors(),
            "occurred": vn_date(view.event.occurred_at), "event_id": view.event.id}


def render_immediate(session, ruleset: RuleSet, c: Claimed, now: datetime) -> dict:
    view = EventView(session, session.get(Event, c.event_id))
    rule = ruleset.rule(c.rule)
    reasons = (rule.match(view) if rule else None) or [f"quy tắc “{c.rule}” (nay không còn trong tệp quy tắc)"]
    ctx = event_context(view) | {"rule": c.rule, "reasons": reasons, "recipient": c.recipient,
                                 "sent_at": vn_date(now), "message_id": c.message_id}
    return {"subject": ctx["subject"], "text": _env.get_template("immediate.txt").render(ctx),
            "html": _env.get_template("immediate.html").render(ctx), "context": ctx,
            "json": {"kind": view.kind, "portal": view.portal_key, "portal_name": view.portal_name,
                     "event_id": view.event.id, "payload": view.event.payload, "rule": c.rule, "reasons": reasons}}


def render_digest(session, ruleset: RuleSet, group: list[Claimed], now: datetime) -> dict:
    """One mail for a recipient's due digest rows: per portal, per kind, then the portal's top movers."""
    events = {e.id: e for e in session.scalars(select(Event).where(Event.id.in_([c.event_id for c in group])))}
    portals: dict = {}
    by_portal: dict[int, dict] = OrderedDict()
    rules_used = sorted({c.rule for c in group})
    weekly = any((r := ruleset.rule(name)) is not None and r.digest == "weekly" for name in rules_used)
    for c in sorted(group, key=lambda c: (events[c.event_id].portal_id, events[c.event_id].kind, c.event_id)):
        view = EventView(session, events[c.event_id], portals)
        entry = by_portal.setdefault(view.event.portal_id, {"name": view.portal_name, "key": view.portal_key,
                                                             "kinds": OrderedDict(), "movers": []})
        entry["kinds"].setdefault(view.kind, {"name": KINDS[view.kind].NAME, "items": []})
        entry["kinds"][view.kind]["items"].append(event_context(view))
    span = timedelta(days=7 if weekly else 1)
    since = now - span
    for portal_id, entry in by_portal.items():
        # View readings are on the portal's observation clock (db/clock.py), read as its latest run did.
        observed_now = run_clock(session.scalar(select(CrawlRun.stats).where(CrawlRun.portal_id == portal_id)
                                                .order_by(CrawlRun.id.desc()).limit(1))).observed(now)
        entry["movers"] = _movers(session, portal_id, observed_now - span, observed_now)
    label = "Bản tin tuần" if weekly else "Bản tin ngày"
    day = now.astimezone(VN_TZ).strftime("%d/%m/%Y")
    title = f"[portalwatch] {label} {day}: {len(group)} sự kiện"
    if len(by_portal) == 1:
        title += f" — {portal_short(next(iter(by_portal.values()))['name'])}"
    ctx = {"subject": title, "label": label, "day": day, "since": vn_date(since), "portals": list(by_portal.values()),
           "count": len(group), "rules": rules_used, "recipient": group[0].recipient, "sent_at": vn_date(now)}
    return {"subject": title, "text": _env.get_template("digest.txt").render(ctx),
            "html": _env.get_template("digest.html").render(ctx), "context": ctx,
            "json": {"digest": True, "events": [c.event_id for c in group], "rules": rules_used}}


class _Held:
    """A summary's events: counted by document type (then by kind), and listed newest first."""

    def __init__(self, session, group: list[Claimed]):
        events = session.scalars(select(Event).where(Event.id.in_([c.event_id for c in group])).order_by(Event.id))
        self.views = list(event_views(session, events.all()))
        self.documents: Counter = Counter()
        self.others: Counter = Counter()
        for view in self.views:
            p = view.payload
            if isinstance(p, NewDocument):
                self.documents[p.type_name or DOC_TYPES.get(p.type or "") or "Văn bản khác"] += 1
            else:
                self.others[p.NAME] += 1

    def newest(self, limit: int) -> list[dict]:
        """The newest items by publication (an event about the portal itself: when it occurred)."""
        def shown(view: EventView):
            article = view.payload.shown_article()
            return article.published_at if article else view.event.occurred_at

        def published(view: EventView) -> datetime:
            when = shown(view)
            return (published_at(when) if isinstance(when, str) or when is None else when) or _UNDATED

        return [event_context(v) | {"published": vn_date(shown(v))}
                for v in sorted(self.views, key=published, reverse=True)[:limit]]

    def context(self, ruleset: RuleSet, group: list[Claimed], now: datetime) -> dict:
        return {"count": len(group), "window": window_text(ruleset.baseline.recent),
                "documents": self.documents.most_common(), "others": self.others.most_common(),
                "rules": sorted({c.rule for c in group}), "recipient": group[0].recipient, "sent_at": vn_date(now)}

    def json(self, group: list[Claimed]) -> dict:
        return {"events": [c.event_id for c in group], "documents": dict(self.documents), "others": dict(self.others),
                "rules": sorted({c.rule for c in group})}


_UNDATED = datetime.min.replace(tzinfo=VN_TZ)


def render_summary(session, ruleset: RuleSet, group: list[Claimed], now: datetime) -> dict:
    """The "portal added" mail: what the first crawl of a portal found that was published before
    the recent window — counted by document type (then by kind), with its newest items."""
    held = _Held(session, group)
    portal = held.views[0].portal_name if held.views else ""
    title = f"[portalwatch] Cổng mới được theo dõi: {portal_short(portal)} — {len(group)} mục đã đăng từ trước"
    ctx = held.context(ruleset, group, now) | {"subject": title, "portal": portal, "examples": held.newest(EXAMPLES)}
    return {"subject": title, "text": _env.get_template("portal_added.txt").render(ctx),
            "html": _env.get_template("portal_added.html").render(ctx), "context": ctx,
            "json": {"summary": "portal_added", "portal": held.views[0].portal_key if held.views else "",
                     **held.json(group)}}


def render_rule_summary(session, ruleset: RuleSet, group: list[Claimed], now: datetime) -> dict:
    """The "rule added" (or changed) mail: the older items a new or changed rule matches among the
    events detected before the archive first saw it — counted by document type, and listed."""
    held = _Held(session, group)
    name = group[0].rule
    seen = sightings(session, [name]).get(name)
    changed = seen is not None and seen.version > 1
    title = (f"[portalwatch] {'Quy tắc đã thay đổi' if changed else 'Quy tắc mới'}: {name} — "
             f"{len(group)} mục đã có từ trước")
    items = held.newest(LISTED)
    ctx = held.context(ruleset, group, now) | {
        "subject": title, "rule": name, "changed": changed, "items": items, "more": len(group) - len(items),
        "first_seen": vn_date(seen.first_seen_at) if seen else "", "gone": ruleset.rule(name) is None}
    return {"subject": title, "text": _env.get_template("rule_added.txt").render(ctx),
            "html": _env.get_template("rule_added.html").render(ctx), "context": ctx,
            "json": {"summary": "rule_added", "rule": name, "changed": changed, **held.json(group)}}


def _movers(session, portal_id: int, since: datetime, now: datetime, limit: int = 3) -> list[dict]:
    """The portal's articles whose counter grew most since `since` (from the view time series)."""
    window = session.execute(
        select(Article.id, Article.title, Article.url, func.max(ViewSample.views), func.min(ViewSample.views))
        .join(ViewSample, ViewSample.article_id == Article.id)
        .where(Article.portal_id == portal_id, ViewSample.last_at >= since, ViewSample.first_at <= now)
        .group_by(Article.id, Article.title, Article.url)).all()
    if not window:
        return []
    before = dict(session.execute(
        select(ViewSample.article_id, func.max(ViewSample.views))
        .where(ViewSample.article_id.in_([row[0] for row in window]), ViewSample.last_at < since)
        .group_by(ViewSample.article_id)).all())
    ranked = sorted(((row[3] - before.get(row[0], row[4]), row) for row in window), key=lambda x: (-x[0], x[1][0]))
    return [{"title": title, "url": url, "views": vn_number(views), "delta": vn_number(delta)}
            for delta, (_id, title, url, views, _low) in ranked if delta > 0][:limit]
