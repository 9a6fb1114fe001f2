"""The relevance bench's baselines (bench/relevance_rankers.py) on a handful of articles whose order follows
by hand from each ranker's formula: the frozen copy of today's ranking must keep measuring it after db/search
changes, so it is tested on its own."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bench.relevance_rankers import (RANKERS, ensure_side_table, fts5_bm25, fts5_match, pg_ts_rank_cd, today,
                                     tsquery_text)
from db.engine import get_engine, session_factory
from db.models import Article, Portal
from db.schema import upgrade
from db.search import parse_query

T0 = datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc)
FILLER = "Các đại biểu đã tập trung thảo luận, làm rõ những khó khăn, vướng mắc trong thời gian tới."
ARTICLES = [  # name, title, summary, body, age in days (inserted in this order: ids ascend)
    ("title_old", "Hội nghị chuyển đổi số năm 2024", "Tổng kết năm.", FILLER, 14),
    ("body_new", "Hội nghị tổng kết năm 2025", "Tổng kết năm.", FILLER + " Đẩy mạnh chuyển đổi số.", 0),
    ("title_new", "Phường Láng đẩy mạnh chuyển đổi số", "Tổng kết năm.", FILLER, 0),
    ("folded_title", "Tap huan chuyen doi so", "Tổng kết năm.", FILLER, 0),
    ("removed", "Chuyển đổi số toàn diện", "Chuyển đổi số.", "Chuyển đổi số.", 0),
    ("other", "Thu ngân sách nhà nước", "Tổng kết năm.", FILLER, 0),
]


@pytest.fixture
def archive(db_url):
    upgrade(db_url)
    ids = {}
    with session_factory(db_url).begin() as session:
        portal = Portal(key="p", name="p", base_url="https://p.hanoi.gov.vn", profile="hanoi")
        session.add(portal)
        session.flush()
        for name, title, summary, body, age in ARTICLES:
            article = Article(portal_id=portal.id, external_id=name, url=f"https://p.hanoi.gov.vn/{name}",
                              title=title, summary=summary, body_text=body, published_at=T0 - timedelta(days=age),
                              content_hash=name, first_seen_at=T0, last_fetched_at=T0,
                              removed_at=T0 if name == "removed" else None)
            session.add(article)
            session.flush()
            ids[name] = article.id
    if get_engine(db_url).dialect.name == "sqlite":
        with get_engine(db_url).begin() as connection:
            assert ensure_side_table(connection)
            assert not ensure_side_table(connection)  # once per archive
    yield db_url, ids
    get_engine(db_url).dispose()


def ranked(url, ids, ranker, query, k=10):
    by_id = {v: k for k, v in ids.items()}
    with session_factory(url)() as session:
        return [by_id[i] for i in ranker(session, query, k)]


def test_today_is_the_formula_of_1855e00(archive):
    url, ids = archive
    # scores: title_new and folded_title 1.5/1.5 · 1 = 1; body_new 1/1.5 · 1 = 0.666667;
    # title_old 1 · (0.5 + 0.5 · 2^(−14/7)) = 0.625. Typed with diacritics, the best 200 are then ordered by
    # exactness: folded_title has the words without their diacritics, so it goes after every exact match.
    assert ranked(url, ids, today, "chuyển đổi số") == ["title_new", "body_new", "title_old", "folded_title"]
    # typed folded, nothing is re-ordered: the tie at 1 goes to the larger id
    assert ranked(url, ids, today, "chuyen doi so") == ["folded_title", "title_new", "body_new", "title_old"]
    assert ranked(url, ids, today, "chuyen doi so", k=2) == ["folded_title", "title_new"]
    assert ranked(url, ids, today, "không có đâu") == []


def test_weighted_baselines_put_the_title_match_first(archive, db_url):
    url, ids = archive
    ranker = fts5_bm25 if get_engine(url).dialect.name == "sqlite" else pg_ts_rank_cd
    order = ranked(url, ids, ranker, "chuyen doi so")
    # every live match and only them; the body-only match last (title weight 5 or 1.0 against body 1 or 0.2)
    assert set(order) == {"title_old", "body_new", "title_new", "folded_title"}
    assert order[-1] == "body_new"
    for name, function in RANKERS[get_engine(url).dialect.name].items():
        assert set(ranked(url, ids, function, "chuyển đổi số")) == set(order), name


def test_the_frozen_match_texts():
    """The MATCH and tsquery texts of 1855e00, written out by hand (db/search/query.py then)."""
    query = parse_query("Đảng 23-NQ/TU")
    # only đ is replaced: the tokenizer (unicode61 remove_diacritics 2) removes the tones itself
    assert fts5_match(query) == '{title summary body} : ("dảng" AND "23 NQ TU")'
    assert tsquery_text(query) == "'dang':ABC & 'n23xnq':D & ('23':ABC <-> 'nq':ABC <-> 'tu':ABC)"
