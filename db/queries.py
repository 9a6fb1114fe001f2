"""Reading the archive as the CLI (and later a JSON API or web pages) shows it.

Every function returns plain data (dicts whose field names are the JSON interface's contract),
never ORM rows that outlive their session, so callers need not know the schema. Times are local
(Asia/Ho_Chi_Minh) ISO strings, as people read them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from vntext.dates import VN_TZ
from db.models import Article, CrawlRun, Document, Event, Portal, RawPage


def local_iso(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).isoformat(timespec="seconds")


def article_json(article: Article, site: str) -> dict:
    """The article object of the JSON interface (field names are a contract)."""
    published = None
    if article.published_at is not None:
        local = article.published_at.astimezone(VN_TZ)
        published = local.isoformat() if article.published_has_time else local.date().isoformat()
    return {
        "id": article.id,
        "site": site,
        "url": article.url,
        "external_id": article.external_id,
        "title": article.title,
        "published_at": published,
        "views": article.views,
        "author": article.author,
        "category": article.category,
        "summary": article.summary,
        "body_text": article.body_text,
        "first_seen_at": local_iso(article.first_seen_at),
        "last_fetched_at": local_iso(article.last_fetched_at),
    }


def archived_portal_keys(session: Session) -> list[str]:
    """The keys of the portals the archive holds, registered or not."""
    return list(session.scalars(select(Portal.key).order_by(Portal.key)))


def portal_summaries(session: Session, keys: list[str] | None = None) -> list[dict]:
    """Per portal: how many articles, and the newest one's title."""
    rows = []
    portals = session.scalars(select(Portal).order_by(Portal.key)).all()
    for portal in portals:
        if keys is not None and portal.key not in keys:
            continue
        count = session.scalar(select(func.count()).select_from(Article).where(Article.portal_id == portal.id))
        newest = session.scalar(
            select(Article).where(Article.portal_id == portal.id)
            .order_by(Article.published_at.desc().nulls_last(), Article.id.desc()).limit(1)
        )
        last_run = session.scalar(
            select(CrawlRun).where(CrawlRun.portal_id == portal.id).order_by(CrawlRun.id.desc()).limit(1)
        )
        rows.append({
            "site": portal.key, "name": portal.name, "articles": count,
            "newest_title": newest.title if newest else "",
            "newest_published_at": article_json(newest, portal.key)["published_at"] if newest else None,
            "last_run_status": last_run.status if last_run else None,
        })
    return rows


def event_json(event: Event, site: str) -> dict:
    """The event object of the JSON interface (field names are a contract)."""
    return {"id": event.id, "key": event.key, "kind": event.kind, "site": site, "article_id": event.article_id,
            "document_id": event.document_id, "occurred_at": local_iso(event.occurred_at),
            "created_at": local_iso(event.created_at), "payload": event.payload}


def list_events(session: Session, *, since: datetime | None = None, kinds: list[str] | None = None,
                site: str | None = None, doc_types: list[str] | None = None, after_id: int | None = None,
                before_id: int | None = None, limit: int | None = None, newest_first: bool = False) -> list[dict]:
    """Events, oldest first: created since a moment, of some kinds, on one portal (each filter optional).

    doc_types: only events about a document (new_document …) of these type codes (NQ, CT …). Paging by
    id (a stable key: ids only grow): after_id/before_id exclude that event and those before/after it;
    limit caps the list; newest_first reverses the order (a feed)."""
    query = select(Event, Portal.key).join(Portal).order_by(Event.id.desc() if newest_first else Event.id)
    if since:
        query = query.where(Event.created_at >= since)
    if kinds:
        query = query.where(Event.kind.in_(kinds))
    if site:
        query = query.where(Portal.key == site)
    if doc_types:
        query = query.join(Document, Document.id == Event.document_id).where(Document.type.in_(doc_types))
    if after_id is not None:
        query = query.where(Event.id > after_id)
    if before_id is not None:
        query = query.where(Event.id < before_id)
    if limit is not None:
        query = query.limit(limit)
    return [event_json(event, key) for event, key in session.execute(query)]


def portal_name(session: Session, site: str) -> str | None:
    """The stored name of the portal with key `site` (None if the archive has no such portal)."""
    return session.scalar(select(Portal.name).where(Portal.key == site))


def newest_raw_page(session: Session, article_id: int) -> tuple[str, str, str] | None:
    """The newest stored page of an article: (url, its portal's profile, the page's text); None if none."""
    from db.pages import decompress_page

    row = session.execute(select(RawPage.url, Portal.profile, RawPage.body, RawPage.compression)
                          .join(Article, Article.id == RawPage.article_id).join(Portal, Portal.id == Article.portal_id)
                          .where(RawPage.article_id == article_id)
                          .order_by(RawPage.fetched_at.desc(), RawPage.id.desc()).limit(1)).first()
    if row is None:
        return None
    return row.url, row.profile, decompress_page(row.body, row.compression).decode("utf-8", "replace")


def newest_events(session: Session, *, since: datetime | None = None, limit: int) -> list[Event]:
    """The newest `limit` events, newest first, as rows of the caller's open session.

    The one place rows leave this module: rule matching (monitor.events.EventView) reads an
    event's article and documents lazily through the session the caller keeps open.
    """
    query = select(Event).order_by(Event.id.desc())
    if since:
        query = query.where(Event.created_at >= since)
    return list(session.scalars(query.limit(limit)))


def crawl_run_json(run: CrawlRun) -> dict:
    return {"id": run.id, "status": run.status, "mode": run.mode, "started_at": local_iso(run.started_at),
            "pages": run.pages, "articles_new": run.articles_new, "message": run.message}


def last_runs(session: Session, keys: list[str]) -> dict[str, dict | None]:
    """Per portal key: its latest crawl run, or None if it was never crawled (or is not archived)."""
    found = {}
    for key in keys:
        run = session.scalar(select(CrawlRun).join(Portal).where(Portal.key == key)
                             .order_by(CrawlRun.id.desc()).limit(1))
        found[key] = crawl_run_json(run) if run else None
    return found


def scheduled_runs(session: Session) -> dict[str, datetime]:
    """Per APScheduler job id: its next run time (local), from the job table a scheduler keeps in the archive.

    Empty when no scheduler has run on this archive yet (the table does not exist).
    """
    try:
        rows = session.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all()
    except DBAPIError:  # no such table; PostgreSQL also needs the failed transaction rolled back
        session.rollback()
        return {}
    return {job_id: datetime.fromtimestamp(next_run, VN_TZ) for job_id, next_run in rows if next_run is not None}


def portal_list(session: Session) -> list[dict]:
    """The archive's portals, by key: {"site", "name"} (a filter's choices; no count, so it stays cheap on a
    large archive)."""
    return [{"site": key, "name": name} for key, name in session.execute(select(Portal.key, Portal.name)
                                                                         .order_by(Portal.key))]


def portal_runs(session: Session, site: str, limit: int) -> list[dict]:
    """The newest `limit` crawl runs of the portal with key `site`, newest first (empty for a portal the
    archive does not hold): their counts, message and the crawler's stats (crawl_runs.stats)."""
    runs = session.scalars(select(CrawlRun).join(Portal).where(Portal.key == site)
                           .order_by(CrawlRun.id.desc()).limit(limit))
    return [{"id": run.id, "status": run.status, "mode": run.mode, "started_at": local_iso(run.started_at),
             "finished_at": local_iso(run.finished_at) if run.finished_at else None, "pages": run.pages,
             "items": run.articles_seen, "articles_new": run.articles_new, "errors": run.errors,
             "message": run.message, "stats": dict(run.stats or {})} for run in runs]
