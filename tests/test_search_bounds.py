"""Bounded search (db/search/bounds.py): a huge body is indexed, ranked and cut into a snippet from its first
BODY_CHARS characters only, in time a long article takes; the archive keeps it whole; migration 0009 re-indexes
the long bodies an archive already has."""
import sqlite3
from importlib import import_module

from alembic import command
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from db.engine import get_engine, session_factory
from db.models import Article, Portal
from db.schema import alembic_config, upgrade
from db.search import parse_query, search, snippet
from db.search.bounds import BODY_CHARS
from db.search.sqlite_index import register_sqlite_functions
from tests.test_search import T0, seed

PARAGRAPHS = (
    "Thực hiện Nghị quyết số 23-NQ/TU của Thành ủy, Ủy ban nhân dân phường đã ban hành kế hoạch triển khai.",
    "Hội đồng nhân dân phường thông qua nghị quyết về dự toán ngân sách và phương án phân bổ vốn đầu tư công.",
    "Các đại biểu thảo luận về cải cách hành chính, chuyển đổi số và công tác phòng cháy chữa cháy.",
    "Ban Chấp hành Đảng bộ quán triệt các văn bản của cấp trên đến toàn thể cán bộ, đảng viên.",
)
PAST_THE_CAP = "hoaphuongdo"  # a word only at the very end of a huge body


def huge_body(chars: int) -> str:
    """Vietnamese-like text of about `chars` characters: numbered paragraphs ("Điều 17. …", so a great many
    distinct words), "nghị quyết" in half of them; then a paragraph with a word found nowhere else."""
    count = chars // (len(PARAGRAPHS[0]) + 12)
    return "\n".join(f"Điều {i}. {PARAGRAPHS[i % len(PARAGRAPHS)]}" for i in range(count)) + \
        f"\nPhụ lục: {PAST_THE_CAP}."


def add_article(url, external_id: str, body: str, title: str = "Tin tổng hợp") -> int:
    with session_factory(url).begin() as session:
        portal = session.scalar(select(Portal.id).order_by(Portal.id).limit(1))
        article = Article(portal_id=portal, external_id=external_id, url=f"https://p.gov.vn/{external_id}",
                          title=title, summary="", body_text=body, category="", content_hash=external_id,
                          first_seen_at=T0, last_fetched_at=T0, published_at=T0)
        session.add(article)
        session.flush()
        return article.id


def found(url, query: str) -> list[str]:
    with session_factory(url)() as session:
        return [hit.article.external_id for hit in search(session, query).items]


def test_a_20_mb_body_is_found_and_cut_into_a_short_snippet_around_a_match(db_url):
    """Before the cap, snippet building was quadratic in the matches (a 1 MB body of this text: 14 s; 20 MB:
    hours), and PostgreSQL could not store the article at all (its tsvector exceeded 1 MB)."""
    seed(db_url)
    body = huge_body(20_000_000)
    assert len(body) > 19_000_000 and body.count("Nghị quyết") > 40_000
    big = add_article(db_url, "big", body)
    with session_factory(db_url)() as session:
        result = search(session, "Nghị quyết")
        hits = {hit.article.external_id: hit for hit in result.items}
        assert {"big", "nq", "hdnd"} <= set(hits)
        assert hits["big"].exact == 1.0  # the exact-diacritics check read the body (its prefix)
        text = snippet(hits["big"].article, result.query)
        assert len(text) <= 162 and "Nghị quyết số 23-NQ/TU" in text
        assert text.startswith("Điều 0.") and text.endswith("…")
        assert len(session.get(Article, big).body_text) == len(body)  # the archive keeps the whole body
    assert found(db_url, "dieu 1234") == ["big"]  # inside the prefix
    assert found(db_url, PAST_THE_CAP) == []      # past it: documented, the same on both engines


