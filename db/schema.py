"""Bring an archive's schema to the newest Alembic revision."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from db.engine import get_engine
from db.search.sqlite_index import register_sqlite_functions

_upgraded: set[str] = set()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "db:migrations")
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Idempotent; runs the migrations once per process and URL."""
    if revision == "head" and url in _upgraded:
        return
    config = alembic_config()
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        if connection.dialect.name == "sqlite":
            # Migrations register their own frozen copies of the index's SQL functions on this pooled
            # connection; whatever uses it next must index with the current ones.
            register_sqlite_functions(connection.connection.dbapi_connection)
    if revision == "head":
        _upgraded.add(url)
