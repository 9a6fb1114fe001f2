"""Search filters: portal, Vietnam days, category, document type and number. Each becomes an exact SQL
condition on articles and, where the index can prune by it, a condition on the index's meta words (FTS5
on SQLite, tsquery lexemes on PostgreSQL)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from vntext.dates import VN_TZ
from vntext.textnorm import clean_text, fold
from db.models import Article, Document, DocumentMention, Portal
from db.search.query import QueryError, tokens
from db.search.sql import dialect_of, ids_in

DOC_DRIVEN = 2000  # a document cited by at most this many articles: test those articles, not every match


@dataclass
class Filters:
    where: list                                   # SQL conditions on articles (exact; both engines)
    fts: list[str] = field(default_factory=list)  # SQLite: FTS5 conditions implied by them (index-side pruning)
    pg: list[str] = field(default_factory=list)   # PostgreSQL: the same as tsquery conditions on meta lexemes
    by_ids: bool = False                          # few candidates (a document's mentions): test each one
    index_only: bool = False                      # a filter only the index can apply (category): none in `where`


# Years a filter may name: the archive holds web pages (none before 1900), and a year near 1 or 9999 makes the
# bound overflow once converted to UTC or moved a day on (OverflowError, a 500); 2200 leaves room for typos
# of the future that should simply match nothing.
YEARS = (1900, 2200)


def _check_year(day: date) -> date:
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise QueryError(f"not a valid date: {day.isoformat()} (the year must be between {YEARS[0]} and {YEARS[1]})")
    return day


def parse_day(value: str) -> date:
    """A day typed by a person: dd/mm/yyyy (day first, as Vietnamese pages write it), d/m/yyyy, dd-mm-yyyy,
    dd.mm.yyyy or ISO yyyy-mm-dd."""
    text_value = (value or "").strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text_value)
    try:
        if m:
            return _check_year(date(int(m[1]), int(m[2]), int(m[3])))
        m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text_value)
        if m:
            return _check_year(date(int(m[3]), int(m[2]), int(m[1])))
    except ValueError as exc:
        raise QueryError(f"not a valid date: {value!r} ({exc})") from None
    raise QueryError(f"not a date: {value!r} (use dd/mm/yyyy or yyyy-mm-dd)")


def _start_of(day: date | datetime) -> datetime:
    if isinstance(day, datetime):
        if day.tzinfo is None:
            raise QueryError("naive datetime given as a date filter; pass an aware datetime or a date")
        return day
    return datetime.combine(day, time(0), VN_TZ)


def document_type(value: str) -> str:
    """A document type code typed loosely ("nq", "qd" → NQ, QĐ); QueryError when unknown or ambiguous."""
    from vntext.doctypes import TYPE_NAMES_PARTY, TYPE_NAMES_STATE

    codes = list(dict.fromkeys([*TYPE_NAMES_PARTY, *TYPE_NAMES_STATE]))
    wanted = clean_text(value)
    for same in (lambda c: c == wanted, lambda c: c.lower() == wanted.lower()):
        found = [c for c in codes if same(c)]
        if found:
            return found[0]
    found = [c for c in codes if fold(c) == fold(wanted)]
    if len(found) == 1:
        return found[0]
    if found:
        raise QueryError(f"document type {value!r} is ambiguous: {' or '.join(found)}")
    raise QueryError(f"unknown document type {value!r} (e.g. NQ, CT, CTr, QĐ, KH)")


def canonical_document_number(value: str) -> str:
    """A document number's canonical form (vntext.docrefs.canonicalize, as typed or upper-cased: "23-nq/tu" →
    23-NQ/TU); QueryError when it is none. db.tracker.document_numbers reads looser typing."""
    from vntext.docrefs import canonicalize

    for candidate in (value, clean_text(value).upper()):
        canonical = canonicalize(candidate)
        if canonical:
            return canonical
    raise QueryError(f"not a document number: {value!r} (e.g. 23-NQ/TU, 123/QĐ-UBND, 15/2023/NQ-HĐND)")


def _vn_months(first: date, last: date) -> list[str]:
    """FTS5 tokens covering the Vietnam-time days first…last: whole years as yYYYY, other months as mYYYYMM."""
    tokens, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        if month == 1 and (year < last.year or last.month == 12):
            tokens.append(f"y{year}")
            year += 1
            continue
        tokens.append(f"m{year}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tokens


def date_bounds(session: Session) -> tuple[datetime | None, datetime | None]:
    """The oldest and newest publication times (two queries: SQLite only optimizes a lone min() or max())."""
    a = Article.__table__.c
    return (session.scalar(select(func.min(a.published_at)).where(a.published_at.is_not(None))),
            session.scalar(select(func.max(a.published_at))))


def _add_days(session: Session, result: Filters, date_from, date_to) -> None:
    a = Article.__table__.c
    for bound in (date_from, date_to):  # parse_day checked typed days; this covers dates and datetimes passed in
        if bound is not None:
            _check_year(bound.date() if isinstance(bound, datetime) else bound)
    if date_from is not None:
        result.where.append(a.published_at >= _start_of(date_from))
    if date_to is not None:
        if isinstance(date_to, datetime):
            result.where.append(a.published_at <= _start_of(date_to))
        else:  # the whole day
            result.where.append(a.published_at < _start_of(date_to + timedelta(days=1)))
    low, high = date_bounds(session)
    if low is None:
        return
    first = low.astimezone(VN_TZ).date()
    last = high.astimezone(VN_TZ).date()
    if date_from is not None:
        first = max(first, _start_of(date_from).astimezone(VN_TZ).date())
    if date_to is not None:
        last = min(last, date_to.astimezone(VN_TZ).date() if isinstance(date_to, datetime) else date_to)
    months = _vn_months(first, last) or ["none"]  # an empty range matches nothing
    result.fts.append("{meta} : (" + " OR ".join(f'"{t}"' for t in months) + ")")
    result.pg.append("(" + " | ".join(f"'{t}':D" for t in months) + ")")


def _add_documents(session: Session, result: Filters, doc_type, doc_number) -> None:
    a = Article.__table__.c
    d, m = Document.__table__.c, DocumentMention.__table__.c
    conds = []
    if doc_type:
        conds.append(d.type == document_type(doc_type))
    if doc_number:
        conds.append(d.canonical == canonical_document_number(doc_number))
    result.where.append(exists(select(1).select_from(DocumentMention.__table__.join(
        Document.__table__, d.id == m.document_id)).where(m.article_id == a.id, *conds)))
    if doc_number:
        mentioned = select(m.article_id).join(Document.__table__, d.id == m.document_id).where(*conds)
        count = session.scalar(select(func.count()).select_from(mentioned.limit(DOC_DRIVEN + 1).subquery()))
        if count <= DOC_DRIVEN:
            ids = sorted(session.scalars(mentioned), reverse=True)
            result.where.append(ids_in(dialect_of(session), ids or [0]))
            result.by_ids = True


def build_filters(session: Session, *, site=None, date_from=None, date_to=None, category=None, doc_type=None,
                  doc_number=None, include_removed=False) -> Filters:
    """The filters of a search, looked up in the archive (the portal's id, the date range it holds, the
    articles citing a document); raises QueryError for one that cannot be searched."""
    a = Article.__table__.c
    result = Filters([])
    if not include_removed:
        result.where.append(a.removed_at.is_(None))
    if site:
        portal_id = session.scalar(select(Portal.id).where(Portal.key == site))
        if portal_id is None:
            raise QueryError(f"no portal {site!r} in the archive")
        result.where.append(a.portal_id == portal_id)
        result.fts.append(f'{{meta}} : "s{portal_id}"')
        result.pg.append(f"'s{portal_id}':D")
    if date_from is not None or date_to is not None:
        _add_days(session, result, date_from, date_to)
    if category:
        # The category's words, folded, as a phrase: "tin noi bat" finds "Tin nổi bật" (and "Tin nổi bật 2024").
        words = tokens(category)
        if not words:
            raise QueryError(f"no letters or digits in the category {category!r}")
        result.fts.append('{meta} : "' + " ".join("c" + w for w in words) + '"')
        result.pg.append("(" + " <-> ".join(f"'c{w}':D" for w in words) + ")")
        result.index_only = True
    if doc_type or doc_number:
        _add_documents(session, result, doc_type, doc_number)
    return result
