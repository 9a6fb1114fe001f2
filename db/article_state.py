"""Articles' crawl bookkeeping and removal state: the one writer of it.

What the crawler observed about known articles (HTTP answers of re-checks, presence in the
portal's listings) sets their re-fetch time, validators and counters; the removal rules turn the
counters into tombstones; mark_removed and mark_restored are the explicit forms. Everything runs
on a connection the caller gives, inside the caller's transaction (ArchiveWriter opens one;
detection passes its session's).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Connection, bindparam, func, insert, literal, select, update

from db.content import to_utc
from db.models import RemovalCause
from db.refetch import RefetchSchedule, refetch_every
from db.tables import ARTICLES, TOMBSTONES, chunks, fit

GONE_STATUSES = (404, 410)


@dataclass(frozen=True)
class ArticleCheck:
    """One re-check of an article page: its HTTP status (200, 304, 404, 410) and validators."""

    external_id: str
    status: int
    at: datetime
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class ListingWalk:
    """What one crawl saw of the portal's listings."""

    listed: frozenset[str]        # every article on a listing page walked
    window_ends: tuple[str, ...]  # per listing: the last article of the deepest page walked
    started: datetime             # when the crawl started
    complete: bool = True         # every listing of the portal was fetched and parsed: only then is absence news


class ArticleStateWriter:
    def __init__(self, conn: Connection):
        self.conn = conn

    # ---- what a crawl observed -------------------------------------------------------------
    def record_checks(self, portal_id: int, checks: list[ArticleCheck], schedule: RefetchSchedule) -> None:
        """Each checked article is due again by the schedule (by its age at the check); a 404/410
        counts towards its removal, any other answer resets that count and keeps its validators.
        A check of an article the archive does not have (its page could not be stored) is skipped."""
        articles: dict[str, dict] = {}
        for chunk in chunks(sorted({check.external_id for check in checks})):
            for row in self.conn.execute(
                select(ARTICLES.c.id, ARTICLES.c.external_id, ARTICLES.c.published_at, ARTICLES.c.first_seen_at,
                       ARTICLES.c.consecutive_gone, ARTICLES.c.http_etag, ARTICLES.c.http_last_modified)
                .where(ARTICLES.c.portal_id == portal_id, ARTICLES.c.external_id.in_(chunk))
            ):
                articles[row.external_id] = row._asdict()
        updated: dict[int, dict] = {}
        for check in checks:  # in the order they were made: a count of consecutive answers
            article = articles.get(check.external_id)
            if article is None:
                continue
            age = check.at - (article["published_at"] or article["first_seen_at"])
            article["next_check_at"] = check.at + refetch_every(schedule, age)
            if check.status in GONE_STATUSES:
                article["consecutive_gone"] += 1
            else:
                article["consecutive_gone"] = 0
                article["http_etag"] = check.etag or article["http_etag"]
                article["http_last_modified"] = check.last_modified or article["http_last_modified"]
            updated[article["id"]] = article
        if updated:
            columns = ("next_check_at", "consecutive_gone", "http_etag", "http_last_modified")
            self.conn.execute(update(ARTICLES).where(ARTICLES.c.id == bindparam("_id")), [
                fit(ARTICLES, {"_id": article_id, **{k: a[k] for k in columns}}, ("http_etag", "http_last_modified"))
                for article_id, a in updated.items()])

    def record_listing_presence(self, portal_id: int, walk: ListingWalk) -> None:
        """Listed articles are seen; articles inside every walked listing's window but on none of
        them count a miss.

        A listing's window ends at the last article of the deepest page walked (listings are in
        date order below any pinned article); the portal's window is the shallowest of them, so
        an article is only missed where its own listing was surely walked, and a reordered or
        pinned listing costs nothing. An incomplete walk (a listing failed, so its articles
        would look missing) counts no misses at all.
        """
        listed = sorted(walk.listed)
        for chunk in chunks(listed):
            self.conn.execute(update(ARTICLES).where(ARTICLES.c.portal_id == portal_id,
                                                     ARTICLES.c.external_id.in_(chunk))
                              .values(last_listed_at=walk.started, listing_misses=0))
        if not walk.complete or not walk.window_ends:
            return
        ends = dict(self.conn.execute(select(ARTICLES.c.external_id, ARTICLES.c.published_at).where(
            ARTICLES.c.portal_id == portal_id, ARTICLES.c.external_id.in_(set(walk.window_ends)))).all())
        if any(ends.get(end) is None for end in walk.window_ends):
            return  # a listing whose window cannot be dated: judge nothing this run
        floor = max(ends.values())
        missed = [row.id for row in self.conn.execute(select(ARTICLES.c.id, ARTICLES.c.external_id).where(
            ARTICLES.c.portal_id == portal_id, ARTICLES.c.published_at >= floor, ARTICLES.c.removed_at.is_(None),
            ARTICLES.c.last_listed_at.is_not(None), ARTICLES.c.first_seen_at < walk.started))
            if row.external_id not in walk.listed]
        for chunk in chunks(missed):
            self.conn.execute(update(ARTICLES).where(ARTICLES.c.id.in_(chunk))
                              .values(listing_misses=ARTICLES.c.listing_misses + 1))

    # ---- removals -------------------------------------------------------------------------------
    def apply_removal_rules(self, portal_id: int, at: datetime, *, gone_after: int, missing_after: int) -> int:
        """404/410 on `gone_after` consecutive checks, or missing from its listing window for
        `missing_after` runs: the article is removed (a tombstone). Returns how many were."""
        doomed = self.conn.execute(select(ARTICLES.c.id, ARTICLES.c.consecutive_gone, ARTICLES.c.listing_misses).where(
            ARTICLES.c.portal_id == portal_id, ARTICLES.c.removed_at.is_(None),
            (ARTICLES.c.consecutive_gone >= gone_after) | (ARTICLES.c.listing_misses >= missing_after))).all()
        removed = 0
        for article in doomed:
            if article.consecutive_gone >= gone_after:
                cause, reason = RemovalCause.GONE, f"answered 404/410 on {article.consecutive_gone} consecutive checks"
            else:
                cause, reason = RemovalCause.MISSING_FROM_LISTING, f"missing from its listing for {article.listing_misses} runs"
            removed += self._remove(article.id, to_utc(at), cause, reason)
        return removed

    def mark_removed(self, portal_id: int, external_id: str, at: datetime, reason: str = "",
                     cause: RemovalCause = RemovalCause.MANUAL) -> bool:
        """Record that an article went away (the caller decided). The row and its history stay; an
        open tombstone is added. Idempotent: an article already marked removed gets no second
        tombstone (returns False). Raises LookupError for an article the archive does not have."""
        return self._remove(self._article_id(portal_id, external_id), to_utc(at), cause, reason)

    def mark_restored(self, portal_id: int, external_id: str, at: datetime) -> bool:
        """Close the open tombstone of a removed article (it is back). Idempotent: False when the
        article is not marked removed. (A successful fetch in write_articles restores it too.)"""
        article_id = self._article_id(portal_id, external_id)
        changed = self.conn.execute(update(ARTICLES).where(ARTICLES.c.id == article_id,
                                                           ARTICLES.c.removed_at.is_not(None))
                                    .values(removed_at=None)).rowcount
        if not changed:
            return False
        self.conn.execute(update(TOMBSTONES).where(TOMBSTONES.c.article_id == article_id,
                                                   TOMBSTONES.c.restored_at.is_(None)).values(restored_at=to_utc(at)))
        return True

    def _remove(self, article_id: int, at: datetime, cause: RemovalCause, reason: str) -> bool:
        # The guarded UPDATE is the lock: of two concurrent callers only one changes the row.
        changed = self.conn.execute(update(ARTICLES).where(ARTICLES.c.id == article_id,
                                                           ARTICLES.c.removed_at.is_(None))
                                    .values(removed_at=at)).rowcount
        if not changed:
            return False
        self.conn.execute(insert(TOMBSTONES).values(fit(TOMBSTONES, {
            "article_id": article_id, "removed_at": at, "cause": cause, "reason": reason or "", "restored_at": None,
        }, ("reason",))))
        return True

    def _article_id(self, portal_id: int, external_id: str) -> int:
        article_id = self.conn.scalar(select(ARTICLES.c.id).where(ARTICLES.c.portal_id == portal_id,
                                                                  ARTICLES.c.external_id == str(external_id)))
        if article_id is None:
            raise LookupError(f"no article {external_id!r} in portal {portal_id}")
        return article_id


# The run's stats keys for a move its crawl found (detection makes one source_moved of them).
MOVED_FROM, MOVED_TO = "portalwatch/moved_from", "portalwatch/moved_to"


def is_move(old_base: str, new_base: str) -> bool:
    """A portal's base URL changed scheme or host: it moved (a port alone is the same server restarted)."""
    old, new = urlsplit(old_base), urlsplit(new_base)
    return (old.scheme, old.hostname) != (new.scheme, new.hostname)


def rebase_urls(conn: Connection, portal_id: int, old_base: str, new_base: str) -> int:
    """Move the stored URL of every article of the portal under `old_base` to `new_base` (path kept).
    Versions, attachments and raw pages keep the URLs they were fetched at: they are history."""
    old, new = old_base.rstrip("/") + "/", new_base.rstrip("/") + "/"
    return conn.execute(update(ARTICLES).where(ARTICLES.c.portal_id == portal_id,
                                               ARTICLES.c.url.startswith(old, autoescape=True))
                        .values(url=literal(new) + func.substr(ARTICLES.c.url, len(old) + 1))).rowcount
