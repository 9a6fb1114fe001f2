"""Every article matching search's filters, as article objects, in id order and in constant memory (the query
layer of `portalwatch export` and /api/export).

The filters are search's (db/search: site, Vietnam days, category, document type and number, removed articles),
the text is optional: without it every article passing the filters is exported. Rows are read by keyset
pagination on ``articles.id`` (``id > last ORDER BY id LIMIT CHUNK``; the same SQL on SQLite and PostgreSQL, no
OFFSET, so chunk n costs what chunk 1 costs), each chunk in two steps:

1. the chunk's ids: from the full-text index when there is text or a category (FTS5 walks its doclists by rowid
   from ``last``; PostgreSQL's GIN condition), else from ``ix_articles_search`` (id, published_at, removed_at,
   portal_id), which covers the site, date and removed filters without reading the article rows — on SQLite
   a filter on the wide rows would follow every body's overflow pages to reach the columns after it;
2. those articles, streamed FETCH rows at a time (``yield_per``: SQLite steps its cursor, PostgreSQL reads a
   server-side cursor), as Core rows — no ORM object and no identity map that would grow with the export.

So at most FETCH article rows are held at once, whatever the number of matches; a body can be 20 MB
(db/search/bounds.py), so FETCH is small. Concurrent writes: an article stored during the export has a higher
id and comes at the end if its chunk is still to be read; none is read twice.
"""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import String, bindparam, exists, func, literal_column, select
from sqlalchemy.orm import Session

from db.models import Article, Portal
from db.queries import article_json
from db.search.filters import Filters, build_filters
from db.search.query import ParsedQuery, QueryError, parse_query
from db.search.sql import FTS, dialect_of, fts_has, ids_in, match_condition

# Ids per keyset page. Measured on the 1M synthetic archive (warm, SQLite): walking the ids of a whole export
# took 8.6 s in pages of 1,000 (~8.7 ms a page, mostly per-query cost) and 0.7 s in pages of 10,000, against
# 180-490 s for the export itself; 10,000 ints are ~0.3 MB.
CHUNK = 10_000
# Article rows held at once (a row is ~3 KB of text typically, 20 MB at worst).
FETCH = 50

_COLUMNS = [Article.__table__.c[name] for name in (
    "id", "url", "external_id", "title", "published_at", "published_has_time", "views", "author", "category",
    "summary", "body_text", "first_seen_at", "last_fetched_at")]

__all__ = ["CHUNK", "FETCH", "QueryError", "export_articles"]


def export_articles(session: Session, text: str | None = None, *, site: str | None = None, date_from=None,
                    date_to=None, category: str | None = None, doc_type: str | None = None,
                    doc_number: str | None = None, include_removed: bool = False,
                    chunk: int | None = None) -> Iterator[dict]:
    """The article objects (db.queries.article_json: the objects of `search --json` without score, exact and
    snippet) of every article matching `text` (search's query language; None or blank: all) and the filters
    (as db.search.search takes them), smallest id first; `chunk` ids per keyset page (default CHUNK).

    The query and the filters are checked now — QueryError before any row is read — and the rows are read as
    the returned iterator is consumed, within `session`."""
    query = parse_query(text) if text is not None and text.strip() else None
    filters = build_filters(session, site=site, date_from=date_from, date_to=date_to, category=category,
                            doc_type=doc_type, doc_number=doc_number, include_removed=include_removed)
    chunk = CHUNK if chunk is None else chunk
    if chunk < 1:
        raise QueryError("chunk must be at least 1")
    return _stream(session, query, filters, chunk)


def _stream(session: Session, query: ParsedQuery | None, filters: Filters, chunk: int) -> Iterator[dict]:
    dialect = dialect_of(session)
    last = 0
    while True:
        ids = list(session.scalars(_chunk_ids(dialect, query, filters, last, chunk)))
        if not ids:
            return
        stmt = (select(*_COLUMNS, Portal.key.label("site")).join(Portal, Portal.id == Article.portal_id)
                .where(ids_in(dialect, ids)).order_by(Article.id).execution_options(yield_per=FETCH))
        for row in session.execute(stmt):
            yield article_json(row, row.site)
        if len(ids) < chunk:
            return
        last = ids[-1]


def _chunk_ids(dialect: str, query: ParsedQuery | None, filters: Filters, last: int, chunk: int):
    """The next `chunk` matching ids after `last`, smallest first."""
    a = Article.__table__
    indexed = query is not None or filters.index_only  # a category is a condition on the index alone
    if not indexed or filters.by_ids:
        # No index condition, or a few candidates (the articles citing a document) tested one by one.
        stmt = select(a.c.id).where(a.c.id > last, *filters.where)
        if indexed:
            stmt = stmt.where(_sqlite_has(query, filters) if dialect == "sqlite"
                              else _match(dialect, query, filters))
        return stmt.order_by(a.c.id).limit(chunk)
    if dialect == "sqlite":
        return (select(FTS.c.rowid.label("id")).select_from(FTS.join(a, a.c.id == FTS.c.rowid))
                .where(_match(dialect, query, filters), FTS.c.rowid > last, *filters.where)
                .order_by(FTS.c.rowid).limit(chunk))
    return (select(a.c.id).where(_match(dialect, query, filters), a.c.id > last, *filters.where)
            .order_by(a.c.id).limit(chunk))


def _match(dialect: str, query: ParsedQuery | None, filters: Filters):
    """The index condition of the text and the filters; with no text, of the filters alone."""
    if query is not None:
        return match_condition(dialect, query, filters)
    return _filters_match(dialect, filters, FTS.name)


def _filters_match(dialect: str, filters: Filters, column: str):
    if dialect == "sqlite":
        return literal_column(column).op("MATCH")(bindparam(None, " AND ".join(filters.fts), type_=String))
    expression = func.to_tsquery(literal_column("'simple'"), bindparam(None, " & ".join(filters.pg), type_=String))
    return literal_column("articles.search_tsv").op("@@")(expression)


def _sqlite_has(query: ParsedQuery | None, filters: Filters):
    """SQLite: one article tested against the index (for few candidates)."""
    if query is not None:
        return fts_has(query, filters, Article.__table__.c.id)
    fts = FTS.alias("f")
    return exists(select(1).select_from(fts).where(_filters_match("sqlite", filters, "f.article_fts"),
                                                   fts.c.rowid == Article.__table__.c.id))
