"""--csv on every listing: the columns of the listing's --json objects, in their order, one row per object,
each value flattened the one documented way (monitor/formats.py), all through one writer."""
import csv
import io
import json

import pytest

from db.engine import session_factory
from monitor.cli import main
from monitor.cli.alerts import ALERTS_CSV
from monitor.cli.archive import REFS_CSV, SEARCH_CSV, SITES_CSV
from monitor.cli.documents import LIST_CSV
from monitor.cli.health import HEALTH_CSV
from monitor.cli.schedule import EVENTS_CSV, STATUS_CSV
from monitor.config import DetectionSettings
from monitor.detect import detect_pending
from monitor.formats import cell, encode
from db.top import FIELDS as TOP_CSV
from tests.test_export import archive  # noqa: F401 (fixture: an archive crawled from the replica)

PAGE = """<html><body><p>Thực hiện Nghị quyết số 23-NQ/TU ngày 16/11/2023 của Thành ủy, "khẩn", và
Kế hoạch số 123/KH-UBND.</p><a href="/files/QD-15-2024.pdf">Quyết định</a></body></html>"""


@pytest.fixture(scope="module")
def events_archive(archive):  # noqa: F811
    url, _ = archive
    assert detect_pending(session_factory(url), DetectionSettings())  # the first events: new articles, documents
    return url


def listing(capsys, argv: list[str], codes=(0,)) -> tuple[list[dict], list[list[str]]]:
    assert main([*argv, "--json"]) in codes
    objects = json.loads(capsys.readouterr().out)
    assert main([*argv, "--csv"]) in codes
    text = capsys.readouterr().out
    assert text.endswith("\r\n") and "\r\n" in text  # RFC 4180 line ends
    csv.field_size_limit(2**31 - 1)
    return objects, list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("argv, fields, pick", [
    (["search", "nghi quyet", "--limit", "50"], SEARCH_CSV, None),
    (["events"], EVENTS_CSV, None),
    (["sites"], SITES_CSV, None),
    (["status"], STATUS_CSV, "portals"),
    (["health"], HEALTH_CSV, None),
    (["alerts", "list"], ALERTS_CSV, None),
    (["top", "--days", "36500", "--limit", "50"], TOP_CSV, None),
    (["docs", "--limit", "50"], LIST_CSV, None),
])
def test_csv_has_the_columns_and_rows_of_json(events_archive, capsys, argv, fields, pick):
    objects, rows = listing(capsys, [*argv, "--db", events_archive], codes=(0, 1) if argv == ["health"] else (0,))
    if pick:
        objects = objects[pick]
    assert rows[0] == list(fields)
    # every field of the JSON object is a column (docs: its documented summary columns, a CSV of mentions per
    # document being `docs NUMBER --csv`)
    assert all(set(fields) <= set(o) if argv[0] == "docs" else set(fields) == set(o) for o in objects)
    if argv[0] == "docs":  # the document's portals are space-separated, as before
        objects = [{**o, "portals": " ".join(o["portals"])} for o in objects]
    assert rows[1:] == [[cell(o[f]) for f in fields] for o in objects]
    if argv[0] in ("search", "events", "sites", "status", "health", "top", "docs"):
        assert objects  # the case has rows to compare


def test_refs_csv(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    objects, rows = listing(capsys, ["refs", str(page)])
    assert {o["canonical"] for o in objects} >= {"23-NQ/TU", "123/KH-UBND"}
    assert rows[0] == list(REFS_CSV) and rows[1:] == [[cell(o[f]) for f in REFS_CSV] for o in objects]


def test_one_flattening_for_every_nested_value():
    assert [cell(v) for v in (None, True, False, 0, 2.5, "a,\"b\"")] == ["", "true", "false", "0", "2.5", 'a,"b"']
    assert cell(["/tin-tuc", "/thong-bao"]) == "/tin-tuc; /thong-bao"  # a list of plain values
    assert cell({"views": 0.5, "title": "Tiêu đề"}) == '{"views":0.5,"title":"Tiêu đề"}'  # objects: JSON
    assert json.loads(cell([{"name": "a", "passed": True}])) == [{"name": "a", "passed": True}]
    assert cell([]) == ""


def test_json_and_csv_are_one_or_the_other(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["events", "--json", "--csv"])
    assert exit_.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_a_hostile_row_cannot_run_a_formula_in_a_spreadsheet():
    """OWASP's CSV injection: a text cell starting with = + - @ TAB or CR gets a ' before it; a JSON number
    stays a number (a negative growth), while a string that only looks like one ("-5") is text and is guarded."""
    row = {"title": '=HYPERLINK("http://127.0.0.1/x","bấm")', "sum": "+1+1", "dash": "-2+3", "at": "@SUM(A1)",
           "tab": "\t=1", "cr": "\r=1", "growth": -5, "ratio": -0.5, "text5": "-5", "list": ["=1", "a"],
           "plain": "Nghị quyết -23", "flag": False, "none": None, "obj": {"a": "=1"}}
    fields = list(row)
    text = b"".join(encode([row], "csv", fields)).decode()
    got = dict(zip(fields, list(csv.reader(io.StringIO(text, newline="")))[1]))
    assert got == {"title": '\'=HYPERLINK("http://127.0.0.1/x","bấm")', "sum": "'+1+1", "dash": "'-2+3",
                   "at": "'@SUM(A1)", "tab": "'\t=1", "cr": "'\r=1", "growth": "-5", "ratio": "-0.5", "text5": "'-5",
                   "list": "'=1; a", "plain": "Nghị quyết -23", "flag": "false", "none": "", "obj": '{"a":"=1"}'}
