"""The SQLite search index at the current revision: its DDL, the function it is built with, and the flush
of the queue its triggers fill (the design is in db/search/__init__.py).

Migrations hold their own frozen copies of this DDL (migration 0005 built this index, 0009 capped the body it
reads and replaced the triggers): change a statement here only together with a new migration that executes
the new text; tests/test_search_migrations.py checks that a fresh upgrade builds exactly what this module
describes."""
from __future__ import annotations

from db.search.bounds import BODY_CHARS
from db.search.query import tokens

FTS_TABLE = "article_fts"
FTS_QUEUE = "article_fts_queue"  # articles inserted or changed since the last commit

_INDEXED = ("title", "summary", "body_text", "category", "portal_id", "published_at")  # what the index is made of
SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, summary, body, meta, content='', columnsize=0, "
    "tokenize='unicode61 remove_diacritics 2')",
    # One row per article whose index entry is out of date: `indexed` says whether the index holds the
    # article, and then these columns are the values it was indexed with (a contentless table forgets a row
    # only when told exactly what it indexed).
    f"CREATE TABLE {FTS_QUEUE} (id INTEGER PRIMARY KEY, indexed BOOLEAN NOT NULL, title TEXT, summary TEXT, "
    "body_text TEXT, category VARCHAR(255), portal_id INTEGER, published_at DATETIME)",
)


def _d(expression: str) -> str:
    """đ/Đ (and their look-alikes ð/Ð) → d in SQL: the one fold unicode61 does not do (đ has no decomposition)."""
    return f"replace(replace(replace(replace({expression}, 'đ', 'd'), 'Đ', 'd'), 'ð', 'd'), 'Ð', 'd')"


# meta: "s<portal id> y<year> m<yearmonth> c<category word>…" (Vietnam time; category words folded and
# prefixed, so they are rare tokens of their own), so site, date and category filters prune inside the index.
_META = ("'s' || {r}.portal_id || coalesce(' y' || strftime('%Y', {r}.published_at, '+7 hours') || ' m' || "
         "strftime('%Y%m', {r}.published_at, '+7 hours'), '') || ' ' || pw_tokens({r}.category, 'c')")


def _body(expression: str) -> str:
    """The part of a body the index holds (db/search/bounds.py says why it is capped)."""
    return f"substr({expression}, 1, {BODY_CHARS})"


def _fts_values(r: str) -> str:
    return f"{r}.id, {_d(r + '.title')}, {_d(r + '.summary')}, {_d(_body(r + '.body_text'))}, " + _META.format(r=r)


_COLUMNS = "rowid, title, summary, body, meta"
# Triggers only record what changed (pure SQL: any SQLite client can write the archive); the first change
# of an indexed article since the last flush keeps its indexed values, later ones are ignored. The queue holds
# only the part of the body the index holds (a huge body is not copied).
_QUEUE_OLD = (f"INSERT OR IGNORE INTO {FTS_QUEUE}(id, indexed, {', '.join(_INDEXED)}) "
              f"VALUES (old.id, 1, {', '.join(_body('old.' + c) if c == 'body_text' else 'old.' + c for c in _INDEXED)}"
              ");")
SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
  INSERT OR IGNORE INTO {FTS_QUEUE}(id, indexed) VALUES (new.id, 0);
END""",
    f"""CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
  {_QUEUE_OLD}
END""",
    f"""CREATE TRIGGER articles_fts_update AFTER UPDATE OF {', '.join(_INDEXED)} ON articles
WHEN {' OR '.join(f'old.{c} IS NOT new.{c}' for c in _INDEXED)}
BEGIN
  {_QUEUE_OLD}
END""",
)
SQLITE_TRIGGER_NAMES = ("articles_fts_insert", "articles_fts_delete", "articles_fts_update")
SQLITE_FILL = f"INSERT INTO {FTS_TABLE}({_COLUMNS}) SELECT {_fts_values('articles')} FROM articles ORDER BY id"
_INDEX_QUEUED = (  # old entries out, current ones in (deleted articles have none), queue emptied
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, {_COLUMNS}) SELECT 'delete', {_fts_values('q')} "
    f"FROM {FTS_QUEUE} AS q WHERE q.indexed",
    f"INSERT INTO {FTS_TABLE}({_COLUMNS}) SELECT {_fts_values('articles')} "
    f"FROM {FTS_QUEUE} AS q JOIN articles ON articles.id = q.id ORDER BY q.id",
    f"DELETE FROM {FTS_QUEUE}",
)
_HAS_QUEUE = f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{FTS_QUEUE}'"
_QUEUE_NOT_EMPTY = f"SELECT 1 FROM {FTS_QUEUE} LIMIT 1"


def pw_tokens(value: str | None, prefix: str) -> str:
    """The folded tokens of a text, each with a prefix ("Tin nổi bật", "c" → "ctin cnoi cbat"): the index's
    meta column has the category's words so."""
    return " ".join(prefix + token for token in tokens(value))


def register_sqlite_functions(dbapi_connection) -> None:
    """pw_tokens(text, prefix), which the index's meta column is made with (db.engine registers it on every
    connection; only indexing calls it, never a trigger)."""
    dbapi_connection.create_function("pw_tokens", 2, pw_tokens, deterministic=True)


def index_queued(dbapi_connection) -> None:
    """Bring the index up to date with the queue the triggers filled, inside the caller's transaction: three
    statements however many articles changed.

    db.engine calls this just before every commit of a transaction that wrote something, so the index is
    exact at every commit. A program that writes through a raw DB-API connection calls it before committing;
    what another SQLite client (the sqlite3 shell) changed is indexed at the next commit through db.engine.
    """
    cursor = dbapi_connection.cursor()
    try:
        if cursor.execute(_HAS_QUEUE).fetchone() and cursor.execute(_QUEUE_NOT_EMPTY).fetchone():
            for statement in _INDEX_QUEUED:
                cursor.execute(statement)
    finally:
        cursor.close()


def install_sqlite_triggers(connection) -> None:
    """(Re)create the index triggers, e.g. after a migration rebuilt the articles table (run
    db.search.rebuild_index too if articles changed meanwhile)."""
    for name in SQLITE_TRIGGER_NAMES:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    for ddl in SQLITE_TRIGGERS:
        connection.exec_driver_sql(ddl)


def rebuild(connection) -> None:
    """Index every article again, from nothing."""
    connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
    connection.exec_driver_sql(f"DELETE FROM {FTS_QUEUE}")
    connection.exec_driver_sql(SQLITE_FILL)


def is_installed(connection) -> bool:
    names = {row[0] for row in connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
    return {FTS_TABLE, FTS_QUEUE} <= names and set(SQLITE_TRIGGER_NAMES) <= names
