"""The title/summary set of a relevance search (db/search/candidates.head_matches): every term in the title or
the summary, a phrase within one of them, the filters kept; the expected sets are read off the constructed
articles by hand. (Written for an index of titles and summaries on PostgreSQL, measured and not kept: see
db/search/__init__.py, "Ranking"; any later form of that set must find these same rows.)"""
import pytest
from sqlalchemy import text

from db.engine import session_factory
from db.search import candidates
from db.search.filters import build_filters
from db.search.query import parse_query
from db.search.sql import dialect_of
from tests.test_search import seed

# name: (portal, title, summary, body, category, hours from T0)
ARTICLES = {
    "title": ("a", "Hội nghị trực tuyến toàn quận", "Sáng nay.", "Nội dung.", "Tin nổi bật", -10),
    "summary": ("b", "Tin tức", "Hội nghị trực tuyến của phường.", "Nội dung.", "Tin tức", -20),
    "body": ("a", "Tin tức", "Sáng nay.", "Hội nghị trực tuyến từ điểm cầu.", "Tin nổi bật", -30),
    # the phrase spans title and summary: in neither of them
    "across": ("a", "Quận tổ chức hội nghị", "Trực tuyến sáng nay.", "Nội dung.", "", -40),
    # every word in the title, not as a phrase
    "scattered": ("a", "Hội nghị về dịch vụ công trực tuyến", "Sáng nay.", "Nội dung.", "Tin nổi bật", -50),
    "number_title": ("a", "Quán triệt Nghị quyết 23-NQ/TU", "Sáng nay.", "Nội dung.", "", -60),
    "number_body": ("b", "Quán triệt nghị quyết", "Sáng nay.", "Thực hiện Nghị quyết 23-NQ/TU.", "", -70),
    "number_apart": ("a", "Năm 23 nghị quyết NQ của TU", "Sáng nay.", "Nội dung.", "", -80),
    "removed": ("a", "Hội nghị trực tuyến cũ", "Sáng nay.", "Nội dung.", "", -90),
}
# query → the articles with every term in the title or the summary (a phrase within one of them)
HEADS = {
    "hoi nghi truc tuyen": {"title", "summary", "across", "scattered"},
    '"hoi nghi truc tuyen"': {"title", "summary"},
    "23-NQ/TU": {"number_title"},
    "n23xnq": set(),  # the number pair of "23-NQ" is an index lexeme of the title, not a word of it
    "quan triet": {"number_title", "number_body"},
    "tuc": {"summary", "body"},
}


def _heads(url, ids, query_text, **filters):
    with session_factory(url)() as session:
        dialect = dialect_of(session)
        query, built = parse_query(query_text), build_filters(session, **filters)
        found = candidates.head_matches(session, dialect, query, built, [])
    by_id = {v: k for k, v in ids.items()}
    return {by_id[i] for i in found}


@pytest.fixture
def archive(db_url):
    ids = seed(db_url, ARTICLES)
    with session_factory(db_url).begin() as session:
        session.execute(text("UPDATE articles SET removed_at = published_at WHERE external_id = 'removed'"))
    return db_url, ids


def test_the_head_set_is_every_term_in_the_title_or_summary(archive):
    url, ids = archive
    for query_text, expected in HEADS.items():
        assert _heads(url, ids, query_text) == expected, query_text


def test_the_head_set_keeps_the_filters(archive):
    url, ids = archive
    assert _heads(url, ids, "hoi nghi truc tuyen", site="b") == {"summary"}
    # the category is a filter only the index applies (no exact condition in SQL)
    assert _heads(url, ids, "hoi nghi truc tuyen", category="tin noi bat") == {"title", "scattered"}
    assert _heads(url, ids, "tuc", category="tin tuc") == {"summary"}
    assert _heads(url, ids, "hoi nghi", include_removed=True) == {"title", "summary", "across", "scattered",
                                                                   "removed"}
