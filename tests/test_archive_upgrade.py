"""An archive written by the main before issue 10 upgrades, and its search, events and raw pages still work.

The archive (tests/fixtures/archives/pre-issue10.sqlite3.gz, written by make_pre_issue10.py in that
folder) is driven through the `portalwatch` command only, and compared with the facts recorded from
it with plain SQL when it was written (pre-issue10.json). So this test depends on the CLI contract
(commands, options, JSON fields) and on nothing inside the packages.
"""
from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

REPO = Path(__file__).resolve().parent.parent
ARCHIVES = Path(__file__).resolve().parent / "fixtures" / "archives"
FACTS = json.loads((ARCHIVES / "pre-issue10.json").read_text(encoding="utf-8"))
SEED = FACTS["seed_article"]
EVENT_FIELDS = {"id", "key", "kind", "site", "article_id", "document_id", "occurred_at", "created_at", "payload"}
PORTAL_KINDS = {"source_down", "source_up", "source_stale", "extraction_degraded"}  # about a portal, not an article
FAR_PAST = "2000-01-01T00:00:00+07:00"


def head_revision() -> str:
    """The newest revision of the migrations in the code under test."""
    return ScriptDirectory(str(REPO / "db" / "migrations")).get_current_head()


def alembic_versions(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        rows = [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
    conn.close()
    return rows


def copy_archive(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "archive.sqlite3"
    with gzip.open(ARCHIVES / "pre-issue10.sqlite3.gz", "rb") as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


class Cli:
    """`portalwatch … --db sqlite:///<copy>` in a process of its own, with its data directory in the test's folder."""

    def __init__(self, archive: Path):
        self.archive = archive
        self.url = f"sqlite:///{archive}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PORTALWATCH_")}
        self.env["XDG_DATA_HOME"] = str(archive.parent / "data")
        exe = shutil.which("portalwatch", path=os.path.dirname(sys.executable))
        self.command = [exe] if exe else [sys.executable, "-m", "monitor.cli"]

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(self.command + list(args) + ["--db", self.url], capture_output=True, text=True,
                              env=self.env, cwd=self.archive.parent, timeout=600)
        if ok:
            assert done.returncode == 0, f"portalwatch {' '.join(args)}: exit {done.returncode}\n{done.stderr}"
        return done

    def json(self, *args: str):
        return json.loads(self.run(*args, "--json").stdout)


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory) -> Cli:
    """One copy upgraded by its first command, shared by the tests that only read."""
    cli = Cli(copy_archive(tmp_path_factory.mktemp("upgraded")))
    cli.run("events", "--kind", "no-such-kind", "--json")
    return cli


def test_the_fixture_is_the_archive_the_json_describes(tmp_path):
    path = copy_archive(tmp_path)
    assert alembic_versions(path) == [FACTS["alembic_revision"]]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == FACTS["articles"]
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == FACTS["events"]
    conn.close()
    # What the upgrade test is meant to cover is really in the archive.
    assert {"new_article", "new_document", "edited", "views_milestone", "removed", "restored",
            "source_down", "source_up"} <= set(FACTS["events_per_kind"])
    assert FACTS["tombstones"] and FACTS["raw_pages"] and FACTS["view_samples"] and FACTS["document_mentions"]
    assert FACTS["alert_outbox"] and len(FACTS["portals"]) >= 2


def test_any_command_upgrades_the_archive_to_the_head_revision(tmp_path):
    cli = Cli(copy_archive(tmp_path))
    rows = cli.json("alerts", "list", "--limit", "100000")
    assert alembic_versions(cli.archive) == [head_revision()]
    assert len(rows) == FACTS["alert_outbox"]
    assert Counter(r["status"] for r in rows) == Counter(FACTS["alert_outbox_per_status"])


def test_search_finds_the_seed_article_by_its_document_number_and_without_diacritics(upgraded):
    assert alembic_versions(upgraded.archive) == [head_revision()]
    by_number = upgraded.json("search", "23-NQ/TU")
    assert by_number, "no result for 23-NQ/TU"
    assert (by_number[0]["id"], by_number[0]["site"], by_number[0]["title"]) == (SEED["id"], SEED["site"], SEED["title"])
    folded = upgraded.json("search", "hoi nghi truc tuyen")
    assert SEED["id"] in [hit["id"] for hit in folded]


