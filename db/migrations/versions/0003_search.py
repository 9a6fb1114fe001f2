"""Full-text search index, maintained by the database (see db/search/__init__.py for the design).

SQLite (this revision's index, replaced by revision 0005): a contentless FTS5 table ``article_fts`` over the
title, summary and body folded in Python plus a meta column (portal, year, month, category words), fed by
triggers on ``articles`` that call the Python functions ``pw_fold`` / ``pw_tokens``. Its DDL is frozen here,
so that upgrading an old archive and downgrading below 0005 always build exactly this index; so is the
PostgreSQL DDL, and the Python fold the SQLite index is made with (db.search describes the index as it is now).
PostgreSQL: functions ``pw_fold`` / ``pw_search_tsv``, a trigger-maintained ``articles.search_tsv`` column
(the same text and meta lexemes) and its GIN index (revision 0006 replaces pw_search_tsv). Both: an
index on ``articles.published_at`` for date-ordered results; on SQLite it and ``ix_articles_search`` (keyed
by id) also carry removed_at and portal_id, so ranking a window of matches and sorting matches by date never
read the (large) article rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
import re
import unicodedata
from functools import lru_cache

from alembic import op

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


# vntext.textnorm.fold as it was at this revision, computed word by word as it is: NFC, split at white space,
# each word without invisible characters, ð/Ð as đ/Đ, lower case, NFD without combining marks, đ → d.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


@lru_cache(maxsize=100_000)
def _fold_word(word: str) -> str:
    text = word.translate(_INVISIBLE).replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    text = unicodedata.normalize("NFD", text.lower())
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").replace("đ", "d")


def fold(value):
    if not value:
        return ""
    return " ".join(filter(None, map(_fold_word, unicodedata.normalize("NFC", value).split())))


def _pw_tokens(value, prefix):
    return " ".join(prefix + token for token in re.findall(r"[^\W_]+", fold(value)))


def register_functions(bind) -> None:
    """This index's SQL functions, on the migration's own connection (db.engine no longer registers them):
    pw_fold is the fold above, pw_tokens the prefixed folded tokens of a text (revision 0005's fill uses it too)."""
    dbapi_connection = bind.connection.dbapi_connection
    dbapi_connection.create_function("pw_fold", 1, fold, deterministic=True)
    dbapi_connection.create_function("pw_tokens", 2, _pw_tokens, deterministic=True)


# PostgreSQL. Combining marks stripped after NFD; đ Đ ð Ð → d and the invisible characters deleted.
_PG_MARKS = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_PG_FROM = "\u0111\u0110\u00f0\u00d0\u200b\u200c\u200d\u2060\ufeff\u00ad"
_PG_META = """'s' || portal_id
    || coalesce(' y' || extract(year from published_at + interval '7 hours')::int
                || ' m' || (extract(year from published_at + interval '7 hours')::int * 100
                            + extract(month from published_at + interval '7 hours')::int), '')
    || coalesce(regexp_replace(' ' || regexp_replace(pw_fold(category), '[^[:alnum:]]+', ' ', 'g'),
                               ' ([[:alnum:]])', ' c\\1', 'g'), '')"""
# This revision's pw_search_tsv (revision 0006 replaces it, and its downgrade puts it back).
PG_SEARCH_TSV = f"""CREATE FUNCTION pw_search_tsv(title text, summary text, body text, category text, portal_id integer,
                              published_at timestamp) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT
  to_tsvector('simple', {_PG_META}) ||
  setweight(to_tsvector('simple', regexp_replace(coalesce(pw_fold(title), ''), '[^[:alnum:]]+', ' ', 'g')), 'A') ||
  setweight(to_tsvector('simple', regexp_replace(coalesce(pw_fold(summary), ''), '[^[:alnum:]]+', ' ', 'g')), 'B') ||
  setweight(to_tsvector('simple', regexp_replace(coalesce(pw_fold(body), ''), '[^[:alnum:]]+', ' ', 'g')), 'C') $$"""
PG_CREATE = (
    f"""CREATE FUNCTION pw_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(translate(regexp_replace(normalize(value, NFD), '{_PG_MARKS}', '', 'g'), '{_PG_FROM}', 'dddd')) $$""",
    PG_SEARCH_TSV,
    """CREATE FUNCTION pw_articles_search_tsv() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT
AS $$ BEGIN
  NEW.search_tsv := pw_search_tsv(NEW.title, NEW.summary, NEW.body_text, NEW.category, NEW.portal_id,
                                  NEW.published_at);
  RETURN NEW;
END $$""",
    "ALTER TABLE articles ADD COLUMN search_tsv tsvector",
    """CREATE TRIGGER articles_search_tsv_insert BEFORE INSERT ON articles
FOR EACH ROW EXECUTE FUNCTION pw_articles_search_tsv()""",
    """CREATE TRIGGER articles_search_tsv_update
BEFORE UPDATE OF title, summary, body_text, category, portal_id, published_at ON articles
FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary
                   OR OLD.body_text IS DISTINCT FROM NEW.body_text OR OLD.category IS DISTINCT FROM NEW.category
                   OR OLD.portal_id IS DISTINCT FROM NEW.portal_id
                   OR OLD.published_at IS DISTINCT FROM NEW.published_at)
EXECUTE FUNCTION pw_articles_search_tsv()""",
)
PG_FILL = ("UPDATE articles SET search_tsv = "
           "pw_search_tsv(title, summary, body_text, category, portal_id, published_at)")
PG_INDEX = "CREATE INDEX ix_articles_search_tsv ON articles USING gin (search_tsv)"
PG_DROP = (
    "DROP TRIGGER IF EXISTS articles_search_tsv_update ON articles",
    "DROP TRIGGER IF EXISTS articles_search_tsv_insert ON articles",
    "DROP INDEX IF EXISTS ix_articles_search_tsv",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_tsv",
    "DROP FUNCTION IF EXISTS pw_articles_search_tsv()",
    "DROP FUNCTION IF EXISTS pw_search_tsv(text, text, text, text, integer, timestamp)",
    "DROP FUNCTION IF EXISTS pw_search_tsv(text, text, text)",  # the first draft of this revision
    "DROP FUNCTION IF EXISTS pw_fold(text)",
)


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
        for ddl in PG_CREATE:
            bind.exec_driver_sql(ddl)
        bind.exec_driver_sql(PG_FILL)
        bind.exec_driver_sql(PG_INDEX)
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
        for ddl in PG_DROP:
            bind.exec_driver_sql(ddl)
