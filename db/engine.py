"""Where the archive is and how to open it (SQLite by default, any SQLAlchemy URL otherwise)."""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import sessionmaker


class ArchiveError(ValueError):
    """An archive that cannot even be tried: a URL that names no usable database, a folder that cannot be made."""


def _redacted(url: str) -> str:
    # An unparseable URL cannot be rendered without its password by SQLAlchemy; hide what looks like one.
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def parse_url(url: str) -> URL:
    """The archive URL parsed; ArchiveError naming it if it cannot be."""
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise ArchiveError(f"not an archive URL: {_redacted(url)!r} (expected e.g. sqlite:///path/archive.sqlite3 "
                           "or postgresql+psycopg://user@host/dbname)") from exc


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
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(parsed)
        return str(path.resolve()) if path else "(in memory)"
    return parsed.render_as_string(hide_password=True)


def sqlite_file(parsed: URL) -> Path | None:
    """The file a SQLite URL names (None: in memory), also as a URI — `sqlite:///file:PATH?mode=ro&uri=true` opens
    an archive read-only (benches read the shared 1M-article archive so: nothing they run can write into it)."""
    database = parsed.database
    if not database or database == ":memory:":
        return None
    if parsed.query.get("uri") == "true" and database.startswith("file:"):
        return Path(database.removeprefix("file:").split("?")[0])
    return Path(database)


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
    parsed = parse_url(url)
    try:
        return _create(parsed)
    except ArgumentError as exc:  # NoSuchModuleError: a dialect SQLAlchemy does not know
        raise ArchiveError(f"archive URL {describe(url)}: {exc}") from exc
    except ImportError as exc:  # a known dialect whose driver is not installed
        raise ArchiveError(f"archive URL {describe(url)} needs a database driver that is not installed ({exc})") from exc


def _create(parsed: URL) -> Engine:
    if parsed.get_backend_name() == "sqlite":
        if path := sqlite_file(parsed):
            _make_folder(path.parent)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", _sqlite_functions)
        event.listen(engine, "commit", _index_before_commit)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = "a file of that name is in the way" if isinstance(exc, FileExistsError) else exc.strerror
        raise ArchiveError(f"cannot create the archive's folder {folder}: {reason}") from exc


def session_factory(url: str) -> sessionmaker:
    return sessionmaker(get_engine(url), expire_on_commit=False)
