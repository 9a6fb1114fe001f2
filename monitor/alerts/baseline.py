"""The baseline policy: a portal's first crawl finds its whole back catalogue at once, and
nothing in it is news. Of the events of that crawl, only items PUBLISHED within the rules
file's `[baseline] recent` window (default 3 days before the item was observed, Vietnam time) are queued
as their rule says; the others wait for one "portal added" summary mail per portal and
recipient (outbox mode "summary").

"First crawl" is derived from the archive, for every kind alike: an event is part of it when
it occurred before the portal's first finished run ended (failed runs before it stored part of
the same back catalogue). A portal never crawled (events written by hand or imported) has no
first crawl. Events about the portal itself (source_down, …) show no item and pass as usual.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from vntext.dates import VN_TZ
from db.clock import run_clock
from db.models import CrawlRun
from monitor.events import EventView
from monitor.rules.model import BaselineSettings

SUMMARY = "summary"  # the outbox mode of rows held for the summary


class FirstCrawl:
    """Which events of a batch belong to their portal's first crawl and are too old to mail alone."""

    def __init__(self, session, settings: BaselineSettings):
        self.session, self.settings = session, settings
        self._ends: dict[int, tuple[bool, datetime | None]] = {}

    def _first_crawl(self, portal_id: int) -> tuple[bool, datetime | None]:
        """(crawled at all, when its first finished run ended — None while none has)."""
        if portal_id not in self._ends:
            crawled = self.session.scalar(select(CrawlRun.id).where(CrawlRun.portal_id == portal_id).limit(1))
            first = self.session.execute(select(CrawlRun.finished_at, CrawlRun.stats).where(
                CrawlRun.portal_id == portal_id, CrawlRun.status == "finished").order_by(CrawlRun.id).limit(1)).first()
            # occurred_at is observed time (db/clock.py): the run's end is read on the clock it observed with
            ended = run_clock(first.stats).observed(first.finished_at) if first else None
            self._ends[portal_id] = (crawled is not None, ended)
        return self._ends[portal_id]

    def of_first_crawl(self, view: EventView) -> bool:
        crawled, ended = self._first_crawl(view.event.portal_id)
        return crawled and (ended is None or view.event.occurred_at <= ended)

    def holds(self, view: EventView) -> bool:
        """True: the event goes into the portal's summary instead of its rule's mail."""
        article = view.payload.shown_article()
        if article is None or not self.of_first_crawl(view):
            return False
        published = published_at(article.published_at)
        # "Recent" is measured back from when the item was observed (its event's occurred_at, on the
        # observation clock), not from when detection ran: on the replica the two are years apart.
        return published is None or published < view.event.occurred_at - self.settings.recent


def published_at(value: str | None) -> datetime | None:
    """An ArticleRef's published_at as an aware date-time (a bare date: its start, Vietnam time)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value) if "T" in value else datetime.combine(date.fromisoformat(value),
                                                                                     datetime.min.time())
    except ValueError:
        return None  # an unreadable date counts as no date: old
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)


def window_text(recent: timedelta) -> str:
    """The recent window as a Vietnamese reader says it: 3 ngày, 12 giờ, 30 phút."""
    seconds = int(recent.total_seconds())
    for unit, name in ((86400, "ngày"), (3600, "giờ"), (60, "phút")):
        if seconds and seconds % unit == 0:
            return f"{seconds // unit} {name}"
    return f"{seconds} giây"
