"""`portalwatch export` and /api/export over an archive crawled from the replica (plus a few articles stored
through the ORM whose text is hard on CSV: quotes, commas, CR/LF, a 1 MB body; and a removed one): every format
parsed back equals `search --json` for the same query and filters, the filters select what the replica's
ground truth says, an empty result is still a valid file, --output is atomic, a closed pipe ends quietly, and
the API sends the CLI's very bytes."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from crawler.registry import get_site
from crawler.replica import Replica
from crawler.settings import LOOPBACK_OVERRIDES
from db import export as db_export
from db.engine import session_factory
from db.models import Article, Portal
from monitor.cli import main
from monitor.crawling import crawl_sites
from monitor.formats import ARTICLE_FIELDS, cell
from monitor.web import create_app
from vntext.dates import VN_TZ
from vntext.textnorm import fold

SITES = ("caugiay", "bactuliem")
T0 = datetime(2024, 5, 1, 3, 0, tzinfo=timezone.utc)
HARD = {  # external id: (title, body); stored on caugiay, the last one removed
    "csv-hard": ('Nghị quyết "đặc biệt", có dấu phẩy', 'Dòng 1, có "ngoặc kép"\nDòng 2\r\nDòng 3\rhết; ký tự \u2028 lạ'),
    # formula injection: a spreadsheet would run these cells (monitor/formats.py neutralises them with ')
    "formula": ('=HYPERLINK("http://127.0.0.1/x";"Nghị quyết")', "-2+3 Nghị quyết, bấm vào đây"),
    "huge": ("Nghị quyết dài", "Điều 1. Nghị quyết này quy định chi tiết. " * 25_000),  # ~1 MB
    "removed": ("Nghị quyết đã gỡ", "Bài này đã bị gỡ khỏi cổng."),
}
FORMATS = ("csv", "json", "ndjson")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """(url, truth): the archive, and per portal the replica's truth of every visible article."""
    url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'archive.sqlite3'}"
    with Replica() as replica:
        outcomes = crawl_sites(url, [get_site(s).at(replica.base_urls[s]) for s in SITES],
                               settings=LOOPBACK_OVERRIDES, clock=replica.clock_offset)
        assert all(o.ok for o in outcomes), [o.message for o in outcomes]
        truth = {s: [replica.truth(s, a) for a in replica.visible(s)] for s in SITES}
    with session_factory(url).begin() as session:
        portal_id = session.query(Portal.id).filter(Portal.key == "caugiay").scalar()
        for external_id, (title, body) in HARD.items():
            session.add(Article(portal_id=portal_id, external_id=external_id, url=f"https://caugiay.hanoi.gov.vn/{external_id}",
                                title=title, summary="Tóm tắt, \"ngắn\"", body_text=body, category="Tin tức - Sự kiện",
                                published_at=T0, content_hash=external_id, first_seen_at=T0, last_fetched_at=T0,
                                removed_at=T0 + timedelta(days=1) if external_id == "removed" else None))
    return url, truth


def export(url, capsysbinary, *args) -> bytes:
    assert main(["export", *args, "--db", url]) == 0
    return capsysbinary.readouterr().out


def parse(data: bytes, fmt: str) -> list[dict]:
    if fmt == "json":
        return json.loads(data)
    if fmt == "ndjson":
        return [json.loads(line) for line in data.split(b"\n") if line]
    csv.field_size_limit(2**31 - 1)  # a body is exported whole: far past the csv module's default 128 KB a field
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert data.startswith(",".join(ARTICLE_FIELDS).encode() + b"\r\n")
    return rows


def as_format(objects: list[dict], fmt: str) -> list[dict]:
    """The JSON objects as parsing `fmt` gives them back (CSV: every value a string cell)."""
    if fmt != "csv":
        return objects
    return [{k: cell(o[k]) for k in ARTICLE_FIELDS} for o in objects]


def searched(url, capsys, text, *args) -> list[dict]:
    """`search TEXT --json` over all its matches, as article objects (no score, exact, snippet and marks), by id."""
    assert main(["search", text, *args, "--json", "--limit", "1000", "--order", "date", "--db", url]) == 0
    found = json.loads(capsys.readouterr().out)
    assert len(found) < 1000
    return sorted(({k: v for k, v in o.items()
                    if k not in ("score", "exact", "snippet", "snippet_marks", "title_marks")} for o in found),
                  key=lambda o: o["id"])


def urls(objects) -> set[str]:
    return {o["url"] for o in objects}


