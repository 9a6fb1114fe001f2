"""The articles a relevance search scores: bounded, index-driven sets of matches, each the newest K passing the
filters, and their texts read back (db/search/__init__.py, "Ranking", says why these sets)."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Article
from db.search.bounds import BODY_CHARS
from db.search.filters import Filters
from db.search.query import ParsedQuery
from db.search.sql import ids_in, newest_matches

HEAD_LIMIT = 300  # matches taken from each title/summary set (newest first)


def _fts_phrase(tokens) -> str:
    return '"' + " ".join(tokens) + '"'


def _pg_phrase(tokens, weight: str) -> str:
    return "(" + " <-> ".join(f"'{tok}':{weight}" for tok in tokens) + ")"


def head_conditions(query: ParsedQuery) -> list[tuple[str, str]]:
    """(FTS5, tsquery) conditions of the title/summary sets, added to the query's own: the whole query as one
    phrase in the title, then in the summary (when it has several tokens), and every term in the title or the
    summary. A phrase must lie within one field on both engines (FTS5 column filters; tsquery weights A, B)."""
    every = tuple(tok for term in query.terms for tok in term.tokens)
    conditions = []
    if len(every) > 1:
        conditions += [("{title} : " + _fts_phrase(every), _pg_phrase(every, "A")),
                       ("{summary} : " + _fts_phrase(every), _pg_phrase(every, "B"))]
    fts = "{title summary} : (" + " AND ".join(_fts_phrase(t.tokens) for t in query.terms) + ")"
    pg = " & ".join(f"'{t.tokens[0]}':AB" if len(t.tokens) == 1
                    else "(" + _pg_phrase(t.tokens, "A") + " | " + _pg_phrase(t.tokens, "B") + ")"
                    for t in query.terms)
    return [*conditions, (fts, "(" + pg + ")")]


def head_matches(session: Session, dialect: str, query: ParsedQuery, filters: Filters) -> dict:
    """{id: day} of the newest HEAD_LIMIT matches of each title/summary set."""
    found: dict = {}
    for fts, pg in head_conditions(query):
        narrowed = replace(filters, fts=[*filters.fts, fts], pg=[*filters.pg, pg])
        for row in session.execute(newest_matches(dialect, query, narrowed, HEAD_LIMIT)):
            found[row.id] = row.day
    return found


def read_heads(session: Session, dialect: str, ids: list[int]) -> dict:
    """{id: (title, summary)}: short texts, read back in one query."""
    a = Article.__table__.c
    return {row[0]: (row[1], row[2]) for row in session.execute(
        select(a.id, a.title, a.summary).where(ids_in(dialect, ids)))}


def read_bodies(session: Session, dialect: str, ids: list[int]) -> dict:
    """{id: body prefix}: the part of each body the index holds (db/search/bounds.py); a huge body is neither
    sent nor scanned."""
    if not ids:
        return {}
    a = Article.__table__.c
    return {row[0]: row[1] for row in session.execute(
        select(a.id, func.substr(a.body_text, 1, BODY_CHARS)).where(ids_in(dialect, ids)))}
