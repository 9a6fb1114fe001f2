"""Ranking a window of matches: relevance (terms in the title, freshness), then exact diacritics first (the
reasons and the formula are in db/search/__init__.py)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import String, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from vntext.textnorm import tone_key
from db.models import Article
from db.search.bounds import BODY_CHARS
from db.search.filters import Filters
from db.search.query import ParsedQuery, Term
from db.search.sql import FTS, ids_in
from db.search.sqlite_index import FTS_TABLE
from db.search.textmatch import folded_pattern

RERANK = 200          # best-scored matches checked for exact diacritics
HALF_LIFE_DAYS = 7.0  # freshness: an article this much older than the newest match counts 3/4, much older 1/2
TITLE_WEIGHT = 0.5    # relevance bonus for the query terms found in the title (all of them: +50 %)
COMPACT = 50          # SQLite: title matches come from the index when the window spans < 50 x its size

_NEW_STYLE = re.compile(r"(?<!q)([òóỏõọùúủũụ])([aey])(?![^\W\d_])")


def _old_style(word: str) -> str:
    """The old tone placement of a lower-case, new-style word (hòa → hoà, ủy → uỷ), as tone_key's inverse."""
    def move(m: re.Match) -> str:
        base, mark = unicodedata.normalize("NFD", m[1])[0], unicodedata.normalize("NFD", m[1])[1:]
        if base + m[2] not in ("oa", "oe", "uy"):
            return m[0]
        return base + unicodedata.normalize("NFC", m[2] + mark)
    return _NEW_STYLE.sub(move, word)


def _exact_pattern(term: Term) -> re.Pattern:
    """The term with its diacritics, in lower-case NFC text, either tone placement."""
    words = []
    for word in term.original.split():
        new = tone_key(word).lower()
        words.append("(?:" + "|".join(map(re.escape, sorted({new, _old_style(new)}))) + ")")
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])")


@dataclass
class Exactness:
    """The share of a query's accented terms found with their diacritics (case and tone placement ignored)."""

    patterns: list[re.Pattern]

    @classmethod
    def of(cls, query: ParsedQuery) -> "Exactness | None":
        accented = query.accented_terms
        return cls([_exact_pattern(t) for t in accented]) if accented else None

    def ratio(self, *texts: str | None) -> float:
        haystack = "\n".join(t or "" for t in texts)
        if not unicodedata.is_normalized("NFC", haystack):
            haystack = unicodedata.normalize("NFC", haystack)
        haystack = haystack.lower()
        return sum(1 for p in self.patterns if p.search(haystack)) / len(self.patterns)


def exact_first(session: Session, dialect: str, query: ParsedQuery, ranked: list, offset: int) -> list:
    """`ranked` ((id, score, None) best first) with its RERANK best rows ordered by exactness, then score and
    id, their exactness filled in; unchanged when the query has no accented term or the page is past them."""
    exactness = Exactness.of(query)
    if exactness is None or offset >= RERANK:
        return ranked
    a = Article.__table__.c
    head = ranked[:RERANK]
    # the part of each body the index holds (db/search/bounds.py): a huge body is neither sent nor scanned
    texts = session.execute(select(a.id, a.title, a.summary, func.substr(a.body_text, 1, BODY_CHARS)).where(
        ids_in(dialect, [h[0] for h in head])))
    ratios = {row[0]: exactness.ratio(*row[1:]) for row in texts}
    head = [(i, score, ratios.get(i, 0.0)) for i, score, _ in head]
    head.sort(key=lambda h: (h[2], h[1], h[0]), reverse=True)
    return head + ranked[RERANK:]


@dataclass
class Relevance:
    """How well a window row matches, from its title (bounded work per row), times its freshness.

    raw = 1 + TITLE_WEIGHT · (share of the query's terms found in the title); relevance = raw / best raw in the
    window · (0.5 + 0.5 · 2^(−age / HALF_LIFE_DAYS)), age counted from the newest match. The same formula on
    both engines. The title matches come from FTS5 column filters over the window's rowid range (SQLite, when
    that range is compact or the filters prune it inside the index), else from the titles read back and
    matched in Python against the folded terms.
    """

    raw: dict[int, float]
    best: float
    newest: float | None     # publication day number of the newest match

    @classmethod
    def of(cls, session: Session, dialect: str, query: ParsedQuery, filters: Filters, rows) -> "Relevance":
        if not rows:
            return cls({}, 1.0, None)
        ids = [r.id for r in rows]
        lo, hi = min(ids), max(ids)
        if dialect == "sqlite" and not filters.by_ids and (filters.fts or hi - lo < COMPACT * len(ids)):
            found = cls._titles_from_index(session, query, filters, lo, hi)
        else:
            found = cls._titles_from_text(session, dialect, query, ids)
        raw = {i: 1.0 + TITLE_WEIGHT * found.get(i, 0) / len(query.terms) for i in ids}
        newest = max((r.day for r in rows if r.day is not None), default=None)
        return cls(raw, max(raw.values()), newest)

    @staticmethod
    def _titles_from_index(session: Session, query: ParsedQuery, filters: Filters, lo: int, hi: int) -> dict:
        counts: dict[int, int] = {}
        for term in query.terms:
            match = " AND ".join(["{title} : " + term.fts5, *filters.fts])
            stmt = select(FTS.c.rowid).where(
                literal_column(FTS_TABLE).op("MATCH")(bindparam(None, match, type_=String)),
                FTS.c.rowid.between(lo, hi))
            for rowid in session.scalars(stmt):
                counts[rowid] = counts.get(rowid, 0) + 1
        return counts

    @staticmethod
    def _titles_from_text(session: Session, dialect: str, query: ParsedQuery, ids: list[int]) -> dict:
        a = Article.__table__.c
        pattern = re.compile("|".join(f"(?P<t{n}>{folded_pattern(t)})" for n, t in enumerate(query.terms)))
        counts: dict[int, int] = {}
        for row_id, title in session.execute(select(a.id, a.title).where(ids_in(dialect, ids))):
            if not title:
                continue
            if not title.isascii() and not unicodedata.is_normalized("NFC", title):
                title = unicodedata.normalize("NFC", title)
            found = {m.lastgroup for m in pattern.finditer(title)}
            if found:
                counts[row_id] = len(found)
        return counts

    def __call__(self, row) -> float:
        if self.newest is None or row.day is None:
            freshness = 0.5 if self.newest is not None else 1.0
        else:
            freshness = 0.5 + 0.5 * 2 ** (-max(0.0, self.newest - row.day) / HALF_LIFE_DAYS)
        return round(self.raw.get(row.id, 1.0) / self.best * freshness, 6)
