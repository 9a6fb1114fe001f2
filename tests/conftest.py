import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crawler.replica import Replica
from db.engine import default_archive_path, get_engine

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The user's data folder as it was before the tests moved it (tests/test_isolation.py checks it stays untouched).
REAL_DATA_DIR = default_archive_path().parent
PG_SKIP = ("PostgreSQL archive tests need PORTALWATCH_TEST_PG "
           "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test); CI sets it")


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'archive.sqlite3'}"


@pytest.fixture(scope="session", autouse=True)
def private_data_home(tmp_path_factory):
    """$XDG_DATA_HOME in a temporary folder for the whole session, subprocesses included.

    Everything portalwatch writes outside an archive named by the test goes under it: the default
    archive, the demo folder, the crawl logs of a PostgreSQL archive. Without this the suite wrote
    crawl logs into the user's ~/.local/share/portalwatch/logs/.
    """
    data = tmp_path_factory.mktemp("xdg-data")
    saved = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(data)
    yield data
    if saved is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = saved


@pytest.fixture
def pg_url():
    """A PostgreSQL archive in a schema of its own, dropped afterwards."""
    base = os.environ.get("PORTALWATCH_TEST_PG")
    if not base:
        pytest.skip(PG_SKIP)
    schema = f"pw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    yield url
    get_engine(url).dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The archive on each engine: SQLite always, PostgreSQL when PORTALWATCH_TEST_PG is set."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return request.getfixturevalue("pg_url")


@pytest.fixture
def replica():
    with Replica() as r:
        yield r


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo archive, built by `portalwatch demo --db` as a person would, and its environment: one run
    for the session, read by tests/test_docs_cli.py, test_web.py and test_browser.py (the demo takes
    about a minute on 2 cores; each of those modules built its own before)."""
    from tests.test_cli import portalwatch

    folder = tmp_path_factory.mktemp("docs-demo")
    (folder / "tmp").mkdir()
    env = dict(os.environ, XDG_DATA_HOME=str(folder / "data"), TMPDIR=str(folder / "tmp"))
    env.pop("PORTALWATCH_DB", None)
    url = f"sqlite:///{folder / 'archive.sqlite3'}"
    run = portalwatch("demo", "--db", url, env=env)
    assert run.returncode == 0, run.stderr
    return url, env
