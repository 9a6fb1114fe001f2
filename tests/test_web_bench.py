"""bench/web_bench.py end to end on a small synthetic archive: it serves the real app, times every kind of page
with a status per URL, and never writes the archive (an archive behind the newest migration is refused)."""
import re
import subprocess
import sys
from pathlib import Path

from alembic import command

from bench.synthetic import generate
from db.engine import get_engine
from db.schema import alembic_config

REPO = Path(__file__).resolve().parent.parent
KINDS = ["search page", "/api/search", "article page", "/api/articles", "tracker page", "/api/docs/N", "events page",
         "/api/events", "baseline"]


def bench(url, *args):
    return subprocess.run([sys.executable, str(REPO / "bench" / "web_bench.py"), "--db", url, *args],
                          capture_output=True, text=True, timeout=300)


def test_the_bench_times_every_kind_of_page_and_reads_the_archive_only(tmp_path):
    path = tmp_path / "synth.sqlite3"
    url = f"sqlite:///{path}"
    generate(url, 300, portals=4, workers=1, chunk=100, log=lambda *_: None)
    get_engine(url).dispose()
    before = path.read_bytes()
    run = bench(url, "--rounds", "2", "--articles", "3", "--detail")
    assert run.returncode == 0, run.stderr
    rows = {m[1]: int(m[2]) for m in re.finditer(r"^(\S.*?)\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+x$",
                                                  run.stdout, re.M)}
    assert list(rows) == KINDS
    assert rows["article page"] == rows["/api/articles"] == 2 * 3 and rows["search page"] == 2 * 9
    assert "archive: 300 articles" in run.stdout
    assert "/?q=23-NQ%2FTU" in run.stdout  # --detail: each URL's p50
    not_ok = re.search(r"^not 200: (.*)$", run.stdout, re.M)
    assert not_ok is None or set(re.findall(r" (\d{3})(?:,|$)", not_ok[1])) == {"404"}  # a document no one cites
    assert path.read_bytes() == before


def test_an_archive_behind_the_newest_migration_is_refused_not_upgraded(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = alembic_config()
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0010")
    run = bench(url)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "upgrade a copy" in run.stderr
