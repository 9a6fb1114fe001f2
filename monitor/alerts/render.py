"""Mails from events: one event's immediate mail, a digest of many, the "portal added" summary of
a first crawl, from Jinja2 templates in monitor/templates. What each kind says (headline, facts,
changes) comes from its definition in monitor/events; this module lays it out."""
from __future__ import annotations

from collections import Counter, OrderedDict
from datetime import datetime, timedelta

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import func, select

from vntext.dates import VN_TZ
from db.models import Article, Event, ViewSample
from monitor.alerts.baseline import published_at, window_text
from monitor.alerts.outbox import Claimed
from monitor.events import DOC_TYPES, KINDS, EventView, NewDocument, event_views
from monitor.events.format import portal_short, vn_date, vn_number
from monitor.rules import RuleSet

EXAMPLES = 5  # the newest items a "portal added" summary shows

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
    since = now - timedelta(days=7 if weekly else 1)
    for portal_id, movers in _movers(session, list(by_portal), since, now).items():
        by_portal[portal_id]["movers"] = movers
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


def render_summary(session, ruleset: RuleSet, group: list[Claimed], now: datetime) -> dict:
    """The "portal added" mail: what the first crawl of a portal found that was published before
    the recent window — counted by document type (then by kind), with its newest items."""
    events = session.scalars(select(Event).where(Event.id.in_([c.event_id for c in group])).order_by(Event.id)).all()
    views = list(event_views(session, events))
    documents: Counter = Counter()
    others: Counter = Counter()
    for view in views:
        p = view.payload
        if isinstance(p, NewDocument):
            documents[p.type_name or DOC_TYPES.get(p.type or "") or "Văn bản khác"] += 1
        else:
            others[p.NAME] += 1
    newest = sorted(views, key=lambda v: published_at(v.payload.shown_article().published_at)
                    or datetime.min.replace(tzinfo=VN_TZ), reverse=True)[:EXAMPLES]
    portal = views[0].portal_name if views else ""
    rules_used = sorted({c.rule for c in group})
    title = f"[portalwatch] Cổng mới được theo dõi: {portal_short(portal)} — {len(group)} mục đã đăng từ trước"
    ctx = {"subject": title, "portal": portal, "count": len(group), "window": window_text(ruleset.baseline.recent),
           "documents": documents.most_common(), "others": others.most_common(),
           "examples": [event_context(v) | {"published": vn_date(v.payload.shown_article().published_at)}
                        for v in newest],
           "rules": rules_used, "recipient": group[0].recipient, "sent_at": vn_date(now)}
    return {"subject": title, "text": _env.get_template("portal_added.txt").render(ctx),
            "html": _env.get_template("portal_added.html").render(ctx), "context": ctx,
            "json": {"summary": "portal_added", "portal": views[0].portal_key if views else "",
                     "events": [c.event_id for c in group], "documents": dict(documents), "others": dict(others),
                     "rules": rules_used}}


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
