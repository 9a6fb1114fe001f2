"""Full-text search (db/search/, migrations 0003, 0005, 0006) on each engine: folding, exact diacritics first, phrases,
document numbers, filters, ordering, paging, hostile input, and an index the database keeps up to date."""
import json
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, text, update

from vntext.textnorm import fold
from db.engine import get_engine, session_factory
from db.models import Article, Document, DocumentMention, Portal
from db.schema import alembic_config, upgrade
from db.search import QueryError, index_is_installed, parse_day, parse_query, search, search_counts, tokens
from db.search import window_counts
from db.search import candidates as search_candidates, facets as search_facets, filters as search_filters, run as search_run, sqlite_index
from db.search.query import number_pairs
from monitor.cli import main

T0 = datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc)
NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731

ARTICLES = {
    # name: (portal, title, summary, body, category, published_at offset in hours)
    "nq": ("caugiay", "Hội nghị quán triệt Nghị quyết số 23-NQ/TU của Thành ủy",
           "Chiều 09/5, Đảng ủy phường tổ chức hội nghị.",
           "Thực hiện các Nghị quyết Hội nghị lần thứ 8 Ban Chấp hành Trung ương Đảng khóa XIII.", "Tin nổi bật", 0),
    "hdnd": ("caugiay", "Hội đồng nhân dân phường họp kỳ thứ 5", "Kỳ họp thông qua 6 nghị quyết.",
             "Các đại biểu Hội đồng nhân dân thảo luận về ngân sách.", "Tin tức - Sự kiện", -24),
    # stored decomposed (NFD) and with the old tone placement (uỷ)
    "nfd": ("bactuliem", NFD("Thành uỷ Hà Nội chỉ đạo công tác khuyến học"), NFD("Ban Thường vụ Thành uỷ"),
            NFD("Ban Chấp hành Đảng bộ phường đã ban hành kế hoạch."), "Tin nổi bật", -48),
    "dang_ky": ("bactuliem", "Hướng dẫn đăng ký, đăng ký lại, đăng ký thường trú", "Đăng ký trực tuyến.",
                "Người dân đăng ký trên Cổng Dịch vụ công; đăng ký khai sinh, đăng ký kết hôn.", "Dịch vụ công", -72),
    "ubnd": ("hoangliet", "Ủy ban nhân dân phường Hoàng Liệt triển khai Kế hoạch số 123/KH-UBND",
             "Về chuyển đổi số.", "Ngày 23 tháng 5, NQ/TU được phổ biến.", "Chuyển đổi số", -96),
}
FOLDING = [  # (query, articles that must be found)
    ("nghi quyet", {"nq"}),
    ("hoi dong", {"hdnd"}),
    ("ban chap hanh dang", {"nq", "nfd"}),
    ("thanh uy", {"nq", "nfd"}),
    ("Thành ủy", {"nq", "nfd"}),
    ("Thành uỷ", {"nq", "nfd"}),
    (NFD("Thành ủy"), {"nq", "nfd"}),
    (NFD("Hội đồng"), {"hdnd"}),
    ("HỘI ĐỒNG NHÂN DÂN", {"hdnd"}),
    ("dang", {"nq", "nfd", "dang_ky"}),
    ("Đảng", {"nq", "nfd"}),
    ("\u00d0ảng", {"nq", "nfd"}),  # Ð (eth) typed for Đ
    ("dang ky", {"dang_ky"}),
    ("uy ban", {"ubnd"}),
    ("Uỷ ban", {"ubnd"}),
    ("ha noi", {"nfd"}),
    ("khuyen hoc", {"nfd"}),
    ("chuyen doi so", {"ubnd"}),
    ("23-NQ/TU", {"nq"}),
    ("123/kh-ubnd", {"ubnd"}),
]


def seed(url, articles=ARTICLES):
    upgrade(url)
    ids = {}
    with session_factory(url).begin() as session:
        portals = {}
        for key in sorted({a[0] for a in articles.values()}):
            portal = Portal(key=key, name=key, base_url=f"https://{key}.hanoi.gov.vn", profile="hanoi")
            session.add(portal)
            session.flush()
            portals[key] = portal.id
        for name, (site, title, summary, body, category, hours) in articles.items():
            article = Article(
                portal_id=portals[site], external_id=name, url=f"https://{site}.hanoi.gov.vn/{name}", title=title,
                summary=summary, body_text=body, category=category,
                published_at=T0 + timedelta(hours=hours) if hours is not None else None,
                content_hash=name, first_seen_at=T0, last_fetched_at=T0,
            )
            session.add(article)
            session.flush()
            ids[name] = article.id
    return ids


def names(result, ids):
    by_id = {v: k for k, v in ids.items()}
    return [by_id[hit.article.id] for hit in result.items]


def run(url, query, **kw):
    with session_factory(url)() as session:
        return search(session, query, **kw)


