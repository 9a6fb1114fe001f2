"""search(): a query and its filters → a page of hits, ranked or newest first (see db/search/__init__.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from vntext.dates import VN_TZ
from db.models import Article, Portal
from db.search.filters import Filters, build_filters, date_bounds
from db.search.query import ParsedQuery, QueryError, parse_query
from db.search.candidates import head_matches, read_bodies, read_heads
from db.search.ranking import UNREAD, Scorer
from db.search.sql import FTS, day_number, dialect_of, fts_has, match_condition, newest_matches

WINDOW = 1000  # newest matches read: counted (total, facets), sorted by date in memory, the newest SCORED ranked
SCORED = 100   # newest matches scored (with the newest matches in title or summary, candidates.HEAD_LIMIT)
RERANK = 30    # bodies read at a time, best upper bound first, while an unread body can still change the page
MAX_BODIES = 300  # bodies read at most for one search (a body read and scored costs ~0.1 ms at 2.5 KB)
SETTLED = 50   # bodies are read until no unread one can lift its article into the first SETTLED: the same
               # for every page asked, so a query's order, and paging, never depend on the page


class SearchHit(NamedTuple):
    article: Article
    site: str                  # the portal's key
    score: float | None        # relevance in 0…1 (higher is better; db/search/__init__.py); 0.0 past the ranked
                               # candidates (newest first there); None when by date
    exact: float | None        # share of accented query words found with their diacritics; None if not checked


@dataclass
class SearchResult:
    items: list[SearchHit]
    total: int                 # number of matches (a lower bound when total_exact is False)
    total_exact: bool
    query: ParsedQuery
    offset: int = 0
    limit: int = 20
    notes: list[str] = field(default_factory=list)
    window: list[int] = field(default_factory=list)  # ids of the newest matches search read (≤ WINDOW)


def search(session: Session, text_query: str, *, site: str | None = None, date_from: date | datetime | None = None,
           date_to: date | datetime | None = None, category: str | None = None, doc_type: str | None = None,
           doc_number: str | None = None, order: str = "relevance", limit: int = 20, offset: int = 0,
           include_removed: bool = False) -> SearchResult:
    """Articles matching every word of `text_query` (see db/search/__init__.py for the query language).

    site: a portal key; date_from/date_to: days (Vietnam time, both inclusive) or aware datetimes; category:
    words of the category name (folded, as a phrase: "tin noi bat"); doc_type: a document type code ("NQ",
    "CT", "CTr") of a document the article mentions;
    doc_number: a document number, canonicalized ("23-nq/tu" → "23-NQ/TU"); order: "relevance" or "date";
    limit/offset: paging. Raises QueryError (a ValueError) for a query or filter that cannot be searched.
    """
    if order not in ("relevance", "date"):
        raise QueryError(f"unknown order {order!r} (relevance or date)")
    if limit < 1 or offset < 0:
        raise QueryError("limit must be at least 1 and offset not negative")
    query = parse_query(text_query)
    dialect = dialect_of(session)
    filters = build_filters(session, site=site, date_from=date_from, date_to=date_to, category=category,
                            doc_type=doc_type, doc_number=doc_number, include_removed=include_removed)
    window = WINDOW
    rows = session.execute(newest_matches(dialect, query, filters, window + 1)).all()
    overflow = len(rows) > window
    rows = rows[:window]
    if order == "date":
        if not overflow:
            rows.sort(key=lambda r: (r.day is not None, r.day or 0.0, r.id), reverse=True)
            page = [(r.id, None, None) for r in rows[offset:offset + limit]]
        else:
            page = [(i, None, None) for i in _by_date(session, dialect, query, filters, limit, offset)]
    else:
        page = _by_relevance(session, dialect, query, filters, rows, overflow, limit, offset)
    items = _load(session, page)
    total = max(window, offset + len(items)) if overflow else len(rows)
    return SearchResult(items=items, total=total, total_exact=not overflow, query=query, offset=offset, limit=limit,
                        window=[r.id for r in rows])


def _by_relevance(session: Session, dialect: str, query: ParsedQuery, filters: Filters, rows, overflow: bool,
                  limit: int, offset: int) -> list[tuple[int, float | None, float | None]]:
    """The page of (id, score, exactness): the candidates ranked, then the other matches, newest first."""
    days = {r.id: r.day for r in rows[:SCORED]}
    if overflow or len(rows) > SCORED:  # more matches than scored: the newest with every term in title or summary join
        among = [r.id for r in rows[SCORED:]]
        days.update({i: d for i, d in head_matches(session, dialect, query, filters, among).items() if i not in days})
    ranked = _ranked(session, dialect, query, days)
    page = ranked[offset:offset + limit]
    if len(page) < limit and offset + limit > len(ranked):
        # Past the candidates: the other matches newest first (a stable continuation for deep pages), unscored
        # (0.0): the rest of the window, then the older matches without the candidates among them.
        skip, count = max(0, offset - len(ranked)), limit - len(page)
        tail = [r.id for r in rows if r.id not in days]
        if overflow and len(tail) < skip + count:
            older = len(days) - sum(1 for r in rows if r.id in days)  # candidates past the window
            more = session.execute(newest_matches(dialect, query, filters, skip + count - len(tail) + older,
                                                  WINDOW)).all()
            tail += [r.id for r in more if r.id not in days]
        page += [(i, 0.0, None) for i in tail[skip:skip + count]]
    return page


def _ranked(session: Session, dialect: str, query: ParsedQuery, days: dict) -> list[tuple[int, float, float | None]]:
    """The candidates best first; ties newest published first, then newest id. Each is scored from its title
    and summary; bodies are then read RERANK at a time, best upper bound first, until no unread body can lift its
    article into the first SETTLED — at most MAX_BODIES; the others keep the lower bound of what
    was read. Folding and tokenizing a title and summary takes ~22 µs; reading the summary only for the best
    bounds left by the title was tried and lost a known item whose words are all in its summary behind 60
    titles holding some of them. Reading a fixed 30 bodies lost an exact-diacritics body match ("Đảng") behind
    40 newer titles saying "Đăng ký", and a body phrase behind 40 bodies with the words scattered."""
    scorer = Scorer(query)
    texts = read_heads(session, dialect, list(days))
    fields = {i: [scorer.field(title), scorer.field(summary), UNREAD] for i, (title, summary) in texts.items()}
    fields.update({i: [None, None, UNREAD] for i in days if i not in fields})
    lower = {i: scorer.score(f) for i, f in fields.items()}
    bounds = {i: scorer.upper(f) for i, f in fields.items()}
    # exactness is below 1 only for an accented query: then the body may still raise it (the first batch)
    accented = any(p is not None for p in scorer.exact_patterns)
    open_ = sorted((i for i in days if bounds[i] > lower[i] or accented), key=lambda i: (bounds[i], i), reverse=True)
    done = 0
    while done < min(len(open_), MAX_BODIES):
        batch = open_[done:done + RERANK]
        bodies = read_bodies(session, dialect, batch)
        for i in batch:
            fields[i][2] = scorer.field(bodies.get(i))
            lower[i] = scorer.score(fields[i])
        done += len(batch)
        if done < len(open_):
            best = sorted(lower.values(), reverse=True)
            if bounds[open_[done]] <= best[min(SETTLED, len(best)) - 1]:
                break  # no unread article can reach the first SETTLED
    hits = []
    for i, f in fields.items():
        exact = scorer.exactness(f)
        hits.append((i, lower[i], exact if exact in (None, 1.0) or f[2] is not UNREAD else None))  # None: unchecked
    return sorted(hits, key=lambda h: (h[1], days[h[0]] is not None, days[h[0]] or 0.0, h[0]), reverse=True)


def _by_date(session: Session, dialect: str, query: ParsedQuery, filters: Filters, limit: int,
             offset: int) -> list[int]:
    """Newest published first when there are more matches than the window.

    SQLite: month by month from the newest (each month's matches come straight from the index through the
    meta column's month token, a few milliseconds), until the page is full; matches without a date last.
    A few candidates (a rarely cited document): test each. PostgreSQL: one query; the planner chooses between
    the date index and the GIN bitmap.
    """
    a = Article.__table__.c
    if dialect != "sqlite":
        stmt = (select(a.id).where(match_condition(dialect, query, filters), *filters.where)
                .order_by(a.published_at.desc().nulls_last(), a.id.desc()).limit(limit).offset(offset))
        return list(session.scalars(stmt))
    if filters.by_ids:
        stmt = (select(a.id).where(fts_has(query, None, a.id), *filters.where)
                .order_by(a.published_at.desc(), a.id.desc()).limit(limit).offset(offset))
        return list(session.scalars(stmt))
    need = offset + limit
    collected: list = []
    low, high = date_bounds(session)
    if high is not None:
        year, month = high.astimezone(VN_TZ).year, high.astimezone(VN_TZ).month
        oldest = (low.astimezone(VN_TZ).year, low.astimezone(VN_TZ).month)
        base = Article.__table__
        while (year, month) >= oldest and len(collected) < need:
            in_month = Filters(filters.where, [*filters.fts, f'{{meta}} : "m{year}{month:02d}"'])
            collected += session.execute(
                select(FTS.c.rowid.label("id"), day_number(dialect))
                .select_from(FTS.join(base, base.c.id == FTS.c.rowid))
                .where(match_condition(dialect, query, in_month), *filters.where)).all()
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    collected.sort(key=lambda r: (r.day, r.id), reverse=True)
    page = [r.id for r in collected[offset:need]]
    if len(page) < limit:  # all dated matches seen: the undated ones follow
        stmt = (select(a.id).where(a.published_at.is_(None), fts_has(query, filters, a.id), *filters.where)
                .order_by(a.id.desc()).limit(limit - len(page)).offset(max(0, offset - len(collected))))
        page += list(session.scalars(stmt))
    return page


def _load(session: Session, page: list[tuple[int, float | None, float | None]]) -> list[SearchHit]:
    if not page:
        return []
    ids = [i for i, _, _ in page]
    found = {article.id: (article, key) for article, key in session.execute(
        select(Article, Portal.key).join(Portal, Portal.id == Article.portal_id).where(Article.id.in_(ids)))}
    return [SearchHit(found[i][0], found[i][1], score, exact) for i, score, exact in page if i in found]
