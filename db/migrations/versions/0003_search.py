"""Full-text search index, maintained by the database (see db/search.py for the design).

SQLite: a contentless FTS5 table ``article_fts`` over the folded title, summary and body plus a meta column
(portal, year, month, category words), fed by triggers on ``articles`` that call ``pw_fold`` / ``pw_tokens``
(Python functions db.engine registers on every connection).
PostgreSQL: functions ``pw_fold`` / ``pw_search_tsv``, a trigger-maintained ``articles.search_tsv`` column
(the same text and meta lexemes) and its GIN index. Both: an index on ``articles.published_at`` for
date-ordered results; on SQLite it and ``ix_articles_search`` (keyed by id) also carry removed_at and
portal_id, so ranking a window of matches and sorting matches by date never read the (large) article rows.

Existing articles are indexed here. A later migration that rebuilds ``articles`` on SQLite (Alembic batch
mode copies the table and drops the old one, and its triggers with it) must call
``db.search.install_sqlite_triggers(op.get_bind())`` afterwards.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op

from db import search

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql(search.SQLITE_CREATE)
        bind.exec_driver_sql(search.SQLITE_FILL)
        search.install_sqlite_triggers(bind)
        for ddl in search.SQLITE_INDEXES:
            bind.exec_driver_sql(ddl)
    elif bind.dialect.name == "postgresql":
        for ddl in search.PG_CREATE:
            bind.exec_driver_sql(ddl)
        bind.exec_driver_sql(search.PG_FILL)
        bind.exec_driver_sql(search.PG_INDEX)
        bind.exec_driver_sql("CREATE INDEX ix_articles_published ON articles (published_at DESC NULLS LAST, id DESC)")
    else:
        raise NotImplementedError(f"no full-text search for {bind.dialect.name}")


def downgrade() -> None:
    bind = op.get_bind()
    bind.exec_driver_sql("DROP INDEX IF EXISTS ix_articles_published")
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("DROP INDEX IF EXISTS ix_articles_search")
        for name in search.SQLITE_TRIGGER_NAMES:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {search.FTS_TABLE}")
    else:
        for ddl in search.PG_DROP:
            bind.exec_driver_sql(ddl)
