"""The search index of either engine, as a whole: rebuild it, check that it is in place."""
from __future__ import annotations

from db.search import pg_index, sqlite_index


def rebuild_index(connection) -> None:
    """Re-index every article (after a change of the folding, or to repair the index)."""
    if connection.dialect.name == "sqlite":
        sqlite_index.rebuild(connection)
    else:
        pg_index.rebuild(connection)


def index_is_installed(connection) -> bool:
    """Whether the index and the triggers that maintain it are in place."""
    if connection.dialect.name == "sqlite":
        return sqlite_index.is_installed(connection)
    return pg_index.is_installed(connection)
