"""The marks of a search hit (db/search/textmatch.py match_spans, db/search/snippet.py snippet_marks): where the
query's matches are in the title and the snippet, folded (case, diacritics, đ, NFC or NFD), a phrase or a
document number as one mark, a word only as a whole token; and how the CLI, the JSON API and the web page
show them. Expected spans are counted by hand on the texts below."""
import io
import json
import unicodedata
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient
from rich.console import Console

from db.engine import session_factory
from db.models import Article, Portal
from db.schema import upgrade
from db.search import match_spans, parse_query, snippet, snippet_marks, title_marks
from monitor.cli import archive, main
from monitor.web import create_app


def spans(text: str, query: str) -> list[tuple[int, int]]:
    return match_spans(text, parse_query(query).terms)


def marked(text: str, query: str) -> list[str]:
    return [text[s:e] for s, e in spans(text, query)]


# ---- finding the matches in original text ---------------------------------------------------------------
def test_folded_words_mark_their_accented_originals():
    assert spans("Kỳ họp Hội đồng nhân dân", "hoi dong") == [(7, 10), (11, 15)]
    assert spans("Kỳ họp Hội đồng nhân dân", '"hoi dong"') == [(7, 15)]  # a quoted phrase: one mark
    # đ folds to d: "dang" is Đảng, đăng and đang alike (the archive's folding)
    assert marked("Đảng ủy đăng tin đang họp, Dang", "dang") == ["Đảng", "đăng", "đang", "Dang"]
    assert marked("ĐẢNG BỘ", "đảng") == ["ĐẢNG"]


def test_nfd_text_is_marked_with_offsets_into_the_nfd_text():
    text = unicodedata.normalize("NFD", "Kỳ họp Hội đồng Hà Nội")
    assert len(text) > len("Kỳ họp Hội đồng Hà Nội")  # the marks are separate characters
    found = spans(text, '"hoi dong" ha')
    assert [text[s:e] for s, e in found] == [unicodedata.normalize("NFD", w) for w in ("Hội đồng", "Hà")]
    # the grave of "Hà" (a combining mark after its "a") belongs to the mark
    assert text[found[1][1] - 1] == "\u0300"


def test_a_phrase_is_marked_only_where_its_words_are_adjacent():
    assert spans("hội nghị bàn về đồng ý", '"hoi dong"') == []
    assert marked("Hội nghị; Hội đồng", '"hoi dong"') == ["Hội đồng"]
    assert marked("Hội\n  đồng", '"hoi dong"') == ["Hội\n  đồng"]  # white space between the words is adjacent


def test_a_document_number_is_one_mark_and_a_number_only_a_whole_token():
    text = "Nghị quyết 23-NQ/TU ngày 23/5; Nghị quyết 123-NQ/TU; 23 NQ"
    # not "23/5", not "123-NQ/TU", not "23 NQ" (no TU after it)
    assert spans(text, "23-NQ/TU") == spans(text, "23-nq/tu") == [(11, 19)]
    assert spans(text, "23") == [(11, 13), (25, 27), (53, 55)]  # a number: every whole token "23", none in 123
    assert spans("số 123 và 1234", "23") == []  # never inside 123
    assert marked("QĐ số 123/QĐ-UBND", "123/QĐ-UBND") == ["123/QĐ-UBND"]
    assert marked("COVID-19, covid và 19", "COVID-19") == ["COVID-19"]


def test_invisible_characters_inside_a_word_are_part_of_its_mark():
    text = "Thủ đô Hà\u00adNội."  # a soft hyphen: folded away, as the index folds it ("hanoi")
    assert spans(text, "hanoi") == [(7, 13)] and text[7:13] == "Hà\u00adNội"


def test_overlapping_terms_are_one_mark():
    assert marked("Hội đồng nhân dân", 'hoi "hoi dong"') == ["Hội đồng"]


def test_title_marks_are_offsets_into_the_title_as_stored():
    title = "[bold]Nghị quyết[/bold] 23-NQ/TU của Thành ủy"
    assert title_marks(title, parse_query("nghi quyet 23-nq/tu")) == [(6, 10), (11, 16), (24, 32)]
    assert title_marks(None, parse_query("x")) == []


# ---- the snippet and its marks ---------------------------------------------------------------------------------
def test_snippet_marks_are_exact_offsets_into_the_collapsed_extract():
    body = "Mở đầu dài. " * 30 + "Kỳ họp   Hội\n\nđồng nhân dân quyết nghị 23-NQ/TU, không phải 123-NQ/TU." + " Hết." * 40
    text, marks = snippet_marks(Article(summary="", body_text=body), parse_query('"hoi dong" 23-nq/tu'))
    assert text.startswith("…") and text.endswith("…") and "  " not in text
    assert [text[s:e] for s, e in marks] == ["Hội đồng", "23-NQ/TU"]
    assert text == snippet(Article(summary="", body_text=body), parse_query('"hoi dong" 23-nq/tu'))


