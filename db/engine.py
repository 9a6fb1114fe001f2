"""Where the archive is and how to open it (SQLite by default, any SQLAlchemy URL otherwise)."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker


def default_archive_path() -> Path:
    """$XDG_DATA_HOME/portalwatch/archive.sqlite3, i.e. ~/.local/share/portalwatch/archive.sqlite3."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "portalwatch" / "archive.sqlite3"


def resolve_db_url(url: str | None = None) -> str:
    """--db wins, then PORTALWATCH_DB, then the default SQLite file."""
    url = url or os.environ.get("PORTALWATCH_DB")
    if url:
        return url
    return f"sqlite:///{default_archive_path()}"


def describe(url: str) -> str:
    """Where the archive is, for people (no password)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(Path(parsed.database).resolve()) if parsed.database else "(in memory)"
    return parsed.render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the CLI, detection) work while a crawl writes; NORMAL is safe with WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_functions(dbapi_connection, _record) -> None:
    from db.search.sqlite_index import register_sqlite_functions

    register_sqlite_functions(dbapi_connection)


def _index_before_commit(connection) -> None:
    # The SQLite search index is fed from a queue the triggers fill (db/search/__init__.py explains why); a
    # transaction that wrote something indexes it just before it commits, so readers never see a
    # committed article that search cannot find. pysqlite opens a transaction only for a write.
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection.in_transaction:
        from db.search.sqlite_index import index_queued

        index_queued(dbapi_connection)


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", _sqlite_functions)
        event.listen(engine, "commit", _index_before_commit)
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def session_factory(url: str) -> sessionmaker:
    return sessionmaker(get_engine(url), expire_on_commit=False)
