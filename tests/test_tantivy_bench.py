"""bench/tantivy_index.py on a handful of hand-written articles: folding as db.search folds, field boosts, exact
diacritics, filters. Skipped where the optional extra search-bench (tantivy) is not installed, as in CI."""
from __future__ import annotations

import importlib.util
import sys
from datetime import datetime, timezone

import pytest

from bench import tantivy_compare
from db.search import parse_query

HAVE_TANTIVY = importlib.util.find_spec("tantivy") is not None
needs_tantivy = pytest.mark.skipif(not HAVE_TANTIVY, reason="tantivy (extra search-bench) is not installed")
if HAVE_TANTIVY:
    import tantivy

    from bench import tantivy_index as ti

# (id, portal_id, published_at, title, summary, body, category) — the rows the bench reads from an archive
ROWS = [
    (1, 7, datetime(2024, 3, 1, 2, tzinfo=timezone.utc), "Kỳ họp thứ 5 Hội đồng nhân dân phường", "Tóm tắt.",
     "Nội dung kỳ họp.", "Tin nổi bật"),
    (2, 8, datetime(2024, 5, 1, 2, tzinfo=timezone.utc), "Tin văn hóa", "Lễ hội đồng quê.",
     "Hội đồng nhân dân phường họp bàn.", "Văn hóa"),
    (3, 7, datetime(2025, 1, 1, 2, tzinfo=timezone.utc), "Đăng ký kết hôn", "Thủ tục đăng ký.",
     "Hướng dẫn của Đảng ủy về đăng ký.", "Thủ tục"),
    (4, 8, None, "Đảng bộ phường tổng kết", "Đảng ủy họp.", "Nghị quyết 23-NQ/TU được quán triệt.", "Tin nổi bật"),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    index = ti.open_index(str(tmp_path_factory.mktemp("tantivy")))
    writer = index.writer(15_000_000, 1)
    for row in ROWS:
        writer.add_document(ti.document(row, ["t:NQ", "n:23-NQ/TU"] if row[0] == 4 else []))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def ranked(index, text: str, **filters) -> list[int]:
    searcher = index.searcher()
    query = ti.build_query(index.schema, parse_query(text), filters=filters.get("queries", []))
    return [searcher.doc(address)["id"][0] for _score, address in searcher.search(query, 10).hits]


def test_without_tantivy_the_bench_says_so_in_one_line_and_exits_2(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tantivy", None)  # what `import tantivy` meets when it is not installed
    assert tantivy_compare.main(["--quick"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "tantivy is not installed" in err


@needs_tantivy
def test_the_analyzer_tokenises_as_db_search_does():
    bad, checked, first = ti.folding_mismatches(["Hội đồng", "Ho\u0302\u0323i đồng", "Thành uỷ ĐẢNG ð", "x_y 123/QĐ-UBND"])
    assert (bad, checked) == (0, 5), first


@needs_tantivy
def test_folded_query_finds_accented_text_and_the_title_match_ranks_first(index):
    # "hoi dong nhan dan" as a phrase in 1's title and 2's body; 2's sapo "hội đồng quê" is not the phrase
    assert ranked(index, '"hoi dong nhan dan"') == [1, 2]
    assert ranked(index, "Hội đồng nhân dân")[0] == 1


@needs_tantivy
def test_exact_diacritics_rank_dang_above_dang_ky(index):
    # folded "dang" is in 3 (đăng, Đảng in the body) and 4 (Đảng in title and sapo): typed "Đảng" wants 4 first
    assert set(ranked(index, "dang")) == {3, 4}
    assert ranked(index, "Đảng") == [4, 3]
    assert ranked(index, "đăng ký") == [3]


@needs_tantivy
def test_a_document_number_is_a_phrase(index):
    assert ranked(index, "23-NQ/TU") == [4]
    assert ranked(index, "23 tu") == [4]  # two words, anywhere: still the only article holding both


@needs_tantivy
def test_filters_as_index_queries(index):
    portal = tantivy.Query.term_query(index.schema, "portal", 7)
    assert ranked(index, "phuong", queries=[portal]) == [1]
    year_2024 = tantivy.Query.range_query(index.schema, "published", tantivy.FieldType.Integer,
                                          int(datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()),
                                          int(datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()), True, False)
    assert sorted(ranked(index, "hoi dong", queries=[year_2024])) == [1, 2]
    cites = tantivy.Query.term_query(index.schema, "docs", "n:23-NQ/TU")
    assert ranked(index, "dang", queries=[cites]) == [4]