def truth_urls(truth, keep=lambda t: True, sites=SITES) -> set[str]:
    return {t["url"] for site in sites for t in truth[site] if keep(t)}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text, filters", [
    ("nghi quyet", []),
    ("nghi quyet", ["--site", "caugiay"]),
    ("nghi quyet", ["--include-removed"]),
    ("Nghị quyết", ["--doc-type", "NQ"]),
    ("quan triet", ["--doc-number", "23-nq/tu"]),
    ("phuong", ["--from", "01/01/2024", "--to", "2026-12-31"]),
])
def test_each_format_parses_back_to_the_objects_of_search_json(archive, capsysbinary, fmt, text, filters):
    url, _ = archive
    expected = searched(url, capsysbinary, text, *filters)
    assert expected  # the case selects something
    got = parse(export(url, capsysbinary, text, *filters, "--format", fmt), fmt)
    assert got == as_format(expected, fmt)  # the same objects, smallest id first


def test_the_hard_texts_survive_every_format_whole(archive, capsysbinary):
    url, _ = archive
    for fmt in FORMATS:
        got = {o["external_id"]: o for o in parse(export(url, capsysbinary, "--format", fmt), fmt)}
        for external_id in ("csv-hard", "huge"):
            assert got[external_id]["title"] == HARD[external_id][0]
            assert got[external_id]["body_text"] == HARD[external_id][1]  # CR, LF, quotes and 1 MB: all kept


def test_a_csv_export_never_starts_a_cell_with_a_formula(archive, capsysbinary):
    url, _ = archive
    data = export(url, capsysbinary, "--format", "csv")
    rows = {row["external_id"]: row for row in parse(data, "csv")}
    title, body = HARD["formula"]
    assert (rows["formula"]["title"], rows["formula"]["body_text"]) == ("'" + title, "'" + body)
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows.values() for value in row.values())
    json_title = {o["external_id"]: o for o in parse(export(url, capsysbinary, "--format", "json"), "json")}
    assert json_title["formula"]["title"] == title  # JSON keeps the text as scraped


