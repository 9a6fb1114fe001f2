"""The search index's migrations are frozen history: each holds the DDL it executed and imports nothing that
can change under it."""
import ast
from pathlib import Path

from db.engine import get_engine
from db.schema import upgrade
from db import search as sqlite_index

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


def test_after_an_upgrade_the_connection_indexes_with_the_current_functions(tmp_path, monkeypatch):
    """Migrations 0003 and 0005 register their frozen pw_tokens on the (pooled) connection they run on;
    db.schema.upgrade puts db.search's back, so what is written next is indexed by the current code."""
    monkeypatch.setattr(sqlite_index, "pw_tokens", lambda value, prefix: "current")
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    upgrade(url)
    with get_engine(url).connect() as connection:
        assert connection.exec_driver_sql("SELECT pw_tokens('Tin nổi bật', 'c')").scalar() == "current"