def test_folding_list_finds_every_target(db_url):
    ids = seed(db_url)
    missed = []
    for query, expected in FOLDING:
        found = set(names(run(db_url, query), ids))
        if not expected <= found:
            missed.append((query, sorted(expected - found)))
    assert missed == [], f"{len(FOLDING) - len(missed)}/{len(FOLDING)} queries found all their targets"


def test_only_matching_articles_are_returned(db_url):
    ids = seed(db_url)
    assert set(names(run(db_url, "hoi dong"), ids)) == {"hdnd"}
    assert set(names(run(db_url, "nghi quyet thanh uy"), ids)) == {"nq"}  # every word must match
    assert names(run(db_url, "nghi quyet khong co tu nay"), ids) == []


def test_exact_diacritics_rank_above_folded_matches(db_url):
    articles = {
        # "đăng" everywhere, in the title too: the engine's score alone would put it first for "dang"
        "dang_ky": ("a", "Đăng ký đăng ký đăng ký", "Đăng ký.", "Đăng ký trực tuyến, đăng ký lại.", "", 0),
        "dang": ("a", "Hội nghị sơ kết công tác", "Sơ kết 6 tháng.", "Đồng chí Bí thư Đảng ủy phát biểu.", "", -1),
        "dang2": ("a", "Công tác xây dựng Đảng", "Đảng bộ phường.", "Xây dựng Đảng.", "", -2),
    }
    ids = seed(db_url, articles)
    ranked = names(run(db_url, "Đảng"), ids)
    assert set(ranked[:2]) == {"dang", "dang2"} and ranked[2] == "dang_ky"
    result = run(db_url, "Đảng")
    assert [hit.exact for hit in result.items] == [1.0, 1.0, 0.0]
    assert names(run(db_url, "đăng"), ids)[0] == "dang_ky"
    assert set(names(run(db_url, "dang"), ids)) == {"dang", "dang2", "dang_ky"}
    # tone placement and Unicode form do not count against exactness
    assert names(run(db_url, NFD("Đảng ủy")), ids)[0] == "dang"


def test_phrases(db_url):
    ids = seed(db_url)
    assert set(names(run(db_url, "ban chap hanh dang"), ids)) == {"nq", "nfd"}
    assert set(names(run(db_url, '"ban chap hanh dang"'), ids)) == {"nfd"}  # adjacent only in "nfd"
    assert set(names(run(db_url, '“Ban Chấp hành Trung ương”'), ids)) == {"nq"}
    assert set(names(run(db_url, '"hội đồng nhân dân" "ngan sach"'), ids)) == {"hdnd"}


def test_document_numbers_as_queries(db_url):
    ids = seed(db_url)
    # "ubnd" says "Ngày 23 tháng 5, NQ/TU": the same tokens, not adjacent
    assert names(run(db_url, "23-NQ/TU"), ids) == ["nq"]
    assert names(run(db_url, "Nghị quyết số 23-nq/tu"), ids) == ["nq"]
    assert names(run(db_url, "123/KH-UBND"), ids) == ["ubnd"]


def add_mentions(url, ids):
    with session_factory(url).begin() as session:
        nq = Document(canonical="23-NQ/TU", system="party", type="NQ", type_name="Nghị quyết", number="23",
                      issuer="TU", first_seen_at=T0)
        kh = Document(canonical="123/KH-UBND", system="state", type="KH", type_name="Kế hoạch", number="123",
                      issuer="UBND", first_seen_at=T0)
        ctr = Document(canonical="30-CTr/TU", system="party", type="CTr", type_name="Chương trình", number="30",
                       issuer="TU", first_seen_at=T0)
        session.add_all([nq, kh, ctr])
        session.flush()
        for doc, name in ((nq, "nq"), (kh, "ubnd"), (ctr, "nfd")):
            session.add(DocumentMention(document_id=doc.id, article_id=ids[name], sentence="…", first_seen_at=T0))


