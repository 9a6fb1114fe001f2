"""What the API and the pages show, read through the db query layer (no SQL here): each function takes an
open session and the request's parameters and returns the JSON objects, so a page and its JSON twin agree.

Field names are those of the CLI's --json (`search`, `docs`, `events`); listings add ``next`` (an opaque
cursor, None on the last page). Bad parameters raise :class:`BadRequest` with a message for people."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import lru_cache

from sqlalchemy.orm import Session

from crawler.registry import scopes as registry_scopes
from crawler.weburl import is_web_url
from db.article_view import ArticleNotFound, article_view, resolve_article
from db.queries import list_events, newest_raw_page
from monitor.web import cursor as cursors
from monitor.web.security import safe_html


class BadRequest(ValueError):
    """Bad input from a request: HTTP 400 with this message."""


# ---- search -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchParams:
    q: str
    site: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    category: str | None = None
    doc_type: str | None = None
    doc_number: str | None = None
    order: str = "relevance"
    limit: int = 20
    include_removed: bool = False

    def fingerprint(self) -> str:
        data = {k: v for k, v in asdict(self).items() if k != "limit"}
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def search_page(session: Session, params: SearchParams, cursor: str | None = None, *, counts: bool = False) -> dict:
    """{"items": the article objects of `search --json` (plus score, exact, snippet, snippet_marks, title_marks),
    "total", "total_exact",
    "next"[, "counts"]}. The cursor names the page's end in the ranked list of this very query (a cursor
    of another query is refused)."""
    from db.search import QueryError, hit_json, parse_day, search, window_counts

    if params.limit < 1 or params.limit > 200:
        raise BadRequest("limit must be between 1 and 200")
    offset = 0
    if cursor:
        try:
            offset, fingerprint = cursors.decode("search", cursor)
            if fingerprint != params.fingerprint():
                raise BadRequest("this cursor belongs to another search (its query or filters differ)")
            offset = cursors.whole(offset)
        except (cursors.CursorError, ValueError) as exc:
            raise BadRequest(str(exc)) from None
    try:
        date_from = parse_day(params.date_from) if params.date_from else None
        date_to = parse_day(params.date_to) if params.date_to else None
        filters = dict(site=params.site or None, date_from=date_from, date_to=date_to,
                       category=params.category or None, doc_type=params.doc_type or None,
                       doc_number=params.doc_number or None, include_removed=params.include_removed)
        found = search(session, params.q, **filters, order=params.order, limit=params.limit, offset=offset)
        items = [hit_json(hit, found.query) for hit in found.items]
        result = {"items": items, "total": found.total, "total_exact": found.total_exact, "next": None}
        end = offset + len(items)
        if items and (end < found.total or not found.total_exact):
            result["next"] = cursors.encode("search", [end, params.fingerprint()])
        if counts:
            result["counts"] = window_counts(session, found.window, exact=found.total_exact)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
    return result


# ---- export ----------------------------------------------------------------------------------------------------
def export_blocks(sessions, params: SearchParams, fmt: str) -> Iterator[bytes]:
    """The bytes of `portalwatch export` for the same query and filters (monitor.formats.encode over
    db.export.export_articles), in blocks. The query and filters are checked now (BadRequest); the rows are
    read as the blocks are consumed, in a session of `sessions` that the stream closes when it ends."""
    from db.export import QueryError, export_articles
    from db.search import parse_day
    from monitor.formats import FORMATS, encode

    if fmt not in FORMATS:
        raise BadRequest(f"format is one of {', '.join(FORMATS)}")
    session = sessions()
    try:
        rows = export_articles(session, params.q or None, site=params.site or None,
                               date_from=parse_day(params.date_from) if params.date_from else None,
                               date_to=parse_day(params.date_to) if params.date_to else None,
                               category=params.category or None, doc_type=params.doc_type or None,
                               doc_number=params.doc_number or None, include_removed=params.include_removed)
    except QueryError as exc:
        session.close()
        raise BadRequest(str(exc)) from None
    except BaseException:
        session.close()
        raise
    return _closing(encode(rows, fmt), session)


def _closing(blocks: Iterator[bytes], session: Session) -> Iterator[bytes]:
    try:
        yield from blocks
    finally:
        session.close()


def export_media_type(fmt: str) -> str:
    from monitor.formats import MEDIA_TYPES

    return MEDIA_TYPES[fmt]


# ---- the resolution tracker ---------------------------------------------------------------------------------
def documents_page(session: Session, *, doc_type: str | None = None, issuer: str | None = None,
                   since: str | None = None, limit: int = 50, cursor: str | None = None) -> dict:
    """{"items": the document objects of `docs --json`, "total", "next"}; newest first mention first."""
    from db.tracker import QueryError, document_type, issuer_code, list_documents

    if limit < 1 or limit > 500:
        raise BadRequest("limit must be between 1 and 500")
    after = None
    if cursor:
        try:
            at, last_id = cursors.decode("docs", cursor)
            after = (cursors.instant(at), cursors.whole(last_id))
        except (cursors.CursorError, ValueError, TypeError) as exc:
            raise BadRequest(str(exc) or "not a cursor of this listing") from None
    try:
        page = list_documents(session, doc_type=document_type(doc_type) if doc_type else None,
                              issuer=issuer_code(issuer) if issuer else None, since=_since(since),
                              limit=limit, after=after)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
    next_cursor = None
    if page.last_key is not None and len(page.documents) == limit:
        at, last_id = page.last_key
        next_cursor = cursors.encode("docs", [at.isoformat(), last_id])
    return {"items": page.documents, "total": page.total, "next": next_cursor}


def _since(value: str | None):
    from monitor.cli.common import CliError, tracker_since

    try:
        return tracker_since(value)
    except CliError as exc:
        raise BadRequest(str(exc).replace("--since", "since")) from None


def document(session: Session, number: str, scope: list[str] | None = None, *, limit: int = 100,
             cursor: str | None = None) -> dict | None:
    """The object of `docs NUMBER --json` (with coverage; one page of `limit` mentions, oldest first, after the
    cursor; `next` names the next page); None when no article mentions it."""
    from db.tracker import QueryError, archived_portal_keys, document_numbers, document_tracker, find_document

    if limit < 1 or limit > 1000:
        raise BadRequest("limit must be between 1 and 1000")
    known = registry_scopes()
    try:
        document_numbers(number)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
    if scope:
        groups = set(known.values()) | set(archived_portal_keys(session))
        unknown = [s for s in scope if s not in groups]
        if unknown:
            raise BadRequest(f"unknown scope {unknown[0]!r}")
    canonical, found = find_document(session, number)
    if not found:
        return None
    try:
        after = cursors.mentions_after(canonical, cursor) if cursor else None
        doc = document_tracker(session, canonical, known, scope=scope or None, limit=limit, after=after)
    except (cursors.CursorError, QueryError) as exc:
        raise BadRequest(str(exc)) from None
    return cursors.mentions_cursor(doc) if doc else None


# ---- events -------------------------------------------------------------------------------------------------
def event_filters(kind: list[str] | None, doc_type: list[str] | None) -> tuple[list[str] | None, list[str] | None]:
    """Repeatable, comma-separated kind= and doc_type= values; document types canonicalized (nq → NQ)."""
    from db.tracker import QueryError, document_type

    kinds = [k.strip() for part in kind or [] for k in part.split(",") if k.strip()] or None
    types = [t.strip() for part in doc_type or [] for t in part.split(",") if t.strip()] or None
    try:
        types = [document_type(t) for t in types] if types else None
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
    return kinds, types


def events_page(session: Session, *, since: str | None = None, kind: list[str] | None = None,
                site: str | None = None, doc_type: list[str] | None = None, order: str = "oldest",
                limit: int = 100, cursor: str | None = None) -> dict:
    """{"items": the event objects of `events --json`, "next"}; oldest first (order=newest: newest first)."""
    from monitor.cli.common import CliError, parse_since

    if order not in ("oldest", "newest"):
        raise BadRequest("order is oldest or newest")
    if limit < 1 or limit > 1000:
        raise BadRequest("limit must be between 1 and 1000")
    try:
        moment = parse_since(since)
    except CliError as exc:
        raise BadRequest(str(exc).replace("--since", "since")) from None
    kinds, types = event_filters(kind, doc_type)
    last = None
    if cursor:
        try:
            (last,) = cursors.decode(f"events-{order}", cursor)
            last = cursors.whole(last)
        except (cursors.CursorError, ValueError, TypeError) as exc:
            raise BadRequest(str(exc) or "not a cursor of this listing") from None
    newest = order == "newest"
    items = list_events(session, since=moment, kinds=kinds, site=site or None, doc_types=types,
                        after_id=None if newest else last, before_id=last if newest else None,
                        limit=limit, newest_first=newest)
    next_cursor = cursors.encode(f"events-{order}", [items[-1]["id"]]) if len(items) == limit else None
    return {"items": items, "next": next_cursor}


# ---- one article --------------------------------------------------------------------------------------------
def article(session: Session, article_id: int, diff: str | None = None) -> dict | None:
    """The object of `portalwatch show ID [--diff A..B] --json` (db.article_view: versions oldest first, the word
    diff of versions A and B, default the last two, view samples, attachments, documents) plus ``body_html``:
    the body of its newest stored page, extracted as the crawler does and sanitized again (None without a
    stored page), and ``images`` (`url`, `caption`) read from that page (the archive keeps no image rows).
    None when the archive has no such article; a bad or missing version is a BadRequest."""
    from db.article_view import parse_range

    try:
        wanted = parse_range(diff) if diff else None
    except ValueError as exc:
        raise BadRequest(str(exc).replace("--diff", "diff")) from None
    try:
        found = resolve_article(session, str(article_id))
    except ArticleNotFound:
        return None
    try:
        data = article_view(session, found, wanted)
    except ArticleNotFound as exc:  # a version it does not have
        raise BadRequest(str(exc)) from None
    data["body_html"], data["images"] = stored_page(session, article_id)
    return data


def stored_page(session: Session, article_id: int) -> tuple[str | None, list[dict]]:
    """The body's HTML, sanitized again (None without a stored page), and the images with their captions
    (http(s) only: crawler.weburl.is_web_url, as safe_html keeps them), read from the article's newest stored page."""
    page = newest_raw_page(session, article_id)
    if page is None:
        return None, []
    url, profile, text = page
    html = safe_html(extract_body_html(text, url, profile))
    record = _extracted(text, url, profile)
    return html, [{"url": i["url"], "caption": i.get("caption") or ""} for i in (record.images if record else [])
                  if is_web_url(i.get("url"))]


def extract_body_html(text: str, url: str, profile: str | None) -> str:
    """The article body's HTML as the crawler's profile extracts it from a stored page."""
    record = _extracted(text, url, profile)
    return (record.body_html or "") if record else ""


@lru_cache(maxsize=1)
def _extracted(text: str, url: str, profile: str | None):
    """The page read by the crawler's extraction path (None when no profile reads it any more). Cached for the
    last page: the article page reads its HTML and its images from one extraction (a str caches its hash, so
    the lookup does not rehash a long page)."""
    from crawler.extract import extract_page

    try:
        return extract_page(text, url, profile)
    except Exception:  # a page no profile reads any more: the clean text still shows
        return None
