"""Result counts of a search per portal and per cited document type (the web page's facets).

Counted over the newest ``run.WINDOW`` matches that pass the filters — the window search reads (for its total
and the date order; it ranks the newest of them and the newest title/summary matches) — so a query matching
most of a big archive costs what that read costs; ``exact`` is False when there are
more matches than the window (each count is then a lower bound: that of the newest matches).

:func:`window_counts` counts the window a :func:`db.search.search` call already read (``SearchResult.window``),
so the search page does not match the query twice: at 1,000,000 articles, matching again cost 20–180 ms of a
page (the phrase "23-NQ/TU": 137 ms warm), and the counts' chunks of 500 bound ids cost as much again to
compile as to run; one statement per facet over the window's ids (bound as one JSON array) takes 3–25 ms warm
(bench/web_bench.py on bench/synthetic.py's archive)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Article, Document, DocumentMention, Portal
from db.search.filters import build_filters
from db.search.query import parse_query
from db.search.run import WINDOW
from db.search.sql import dialect_of, ids_in, newest_matches


def search_counts(session: Session, text_query: str, *, site=None, date_from=None, date_to=None, category=None,
                  doc_type=None, doc_number=None, include_removed: bool = False) -> dict:
    """{"portals": [{"site", "count"}], "doc_types": [{"type", "count"}], "exact": bool, "window": the number of
    matches counted}, largest count first. Takes search()'s filters; raises QueryError as search() does."""
    query = parse_query(text_query)
    filters = build_filters(session, site=site, date_from=date_from, date_to=date_to, category=category,
                            doc_type=doc_type, doc_number=doc_number, include_removed=include_removed)
    ids = [row.id for row in session.execute(newest_matches(dialect_of(session), query, filters, WINDOW + 1))]
    return window_counts(session, ids[:WINDOW], exact=len(ids) <= WINDOW)


def window_counts(session: Session, ids: list[int], *, exact: bool) -> dict:
    """search_counts' object for the matches `ids` (a search's window; `exact`: they are all the matches)."""
    portals: list = []
    types: list = []
    if ids:
        dialect = dialect_of(session)
        portals = session.execute(select(Portal.key, func.count()).join(Article, Article.portal_id == Portal.id)
                                  .where(ids_in(dialect, ids)).group_by(Portal.key)).all()
        types = session.execute(
            select(Document.type, func.count(func.distinct(DocumentMention.article_id)))
            .join(DocumentMention, DocumentMention.document_id == Document.id)
            .where(ids_in(dialect, ids, DocumentMention.article_id), Document.type.is_not(None))
            .group_by(Document.type)).all()
    return {"portals": [{"site": k, "count": n} for k, n in sorted(portals, key=lambda kv: (-kv[1], kv[0]))],
            "doc_types": [{"type": k, "count": n} for k, n in sorted(types, key=lambda kv: (-kv[1], kv[0]))],
            "exact": exact, "window": len(ids)}
