"""The SQL a search is made of, on each engine: the match condition, the newest matches, ids and day numbers."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import Float, Integer, String, any_, bindparam, column, exists, func, literal_column, select, table
from sqlalchemy.orm import Session

from db.models import Article
from db.search.query import ParsedQuery, QueryError
from db.search.sqlite_index import FTS_TABLE

if TYPE_CHECKING:
    from db.search.filters import Filters

FTS = table(FTS_TABLE, column("rowid"))


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def ids_in(dialect: str, ids: list[int], column=None):
    """`articles.id IN ids` (or `column IN ids`) with one bound parameter (a thousand ids bind and compile fast)."""
    a = Article.__table__.c
    column = a.id if column is None else column
    if dialect == "sqlite":
        return column.in_(select(literal_column("value")).select_from(
            func.json_each(bindparam(None, json.dumps(ids), type_=String))).scalar_subquery())
    from sqlalchemy.dialects.postgresql import ARRAY

    return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))


def _tsquery(query: ParsedQuery, filters: Filters | None = None):
    expression = query.tsquery(filters.pg if filters else [])
    return func.to_tsquery(literal_column("'simple'"), bindparam(None, expression, type_=String))


def match_condition(dialect: str, query: ParsedQuery, filters: Filters | None = None, column=FTS_TABLE):
    """The engine's full-text condition: the query's terms and the filters' conditions on the index."""
    if dialect == "sqlite":
        expression = query.fts5(filters.fts if filters else [])
        return literal_column(column).op("MATCH")(bindparam(None, expression, type_=String))
    if dialect == "postgresql":
        return literal_column("articles.search_tsv").op("@@")(_tsquery(query, filters))
    raise QueryError(f"search is not available on {dialect}")


def fts_has(query: ParsedQuery, filters: Filters | None, article_id):
    """SQLite: a correlated test of one article against the index (for few or dense candidates)."""
    fts = FTS.alias("f")
    return exists(select(1).select_from(fts).where(
        match_condition("sqlite", query, filters, "f.article_fts"), fts.c.rowid == article_id))


def day_number(dialect: str):
    """published_at as a number of days (a float), cheaper to fetch for a thousand rows than datetimes."""
    if dialect == "sqlite":
        return func.julianday(literal_column("articles.published_at")).label("day")
    return (func.date_part("epoch", literal_column("articles.published_at"), type_=Float) / 86400.0).label("day")


def newest_matches(dialect: str, query: ParsedQuery, filters: Filters, limit: int, offset: int = 0):
    """The newest matching rows passing the filters: (id, day)."""
    a = Article.__table__
    if dialect == "sqlite" and filters.by_ids:
        return (
            select(a.c.id.label("id"), day_number(dialect))
            .where(fts_has(query, filters, a.c.id), *filters.where)
            .order_by(a.c.id.desc()).limit(limit).offset(offset)
        )
    if dialect == "sqlite":
        return (
            select(FTS.c.rowid.label("id"), day_number(dialect))
            .select_from(FTS.join(a, a.c.id == FTS.c.rowid))
            .where(match_condition(dialect, query, filters), *filters.where)
            .order_by(FTS.c.rowid.desc()).limit(limit).offset(offset)
        )
    return (
        select(a.c.id.label("id"), day_number(dialect))
        .where(match_condition(dialect, query, filters), *filters.where)
        .order_by(a.c.id.desc()).limit(limit).offset(offset)
    )
