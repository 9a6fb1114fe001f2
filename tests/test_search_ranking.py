"""Relevance ranking (db/search/ranking.py, candidates.py): articles built so that the expected order follows from
the rules in db/search/__init__.py — phrase in the title above scattered words, title above summary above body,
exact diacritics above folded-only matches, recency only between equals — on each engine, the same order on
both, and the demo's seed article first for the issue's queries."""
import json
import os
from pathlib import Path

import pytest

from db.search import run as search_run
from tests.conftest import sqlite_url
from tests.test_search import names, run, seed

SEED_FILE = Path(__file__).resolve().parent.parent.parent / "shared" / "seed" / "000_c0fa87fd435a18c9.txt"

# name: (portal, title, summary, body, category, hours from T0). Newer articles are the weaker matches, so
# recency alone would put every expected order upside down.
RANKED = {
    "phrase_title": ("a", "Hội nghị trực tuyến quán triệt nghị quyết", "Sáng nay.", "Các đại biểu dự.", "", -500),
    "scattered_title": ("a", "Hội nghị sơ kết công tác chuyển đổi số trực tuyến", "Sáng nay.", "Đại biểu dự.", "",
                        -400),
    "phrase_summary": ("a", "Quận ủy quán triệt nghị quyết", "Hội nghị trực tuyến sáng nay.", "Đại biểu dự.", "",
                       -300),
    "phrase_body": ("a", "Quận ủy quán triệt nghị quyết", "Sáng nay.", "Hội nghị trực tuyến từ điểm cầu.", "",
                    -200),
    "scattered_body": ("a", "Tin tức", "Sáng nay.", "Hội nghị về dịch vụ công trực tuyến, đại biểu dự.", "", -100),
}
ORDER = ["phrase_title", "scattered_title", "phrase_summary", "phrase_body", "scattered_body"]


def test_phrase_then_field_then_scattered(db_url):
    ids = seed(db_url, RANKED)
    for query in ("hoi nghi truc tuyen", "Hội nghị trực tuyến", '"hoi nghi" "truc tuyen"'):
        assert names(run(db_url, query), ids) == ORDER, query
    scores = [hit.score for hit in run(db_url, "hoi nghi truc tuyen").items]
    assert all(0 < s <= 1 for s in scores) and scores == sorted(scores, reverse=True) and len(set(scores)) == 5


def test_exact_diacritics_count_per_field(db_url):
    articles = {
        # "đăng" in the title (folded match only) and newest; "Đảng" typed exactly only in the other bodies
        "dang_title": ("a", "Đăng ký kết hôn trực tuyến", "Đăng ký.", "Người dân đăng ký.", "", 0),
        "dang_body": ("a", "Sơ kết công tác", "Sáng nay.", "Bí thư Đảng ủy phát biểu.", "", -10),
        "dang_summary": ("a", "Sơ kết công tác", "Đảng ủy phường sơ kết.", "Phát biểu.", "", -20),
    }
    ids = seed(db_url, articles)
    result = run(db_url, "Đảng")
    assert names(result, ids) == ["dang_summary", "dang_body", "dang_title"]
    assert [hit.exact for hit in result.items] == [1.0, 1.0, 0.0]
    # typed without diacritics, every spelling is as good: the field decides, then recency
    assert names(run(db_url, "dang"), ids) == ["dang_title", "dang_summary", "dang_body"]


def test_recency_only_breaks_ties(db_url):
    same = ("a", "Hội đồng nhân dân phường họp kỳ thứ 5", "Kỳ họp.", "Thảo luận.", "")
    articles = {"old": (*same, -48), "new": (*same, 0), "undated": (*same, None), "new_too": (*same, 0)}
    ids = seed(db_url, articles)
    result = run(db_url, "hoi dong nhan dan")
    assert names(result, ids) == ["new_too", "new", "old", "undated"]  # newest published, then newest id
    assert len({hit.score for hit in result.items}) == 1


