"""The `portalwatch` command as a person runs it (installed console script, real processes)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
SEED_TITLE_START = "Gần 300 đại biểu dự Hội nghị trực tuyến"


def portalwatch(*args, env=None):
    exe = shutil.which("portalwatch", path=os.path.dirname(sys.executable))
    command = [exe] if exe else [sys.executable, "-m", "monitor.cli"]
    return subprocess.run(command + list(args), capture_output=True, text=True, env=env, timeout=300)


def test_demo_then_search(tmp_path):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    env.pop("PORTALWATCH_DB", None)
    demo = portalwatch("demo", env=env)
    assert demo.returncode == 0, demo.stderr
    archive = tmp_path / "data" / "portalwatch" / "archive.sqlite3"
    assert archive.exists()
    flat = " ".join(demo.stdout.split())
    assert str(archive) in flat and "bactuliem" in flat and "caugiay" in flat and "hoangliet" in flat
    assert SEED_TITLE_START in flat and "pages/s" in flat

    search = portalwatch("search", "Bắc Từ Liêm", "--json", env=env)
    assert search.returncode == 0, search.stderr
    results = json.loads(search.stdout)
    seed = [a for a in results if a["title"].startswith(SEED_TITLE_START)]
    assert len(seed) == 1
    assert {"id", "site", "url", "title", "published_at", "views", "author", "category", "summary", "body_text"} <= set(seed[0])
    assert (seed[0]["published_at"], seed[0]["views"], seed[0]["author"]) == ("2024-05-10T16:21:00+07:00", 503, "Ngọc Hằng")


def test_db_option_before_or_after_the_command(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert main(["--db", url, "search", "nghị quyết", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["search", "nghị quyết", "--json", "--db", url]) == 0
    assert (tmp_path / "x.sqlite3").exists()


def test_parse_saved_page(capsys):
    page = FIXTURES / "liferay" / "seed_article.html"
    assert main(["parse", str(page), "--site", "bactuliem", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["site"] == "bactuliem" and data["title"].startswith(SEED_TITLE_START)
    assert (data["published_at"], data["views"], data["author"]) == ("2024-05-10T16:21:00+07:00", 503, "Ngọc Hằng")
    assert data["problems"] == []


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("*/*article*.html")), ids=lambda p: p.stem)
def test_parse_guesses_the_profile_without_hints(page, capsys):
    assert main(["parse", str(page), "--json"]) == 0
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    data = json.loads(capsys.readouterr().out)
    assert (data["title"], data["extracted_by"], data["body_text"]) == (expected["title"], expected["extracted_by"], expected["body_text"])


def test_parse_a_page_that_is_not_an_article(tmp_path, capsys):
    page = tmp_path / "empty.html"
    page.write_text("<html><body><p>Trang chủ</p></body></html>", encoding="utf-8")
    assert main(["parse", str(page), "--site", "caugiay", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["problems"] == ["no title", "no body_text"]


def test_clear_errors(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert main(["crawl", "khong-co", "--db", url]) == 2
    assert "unknown site 'khong-co'" in capsys.readouterr().err
    assert main(["parse", str(tmp_path / "missing.html")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_sites_lists_the_registry(capsys):
    assert main(["sites", "--json"]) == 0
    sites = {s["key"]: s for s in json.loads(capsys.readouterr().out)}
    assert sites["bactuliem"]["profile"] == "liferay" and sites["caugiay"]["profile"] == "hanoi"