def test_filters(db_url):
    ids = seed(db_url)
    add_mentions(db_url, ids)
    everything = "phuong"  # every article but dang_ky says "phường"
    all_found = set(names(run(db_url, everything), ids))
    assert all_found == {"nq", "hdnd", "nfd", "ubnd"}
    assert set(names(run(db_url, everything, site="caugiay"), ids)) == {"nq", "hdnd"}
    with pytest.raises(QueryError, match="no portal"):
        run(db_url, everything, site="khong-co")
    # days are Vietnam days, both ends inclusive: nq is published 2025-03-01 09:00 +07, hdnd a day earlier
    assert set(names(run(db_url, everything, date_from=date(2025, 3, 1)), ids)) == {"nq"}
    assert set(names(run(db_url, everything, date_to=date(2025, 2, 28)), ids)) == {"hdnd", "nfd", "ubnd"}
    assert set(names(run(db_url, everything, date_from=date(2025, 2, 27), date_to=date(2025, 2, 28)), ids)) == {
        "hdnd", "nfd"}
    assert set(names(run(db_url, everything, date_from=T0 - timedelta(hours=25), date_to=T0 - timedelta(hours=23)),
                     ids)) == {"hdnd"}
    assert set(names(run(db_url, everything, category="tin noi bat"), ids)) == {"nq", "nfd"}
    assert set(names(run(db_url, everything, category="Tin nổi bật"), ids)) == {"nq", "nfd"}
    assert set(names(run(db_url, everything, doc_type="NQ"), ids)) == {"nq"}
    assert set(names(run(db_url, everything, doc_type="ctr"), ids)) == {"nfd"}
    assert set(names(run(db_url, everything, doc_type="KH"), ids)) == {"ubnd"}
    assert set(names(run(db_url, everything, doc_number="23-nq/tu"), ids)) == {"nq"}
    assert set(names(run(db_url, everything, doc_number="Nghị quyết số 23-NQ/TU"), ids)) == {"nq"}
    assert set(names(run(db_url, everything, doc_number="123/kh-ubnd"), ids)) == {"ubnd"}
    assert names(run(db_url, everything, doc_number="999-NQ/TU"), ids) == []
    assert set(names(run(db_url, everything, site="caugiay", doc_type="NQ", category="tin noi bat"), ids)) == {"nq"}
    with pytest.raises(QueryError, match="not a document number"):
        run(db_url, everything, doc_number="hello")
    with pytest.raises(QueryError, match="unknown document type"):
        run(db_url, everything, doc_type="XYZ")


@pytest.mark.parametrize("doc_driven", [2000, 0])  # 0: the document filter applied to every match instead
def test_document_filters_either_way(db_url, doc_driven, monkeypatch):
    monkeypatch.setattr(search_filters, "DOC_DRIVEN", doc_driven)
    ids = seed(db_url)
    add_mentions(db_url, ids)
    assert set(names(run(db_url, "phuong", doc_number="23-NQ/TU"), ids)) == {"nq"}
    assert set(names(run(db_url, "phuong", doc_number="123/KH-UBND", order="date"), ids)) == {"ubnd"}
    assert names(run(db_url, "hoi dong", doc_number="23-NQ/TU"), ids) == []
    assert set(names(run(db_url, "phuong", doc_number="30-CTr/TU", doc_type="CTr"), ids)) == {"nfd"}
    assert names(run(db_url, "phuong", doc_number="30-CTr/TU", doc_type="NQ"), ids) == []


def test_days_are_vietnam_days_and_edits_move_articles_between_filters(db_url):
    articles = {
        # 2025-02-28 18:30 UTC is 2025-03-01 01:30 in Hanoi: a March article
        "late": ("caugiay", "Tin phường tháng ba", "", "", "Tin nổi bật", -7.5),
        "feb": ("caugiay", "Tin phường tháng hai", "", "", "Thông báo", -24 * 3),
    }
    ids = seed(db_url, articles)
    assert names(run(db_url, "phuong", date_from=date(2025, 3, 1), date_to=date(2025, 3, 31)), ids) == ["late"]
    assert names(run(db_url, "phuong", date_to=date(2025, 2, 28)), ids) == ["feb"]
    assert names(run(db_url, "phuong", date_from=date(2024, 1, 1), date_to=date(2024, 12, 31)), ids) == []
    assert names(run(db_url, "phuong", date_from=date(2025, 3, 2)), ids) == []
    with session_factory(db_url).begin() as session:
        other = Portal(key="hoangliet", name="Hoàng Liệt", base_url="https://hoangliet.hanoi.gov.vn", profile="hanoi")
        session.add(other)
        session.flush()
        session.execute(update(Article).where(Article.id == ids["feb"]).values(
            published_at=datetime(2024, 6, 1, tzinfo=timezone.utc), category="Tin nổi bật", portal_id=other.id))
    assert names(run(db_url, "phuong", date_from=date(2024, 1, 1), date_to=date(2024, 12, 31)), ids) == ["feb"]
    assert names(run(db_url, "phuong", date_to=date(2025, 2, 28)), ids) == ["feb"]
    assert set(names(run(db_url, "phuong", category="tin noi bat"), ids)) == {"late", "feb"}
    assert names(run(db_url, "phuong", category="thong bao"), ids) == []
    assert names(run(db_url, "phuong", site="hoangliet"), ids) == ["feb"]
    assert names(run(db_url, "phuong", site="caugiay"), ids) == ["late"]
    assert set(names(run(db_url, "phuong", category="noi bat"), ids)) == {"late", "feb"}  # the category's words


def many(count):
    """`count` articles about "phường", over several months; two of them without a date."""
    return {f"a{i:02d}": ("caugiay", f"Tin phường số {i}", "Tóm tắt.", "Nội dung " + "phường " * (i % 7 + 1),
                          "", None if i in (4, 11) else -i * 50 if i % 3 else -i * 20) for i in range(count)}


