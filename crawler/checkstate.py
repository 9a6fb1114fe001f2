"""Incremental crawling state: which articles are known, when each is due again, what the
listings showed. Read by the spider at start; collected by the CheckStateRecorder extension and
handed to the archive writer when the spider closes (after the pipelines stored the articles of
the run).

The re-fetch schedule (db/refetch.py) comes from the monitor's configuration through the
PORTALWATCH_REFETCH setting.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scrapy import signals
from sqlalchemy import select

from db.article_state import ArticleCheck, ListingWalk
from db.clock import SETTING as CLOCK_SETTING, ObservationClock
from db.engine import resolve_db_url, session_factory
from db.models import Article, Portal, RemovalCause, Tombstone
from db.refetch import refetch_from_setting
from db.schema import upgrade
from db.store import ArchiveWriter

# Custom signals the spider sends; the extension below records them.
article_checked = object()   # kwargs: external_id, status (200/304/404/410), etag, last_modified, published_at
listing_seen = object()      # kwargs: root (the listing's first page), depth, external_ids (in page order)
listing_failed = object()    # kwargs: root, reason: a page of that listing's walk could not be fetched


@dataclass(frozen=True)
class KnownArticle:
    url: str
    category: str  # where a family shows the category only on listings, a re-check carries it over
    next_check_at: datetime | None
    etag: str | None
    last_modified: str | None
    removed: bool
    removed_from_listing: bool  # removed because it vanished from its listing: it comes back through a listing


def known_articles(db_url: str, site_key: str) -> dict[str, KnownArticle]:
    upgrade(db_url)
    with session_factory(db_url)() as session:
        rows = session.execute(
            select(Article.external_id, Article.url, Article.category, Article.next_check_at, Article.http_etag,
                   Article.http_last_modified, Article.removed_at, Article.id)
            .join(Portal).where(Portal.key == site_key)).all()
        listing_removed = set(session.scalars(
            select(Tombstone.article_id).join(Article).join(Portal).where(
                Portal.key == site_key, Tombstone.restored_at.is_(None),
                Tombstone.cause == RemovalCause.MISSING_FROM_LISTING)))
    return {r.external_id: KnownArticle(r.url, r.category, r.next_check_at, r.http_etag, r.http_last_modified,
                                        r.removed_at is not None, r.id in listing_removed) for r in rows}


class CheckStateRecorder:
    def __init__(self, crawler):
        self.crawler = crawler
        self.db_url = resolve_db_url(crawler.settings.get("PORTALWATCH_DB"))
        self.schedule = refetch_from_setting(crawler.settings.get("PORTALWATCH_REFETCH"))
        self.checks: list[ArticleCheck] = []
        self.listed: set[str] = set()
        self.bottom: dict[str, tuple[int, str]] = {}  # listing root → (deepest page walked, its last article)
        self.failed: set[str] = set()                  # listing roots a page of whose walk failed
        self.clock = ObservationClock.from_seconds(crawler.settings.get(CLOCK_SETTING))  # db/clock.py
        self.started = self.clock.now()

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.on_checked, signal=article_checked)
        crawler.signals.connect(ext.on_listing, signal=listing_seen)
        crawler.signals.connect(ext.on_listing_failed, signal=listing_failed)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def on_checked(self, external_id, status, etag=None, last_modified=None, **_):
        self.checks.append(ArticleCheck(external_id, status, self.clock.now(), etag, last_modified))

    def on_listing(self, root, depth, external_ids):
        self.listed.update(external_ids)
        if external_ids and depth >= self.bottom.get(root, (0, ""))[0]:
            self.bottom[root] = (depth, external_ids[-1])

    def on_listing_failed(self, root, reason=""):
        self.failed.add(root)

    def unjudged_roots(self, roots: list[str]) -> list[str]:
        """The listings this crawl cannot vouch for: a page of the walk failed, or it showed no article."""
        return [root for root in roots if root in self.failed or root not in self.bottom]

    def spider_closed(self, spider, reason):
        unjudged = self.unjudged_roots(spider.site.listing_urls())
        # Read by CrawlRunRecorder, which closes after this extension (see EXTENSIONS in settings).
        self.crawler.stats.set_value("portalwatch/listing_roots_failed", len(unjudged))
        if not self.checks and not self.listed:
            return
        # Absence from a listing is only news when the whole crawl walked its listings, every one
        # of them fetched and parsed: an article of a listing that failed would look missing.
        walk = ListingWalk(frozenset(self.listed), tuple(last for _, last in self.bottom.values()), self.started,
                           complete=not unjudged) if self.listed and reason == "finished" else None
        ArchiveWriter(self.db_url).record_crawl_observations(spider.site.key, self.checks, self.schedule, walk)
