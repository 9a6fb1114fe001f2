"""The archive layer on each engine: migrations, idempotent batched writes, view samples."""
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from db.engine import get_engine, session_factory
from db.models import Article, ViewSample
from db.schema import alembic_config, upgrade
from db.store import ArchiveWriter

T0 = datetime(2025, 10, 15, 1, 0, tzinfo=timezone.utc)


def record(external_id="2805251012110827967", fetched_at=T0, **changes):
    base = {
        "external_id": external_id, "url": f"https://caugiay.hanoi.gov.vn/tin-tuc-su-kien/bai-{external_id}.htm",
        "title": "Phường Cầu Giấy triển khai Nghị quyết số 23-NQ/TU", "summary": "Tóm tắt", "body_text": "Đoạn một.\n\nĐoạn hai.",
        "author": "Minh Anh", "category": "Tin tức - Sự kiện", "published_at": datetime(2025, 10, 12, 4, 8, 27, tzinfo=timezone.utc),
        "published_has_time": True, "views": 1503, "extracted_by": "hanoi", "fetched_at": fetched_at,
    }
    return base | changes


def test_migrations_create_every_table_and_go_back(db_url):
    upgrade(db_url)
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert {"portals", "articles", "view_samples", "crawl_runs", "alembic_version"} <= tables
    config = alembic_config()
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(get_engine(db_url)).get_table_names()) <= {"alembic_version"}
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert "articles" in inspect(get_engine(db_url)).get_table_names()


def test_writes_are_idempotent_and_sample_views(db_url):
    writer = ArchiveWriter(db_url)
    portal = writer.ensure_portal("caugiay", "Phường Cầu Giấy", "https://caugiay.hanoi.gov.vn", "hanoi")
    assert writer.ensure_portal("caugiay", "Phường Cầu Giấy", "https://caugiay.hanoi.gov.vn", "hanoi") == portal
    first = writer.write_articles(portal, [record(), record("42862896")])
    assert (first.new, first.changed, first.unchanged) == (2, 0, 0)
    again = writer.write_articles(portal, [record(fetched_at=T0 + timedelta(hours=1), views=1600)])
    assert (again.new, again.changed, again.unchanged) == (0, 0, 1)  # a counter is not a change
    edited = writer.write_articles(portal, [record(fetched_at=T0 + timedelta(hours=2), title="Tiêu đề mới", views=1700)])
    assert (edited.new, edited.changed) == (0, 1)
    with session_factory(db_url)() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 2
        article = session.scalar(select(Article).where(Article.external_id == "2805251012110827967"))
        assert article.title == "Tiêu đề mới" and article.views == 1700
        assert article.first_seen_at == T0 and article.last_fetched_at == T0 + timedelta(hours=2)
        assert article.published_at == datetime(2025, 10, 12, 4, 8, 27, tzinfo=timezone.utc)
        samples = session.scalars(select(ViewSample).where(ViewSample.article_id == article.id).order_by(ViewSample.fetched_at)).all()
        assert [(s.fetched_at, s.views) for s in samples] == [
            (T0, 1503), (T0 + timedelta(hours=1), 1600), (T0 + timedelta(hours=2), 1700)]


def test_a_repeated_article_in_one_batch_is_stored_once(db_url):
    writer = ArchiveWriter(db_url)
    portal = writer.ensure_portal("caugiay", "Phường Cầu Giấy", "https://caugiay.hanoi.gov.vn", "hanoi")
    result = writer.write_articles(portal, [record(), record()])
    assert result.new == 1
    with session_factory(db_url)() as session:
        assert session.scalar(select(func.count()).select_from(ViewSample)) == 1


def test_naive_datetimes_are_refused(db_url):
    writer = ArchiveWriter(db_url)
    portal = writer.ensure_portal("caugiay", "Phường Cầu Giấy", "https://caugiay.hanoi.gov.vn", "hanoi")
    with pytest.raises(Exception, match="naive datetime"):
        writer.write_articles(portal, [record(published_at=datetime(2025, 10, 12, 11, 8))])
    with session_factory(db_url)() as session:  # the failed batch left nothing behind
        assert session.scalar(select(func.count()).select_from(Article)) == 0
