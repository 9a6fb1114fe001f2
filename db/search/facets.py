"""Result counts of a search per portal and per cited document type (the web page's facets).

Counted over the newest ``run.WINDOW`` matches that pass the filters — the same window the ranking reads —
so a query matching most of a big archive costs what the ranking costs; ``exact`` is False when there are
more matches than the window (the counts are then those of the newest matches)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Article, Document, DocumentMention, Portal
from db.search.filters import build_filters
from db.search.query import parse_query
from db.search.run import WINDOW
from db.search.sql import dialect_of, newest_matches


def search_counts(session: Session, text_query: str, *, site=None, date_from=None, date_to=None, category=None,
                  doc_type=None, doc_number=None, include_removed: bool = False) -> dict:
    """{"portals": [{"site", "count"}], "doc_types": [{"type", "count"}], "exact": bool}, largest count first.
    Takes search()'s filters; raises QueryError as search() does."""
    query = parse_query(text_query)
    filters = build_filters(session, site=site, date_from=date_from, date_to=date_to, category=category,
                            doc_type=doc_type, doc_number=doc_number, include_removed=include_removed)
    ids = [row.id for row in session.execute(newest_matches(dialect_of(session), query, filters, WINDOW + 1))]
    exact = len(ids) <= WINDOW
    ids = ids[:WINDOW]
    portals: dict[str, int] = {}
    types: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for key, count in session.execute(select(Portal.key, func.count()).join(Article, Article.portal_id == Portal.id)
                                          .where(Article.id.in_(chunk)).group_by(Portal.key)):
            portals[key] = portals.get(key, 0) + count
        for kind, count in session.execute(
                select(Document.type, func.count(func.distinct(DocumentMention.article_id)))
                .join(DocumentMention, DocumentMention.document_id == Document.id)
                .where(DocumentMention.article_id.in_(chunk), Document.type.is_not(None)).group_by(Document.type)):
            types[kind] = types.get(kind, 0) + count
    return {"portals": [{"site": k, "count": n} for k, n in sorted(portals.items(), key=lambda kv: (-kv[1], kv[0]))],
            "doc_types": [{"type": k, "count": n} for k, n in sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))],
            "exact": exact}
