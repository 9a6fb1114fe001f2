"""Judgements on crawl runs from their recorded stats, shared by the detector (monitor/detect.py: events)
and the health view (monitor/health.py: what people look at), so both judge a run alike.

A run's stats are the crawler's counters (crawl_runs.stats): `portalwatch/items` (article pages
extracted), `portalwatch/coverage/<field>` (of those, how many gave the field), `portalwatch/degraded`
(pages read worse than their stored version), and Spidermon's monitor results (crawler/monitors.py).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CrawlRun

# Fewer article pages than this are too few to judge a layout (coverage) or a usual count by.
MIN_ITEMS = 5
# A run where this many pages, and this share of its pages, were read worse than their stored
# version (a selector that stopped matching) is a layout change, whatever the field coverage says.
DEGRADED_PAGES = 5
DEGRADED_SHARE = 0.5
ENDED = ("finished", "failed")  # runs that say something about the portal (cancelled: the scheduler stopped)


def coverage_shares(stats: dict | None, fields) -> dict[str, float] | None:
    """Per field: the share of the run's extracted article pages that gave it; None below MIN_ITEMS pages."""
    items = (stats or {}).get("portalwatch/items", 0)
    if items < MIN_ITEMS:
        return None
    return {field: stats.get(f"portalwatch/coverage/{field}", 0) / items for field in fields}


def previous_finished_run(session: Session, run: CrawlRun) -> CrawlRun | None:
    """The portal's finished run before `run` with enough articles to compare coverage with."""
    return session.scalar(select(CrawlRun).where(
        CrawlRun.portal_id == run.portal_id, CrawlRun.status == "finished", CrawlRun.id < run.id,
        CrawlRun.articles_seen >= MIN_ITEMS).order_by(CrawlRun.id.desc()).limit(1))


def low_coverage(session: Session, run: CrawlRun, floors: dict) -> dict:
    """Fields the portal gave (previous run at or above the floor) and this run mostly lacks:
    {field: {"coverage", "before", "floor"}}. A field the portal never gives is never low."""
    now = coverage_shares(run.stats, floors)
    previous = previous_finished_run(session, run)
    before = coverage_shares(previous.stats, floors) if previous else None
    if now is None or before is None:
        return {}
    return {field: {"coverage": round(now[field], 3), "before": round(before[field], 3), "floor": floor}
            for field, floor in floors.items() if now[field] < floor <= before[field]}


def degraded_pages(stats: dict | None) -> int:
    """Pages read worse than their stored version when they make a layout change (else 0)."""
    stats = stats or {}
    items, degraded = stats.get("portalwatch/items", 0), stats.get("portalwatch/degraded", 0)
    return degraded if degraded >= DEGRADED_PAGES and degraded >= DEGRADED_SHARE * items else 0


def failed_streak(session: Session, portal_id: int, up_to_id: int) -> list[CrawlRun]:
    """The failed runs in a row ending at run `up_to_id` (included), newest first; cancelled runs
    neither break nor lengthen it. Empty when that run (or the last ended one before it) finished."""
    runs = session.scalars(select(CrawlRun).where(
        CrawlRun.portal_id == portal_id, CrawlRun.status.in_(ENDED), CrawlRun.id <= up_to_id)
        .order_by(CrawlRun.id.desc()).limit(200)).all()
    streak = []
    for run in runs:
        if run.status != "failed":
            break
        streak.append(run)
    return streak