@pytest.mark.parametrize("window", [1000, 7])  # 7: more matches than the window (the large-archive paths)
def test_order_by_date_and_paging(db_url, window, monkeypatch):
    monkeypatch.setattr(search_run, "WINDOW", window)
    # every title holds "phường": the title/summary candidates (newest HEAD_LIMIT) would otherwise join all 25 to
    # the ranking; 3 keeps them inside the window, so the deep pages past it are exercised
    monkeypatch.setattr(search_candidates, "HEAD_LIMIT", 3)
    articles = many(25)
    ids = seed(db_url, articles)
    by_date = sorted(articles, key=lambda n: (articles[n][5] is not None, articles[n][5] or 0, ids[n]), reverse=True)
    assert by_date[-2:] == ["a11", "a04"]  # undated last, newest id first
    pages = [names(run(db_url, "phuong", order="date", limit=10, offset=o), ids) for o in (0, 10, 20)]
    assert pages[0] + pages[1] + pages[2] == by_date
    first = run(db_url, "phuong", order="date", limit=10)
    assert first.total_exact == (window > 25) and first.total == (25 if window > 25 else max(window, 10))
    assert all(hit.score is None for hit in first.items)
    relevance = [names(run(db_url, "phuong", limit=10, offset=o), ids) for o in (0, 10, 20)]
    flat = relevance[0] + relevance[1] + relevance[2]
    assert len(flat) == len(set(flat)) == 25
    scores = [hit.score for o in (0, 10, 20) for hit in run(db_url, "phuong", limit=10, offset=o).items]
    ranked = min(window, 25)  # relevance inside the window, then the older matches newest first
    assert scores[:ranked] == sorted(scores[:ranked], reverse=True)
    assert flat[ranked:] == sorted(flat[ranked:], key=lambda n: ids[n], reverse=True)
    assert run(db_url, "phuong", limit=10, offset=30).items == []


@pytest.mark.parametrize("window", [1000, 7])  # 7: more matches than the window (the counts are lower bounds)
def test_counts_are_those_of_the_window_the_search_read(db_url, window, monkeypatch):
    """The search page counts search()'s own window (window_counts) instead of matching the query again: the same
    counts as search_counts, per portal and per cited document type, over the newest `window` matches."""
    monkeypatch.setattr(search_run, "WINDOW", window)
    monkeypatch.setattr(search_facets, "WINDOW", window)
    sites = ("caugiay", "hoangliet", "bactuliem")
    articles = {name: (sites[i % 3 if i % 4 else 0],) + row[1:] for i, (name, row) in enumerate(many(20).items())}
    ids = seed(db_url, articles)
    cited = {"NQ": [n for i, n in enumerate(articles) if i % 4 == 0],
             "KH": [n for i, n in enumerate(articles) if i % 5 == 0]}  # a00 and a20: both
    with session_factory(db_url).begin() as session:
        for number, (kind, names_) in enumerate(cited.items(), 1):
            doc = Document(canonical=f"{number}/{kind}-UBND", system="state", type=kind, type_name=kind,
                           number=str(number), issuer="UBND", first_seen_at=T0)
            session.add(doc)
            session.flush()
            session.add_all([DocumentMention(document_id=doc.id, article_id=ids[n], sentence="…", first_seen_at=T0)
                             for n in names_])
    newest = sorted(articles, key=lambda n: ids[n], reverse=True)[:window]  # the window: newest ids first
    portals, types = {}, {}
    for name in newest:
        portals[articles[name][0]] = portals.get(articles[name][0], 0) + 1
        for kind, names_ in cited.items():
            types[kind] = types.get(kind, 0) + (name in names_)
    expected = {"portals": [{"site": k, "count": n} for k, n in sorted(portals.items(), key=lambda kv: (-kv[1], kv[0]))],
                "doc_types": [{"type": k, "count": n} for k, n in sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))
                              if n],
                "exact": window > 20, "window": min(window, 20)}
    with session_factory(db_url)() as session:
        result = search(session, "phuong", limit=5)
        assert sorted(result.window, reverse=True) == sorted((ids[n] for n in newest), reverse=True)
        assert window_counts(session, result.window, exact=result.total_exact) == expected
        assert search_counts(session, "phuong") == expected
        assert window_counts(session, [], exact=True) == {"portals": [], "doc_types": [], "exact": True, "window": 0}


def test_the_counts_read_mentions_from_a_covering_index_that_migration_0011_adds_and_removes(db_url):
    from sqlalchemy import inspect

    def mention_indexes():
        with get_engine(db_url).connect() as connection:
            return {i["name"]: i["column_names"] for i in inspect(connection).get_indexes("document_mentions")}

    upgrade(db_url)
    assert mention_indexes().get("ix_document_mentions_article_document") == ["article_id", "document_id"]
    assert "ix_document_mentions_article" not in mention_indexes()
    if get_engine(db_url).dialect.name == "sqlite":  # the facet reads no mention row (measured in 0011's docstring)
        with get_engine(db_url).connect() as connection:
            plan = " ".join(row[3] for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT d.type, count(DISTINCT m.article_id) FROM documents d JOIN "
                "document_mentions m ON m.document_id = d.id WHERE m.article_id IN (SELECT value FROM json_each('[1]')) "
                "GROUP BY d.type"))
        assert "COVERING INDEX ix_document_mentions_article_document" in plan
    config = alembic_config()
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    assert mention_indexes().get("ix_document_mentions_article") == ["article_id"]
    assert "ix_document_mentions_article_document" not in mention_indexes()


