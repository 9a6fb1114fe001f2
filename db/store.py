"""Writing crawl results into the archive: idempotent, batched, one transaction per batch."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from crawler.textnorm import tone_key
from db.engine import session_factory
from db.models import Article, CrawlRun, Portal, ViewSample, utcnow
from db.schema import upgrade

# Fields that describe the article itself; counters and fetch times are not part of it.
CONTENT_FIELDS = ("title", "summary", "body_text", "author", "category", "published_at", "published_has_time")
ARTICLE_FIELDS = CONTENT_FIELDS + ("url", "views", "extracted_by")


def content_hash(record: dict) -> str:
    """Identity of what an article says: counters and page furniture are not part of it, and
    old/new tone placement (hoà/hòa) is not a change."""
    parts = [tone_key(str(record.get(name) or "")) for name in CONTENT_FIELDS]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass
class BatchResult:
    new: int = 0
    changed: int = 0
    unchanged: int = 0


class ArchiveWriter:
    def __init__(self, url: str):
        upgrade(url)
        self.Session = session_factory(url)

    def ensure_portal(self, key: str, name: str, base_url: str, profile: str) -> int:
        for attempt in range(2):
            try:
                with self.Session.begin() as session:
                    portal = session.scalar(select(Portal).where(Portal.key == key))
                    if portal is None:
                        portal = Portal(key=key, name=name, base_url=base_url, profile=profile)
                        session.add(portal)
                    else:
                        portal.name, portal.base_url, portal.profile = name, base_url, profile
                    session.flush()
                    return portal.id
            except IntegrityError:  # another crawler created it at the same moment
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def write_articles(self, portal_id: int, records: list[dict]) -> BatchResult:
        """Upsert articles by (portal, external id) and record one view sample per fetch.

        The whole batch commits or none of it does; a concurrent writer that inserted the same
        article first makes the batch retry once as updates.
        """
        for attempt in range(2):
            try:
                return self._write(portal_id, records)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _write(self, portal_id: int, records: list[dict]) -> BatchResult:
        result = BatchResult()
        with self.Session.begin() as session:
            ids = {r["external_id"] for r in records}
            existing = {
                a.external_id: a
                for a in session.scalars(select(Article).where(Article.portal_id == portal_id, Article.external_id.in_(ids)))
            }
            samples: set[tuple[str, datetime]] = set()
            for record in records:
                digest = content_hash(record)
                article = existing.get(record["external_id"])
                if article is None:
                    article = Article(
                        portal_id=portal_id, external_id=record["external_id"], content_hash=digest,
                        first_seen_at=record["fetched_at"], last_fetched_at=record["fetched_at"],
                        **{name: record.get(name) for name in ARTICLE_FIELDS},
                    )
                    session.add(article)
                    existing[record["external_id"]] = article
                    result.new += 1
                else:
                    if article.content_hash != digest:
                        result.changed += 1
                    else:
                        result.unchanged += 1
                    for name in ARTICLE_FIELDS:
                        setattr(article, name, record.get(name))
                    article.content_hash = digest
                    article.last_fetched_at = max(article.last_fetched_at, record["fetched_at"])
            session.flush()
            for record in records:
                key = (record["external_id"], record["fetched_at"])
                if record.get("views") is not None and key not in samples:
                    samples.add(key)
                    article = existing[record["external_id"]]
                    session.add(ViewSample(article_id=article.id, fetched_at=record["fetched_at"], views=record["views"]))
        return result

    # ---- crawl runs -------------------------------------------------------------------------
    def start_run(self, portal_id: int) -> int:
        with self.Session.begin() as session:
            run = CrawlRun(portal_id=portal_id, status="running", started_at=utcnow(), message="")
            session.add(run)
            session.flush()
            return run.id

    def update_run(self, run_id: int, **values) -> None:
        with self.Session.begin() as session:
            session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**values))
