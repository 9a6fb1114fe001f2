"""The articles a relevance search scores: bounded, index-driven sets of matches, each the newest K passing the
filters, and their texts read back (db/search/__init__.py, "Ranking", says why these sets)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Article
from db.search.bounds import BODY_CHARS
from db.search.filters import Filters
from db.search.query import ParsedQuery, number_pairs
from db.search.sql import ids_in, newest_matches

HEAD_LIMIT = 100  # matches with every term in the title or summary that are scored (newest first)


def _fts_phrase(tokens) -> str:
    return '"' + " ".join(tokens) + '"'


def _pg_phrase(tokens, weight: str) -> str:
    return "(" + " <-> ".join(f"'{tok}':{weight}" for tok in tokens) + ")"


def head_condition(query: ParsedQuery) -> tuple[str, str]:
    """(FTS5, tsquery) condition added to the query's own: every term in the title or the summary, a phrase
    within one of them on both engines (FTS5 column filters; tsquery weights A, B).

    Why not also "the whole query as a phrase in the title": at 1,000,000 articles such a set over common words
    that rarely stand together ("hoi dong nhan dan" as a title phrase) reads the terms' whole doclists, body
    positions included: 1.5 s on SQLite, and PostgreSQL rechecks every tsvector holding them. Every term in the
    title or summary is dense whenever the phrase is common, and holds every article with the phrase in its title
    or summary: the newest HEAD_LIMIT of them are enough unless the phrase itself is common."""
    fts = "{title summary} : (" + " AND ".join(_fts_phrase(t.tokens) for t in query.terms) + ")"
    pg = " & ".join(f"'{t.tokens[0]}':AB" if len(t.tokens) == 1
                    else "(" + _pg_phrase(t.tokens, "A") + " | " + _pg_phrase(t.tokens, "B") + ")"
                    for t in query.terms)
    return fts, "(" + pg + ")"


@dataclass(frozen=True)
class _HeadQuery:
    """The title/summary condition in place of the query's own (which it implies: every term in the title or
    summary is every term somewhere), so the index reads each term's doclist once, not twice (SQLite, at
    1,000,000 articles: "23-NQ/TU" 28 ms against 65 ms, the same rows). sql.match_condition renders it like a
    ParsedQuery."""

    query: ParsedQuery

    def fts5(self, extra: list[str] = ()) -> str:
        return " AND ".join([head_condition(self.query)[0], *extra])

    def tsquery(self, extra: list[str] = ()) -> str:
        pairs = [f"'{pair}':D" for term in self.query.terms if len(term.tokens) > 1 for pair in number_pairs(term.tokens)]
        return " & ".join([*pairs, head_condition(self.query)[1], *extra])


def head_matches(session: Session, dialect: str, query: ParsedQuery, filters: Filters, among: list[int]) -> dict:
    """{id: day} of the newest HEAD_LIMIT matches with every term in the title or summary. `among`: when the
    filters give the candidates by id (a rarely cited document), the rest of the window, tested one by one
    instead of every article citing the document (their test is one FTS5 lookup each: ~0.3 ms)."""
    narrowed = filters
    if filters.by_ids:
        narrowed = replace(filters, where=[ids_in(dialect, among or [0]), *filters.where])
    return {row.id: row.day for row in session.execute(newest_matches(dialect, _HeadQuery(query), narrowed, HEAD_LIMIT))}


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