HOSTILE = ['"', '"nghị quyết', 'nghị quyết"', 'nghị*', '*nghị', '-nghị', 'nghị -quyết', 'title:nghị', 'body : x',
           '(nghị OR quyết)', 'NEAR(nghị quyết)', 'NEAR', 'AND', 'OR', 'NOT', 'nghị NOT quyết', '^nghị', "nghị'",
           "'; DROP TABLE articles; --", '\\', '%', '_', '%_%', '{title}: nghị', 'nghị + quyết', '"""', '""',
           '"a" "', 'a:b:c', 'x*y', '@@', '&', '|', '!', '<->', "it's", 'a & b | !c', 'e\u0301', '23-NQ/TU*']
EMPTY = ['', '   ', '"', '*', '()', '-:-', '""', '"""', '^', '@@', '&', '|', '!', '<->', '\u200b', '_', '%_%', '\\', '%']


def test_fts_syntax_never_crashes(db_url):
    ids = seed(db_url)
    for query in HOSTILE:
        try:
            result = run(db_url, query)
        except QueryError as exc:
            assert query in EMPTY, (query, exc)
            assert "nothing to search for" in str(exc)
        else:
            assert query not in EMPTY, query
            assert isinstance(result.items, list)
    for query in EMPTY:
        with pytest.raises(QueryError):
            run(db_url, query)
    # operators are words like any other: all must match, none is an operator
    assert names(run(db_url, "nghi -quyet"), ids) == names(run(db_url, "nghi quyet"), ids) == ["nq", "hdnd"]
    assert names(run(db_url, "nghị OR hội"), ids) == []
    assert names(run(db_url, "title:nghị"), ids) == []  # "title" is a word that no article contains
    assert names(run(db_url, "nghị*"), ids) == names(run(db_url, "nghi"), ids)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list('"*-:()^+&|!<>@\'\\%_{} \tNEAROTDaăđĐơ0123\u0301\u0323')), max_size=24))
def test_random_syntax_is_searched_or_rejected_clearly(sqlite_db, query):
    try:
        run(sqlite_db, query)
    except QueryError:
        assert parse_query_is_empty(query)


def parse_query_is_empty(query):
    try:
        parse_query(query)
    except QueryError:
        return True
    return False


@pytest.fixture
def sqlite_db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'archive.sqlite3'}"
    seed(url)
    return url


def test_random_syntax_on_postgresql(db_url):
    """The same fuzzing on both engines, with a fixed sample (hypothesis above runs on SQLite)."""
    seed(db_url)
    import random
    rnd = random.Random(7)
    alphabet = list('"*-:()^+&|!<>@\'\\%_{} NEAROTDaăđĐơ0123') + ["\u0301", "\u0323", " nghị ", " OR ", " NEAR/2 "]
    for _ in range(200):
        query = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 16)))
        try:
            run(db_url, query)
        except QueryError:
            assert parse_query_is_empty(query), query


def test_removed_articles_are_excluded_unless_asked(db_url):
    ids = seed(db_url)
    with session_factory(db_url).begin() as session:
        session.execute(update(Article).where(Article.id == ids["hdnd"]).values(removed_at=T0))
    assert "hdnd" not in names(run(db_url, "hoi dong nhan dan"), ids)
    assert names(run(db_url, "hoi dong nhan dan", include_removed=True), ids) == ["hdnd"]


def test_the_database_keeps_the_index_up_to_date(db_url):
    ids = seed(db_url)
    with session_factory(db_url).begin() as session:
        session.execute(update(Article).where(Article.id == ids["hdnd"]).values(title="Tiêu đề đã sửa: Đoàn thanh niên"))
        session.execute(update(Article).where(Article.id == ids["nq"]).values(views=99))  # not a text change
    assert names(run(db_url, "doan thanh nien"), ids) == ["hdnd"]
    assert names(run(db_url, "ky thu 5"), ids) == []
    assert "hdnd" in names(run(db_url, "hoi dong nhan dan"), ids)  # still in its body
    assert names(run(db_url, "23-NQ/TU"), ids) == ["nq"]
    with session_factory(db_url).begin() as session:
        session.execute(delete(Article).where(Article.id == ids["dang_ky"]))
    assert names(run(db_url, "dang ky"), ids) == []
    with get_engine(db_url).connect() as connection:
        assert index_is_installed(connection)


