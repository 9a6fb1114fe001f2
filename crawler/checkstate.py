"""Incremental crawling state: which articles are known, when each is due again, what the
listings showed. Read by the spider at start; written by the CheckStateRecorder extension when
the spider closes (after the pipelines stored the articles of the run).

The decaying re-fetch schedule (hourly in the first day, daily in the first month, weekly after
by default) comes from the monitor's configuration through the PORTALWATCH_REFETCH setting.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from scrapy import signals
from sqlalchemy import select, update

from db.engine import resolve_db_url, session_factory
from db.models import Article, Portal, Tombstone
from db.schema import upgrade

# Custom signals the spider sends; the extension below records them.
article_checked = object()   # kwargs: external_id, status (200/304/404/410), etag, last_modified, published_at
listing_seen = object()      # kwargs: root (the listing's first page), depth, external_ids (in page order)

DEFAULT_REFETCH = ((timedelta(days=1), timedelta(hours=1)), (timedelta(days=30), timedelta(days=1)), (None, timedelta(days=7)))


@dataclass(frozen=True)
class KnownArticle:
    url: str
    category: str  # where a family shows the category only on listings, a re-check carries it over
    next_check_at: datetime | None
    etag: str | None
    last_modified: str | None
    removed: bool
    removed_from_listing: bool  # removed because it vanished from its listing: it comes back through a listing


def refetch_rules(setting: str | None):
    if not setting:
        return DEFAULT_REFETCH
    return tuple((None if age is None else timedelta(seconds=age), timedelta(seconds=every))
                 for age, every in json.loads(setting))


def refetch_every(rules, age: timedelta) -> timedelta:
    for max_age, every in rules:
        if max_age is None or age <= max_age:
            return every
    return rules[-1][1]


def known_articles(db_url: str, site_key: str) -> dict[str, KnownArticle]:
    upgrade(db_url)
    with session_factory(db_url)() as session:
        rows = session.execute(
            select(Article.external_id, Article.url, Article.category, Article.next_check_at, Article.http_etag,
                   Article.http_last_modified, Article.removed_at, Article.id)
            .join(Portal).where(Portal.key == site_key)).all()
        listing_removed = set(session.scalars(
            select(Tombstone.article_id).join(Article).join(Portal).where(
                Portal.key == site_key, Tombstone.restored_at.is_(None), Tombstone.reason.like("missing from%"))))
    return {r.external_id: KnownArticle(r.url, r.category, r.next_check_at, r.http_etag, r.http_last_modified,
                                        r.removed_at is not None, r.id in listing_removed) for r in rows}


class CheckStateRecorder:
    def __init__(self, crawler):
        self.crawler = crawler
        self.db_url = resolve_db_url(crawler.settings.get("PORTALWATCH_DB"))
        self.rules = refetch_rules(crawler.settings.get("PORTALWATCH_REFETCH"))
        self.checks: list[dict] = []
        self.listed: set[str] = set()
        self.bottom: dict[str, tuple[int, str]] = {}  # listing root → (deepest page walked, its last article)
        self.started = datetime.now(timezone.utc)

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.on_checked, signal=article_checked)
        crawler.signals.connect(ext.on_listing, signal=listing_seen)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def on_checked(self, **check):
        check["at"] = datetime.now(timezone.utc)
        self.checks.append(check)

    def on_listing(self, root, depth, external_ids):
        self.listed.update(external_ids)
        if external_ids and depth >= self.bottom.get(root, (0, ""))[0]:
            self.bottom[root] = (depth, external_ids[-1])

    def spider_closed(self, spider, reason):
        if not self.checks and not self.listed:
            return
        Session = session_factory(self.db_url)
        with Session.begin() as session:
            portal_id = session.scalar(select(Portal.id).where(Portal.key == spider.site.key))
            if portal_id is None:
                return
            ids = {c["external_id"] for c in self.checks} | self.listed | {last for _, last in self.bottom.values()}
            articles = {a.external_id: a for a in session.scalars(
                select(Article).where(Article.portal_id == portal_id, Article.external_id.in_(ids)))}
            for check in self.checks:
                article = articles.get(check["external_id"])
                if article is None:
                    continue  # a page that could not be stored (recorded as an extraction failure)
                age = check["at"] - (article.published_at or article.first_seen_at)
                article.next_check_at = check["at"] + refetch_every(self.rules, age)
                if check["status"] in (404, 410):
                    article.consecutive_gone += 1
                else:
                    article.consecutive_gone = 0
                    article.http_etag = check.get("etag") or article.http_etag
                    article.http_last_modified = check.get("last_modified") or article.http_last_modified
            if self.listed and reason == "finished":
                self._listing_presence(session, portal_id, articles)

    def _listing_presence(self, session, portal_id: int, articles: dict) -> None:
        """Articles inside every walked listing's window but on none of them count a miss.

        A listing's window ends at the last article of the deepest page walked (listings are in
        date order below any pinned article); the portal's window is the shallowest of them, so
        an article is only missed where its own listing was surely walked, and a reordered or
        pinned listing costs nothing.
        """
        for external_id in self.listed:
            if (article := articles.get(external_id)) is not None:
                article.last_listed_at = self.started
                article.listing_misses = 0
        bottoms = [articles[last].published_at for _, last in self.bottom.values()
                   if last in articles and articles[last].published_at is not None]
        if len(bottoms) != len(self.bottom) or not bottoms:
            return  # a listing whose window cannot be dated: judge nothing this run
        floor = max(bottoms)
        session.execute(
            update(Article).where(
                Article.portal_id == portal_id, Article.published_at >= floor, Article.removed_at.is_(None),
                Article.external_id.not_in(self.listed), Article.last_listed_at.is_not(None),
                Article.first_seen_at < self.started)
            .values(listing_misses=Article.listing_misses + 1))
