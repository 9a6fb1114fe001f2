"""SQLite search index folded by SQLite itself, fed in batches (db/search.py explains the design).

Replaces revision 0003's SQLite index (text folded by Python functions, one FTS5 insert per row from a
trigger) with ``article_fts`` (unicode61 remove_diacritics 2 over text whose đ/Đ SQL has turned into d),
``article_fts_queue`` and plain-SQL triggers that record what changed; every article is indexed again. Any
SQLite client can now write the archive: what it changes is indexed at the next commit through db.engine.
PostgreSQL: unchanged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from importlib import import_module

from alembic import op

from db import search

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_v3 = import_module("db.migrations.versions.0003_search")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    _v3.drop_sqlite_index(bind)
    search.register_sqlite_functions(bind.connection.dbapi_connection)  # db.engine does too; the fill needs it
    for ddl in search.SQLITE_CREATE:
        bind.exec_driver_sql(ddl)
    bind.exec_driver_sql(search.SQLITE_FILL)
    search.install_sqlite_triggers(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for name in search.SQLITE_TRIGGER_NAMES:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    bind.exec_driver_sql(f"DROP TABLE IF EXISTS {search.FTS_QUEUE}")
    bind.exec_driver_sql(f"DROP TABLE IF EXISTS {search.FTS_TABLE}")
    _v3.create_sqlite_index(bind)
