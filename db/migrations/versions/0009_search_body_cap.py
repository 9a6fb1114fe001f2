"""Search reads only the first 200,000 characters of a body (db/search/bounds.py says why).

One stored article with a 20 MB body made every search that found it take minutes, and on PostgreSQL a body
of about 1 MB with many distinct words could not be stored at all ("string is too long for tsvector"). The
index now holds the first 200,000 characters of each body; the stored body stays whole.

SQLite: the triggers queue only that part of an old body, and the fill and the queue flush index only it. The
queue is flushed first with revision 0005's statements (what it holds was recorded for that index), then each
article whose body is longer is taken out of the index with what 0005 indexed and put back capped: a
contentless FTS5 table forgets a row only when told exactly what it indexed, so the rest are left alone.
PostgreSQL: pw_search_tsv caps its body argument; search_tsv is computed again for the longer bodies only.
The DDL is frozen here as this revision executed it (db/search/*_index.py hold the index as it is now, and a
test keeps the two equal until a later revision changes the index).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-12
"""
from importlib import import_module

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_v3 = import_module("db.migrations.versions.0003_search")
_v5 = import_module("db.migrations.versions.0005_sqlite_index")
_v6 = import_module("db.migrations.versions.0006_pg_number_pairs")

BODY_CHARS = 200000
FTS_TABLE = "article_fts"
FTS_QUEUE = "article_fts_queue"
_INDEXED = ("title", "summary", "body_text", "category", "portal_id", "published_at")


def _d(expression: str) -> str:
    return f"replace(replace(replace(replace({expression}, 'đ', 'd'), 'Đ', 'd'), 'ð', 'd'), 'Ð', 'd')"


def _body(expression: str) -> str:
    return f"substr({expression}, 1, {BODY_CHARS})"


_META = ("'s' || {r}.portal_id || coalesce(' y' || strftime('%Y', {r}.published_at, '+7 hours') || ' m' || "
         "strftime('%Y%m', {r}.published_at, '+7 hours'), '') || ' ' || pw_tokens({r}.category, 'c')")


def _fts_values(r: str) -> str:
    return f"{r}.id, {_d(r + '.title')}, {_d(r + '.summary')}, {_d(_body(r + '.body_text'))}, " + _META.format(r=r)


_COLUMNS = "rowid, title, summary, body, meta"
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
_LONG = f"FROM articles WHERE length(articles.body_text) > {BODY_CHARS}"


def _index_queued(values) -> tuple[str, ...]:
    """The queue flush (db/search/sqlite_index.py) with an index's values: revision 0005's or this one's."""
    return (
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, {_COLUMNS}) SELECT 'delete', {values('q')} "
        f"FROM {FTS_QUEUE} AS q WHERE q.indexed",
        f"INSERT INTO {FTS_TABLE}({_COLUMNS}) SELECT {values('articles')} "
        f"FROM {FTS_QUEUE} AS q JOIN articles ON articles.id = q.id ORDER BY q.id",
        f"DELETE FROM {FTS_QUEUE}",
    )


def _switch_sqlite(bind, old_values, new_values, triggers) -> None:
    """Flush the queue into the index as it is, re-index the long bodies with the other values, and install
    the triggers that go with them."""
    _v3.register_functions(bind)  # pw_tokens, for the meta column (revision 0003's frozen copy: the same rule)
    for statement in _index_queued(old_values):
        bind.exec_driver_sql(statement)
    bind.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, {_COLUMNS}) SELECT 'delete', "
                         f"{old_values('articles')} {_LONG}")
    bind.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({_COLUMNS}) SELECT {new_values('articles')} {_LONG}")
    for name in SQLITE_TRIGGER_NAMES:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    for ddl in triggers:
        bind.exec_driver_sql(ddl)


_PG_META = """'s' || portal_id
    || coalesce(' y' || extract(year from published_at + interval '7 hours')::int
                || ' m' || (extract(year from published_at + interval '7 hours')::int * 100
                            + extract(month from published_at + interval '7 hours')::int), '')
    || coalesce(regexp_replace(' ' || regexp_replace(pw_fold(category), '[^[:alnum:]]+', ' ', 'g'),
                               ' ([[:alnum:]])', ' c\\1', 'g'), '')"""
# Revision 0006's function with the body capped.
PG_SEARCH_TSV = f"""CREATE OR REPLACE FUNCTION pw_search_tsv(title text, summary text, body text, category text,
                                         portal_id integer, published_at timestamp) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT
  to_tsvector('simple', {_PG_META}
    || pw_number_pairs(w.t) || pw_number_pairs(w.s) || pw_number_pairs(w.b)) ||
  setweight(to_tsvector('simple', w.t), 'A') ||
  setweight(to_tsvector('simple', w.s), 'B') ||
  setweight(to_tsvector('simple', w.b), 'C')
FROM (SELECT regexp_replace(coalesce(pw_fold(title), ''), '[^[:alnum:]]+', ' ', 'g') AS t,
             regexp_replace(coalesce(pw_fold(summary), ''), '[^[:alnum:]]+', ' ', 'g') AS s,
             regexp_replace(coalesce(pw_fold(substr(body, 1, {BODY_CHARS})), ''), '[^[:alnum:]]+', ' ', 'g') AS b
      OFFSET 0) AS w $$"""
_PG_REFILL_LONG = ("UPDATE articles SET search_tsv = "
                   "pw_search_tsv(title, summary, body_text, category, portal_id, published_at) "
                   f"WHERE length(body_text) > {BODY_CHARS}")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _switch_sqlite(bind, _v5._fts_values, _fts_values, SQLITE_TRIGGERS)
    elif bind.dialect.name == "postgresql":
        bind.exec_driver_sql(PG_SEARCH_TSV)
        bind.exec_driver_sql(_PG_REFILL_LONG)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _switch_sqlite(bind, _fts_values, _v5._fts_values, _v5.SQLITE_TRIGGERS)
    elif bind.dialect.name == "postgresql":
        # revision 0006's function; a body too long for its tsvector makes this fail, as it failed to be stored then
        bind.exec_driver_sql(_v6.PG_SEARCH_TSV)
        bind.exec_driver_sql(_PG_REFILL_LONG)