def test_a_match_cut_by_the_end_of_the_extract_is_not_marked():
    # width 60: the match at 0 starts the extract, which ends at character 60, inside the second "Hội đồng"
    body = "Hội đồng " + "a " * 23 + "Hội đồng tiếp tục họp."
    assert body[55:63] == "Hội đồng"
    text, marks = snippet_marks(Article(summary="", body_text=body), parse_query('"hoi dong"'), width=60)
    assert text == body[:60].strip() + "…" and text.endswith("Hội đ…")
    assert marks == [(0, 8)]


def test_snippet_marks_of_an_nfd_body_point_into_its_nfc_extract():
    body = unicodedata.normalize("NFD", "Báo cáo của Hội đồng nhân dân phường.")
    text, marks = snippet_marks(Article(summary=None, body_text=body), parse_query("hoi dong"))
    assert text == unicodedata.normalize("NFC", body)
    assert [text[s:e] for s, e in marks] == ["Hội", "đồng"]


def test_the_summary_is_marked_when_it_is_the_extract_and_no_match_marks_nothing():
    article = Article(summary="Tóm tắt: Đảng ủy họp.", body_text="Không liên quan.")
    assert snippet_marks(article, parse_query("dang uy")) == ("Tóm tắt: Đảng ủy họp.", [(9, 13), (14, 16)])
    assert snippet_marks(Article(summary="", body_text="Không có gì."), parse_query("dang")) == ("Không có gì.", [])


# ---- the CLI, the API and the page ----------------------------------------------------------------------------
TITLE = "[bold]Nghị quyết[/bold] 23-NQ/TU <script>alert(1)</script>"
BODY = "Ban Thường vụ ban hành Nghị quyết số 23-NQ/TU về đô thị; kỳ họp 23 của Hội đồng nhân dân."


@pytest.fixture
def marks_archive(db_url):
    upgrade(db_url)
    now = datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc)
    with session_factory(db_url).begin() as s:
        portal = Portal(key="caugiay", name="Cầu Giấy", base_url="https://caugiay.hanoi.gov.vn", profile="hanoi")
        s.add(portal)
        s.flush()
        s.add(Article(portal_id=portal.id, external_id="1", url="https://caugiay.hanoi.gov.vn/1", title=TITLE,
                      summary="", body_text=BODY, content_hash="1", published_at=now, first_seen_at=now,
                      last_fetched_at=now))
    return db_url


def _expected_marks(text: str, *words: str) -> list[list[int]]:
    """Hand-listed matches located by plain string search (each word occurs once in the text)."""
    return [[text.index(w), text.index(w) + len(w)] for w in words]


def test_search_json_and_the_api_give_the_marks(marks_archive, capsys):
    assert main(["search", "nghi quyet 23-nq/tu", "--json", "--db", marks_archive]) == 0
    [hit] = json.loads(capsys.readouterr().out)
    assert hit["title_marks"] == _expected_marks(TITLE, "Nghị", "quyết", "23-NQ/TU")
    assert hit["snippet"] == BODY
    assert hit["snippet_marks"] == _expected_marks(BODY, "Nghị", "quyết", "23-NQ/TU")  # not the lone "23"
    with TestClient(create_app(marks_archive)) as client:
        [item] = client.get("/api/search", params={"q": "nghi quyet 23-nq/tu"}).json()["items"]
    assert {k: item[k] for k in ("title", "snippet", "title_marks", "snippet_marks")} == \
        {k: hit[k] for k in ("title", "snippet", "title_marks", "snippet_marks")}


def test_search_prints_the_marks_styled_and_the_title_as_typed(marks_archive, monkeypatch):
    screen = Console(file=io.StringIO(), force_terminal=True, color_system="standard", width=300)
    monkeypatch.setattr(archive, "console", screen)
    assert main(["search", '"hoi dong" 23-nq/tu', "--db", marks_archive]) == 0
    out = screen.file.getvalue()
    bold_yellow = "\x1b[1;33m"  # SGR 1 (bold) and 33 (yellow)
    assert f"{bold_yellow}Hội đồng\x1b[0m" in out and f"{bold_yellow}23-NQ/TU\x1b[0m" in out
    assert f"{bold_yellow}23\x1b[0m" not in out  # the lone "23" of "kỳ họp 23"
    assert "[bold]Nghị quyết[/bold]" in out  # rich markup in a title is text, not style


def test_the_search_page_marks_whole_phrases_and_escapes_the_title(marks_archive):
    with TestClient(create_app(marks_archive)) as client:
        html = client.get("/", params={"q": '"hoi dong" 23-nq/tu'}).text
    assert "<mark>Hội đồng</mark>" in html and "<mark>23-NQ/TU</mark>" in html
    assert "<mark>23</mark>" not in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