def test_upgrade_indexes_existing_articles_and_downgrade_removes_the_index(db_url):
    upgrade(db_url, "0002")
    config = alembic_config()
    with get_engine(db_url).begin() as connection:
        connection.execute(text("INSERT INTO portals (key, name, base_url, profile, created_at) "
                                "VALUES ('p', 'P', 'https://p', 'hanoi', '2025-01-01 00:00:00')"))
        connection.execute(text(
            "INSERT INTO articles (portal_id, external_id, url, title, summary, body_text, author, source, category, "
            "tags, published_has_time, content_hash, extracted_by, first_seen_at, last_fetched_at) VALUES "
            "((SELECT id FROM portals), 'e1', 'https://p/1', 'Hội đồng nhân dân', '', 'Đảng bộ, Nghị quyết 23-NQ/TU', "
            "'', '', '', '[]', "
            ":t, 'h', '', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"), {"t": True})
    upgrade(db_url)
    with session_factory(db_url)() as session:
        assert [h.article.external_id for h in search(session, "hoi dong dang").items] == ["e1"]
        assert [h.article.external_id for h in search(session, "23-NQ/TU").items] == ["e1"]  # number pairs too
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    with get_engine(db_url).connect() as connection:
        if connection.dialect.name == "sqlite":
            leftovers = connection.execute(text(
                "SELECT name FROM sqlite_master WHERE name LIKE '%fts%' OR name = 'ix_articles_published'")).all()
        else:
            leftovers = connection.execute(text(
                "SELECT proname FROM pg_proc WHERE proname LIKE 'pw\\_%' AND pronamespace = current_schema()::regnamespace "
                "UNION ALL SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = 'articles' AND column_name = 'search_tsv'")).all()
        assert leftovers == []
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with session_factory(db_url)() as session:
        assert [h.article.external_id for h in search(session, "hoi dong dang").items] == ["e1"]


def test_later_migrations_keep_the_index_maintained(db_url):
    """Going down to 0003 and back up must leave the triggers in place (on SQLite, a migration that rebuilds
    `articles` in batch mode must call db.search.install_sqlite_triggers afterwards)."""
    ids = seed(db_url)
    config = alembic_config()
    for revision in ("0003", "head"):
        with get_engine(db_url).begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if revision == "0003" else command.upgrade)(config, revision)
    with session_factory(db_url).begin() as session:
        session.execute(update(Article).where(Article.id == ids["hdnd"]).values(title="Đoàn thanh niên"))
    with get_engine(db_url).connect() as connection:
        assert index_is_installed(connection)
    assert names(run(db_url, "doan thanh nien"), ids) == ["hdnd"]


def test_the_index_is_exact_after_any_order_of_writes(db_url):
    """Inserts, edits (several per transaction, of queued and of indexed rows), counter updates, deletes and
    rolled-back transactions in a random order: after every commit each article is found by the words it
    has now and by none it had before (SQLite feeds its index from a queue at commit; PostgreSQL per row)."""
    import random

    ids = seed(db_url)
    engine = get_engine(db_url)
    rnd = random.Random(11)
    words: dict[int, str] = {}  # article id -> its current marker word
    portal = run(db_url, "nghi quyet").items[0].article.portal_id
    serial = 0
    for _ in range(60):
        rolled_back = rnd.random() < 0.15
        connection = engine.connect()
        transaction = connection.begin()
        before = dict(words)
        for _ in range(rnd.randint(1, 4)):
            serial += 1
            marker = f"mk{serial}x"
            action = rnd.choice(["insert", "insert", "edit", "edit", "views", "delete"]) if words else "insert"
            if action == "insert":
                new_id = connection.execute(Article.__table__.insert().values(
                    portal_id=portal, external_id=f"q{serial}", url=f"https://q/{serial}", title=f"Tiêu đề {marker}",
                    summary="", body_text="Nội dung Đảng", category="", tags=[], content_hash="h",
                    first_seen_at=T0, last_fetched_at=T0, published_at=T0)).inserted_primary_key[0]
                words[new_id] = marker
            else:
                target = rnd.choice(sorted(words))
                if action == "edit":
                    column = rnd.choice(["title", "summary", "body_text"])
                    values = {"title": "Tiêu đề", "summary": "", "body_text": "", column: f"Đã sửa {marker}"}
                    connection.execute(update(Article).where(Article.id == target).values(**values))
                    words[target] = marker
                elif action == "views":
                    connection.execute(update(Article).where(Article.id == target).values(views=serial))
                else:
                    connection.execute(delete(Article).where(Article.id == target))
                    del words[target]
        if rolled_back:
            transaction.rollback()
            words = before
        else:
            transaction.commit()
        connection.close()
        for article_id, marker in words.items():
            found = [hit.article.id for hit in run(db_url, marker).items]
            assert found == [article_id], (marker, found)
    for number in range(1, serial + 1):  # every word that is gone finds nothing
        if f"mk{number}x" not in words.values():
            assert run(db_url, f"mk{number}x").items == []
    assert set(names(run(db_url, "nghi quyet"), ids)) == {"nq", "hdnd"}  # the seeded articles are untouched
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:  # FTS5's own check of its structure (raises when corrupt)
            connection.exec_driver_sql(f"INSERT INTO {sqlite_index.FTS_TABLE}({sqlite_index.FTS_TABLE}) "
                                       "VALUES ('integrity-check')")


