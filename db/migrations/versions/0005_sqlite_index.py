"""SQLite search index folded by SQLite itself, fed in batches (db/search/__init__.py explains the design).

Replaces revision 0003's SQLite index (text folded by Python functions, one FTS5 insert per row from a
trigger) with ``article_fts`` (unicode61 remove_diacritics 2 over text whose đ/Đ SQL has turned into d),
``article_fts_queue`` and plain-SQL triggers that record what changed; every article is indexed again. Any
SQLite client can now write the archive: what it changes is indexed at the next commit through db.engine.
PostgreSQL: unchanged. The DDL is frozen here as this revision executed it (db/search/sqlite_index.py holds
the index as it is now, and a test keeps the two equal until a later revision changes the index).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from importlib import import_module

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_v3 = import_module("db.migrations.versions.0003_search")

FTS_TABLE = "article_fts"
FTS_QUEUE = "article_fts_queue"
_INDEXED = ("title", "summary", "body_text", "category", "portal_id", "published_at")
SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, summary, body, meta, content='', columnsize=0, "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TABLE {FTS_QUEUE} (id INTEGER PRIMARY KEY, indexed BOOLEAN NOT NULL, title TEXT, summary TEXT, "
    "body_text TEXT, category VARCHAR(255), portal_id INTEGER, published_at DATETIME)",
)


def _d(expression: str) -> str:
    return f"replace(replace(replace(replace({expression}, 'đ', 'd'), 'Đ', 'd'), 'ð', 'd'), 'Ð', 'd')"


_META = ("'s' || {r}.portal_id || coalesce(' y' || strftime('%Y', {r}.published_at, '+7 hours') || ' m' || "
         "strftime('%Y%m', {r}.published_at, '+7 hours'), '') || ' ' || pw_tokens({r}.category, 'c')")


def _fts_values(r: str) -> str:
    return f"{r}.id, {_d(r + '.title')}, {_d(r + '.summary')}, {_d(r + '.body_text')}, " + _META.format(r=r)


_COLUMNS = "rowid, title, summary, body, meta"
_QUEUE_OLD = (f"INSERT OR IGNORE INTO {FTS_QUEUE}(id, indexed, {', '.join(_INDEXED)}) "
              f"VALUES (old.id, 1, {', '.join('old.' + c for c in _INDEXED)});")
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


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    _v3.drop_sqlite_index(bind)
    # The fill calls pw_tokens: revision 0003's frozen one is the same rule (folded tokens, each prefixed).
    _v3.register_functions(bind)
    for ddl in SQLITE_CREATE:
        bind.exec_driver_sql(ddl)
    bind.exec_driver_sql(SQLITE_FILL)
    for name in SQLITE_TRIGGER_NAMES:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    for ddl in SQLITE_TRIGGERS:
        bind.exec_driver_sql(ddl)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for name in SQLITE_TRIGGER_NAMES:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    bind.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_QUEUE}")
    bind.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    _v3.create_sqlite_index(bind)
