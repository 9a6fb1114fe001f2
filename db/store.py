"""The archive writer: every write of crawl results and article state goes through ArchiveWriter.

What one fetched article page leaves behind (tables in db/models.py):

* ``articles``: the current state; removal is a state (``removed_at``), never a deletion.
* ``article_versions``: version 1 on first sight, then a new row only when the content changes
  (db/content.py), with ``changes = {field: {"old": …, "new": …}}``.
* ``view_samples``: runs of equal readings (first_at … last_at); see BatchPlanner._observe_views.
* ``attachments`` (by article and URL), ``documents`` (by canonical number, as first seen; credited
  to the earliest-published citing article, db/documents.py) and ``document_mentions`` (by document
  and article).
* ``raw_pages``: the fetched page, compressed (db/pages.py), for every version created, so that a
  profile fix can re-extract the history (correcting_history). An unchanged re-fetch stores nothing.

A batch is planned in memory from a handful of reads (db/batch_plan.py) and written with Core
executemany statements (db/batch_flush.py), inside one transaction: a failure anywhere leaves
nothing of the batch. The articles' crawl bookkeeping and removals are db/article_state.py's.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Iterator, Mapping, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from db.article_state import ArticleCheck, ArticleStateWriter, ListingWalk, is_move, rebase_urls
from db.batch_flush import flush_batch
from db.batch_plan import BatchPlan, BatchPlanner, BatchResult, PreparedRecord, load_batch, prepare_records
from db.documents import DocumentMovedMeanwhile
from db.engine import get_engine, session_factory
from db.history import HistoryCorrector, articles_with_pages
from db.models import Article, CrawlRun, Portal, RemovalCause, utcnow
from db.pages import DEFAULT_COMPRESSION, LEVELS
from db.record import ArticleRecord
from db.refetch import RefetchSchedule
from db.schema import upgrade
from db.tables import PORTALS

DEFAULT_VIEW_WINDOW = timedelta(hours=24)
DEADLOCK = "40P01"  # PostgreSQL: two crawls updating the same shared documents in opposite orders


def _worth_retrying(exc: Exception) -> bool:
    """A lost race with another writer (see write_articles), not a fault of the batch."""
    return not isinstance(exc, OperationalError) or getattr(exc.orig, "sqlstate", None) == DEADLOCK


class ArchiveWriter:
    """Writes crawl results; safe to use from several processes at once (see write_articles)."""

    def __init__(self, url: str, *, view_window: timedelta = DEFAULT_VIEW_WINDOW, store_raw_pages: bool = True,
                 compression: str = DEFAULT_COMPRESSION):
        if compression not in LEVELS:
            raise ValueError(f"unknown raw page compression {compression!r} (known: {', '.join(LEVELS)})")
        upgrade(url)
        self.compression = compression
        self.url = url
        self.engine = get_engine(url)
        self.Session = session_factory(url)
        self.view_window = view_window
        self.store_raw_pages = store_raw_pages

    def ensure_portal(self, key: str, name: str, base_url: str, profile: str) -> int:
        return self.register_portal(key, name, base_url, profile)[0]

    def register_portal(self, key: str, name: str, base_url: str, profile: str) -> tuple[int, str | None]:
        """The portal's id (registered, or its row brought up to date) and, when it moved to another
        scheme or host, its previous base URL. Whenever the base changes (a port too: a restarted
        replica) its articles' stored URLs move to the new base in the same transaction, so re-checks
        go to where the portal now answers; their ids and history stay (db/article_state.py rebase_urls)."""
        for attempt in range(2):
            try:
                with self.Session.begin() as session:
                    portal = session.scalar(select(Portal).where(Portal.key == key))
                    moved_from = None
                    if portal is None:
                        portal = Portal(key=key, name=name, base_url=base_url, profile=profile)
                        session.add(portal)
                    else:
                        previous = portal.base_url
                        portal.name, portal.base_url, portal.profile = name, base_url, profile
                        if previous != base_url:
                            session.flush()
                            rebase_urls(session.connection(), portal.id, previous, base_url)
                            moved_from = previous if is_move(previous, base_url) else None
                    session.flush()
                    return portal.id, moved_from
            except IntegrityError:  # another crawler created it at the same moment
                if attempt:
                    raise
        raise AssertionError("unreachable")

    # ---- articles -----------------------------------------------------------------------------
    def write_articles(self, portal_id: int, records: Sequence[ArticleRecord | Mapping]) -> BatchResult:
        """Upsert a batch of fetched articles (the spider's items) in one transaction.

        A record is an ArticleRecord (db/record.py describes its fields) or the mapping its
        store_fields() gives (bench and tests build those directly); external_id, url, title and
        an aware fetched_at are required.

        Idempotent: writing the same batch again changes nothing (same content, same readings).
        Records are applied in fetched_at order; a record older than what the archive already has
        for its article (a late or replayed batch) changes neither the article nor its series.
        The whole batch commits or none of it does; a concurrent writer that inserted the same
        article (or document) first, or moved a document's first article (db/documents.py), makes
        the batch run again against the new rows.
        """
        if not records:
            return BatchResult()
        prepared = prepare_records(records)
        for attempt in range(3):
            try:
                return self._write(portal_id, prepared)
            except (IntegrityError, DocumentMovedMeanwhile, OperationalError) as exc:
                if attempt == 2 or not _worth_retrying(exc):
                    raise
        raise AssertionError("unreachable")

    def _write(self, portal_id: int, prepared: list[PreparedRecord]) -> BatchResult:
        result, plan = BatchResult(), BatchPlan()
        planner = BatchPlanner(plan, result, portal_id, view_window=self.view_window,
                               store_raw_pages=self.store_raw_pages)
        try:
            with self.engine.begin() as conn:
                load_batch(conn, portal_id, prepared, plan)
                for item in prepared:
                    planner.apply(item)
                flush_batch(conn, plan, result, self.compression)
        finally:
            plan.release()
        return result

    # ---- article state: checks, listings, removals ---------------------------------------------
    def record_crawl_observations(self, portal_key: str, checks: list[ArticleCheck], schedule: RefetchSchedule,
                                  listings: ListingWalk | None = None) -> None:
        """What one crawl saw of known articles (re-checks; the listings, for a whole crawl), in one
        transaction; nothing for a portal the archive does not have."""
        with self.article_state() as state:
            portal_id = state.conn.scalar(select(PORTALS.c.id).where(PORTALS.c.key == portal_key))
            if portal_id is None:
                return
            state.record_checks(portal_id, checks, schedule)
            if listings is not None:
                state.record_listing_presence(portal_id, listings)

    def mark_removed(self, portal_id: int, external_id: str, at: datetime, reason: str = "",
                     cause: RemovalCause = RemovalCause.MANUAL) -> bool:
        """See ArticleStateWriter.mark_removed (idempotent; LookupError for an unknown article)."""
        with self.article_state() as state:
            return state.mark_removed(portal_id, external_id, at, reason, cause)

    def mark_restored(self, portal_id: int, external_id: str, at: datetime) -> bool:
        """See ArticleStateWriter.mark_restored (idempotent; LookupError for an unknown article)."""
        with self.article_state() as state:
            return state.mark_restored(portal_id, external_id, at)

    @contextmanager
    def article_state(self) -> Iterator[ArticleStateWriter]:
        """The article state writer, in a transaction of its own."""
        with self.engine.begin() as conn:
            yield ArticleStateWriter(conn)

    # ---- correcting history from re-extracted pages ---------------------------------------------
    def articles_with_pages(self, portal_key: str) -> tuple[str, list[int]]:
        """The portal's profile name and its articles with a stored page (LookupError: no portal)."""
        with self.engine.connect() as conn:
            return articles_with_pages(conn, portal_key)

    @contextmanager
    def correcting_history(self, article_ids: list[int], *, dry_run: bool = False) -> Iterator[HistoryCorrector]:
        """The stored pages and history of a group of articles, corrected in one transaction: an
        interrupted run leaves every article either fully corrected or untouched. With dry_run
        the transaction is rolled back (the counts are real)."""
        with self.engine.connect() as conn:
            transaction = conn.begin()
            try:
                yield HistoryCorrector(conn, article_ids)
            except BaseException:
                transaction.rollback()
                raise
            if dry_run:
                transaction.rollback()
            else:
                transaction.commit()

    # ---- crawl runs -------------------------------------------------------------------------
    def start_run(self, portal_id: int) -> int:
        with self.Session.begin() as session:
            run = CrawlRun(portal_id=portal_id, status="running", started_at=utcnow(), message="")
            session.add(run)
            session.flush()
            return run.id

    def latest_observation(self, portal_id: int) -> datetime | None:
        """The portal's latest observation (observed time, db/clock.py): its last fetch or removal."""
        with self.Session() as session:
            fetched, removed = session.execute(select(func.max(Article.last_fetched_at), func.max(Article.removed_at))
                                               .where(Article.portal_id == portal_id)).one()
        return max((t for t in (fetched, removed) if t is not None), default=None)

    def run_stats(self, run_id: int) -> dict:
        with self.Session() as session:
            return session.scalar(select(CrawlRun.stats).where(CrawlRun.id == run_id)) or {}

    def update_run(self, run_id: int, **values) -> None:
        with self.Session.begin() as session:
            session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**values))