@pytest.mark.parametrize("window", [3, 1000])
def test_title_matches_older_than_the_window_are_ranked(db_url, window, monkeypatch):
    """With more matches than the window, the newest matches in the title or summary are candidates too: an
    old article with the phrase in its title still ranks first, and paging past the candidates neither repeats
    nor loses a match."""
    monkeypatch.setattr(search_run, "WINDOW", window)
    articles = {"old_title": ("a", "Hội nghị trực tuyến toàn quận", "Tóm tắt.", "Nội dung.", "", -1000)}
    articles.update({f"body{i}": ("a", f"Tin số {i}", "Tóm tắt.", "Có hội nghị và kết nối trực tuyến.", "", -i)
                     for i in range(7, -1, -1)})  # inserted oldest first: the window holds body0…body2
    ids = seed(db_url, articles)
    ranked = names(run(db_url, "hoi nghi truc tuyen", limit=20), ids)
    assert ranked[0] == "old_title" and sorted(ranked) == sorted(articles)
    pages = [names(run(db_url, "hoi nghi truc tuyen", limit=2, offset=o), ids) for o in range(0, 10, 2)]
    assert sum(pages, []) == ranked
    if window == 3:  # past the candidates (window ∪ old_title): the other matches newest first
        assert ranked[4:] == ["body3", "body4", "body5", "body6", "body7"]


def test_both_engines_return_the_same_order(tmp_path, request):
    if not os.environ.get("PORTALWATCH_TEST_PG"):
        pytest.skip("needs PORTALWATCH_TEST_PG")
    from tests.test_search import ARTICLES

    articles = {**ARTICLES, **RANKED}
    urls = [sqlite_url(tmp_path), request.getfixturevalue("pg_url")]
    seeded = [seed(url, articles) for url in urls]
    for query in ("hoi nghi", "Hội nghị", "nghi quyet", "Đảng", "dang", "truc tuyen", "thanh uy", "23-NQ/TU",
                  "quan triet nghi quyet", '"hoi nghi"'):
        orders = [[(n, round(h.score, 6), h.exact) for n, h in zip(names(run(url, query), ids), run(url, query).items)]
                  for url, ids in zip(urls, seeded)]
        assert orders[0] == orders[1], query


def test_the_seed_ranks_first_for_the_issue_queries(demo):
    url, _ = demo
    title = [line for line in SEED_FILE.read_text(encoding="utf-8").splitlines() if line.strip()][1]
    assert title.startswith("Gần 300 đại biểu dự Hội nghị trực tuyến")  # the seed file's own title line
    for query in ("Hội nghị trực tuyến", "hoi nghi truc tuyen", "quan triet chuong trinh hanh dong nghi quyet tw 8"):
        first = run(url, query, limit=1).items[0]
        assert first.article.title == title, (query, first.article.title)


def test_the_cli_prints_the_seed_first(demo):
    from tests.test_cli import portalwatch

    url, env = demo
    out = portalwatch("search", "hoi nghi truc tuyen", "--json", "--limit", "3", "--db", url, env=env)
    assert out.returncode == 0, out.stderr
    first = json.loads(out.stdout)[0]
    assert first["title"].startswith("Gần 300 đại biểu dự Hội nghị trực tuyến") and 0 < first["score"] <= 1


@pytest.mark.parametrize("doc_driven", [2000, 0])  # 2000: the document's citing articles tested one by one
def test_title_matches_past_the_scored_ones_with_a_document_filter(db_url, doc_driven, monkeypatch):
    """With a document filter, either way it is applied, an article with the words in its title ranks first
    though more matches than run.SCORED are newer."""
    from db.models import Document, DocumentMention
    from db.engine import session_factory
    from db.search import filters as search_filters
    from tests.test_search import T0

    monkeypatch.setattr(search_filters, "DOC_DRIVEN", doc_driven)
    monkeypatch.setattr(search_run, "SCORED", 2)
    articles = {"old_title": ("a", "Hội nghị trực tuyến toàn quận", "Tóm tắt.", "Nội dung.", "", -1000)}
    articles.update({f"body{i}": ("a", f"Tin số {i}", "Tóm tắt.", "Có hội nghị và kết nối trực tuyến.", "", -i)
                     for i in range(4, -1, -1)})
    articles["uncited"] = ("a", "Hội nghị trực tuyến", "Tóm tắt.", "Nội dung.", "", 0)
    ids = seed(db_url, articles)
    with session_factory(db_url).begin() as session:
        doc = Document(canonical="45/KH-UBND", system="state", type="KH", type_name="KH", number="45",
                       issuer="UBND", first_seen_at=T0)
        session.add(doc)
        session.flush()
        session.add_all([DocumentMention(document_id=doc.id, article_id=ids[n], sentence="…", first_seen_at=T0)
                         for n in articles if n != "uncited"])
    ranked = names(run(db_url, "hoi nghi truc tuyen", doc_number="45/KH-UBND"), ids)
    assert ranked[0] == "old_title" and sorted(ranked) == sorted(n for n in articles if n != "uncited")