def test_without_text_the_filters_select_what_the_replica_says(archive, capsysbinary):
    url, truth = archive
    every = parse(export(url, capsysbinary), "ndjson")
    assert [o["id"] for o in every] == sorted(o["id"] for o in every)
    hard = {f"https://caugiay.hanoi.gov.vn/{k}" for k in HARD if k != "removed"}
    assert urls(every) == truth_urls(truth) | hard  # every article, the removed one left out
    with_removed = parse(export(url, capsysbinary, "--include-removed"), "ndjson")
    assert urls(with_removed) == urls(every) | {"https://caugiay.hanoi.gov.vn/removed"}
    assert urls(parse(export(url, capsysbinary, "--site", "bactuliem"), "ndjson")) == truth_urls(truth, sites=["bactuliem"])
    cited = parse(export(url, capsysbinary, "--doc-number", "23-NQ/TU"), "ndjson")
    assert urls(cited) == truth_urls(truth, lambda t: "23-NQ/TU" in t["documents"]) and cited
    category = truth["caugiay"][0]["category"]
    in_category = parse(export(url, capsysbinary, "--category", fold(category)), "ndjson")
    assert urls(in_category) == truth_urls(truth, lambda t: fold(category) in fold(t["category"])) | (
        hard if fold(category) in fold("Tin tức - Sự kiện") else set())
    days = sorted(_day(t["published"]) for site in SITES for t in truth[site])
    low, high = days[len(days) // 4], days[len(days) // 2]
    between = parse(export(url, capsysbinary, "--from", low.isoformat(), "--to", high.strftime("%d/%m/%Y")), "ndjson")
    assert urls(between) == truth_urls(truth, lambda t: low <= _day(t["published"]) <= high) | (
        hard if low <= _day(T0) <= high else set()) and between


def _day(published: datetime) -> date:
    return (published if published.tzinfo else published.replace(tzinfo=VN_TZ)).astimezone(VN_TZ).date()


def test_small_chunks_read_every_row_once(archive, monkeypatch, capsysbinary):
    url, _ = archive
    whole = export(url, capsysbinary, "--format", "csv")
    matching = export(url, capsysbinary, "nghi quyet", "--format", "csv")
    count = len(parse(whole, "csv"))
    for chunk in (1, 3, count, count - 1):  # many keyset pages; the last one full or not
        monkeypatch.setattr(db_export, "CHUNK", chunk)
        assert export(url, capsysbinary, "--format", "csv") == whole
        assert export(url, capsysbinary, "nghi quyet", "--format", "csv") == matching


def test_an_empty_result_is_still_a_valid_file(archive, capsysbinary):
    url, _ = archive
    assert export(url, capsysbinary, "khongcotunaydau", "--format", "csv") == (",".join(ARTICLE_FIELDS) + "\r\n").encode()
    assert json.loads(export(url, capsysbinary, "khongcotunaydau", "--format", "json")) == []
    assert export(url, capsysbinary, "khongcotunaydau", "--format", "ndjson") == b""
    assert json.loads(export(url, capsysbinary, "--site", "caugiay", "--to", "01/01/2001", "--format", "json")) == []


def test_bad_input_is_one_line_and_exit_2(archive, capsysbinary):
    url, _ = archive
    for args in (["!!"], ["--site", "nowhere"], ["--from", "31/02/2024"], ["--doc-type", "XYZ"], ["--doc-number", "abc"],
                 ["--to", "31/12/9999"], ["--from", "01/01/0001"]):  # years that overflowed in UTC or a day on
        assert main(["export", *args, "--db", url]) == 2
        captured = capsysbinary.readouterr()
        assert captured.out == b"" and len(captured.err.decode().strip().splitlines()) == 1, args
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--format", "xml", "--db", url])
    assert exit_.value.code == 2


def test_output_is_written_whole_or_not_at_all(archive, tmp_path, monkeypatch, capsysbinary):
    url, _ = archive
    target = tmp_path / "out.csv"
    assert export(url, capsysbinary, "--format", "csv", "--output", str(target)) == b""
    assert target.read_bytes() == export(url, capsysbinary, "--format", "csv")
    before = target.read_bytes()

    real = db_export._stream

    def interrupted(*args, **kwargs):  # Ctrl-C after the first rows were written
        rows = real(*args, **kwargs)
        yield next(rows)
        yield next(rows)
        raise KeyboardInterrupt

    monkeypatch.setattr(db_export, "_stream", interrupted)
    with pytest.raises(KeyboardInterrupt):
        main(["export", "--format", "csv", "--output", str(target), "--db", url])
    assert target.read_bytes() == before  # the older file untouched
    with pytest.raises(KeyboardInterrupt):
        main(["export", "--format", "json", "--output", str(tmp_path / "new.json"), "--db", url])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no half file, no temporary left
    monkeypatch.undo()
    for bad in (tmp_path / "missing" / "out.csv", tmp_path):  # no such folder; a folder of that name
        assert main(["export", "--output", str(bad), "--db", url]) == 2
        assert capsysbinary.readouterr().err.decode().strip() == f"cannot write {bad}: " + (
            "No such file or directory" if bad != tmp_path else "Is a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_output_empty_name_mode_and_symlink(archive, tmp_path, capsysbinary):
    """--output "" is bad input (it wrote to standard output); a file replaced keeps its permission bits; a
    symbolic link is written through to its file, the link itself left a link."""
    url, _ = archive
    assert main(["export", "--output", "", "--db", url]) == 2
    captured = capsysbinary.readouterr()
    assert captured.out == b"" and captured.err.decode().strip() == \
        '--output needs a file name (leave it out to write to standard output)'
    expected = export(url, capsysbinary, "--format", "csv")
    target = tmp_path / "out.csv"
    target.write_bytes(b"old")
    target.chmod(0o640)
    assert export(url, capsysbinary, "--format", "csv", "--output", str(target)) == b""
    assert target.read_bytes() == expected and target.stat().st_mode & 0o7777 == 0o640
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "data.csv"
    real.write_bytes(b"old")
    real.chmod(0o600)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert export(url, capsysbinary, "--format", "csv", "--output", str(link)) == b""
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == expected and real.stat().st_mode & 0o7777 == 0o600
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["data.csv"]  # no temporary left
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "real" / "new.csv")  # as `> dangling.csv` does: the file is created
    assert export(url, capsysbinary, "--format", "csv", "--output", str(dangling)) == b""
    assert dangling.is_symlink() and (tmp_path / "real" / "new.csv").read_bytes() == expected


def test_a_reader_that_stops_early_ends_the_export_quietly(archive):
    url, _ = archive
    exe = shutil.which("portalwatch", path=os.path.dirname(sys.executable))
    command = [exe] if exe else [sys.executable, "-m", "monitor.cli"]
    process = subprocess.Popen([*command, "export", "--format", "ndjson", "--include-removed", "--db", url],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()  # then close, as `| head -1` does; the 1 MB body fills the pipe
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141  # as a command ended by SIGPIPE
    assert json.loads(first)["id"] and stderr == ""


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_api_sends_the_clis_bytes(archive, capsysbinary, fmt):
    url, _ = archive
    with TestClient(create_app(url)) as client:
        for query, args in [({}, []), ({"q": "nghi quyet", "site": "caugiay", "from": "01/01/2024"},
                                       ["nghi quyet", "--site", "caugiay", "--from", "01/01/2024"]),
                            ({"doc_number": "23-NQ/TU", "include_removed": "true"}, ["--doc-number", "23-NQ/TU",
                                                                                      "--include-removed"])]:
            response = client.get("/api/export", params={"format": fmt, **query})
            assert response.status_code == 200
            assert response.content == export(url, capsysbinary, *args, "--format", fmt)
            assert response.headers["content-type"].split(";")[0] == {"csv": "text/csv", "json": "application/json",
                                                                      "ndjson": "application/x-ndjson"}[fmt]
            assert response.headers["content-disposition"] == f'attachment; filename="portalwatch-export.{fmt}"'
        bad = client.get("/api/export", params={"format": fmt, "q": "!!"})
        assert bad.status_code == 400 and "nothing to search for" in bad.json()["detail"]
        # a year the bounds overflow at: refused before the first byte (it was a 500, or a 200 cut short)
        for query in ({"to": "31/12/9999"}, {"from": "01/01/0001"}, {"from": "1899-12-31"}):
            bad = client.get("/api/export", params={"format": fmt, **query})
            assert bad.status_code == 400 and "between 1900 and 2200" in bad.json()["detail"], query


def test_the_search_page_links_to_the_csv_of_its_query(archive, capsysbinary):
    import html
    import re

    url, _ = archive
    with TestClient(create_app(url)) as client:
        page = client.get("/", params={"q": "nghi quyet", "site": "caugiay", "from": "", "order": "date"})
        [link] = re.findall(r'<a href="([^"]+)"[^>]*>Tải CSV</a>', page.text)
        link = html.unescape(link)
        assert link.startswith("/api/export?") and "format=csv" in link and "order=" not in link
        assert client.get(link).content == export(url, capsysbinary, "nghi quyet", "--site", "caugiay", "--format", "csv")


@pytest.mark.parametrize("chunk", [2, 1000])
def test_each_engine_exports_what_its_articles_say(db_url, monkeypatch, capsysbinary, chunk):
    """SQLite and PostgreSQL alike (the keyset pages, the index with text, with a category alone, a document's
    few articles tested one by one): the articles of tests/test_search.py, by their names."""
    from tests.test_search import ARTICLES, add_mentions, seed

    ids = seed(db_url)
    add_mentions(db_url, ids)
    monkeypatch.setattr(db_export, "CHUNK", chunk)
    by_id = {v: k for k, v in ids.items()}

    def names(*args) -> list[str]:
        return [by_id[o["id"]] for o in parse(export(db_url, capsysbinary, *args), "ndjson")]

    assert names() == sorted(ARTICLES, key=ids.get)  # every article, smallest id first
    assert names("--site", "caugiay") == ["nq", "hdnd"]
    assert names("--category", "tin noi bat") == ["nq", "nfd"]  # "Tin nổi bật": the index alone knows it
    assert names("thanh uy") == ["nq", "nfd"] and names("thanh uy", "--category", "tin noi bat") == ["nq", "nfd"]
    assert names("dang", "--site", "bactuliem") == ["nfd", "dang_ky"]
    assert names("--doc-type", "NQ") == ["nq"] and names("--doc-number", "123/kh-ubnd") == ["ubnd"]
    assert names("--category", "dich vu cong", "--doc-number", "30-CTr/TU") == []
    assert names("--to", "28/02/2025", "--from", "2025-02-27") == ["hdnd", "nfd"]
    assert names("phuong", "--doc-type", "CTr") == ["nfd"]


def test_a_read_only_archive_url_exports_and_makes_no_folder(archive, tmp_path, monkeypatch, capsysbinary):
    from pathlib import Path

    from db.engine import describe, parse_url, sqlite_file

    url, _ = archive
    path = sqlite_file(parse_url(url))
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    assert sqlite_file(parse_url(read_only)) == path and describe(read_only) == str(path.resolve())
    monkeypatch.chdir(tmp_path)  # the URI used to be taken for a path: a folder "file:" appeared here
    assert export(read_only, capsysbinary, "--format", "csv") == export(url, capsysbinary, "--format", "csv")
    assert list(Path(tmp_path).iterdir()) == []