def test_another_sqlite_client_can_write_and_its_rows_are_indexed_at_the_next_commit(tmp_path):
    """The archive needs no function of ours to be written: rows another client adds are queued, and
    indexed when a transaction commits through db.engine."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    ids = seed(url)
    get_engine(url).dispose()
    raw = sqlite3.connect(tmp_path / "archive.sqlite3")
    raw.execute("UPDATE articles SET title = 'Đoàn thanh niên ra quân' WHERE id = ?", (ids["hdnd"],))
    raw.execute("INSERT INTO articles (portal_id, external_id, url, title, summary, body_text, author, source, "
                "category, tags, published_has_time, content_hash, extracted_by, first_seen_at, last_fetched_at) "
                "SELECT portal_id, 'shell', 'https://x/shell', 'Phòng cháy chữa cháy', '', '', '', '', '', '[]', 1, "
                "'h', '', first_seen_at, last_fetched_at FROM articles WHERE id = ?", (ids["nq"],))
    raw.commit()
    raw.close()
    # what the other client changed waits in the queue …
    assert run(url, "phong chay").items == [] and names(run(url, "ky thu 5"), ids) == ["hdnd"]
    with get_engine(url).begin() as connection:  # … until something commits through db.engine
        connection.execute(update(Article).where(Article.id == ids["nq"]).values(views=1))
    assert [hit.article.external_id for hit in run(url, "phong chay").items] == ["shell"]
    assert names(run(url, "doan thanh nien"), ids) == ["hdnd"]
    assert names(run(url, "ky thu 5"), ids) == []
    with get_engine(url).connect() as connection:
        assert connection.exec_driver_sql(f"SELECT count(*) FROM {sqlite_index.FTS_QUEUE}").scalar() == 0


VIETNAMESE = ("aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
              "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐÐð")


def index_tokens(connection, value):
    """The tokens the engine's index makes of a text, in order."""
    if connection.dialect.name == "sqlite":
        tokenizer = re.search(r"tokenize='([^']*)'", sqlite_index.SQLITE_CREATE[0])[1]
        connection.exec_driver_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.probe USING fts5(x, tokenize='{tokenizer}')")
        connection.exec_driver_sql("CREATE VIRTUAL TABLE IF NOT EXISTS temp.probe_terms USING fts5vocab(temp, probe, instance)")
        connection.exec_driver_sql("DELETE FROM probe")
        connection.exec_driver_sql(f"INSERT INTO probe(x) VALUES ({sqlite_index._d('?')})", (value,))
        return [row[0] for row in connection.exec_driver_sql("SELECT term FROM probe_terms ORDER BY offset")]
    lexemes = connection.execute(text(
        "SELECT (unnest(tsvector_to_array(to_tsvector('simple', regexp_replace(pw_fold(:v), '[^[:alnum:]]+', ' ', 'g')))))"
        ), {"v": value}).scalars().all()
    positions = connection.execute(text("SELECT to_tsvector('simple', regexp_replace(pw_fold(:v), '[^[:alnum:]]+', ' ', 'g'))"),
                                   {"v": value}).scalar()
    order = {}
    for lexeme, places in re.findall(r"'([^']*)':([0-9,]+)", positions):
        for place in places.split(","):
            order[int(place)] = lexeme
    assert set(order.values()) == set(lexemes)
    return [order[k] for k in sorted(order)]


WORDS = ("Nghị quyết Hội đồng nhân dân Ban Chấp hành Trung ương Đảng Thành ủy Thành uỷ Ủy ban Uỷ ban ĐẢNG BỘ PHƯỜNG "
         "đăng ký đang Quyết định số 123/QÐ-UBND 15/2023/NQ-HĐND 23-NQ/TU khoẻ thoả hoà quý thuyền Ưu tiên ươm ơn")


def test_the_index_folds_like_fold_on_both_engines(db_url):
    """Whatever the engine's index does to the text equals vntext.textnorm.fold's tokens: the whole Vietnamese
    alphabet, both cases, NFC and NFD, old and new tone placement, đ and its look-alike ð."""
    upgrade(db_url)
    samples = [VIETNAMESE, NFD(VIETNAMESE), WORDS, NFD(WORDS), " ".join(VIETNAMESE), "İstanbul Ñandú Øre Ærø straße",
               "COVID-19 café naïve", "a_b a-b a.b"]
    samples += [a + b for a in VIETNAMESE for b in ("", "\u0301", "\u0323")]
    with get_engine(db_url).connect() as connection:
        for value in samples:
            assert index_tokens(connection, value) == tokens(value), value
    assert set(fold(VIETNAMESE)) == set("aeiouyd")