def test_the_snippet_reads_only_the_prefix_search_reads():
    filler = "Nội dung báo cáo tổng kết công tác năm. " * (BODY_CHARS // 40 + 10)
    article = Article(title="Báo cáo", summary="", body_text=filler + "Nghị quyết mới.")
    assert snippet(article, parse_query("nghị quyết")) == " ".join(filler.split())[:160] + "…"  # the start


def test_the_snippet_is_where_most_terms_are_close_together():
    query = parse_query("hội đồng ngân sách")
    body = ("Hội đồng họp. " + "Nội dung khác của buổi làm việc. " * 10 + "Thảo luận ngân sách. " +
            "Nội dung khác. " * 10 + "Hội đồng nhân dân phường thảo luận về ngân sách năm 2025. " + "Kết thúc. " * 20)
    text = snippet(Article(summary="Tóm tắt về ngân sách.", body_text=body), query)
    assert "Hội đồng nhân dân phường thảo luận về ngân sách" in text and text.startswith("…")
    # as good in the summary as in the body: the summary
    text = snippet(Article(summary="Hội đồng bàn về ngân sách.", body_text=body), query)
    assert text == "Hội đồng bàn về ngân sách."
    # the first of equally good places; a short text has no ellipsis
    assert snippet(Article(summary="", body_text="Ngân sách. Hội đồng. Ngân sách."), query) == \
        "Ngân sách. Hội đồng. Ngân sách."
    assert snippet(Article(summary="", body_text="Không có gì."), query) == "Không có gì."


def _long_article_at_0008(url) -> int:
    """An archive at revision 0008 holding an article whose body is longer than the cap (few distinct words, so
    revision 0006's PostgreSQL index could store it), indexed whole as the code of that revision did; on
    SQLite a later change of it waits in the queue with the values revision 0005's triggers recorded."""
    upgrade(url, "0008")
    with get_engine(url).begin() as connection:
        connection.exec_driver_sql("INSERT INTO portals (key, name, base_url, profile, created_at) "
                                   "VALUES ('p', 'P', 'https://p', 'hanoi', '2025-01-01 00:00:00')")
    body = "Nghị quyết về ngân sách. " * (BODY_CHARS // 25 + 1000) + PAST_THE_CAP
    if make_url(url).get_backend_name() != "sqlite":
        return add_article(url, "long", body, title="Kỳ họp")
    # through a plain sqlite3 connection: db.engine would flush the queue with today's (capped) statements
    get_engine(url).dispose()
    raw = sqlite3.connect(make_url(url).database)
    register_sqlite_functions(raw)
    raw.execute("INSERT INTO articles (portal_id, external_id, url, title, summary, body_text, author, source, "
                "category, tags, published_has_time, content_hash, extracted_by, first_seen_at, last_fetched_at) "
                "VALUES (1, 'long', 'https://p/long', 'Kỳ họp', '', ?, '', '', '', '[]', 1, 'h', '', "
                "'2025-03-01 02:00:00', '2025-03-01 02:00:00')", (body,))
    v5, v9 = (import_module(f"db.migrations.versions.{name}") for name in ("0005_sqlite_index", "0009_search_body_cap"))
    for statement in v9._index_queued(v5._fts_values):  # the flush as revision 0008's code ran it
        raw.execute(statement)
    raw.commit()
    assert found(url, PAST_THE_CAP) == ["long"]
    raw.execute("UPDATE articles SET title = 'Kỳ họp thứ hai' WHERE external_id = 'long'")
    raw.commit()
    raw.close()
    return 1


def test_migration_0009_reindexes_long_bodies_capped_and_back(db_url):
    article_id = _long_article_at_0008(db_url)
    upgrade(db_url)
    assert found(db_url, "ngan sach ky hop") == ["long"]
    assert found(db_url, PAST_THE_CAP) == []
    config = alembic_config()
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    assert found(db_url, PAST_THE_CAP) == ["long"]
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert found(db_url, PAST_THE_CAP) == []
    # the index forgets exactly what it held: after an edit the old words find nothing
    with session_factory(db_url).begin() as session:
        session.execute(update(Article).where(Article.id == article_id).values(body_text="Đã sửa toàn bộ."))
    assert found(db_url, "ngan sach") == [] and found(db_url, PAST_THE_CAP) == []
    assert found(db_url, "da sua") == ["long"]
