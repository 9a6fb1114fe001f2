"""The search index's migrations are frozen history: each holds the DDL it executed, imports nothing that can
change under it, and the newest of them builds exactly the index db.search describes (so changing db.search's
index DDL fails here until a new migration executes the new text)."""
import ast
from importlib import import_module
from pathlib import Path

from alembic import command
from sqlalchemy import text

from db.engine import get_engine
from db.schema import alembic_config, upgrade
from db.search import pg_index, sqlite_index
from db.search.bounds import BODY_CHARS

VERSIONS = Path(__file__).resolve().parent.parent / "db" / "migrations" / "versions"
OURS = ("vntext", "crawler", "db", "monitor")
ALLOWED = ("db.models", "db.migrations.versions.")  # column types; earlier (equally frozen) revisions


def _our_imports(path: Path) -> set[str]:
    """Modules of ours a migration imports, by statement or by importlib.import_module("…")."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)):
            found.add(node.args[0].value)
    return {name for name in found if name.split(".")[0] in OURS}


def test_migrations_import_nothing_that_changes_later():
    wrong = [f"{path.name} imports {name}" for path in sorted(VERSIONS.glob("0*.py"))
             for name in sorted(_our_imports(path)) if not name.startswith(ALLOWED)]
    assert wrong == []


def test_the_import_check_sees_every_way_of_importing(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from db import search\nimport vntext.textnorm\nfrom importlib import import_module\n"
                      "x = import_module('db.search.pg_index')\nfrom db.models import UTCDateTime\n")
    assert _our_imports(module) == {"db.search", "vntext.textnorm", "db.search.pg_index", "db.models.UTCDateTime"}


def test_the_newest_index_migrations_hold_the_ddl_db_search_describes():
    """SQLite's index table and queue were last built by revision 0005, its triggers and fill replaced by 0009
    (the body capped); PostgreSQL's index by 0003, with pw_number_pairs from 0006 and pw_search_tsv from 0009. A
    change to db/search/*_index.py must come with a new migration that executes the new DDL from its own file;
    then point this test at that migration."""
    v3, v5, v6, v9 = (import_module(f"db.migrations.versions.{name}") for name in (
        "0003_search", "0005_sqlite_index", "0006_pg_number_pairs", "0009_search_body_cap"))
    assert v5.SQLITE_CREATE == sqlite_index.SQLITE_CREATE
    assert v9.SQLITE_TRIGGERS == sqlite_index.SQLITE_TRIGGERS
    assert v9.SQLITE_TRIGGER_NAMES == sqlite_index.SQLITE_TRIGGER_NAMES
    assert v9.SQLITE_FILL == sqlite_index.SQLITE_FILL
    assert (v3.PG_CREATE[0], v6.PG_NUMBER_PAIRS, v9.PG_SEARCH_TSV, *v3.PG_CREATE[2:]) == pg_index.PG_CREATE
    assert v6.PG_FILL == pg_index.PG_FILL
    assert v3.PG_INDEX == pg_index.PG_INDEX
    assert v9.BODY_CHARS == BODY_CHARS


def _index_definitions(connection) -> list:
    """The index's objects as the database itself describes them."""
    if connection.dialect.name == "sqlite":
        return connection.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'article_fts%' OR name LIKE 'articles_fts%' "
            "ORDER BY name").all()
    return connection.execute(text(
        "SELECT 'function', proname, pg_get_functiondef(oid) FROM pg_proc "
        "WHERE pronamespace = current_schema()::regnamespace AND proname LIKE 'pw\\_%' "
        "UNION ALL SELECT 'trigger', tgname, pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE tgrelid = 'articles'::regclass AND NOT tgisinternal "
        "UNION ALL SELECT 'index', indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND indexname = 'ix_articles_search_tsv' "
        "UNION ALL SELECT 'column', column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'articles' AND column_name = 'search_tsv' "
        "ORDER BY 1, 2")).all()


def test_a_fresh_upgrade_builds_the_index_db_search_describes(db_url):
    """Upgraded to head, the archive has exactly the index db.search's DDL creates on an archive without one."""
    upgrade(db_url)
    engine = get_engine(db_url)
    with engine.connect() as connection:
        migrated = _index_definitions(connection)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
        assert _index_definitions(connection) == []
        if connection.dialect.name == "sqlite":
            statements = (*sqlite_index.SQLITE_CREATE, *sqlite_index.SQLITE_TRIGGERS)
        else:
            statements = (*pg_index.PG_CREATE, pg_index.PG_INDEX)
        for ddl in statements:
            connection.exec_driver_sql(ddl)
        described = _index_definitions(connection)
    assert migrated and migrated == described
    if engine.dialect.name == "sqlite":  # SQLite keeps each statement's own text (FTS5 adds shadow tables)
        own = (sqlite_index.FTS_TABLE, sqlite_index.FTS_QUEUE, *sqlite_index.SQLITE_TRIGGER_NAMES)
        assert sorted(sql for _, name, sql in migrated if name in own) == sorted(statements)


def test_after_an_upgrade_the_connection_indexes_with_the_current_functions(tmp_path, monkeypatch):
    """Migrations 0003 and 0005 register their frozen pw_tokens on the (pooled) connection they run on;
    db.schema.upgrade puts db.search's back, so what is written next is indexed by the current code."""
    monkeypatch.setattr(sqlite_index, "pw_tokens", lambda value, prefix: "current")
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    upgrade(url)
    with get_engine(url).connect() as connection:
        assert connection.exec_driver_sql("SELECT pw_tokens('Tin nổi bật', 'c')").scalar() == "current"
