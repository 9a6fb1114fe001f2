"""The most read and the fastest growing articles: `portalwatch top`, later the API's and web UI's.

Views: an article's latest reading (articles.views), among the articles published in the window (the
first sighting stands in for a missing publication date). Growth: the views the archive saw an
article's counter gain within the window, from its stored series (view_samples: runs of one count,
db/models.py ViewSample). Each run that starts in the window is one step from the run before it
(that one may lie before the window): a higher count adds the difference, whole, to the growth; a
lower count is a reset of the portal's counter (a CMS migration …) and starts a new series, adding
nothing (there is nothing to measure it against, as monitor/detect.py reads it) — its later rises
count again; a first reading ever adds nothing. So growth is never negative, and never counts a
reading twice. A portal's window is the `days` days up to its latest fetch: the portal's observed
now (db/clock.py), which is now for a portal crawled on schedule, and the simulated time on the
replica (whose portals keep clocks of their own); a portal crawled last a month ago shows the week
before that crawl rather than nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session, aliased

from db.models import Article, Portal, UTCDateTime, ViewSample
from db.queries import article_json, local_iso

ORDERS = ("views", "growth")
FIELDS = ("rank", "id", "site", "url", "title", "published_at", "category", "views", "growth", "resets",
          "samples", "window_start", "window_end")  # a row's fields, in the CSV's column order


def portal_windows(session: Session, days: int, *, site: str | list[str] | None = None,
                   end: datetime | None = None) -> dict[int, tuple[datetime, datetime]]:
    """Per portal id: (start, end) of its window of `days` days, up to `end`, else up to its latest fetch."""
    query = select(Article.portal_id, func.max(Article.last_fetched_at)).group_by(Article.portal_id)
    if site:
        query = query.join(Portal).where(Portal.key.in_([site] if isinstance(site, str) else site))
    windows = {}
    for portal_id, newest in session.execute(query):
        stop = end or (newest.replace(tzinfo=timezone.utc) if newest.tzinfo is None else newest)
        windows[portal_id] = (stop - timedelta(days=days), stop)
    return windows


def top_articles(session: Session, *, by: str = "views", days: int = 7, site: str | list[str] | None = None, limit: int = 20,
                 end: datetime | None = None) -> list[dict]:
    """The `limit` articles with the most views (or the most growth) in the window, best first, on every
    portal or those `site` names (a key or a list of keys): rows of
    FIELDS. Ties go to the smaller id; by growth, to the higher view count first."""
    if by not in ORDERS:
        raise ValueError(f"top by {by!r}: expected one of {', '.join(ORDERS)}")
    windows = portal_windows(session, days, site=site, end=end)
    if not windows:
        return []
    start_of, end_of = _bound(windows, 0), _bound(windows, 1)
    if by == "views":  # the articles first, then the growth of those alone
        published = func.coalesce(Article.published_at, Article.first_seen_at)
        found = session.execute(
            select(Article, Portal.key).join(Portal).where(
                Article.portal_id.in_(list(windows)), Article.views.is_not(None),
                published >= start_of(Article.portal_id), published <= end_of(Article.portal_id))
            .order_by(Article.views.desc(), Article.id).limit(limit)).all()
        growth = _growth(start_of, end_of, [article.id for article, _ in found])
        stats = {row[0]: tuple(row[1:]) for row in session.execute(select(growth))}
        ranked = [(article, key, *stats.get(article.id, (0, 0, 0))) for article, key in found]
    else:
        growth = _growth(start_of, end_of)
        ranked = session.execute(
            select(Article, Portal.key, growth.c.growth, growth.c.resets, growth.c.samples)
            .join(Portal).join(growth, growth.c.article_id == Article.id)
            .where(Article.portal_id.in_(list(windows)))
            .order_by(growth.c.growth.desc(), Article.views.desc().nulls_last(), Article.id).limit(limit)).all()
    rows = []
    for rank, (article, key, gained, resets, samples) in enumerate(ranked, 1):
        data = article_json(article, key)
        start, stop = windows[article.portal_id]
        rows.append({"rank": rank, **{name: data[name] for name in FIELDS[1:8]}, "growth": int(gained or 0),
                     "resets": int(resets or 0), "samples": int(samples or 0), "window_start": local_iso(start),
                     "window_end": local_iso(stop)})
    return rows


def _bound(windows: dict[int, tuple[datetime, datetime]], which: int):
    """A function of a portal-id column: the CASE giving each portal's window start (0) or end (1)."""
    def bound(portal_id):
        return case(*[(portal_id == pid, literal(window[which], UTCDateTime)) for pid, window in windows.items()])
    return bound


def _growth(start_of, end_of, ids: list[int] | None = None):
    """Per article with a run starting in its portal's window: growth, resets and how many runs (a subquery)."""
    run, before, owner = aliased(ViewSample), aliased(ViewSample), aliased(Article)
    previous = (select(before.views).where(before.article_id == run.article_id, before.first_at < run.first_at)
                .order_by(before.first_at.desc()).limit(1).correlate(run).scalar_subquery())
    steps = (select(run.article_id, run.views, previous.label("previous"))
             .join(owner, owner.id == run.article_id)
             .where(run.first_at >= start_of(owner.portal_id), run.first_at <= end_of(owner.portal_id)))
    if ids is not None:
        steps = steps.where(run.article_id.in_(ids))
    steps = steps.subquery()
    rise = case((steps.c.previous.is_(None), 0), (steps.c.views >= steps.c.previous, steps.c.views - steps.c.previous),
                else_=0)
    reset = case((steps.c.views < steps.c.previous, 1), else_=0)
    return (select(steps.c.article_id, func.sum(rise).label("growth"), func.sum(reset).label("resets"),
                   func.count().label("samples")).group_by(steps.c.article_id).subquery())