def test_events_keep_their_kinds_fields_and_titles(upgraded):
    events = upgraded.json("events", "--since", FAR_PAST)
    assert Counter(e["kind"] for e in events) == Counter(FACTS["events_per_kind"])
    assert len({e["id"] for e in events}) == len({e["key"] for e in events}) == FACTS["events"]
    for e in events:
        assert EVENT_FIELDS <= set(e), e
        assert e["site"] in FACTS["portals"], e
        payload = e["payload"]
        if e["kind"] not in PORTAL_KINDS:  # migration 0008: every article kind shows its article under "article"
            assert e["article_id"] is not None, e
            assert payload["article"]["title"] and "title" not in payload, e
        if e["kind"] == "removed":  # migration 0007's typed cause, carried into the payload by 0008
            assert payload["cause"] in ("gone", "missing_from_listing"), e
    seed_docs = [e for e in events if e["kind"] == "new_document" and e["article_id"] == SEED["id"]]
    assert "23-NQ/TU" in {e["payload"]["canonical"] for e in seed_docs}
    assert all(e["document_id"] is not None for e in events if e["kind"] == "new_document")
    # The filters still read the upgraded rows.
    removed = upgraded.json("events", "--since", FAR_PAST, "--kind", "removed,restored", "--site", SEED["site"])
    assert {e["kind"] for e in removed} <= {"removed", "restored"}
    assert len(removed) == sum(1 for e in events if e["kind"] in ("removed", "restored") and e["site"] == SEED["site"])
    # The text listing names what each event is about: the article's title under the new shape.
    listing = upgraded.run("events", "--since", FAR_PAST, "--kind", "removed").stdout
    for e in events:
        if e["kind"] == "removed":
            assert e["payload"]["article"]["title"][:40] in listing, listing
    assert "article=" not in listing  # not the raw payload


@pytest.mark.parametrize("site", FACTS["portals"])
def test_reparse_reads_every_old_raw_page(upgraded, site):
    result = upgraded.json("reparse", site, "--dry-run")
    assert result["failures"] == 0, result
    assert result["pages"] == FACTS["versions_with_raw_page_per_site"][site]
    assert result["dry_run"] is True


def test_a_new_crawl_writes_into_the_upgraded_archive(tmp_path):
    """The bundled replica crawled again into the upgraded copy: a known portal and one new to the archive."""
    cli = Cli(copy_archive(tmp_path))
    config = tmp_path / "portalwatch.toml"
    config.write_text('[schedule]\ninterval = "1h"\nsites = ["bactuliem", "hoangliet"]\n\n'
                      '[crawl]\nrefetch = [["*", "1s"]]   # re-check every archived article too\n', encoding="utf-8")
    cli.run("run", "--replica", "--once", "--config", str(config))
    assert alembic_versions(cli.archive) == [head_revision()]
    status = cli.json("status", "--config", str(config))
    assert {p["site"]: p["last_run"]["status"] for p in status["portals"]} == {"bactuliem": "finished", "hoangliet": "finished"}

    events = cli.json("events", "--since", FAR_PAST)
    kinds = Counter(e["kind"] for e in events)
    assert all(kinds[kind] >= n for kind, n in FACTS["events_per_kind"].items())  # nothing lost
    assert "source_moved" not in kinds  # the replica answers on another port: not a move (tests/test_identity.py)
    fresh = [e for e in events if e["site"] == "hoangliet" and e["kind"] == "new_article"]
    assert fresh and all(e["payload"]["baseline"] for e in fresh)
    newest = max(fresh, key=lambda e: e["payload"]["article"]["published_at"] or "")
    hits = cli.json("search", newest["payload"]["article"]["title"], "--site", "hoangliet")
    assert newest["article_id"] in [hit["id"] for hit in hits]
    assert all(hit["site"] == "hoangliet" for hit in hits)
    assert cli.json("search", "Hoàng Liệt", "--site", "hoangliet")
    seed = cli.json("search", "23-NQ/TU")
    assert seed and seed[0]["id"] == SEED["id"]  # the old index and the new writes live together
