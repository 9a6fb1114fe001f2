"""The models' Core tables, and what every bulk writer needs to write them with executemany."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Iterator

from sqlalchemy import String

from db.models import (
    Article, ArticleVersion, Attachment, Document, DocumentMention, Portal, RawPage, Tombstone, ViewSample,
)

PORTALS = Portal.__table__
ARTICLES = Article.__table__
VERSIONS = ArticleVersion.__table__
SAMPLES = ViewSample.__table__
ATTACHMENTS = Attachment.__table__
DOCUMENTS = Document.__table__
MENTIONS = DocumentMention.__table__
TOMBSTONES = Tombstone.__table__
RAW_PAGES = RawPage.__table__

IN_CHUNK = 500  # ids per IN (…) list: far below every engine's limit on bound parameters


@lru_cache(maxsize=None)
def column_length(table, column: str) -> int | None:
    """The declared length of a string column (None for unbounded text and other types)."""
    type_ = table.c[column].type
    return type_.length if isinstance(type_, String) else None


def fit(table, row: dict, columns: Iterable[str]) -> dict:
    """Truncate strings to their column's length: PostgreSQL refuses a longer value (and with it
    the whole batch), SQLite would keep it; either way one overlong byline must not cost a batch."""
    for column in columns:
        value, limit = row.get(column), column_length(table, column)
        if isinstance(value, str) and limit and len(value) > limit:
            row[column] = value[:limit]
    return row


def chunks(items: list, size: int = IN_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def same_keys(rows: list[dict]) -> list[list[dict]]:
    """Rows grouped by their set of columns: executemany needs the same columns in every row."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


def insert_or_ignore(session, table, values: dict) -> bool:
    """INSERT … ON CONFLICT DO NOTHING in the session's transaction: True when this row was written.

    Not a savepoint around an INSERT: pysqlite begins a transaction only at a DML statement, so on
    SQLite a savepoint opened before any write started a transaction of its own and its release
    committed the row at once, outside the caller's transaction (measured: a second connection saw
    each outbox row as soon as it was added). A concurrent writer of the same key waits for the
    first one's commit, then writes nothing, on both engines."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT that SQLAlchemy sends.
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing().returning(*table.primary_key)
    return session.execute(statement).first() is not None
