"""Full-text search index, maintained by the database (see db/search.py for the design).

SQLite (this revision's index, replaced by revision 0005): a contentless FTS5 table ``article_fts`` over the
title, summary and body folded in Python plus a meta column (portal, year, month, category words), fed by
triggers on ``articles`` that call the Python functions ``pw_fold`` / ``pw_tokens``. Its DDL is frozen here,
so that upgrading an old archive and downgrading below 0005 always build exactly this index.
PostgreSQL: functions ``pw_fold`` / ``pw_search_tsv``, a trigger-maintained ``articles.search_tsv`` column
(the same text and meta lexemes) and its GIN index (db/search.py's PG_* statements, still current). Both: an
index on ``articles.published_at`` for date-ordered results; on SQLite it and ``ix_articles_search`` (keyed
by id) also carry removed_at and portal_id, so ranking a window of matches and sorting matches by date never
read the (large) article rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
import re

from alembic import op

from vntext.textnorm import fold
from db import search

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FTS_TABLE = "article_fts"
SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "title, summary, body, meta, content='', tokenize='unicode61 remove_diacritics 0')"
)
_META = ("'s' || {r}.portal_id || coalesce(' y' || strftime('%Y', {r}.published_at, '+7 hours') || ' m' || "
         "strftime('%Y%m', {r}.published_at, '+7 hours'), '') || ' ' || pw_tokens({r}.category, 'c')")


def _fts_values(r: str) -> str:
    return f"{r}.id, pw_fold({r}.title), pw_fold({r}.summary), pw_fold({r}.body_text), " + _META.format(r=r)


_COLUMNS = "rowid, title, summary, body, meta"
SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
  INSERT INTO {FTS_TABLE}({_COLUMNS}) VALUES ({_fts_values('new')});
END""",
    f"""CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, {_COLUMNS}) VALUES ('delete', {_fts_values('old')});
END""",
    f"""CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, summary, body_text, category, portal_id, published_at
ON articles WHEN old.title IS NOT new.title OR old.summary IS NOT new.summary OR old.body_text IS NOT new.body_text
  OR old.category IS NOT new.category OR old.portal_id IS NOT new.portal_id OR old.published_at IS NOT new.published_at
BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, {_COLUMNS}) VALUES ('delete', {_fts_values('old')});
  INSERT INTO {FTS_TABLE}({_COLUMNS}) VALUES ({_fts_values('new')});
END""",
)
SQLITE_TRIGGER_NAMES = ("articles_fts_insert", "articles_fts_delete", "articles_fts_update")
SQLITE_INDEXES = (
    "CREATE INDEX ix_articles_published ON articles (published_at, id, removed_at, portal_id)",
    "CREATE INDEX ix_articles_search ON articles (id, published_at, removed_at, portal_id)",
)
SQLITE_FILL = f"INSERT INTO {FTS_TABLE}({_COLUMNS}) SELECT {_fts_values('articles')} FROM articles"


def _pw_tokens(value, prefix):
    return " ".join(prefix + token for token in re.findall(r"[^\W_]+", fold(value)))


def register_functions(bind) -> None:
    """This index's SQL functions, on the migration's own connection (db.engine no longer registers them):
    pw_fold is vntext.textnorm.fold, pw_tokens the prefixed folded tokens of a text."""
    dbapi_connection = bind.connection.dbapi_connection
    dbapi_connection.create_function("pw_fold", 1, fold, deterministic=True)
    dbapi_connection.create_function("pw_tokens", 2, _pw_tokens, deterministic=True)


def install_sqlite_triggers(bind) -> None:
    """(Re)create this revision's triggers, e.g. after a migration rebuilt the articles table."""
    register_functions(bind)
    for name in SQLITE_TRIGGER_NAMES:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    for ddl in SQLITE_TRIGGERS:
        bind.exec_driver_sql(ddl)


def create_sqlite_index(bind) -> None:
    register_functions(bind)
    bind.exec_driver_sql(SQLITE_CREATE)
    bind.exec_driver_sql(SQLITE_FILL)
    install_sqlite_triggers(bind)


def drop_sqlite_index(bind) -> None:
    for name in SQLITE_TRIGGER_NAMES:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    bind.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        create_sqlite_index(bind)
        for ddl in SQLITE_INDEXES:
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
        drop_sqlite_index(bind)
    else:
        for ddl in search.PG_DROP:
            bind.exec_driver_sql(ddl)