def test_number_pairs_are_the_same_in_the_postgresql_index_and_in_queries(db_url):
    """PostgreSQL looks phrases with a number up by their number pairs first (db/search/pg_index.py, PG_NUMBER_PAIRS):
    the index must make exactly the pairs number_pairs makes of the same tokens, or such a phrase finds nothing."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite's index has no number pairs")
    upgrade(db_url)
    samples = ["Nghị quyết số 23-NQ/TU ngày 16/11/2023 của Thành ủy", "Quyết định 123/QĐ-UBND, 15/2023/NQ-HĐND",
               "COVID-19 năm 2024", "Không có số nào", "", "12", "x 1", NFD("Kế hoạch số 86/KH-UBND ngày 09/5/2024"),
               "Привет 23 мир", "23 đ 45 Đảng 2025", "  7  8  ", "ngày 16/11/2023, 09/5", "a 1 b 2 c 3", "x \u0663 5 y",
               "Sáu 6 bảy 7 tám", "q3 4a 5"]
    with get_engine(db_url).connect() as connection:
        for value in samples:
            made = connection.execute(text(
                "SELECT pw_number_pairs(regexp_replace(coalesce(pw_fold(:v), ''), '[^[:alnum:]]+', ' ', 'g'))"),
                {"v": value}).scalar()
            assert sorted(set(made.split())) == sorted(number_pairs(tokens(value))), value
    assert number_pairs(tokens("số 23-NQ/TU")) == ["nsox23", "n23xnq"]


def test_parse_day():
    assert parse_day("09/05/2024") == parse_day("9/5/2024") == parse_day("2024-05-09") == date(2024, 5, 9)
    assert parse_day("09.05.2024") == parse_day("09-05-2024") == date(2024, 5, 9)
    for bad in ("31/02/2024", "2024/05/09", "hôm qua", "", "13/13/2024"):
        with pytest.raises(QueryError):
            parse_day(bad)
    # the years a filter may name: at 9999 or 0001 the bounds overflowed (UTC, a day on), an OverflowError
    assert parse_day("01/01/1900") == date(1900, 1, 1) and parse_day("2200-12-31") == date(2200, 12, 31)
    for bad in ("31/12/9999", "01/01/0001", "31/12/1899", "2201-01-01"):
        with pytest.raises(QueryError, match="between 1900 and 2200"):
            parse_day(bad)


def test_a_day_out_of_range_passed_in_is_a_query_error(db_url):
    """Not only typed days: a date or datetime given to search() directly is checked the same way."""
    seed(db_url)
    for bounds in ({"date_to": date(9999, 12, 31)}, {"date_from": date(1, 1, 1)},
                   {"date_from": datetime(1, 1, 1, 3, tzinfo=timezone(timedelta(hours=5)))}):
        with pytest.raises(QueryError, match="between 1900 and 2200"):
            run(db_url, "phuong", **bounds)


def test_cli_search(db_url, capsys):
    ids = seed(db_url)
    add_mentions(db_url, ids)
    assert main(["search", "nghi quyet", "--json", "--db", db_url]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["external_id"] for r in results] == ["nq", "hdnd"]  # the title match first
    assert {"id", "site", "url", "title", "published_at", "views", "author", "category", "summary", "body_text",
            "score", "snippet"} <= set(results[0])
    assert "Nghị quyết" in results[0]["snippet"] or "nghị quyết" in results[0]["snippet"]
    assert main(["search", "phuong", "--json", "--db", db_url, "--order", "date", "--limit", "2", "--page", "2"]) == 0
    assert [r["external_id"] for r in json.loads(capsys.readouterr().out)] == ["nfd", "ubnd"]
    assert main(["search", "phuong", "--json", "--db", db_url, "--from", "28/02/2025", "--to", "2025-03-01",
                 "--site", "caugiay", "--doc-type", "NQ", "--doc-number", "23-nq/tu", "--category", "tin noi bat"]) == 0
    assert [r["external_id"] for r in json.loads(capsys.readouterr().out)] == ["nq"]
    assert main(["search", "hội đồng", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "Hội đồng nhân dân phường họp kỳ thứ 5" in out and "1 match," in out
    for args, message in ((["*"], "nothing to search for"), (["x", "--from", "31/02/2025"], "not a valid date"),
                          (["x", "--to", "hôm qua"], "not a date"),
                          (["x", "--doc-number", "abc"], "not a document number"),
                          (["[bold]x", "--site", "[red]nope"], "no portal '[red]nope'")):
        assert main(["search", *args, "--db", db_url]) == 2
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:  # a paging option is checked by the parser, like any bad option
        main(["search", "x", "--page", "0", "--db", db_url])
    assert exit_.value.code == 2 and "--page: must be at least 1, not 0" in capsys.readouterr().err
