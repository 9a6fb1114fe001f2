"""The archive layer on each engine: migrations, idempotent batched writes, versions, the compact
view series, attachments, documents, tombstones, raw pages, crash safety and reparse."""
import json
import zlib
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from db.engine import get_engine, session_factory
from db.models import (
    Article, ArticleVersion, Attachment, Document, DocumentMention, Portal, RawPage, Tombstone, UTCDateTime,
    ViewSample,
)
from db.record import ArticleRecord
from db.schema import alembic_config, upgrade
from db.content import content_hash
from db.linkkey import link_key
from db.pages import DEFAULT_COMPRESSION, decompress_page
from db import batch_flush, store
from db.store import ArchiveWriter
from vntext.dates import ParsedDate

T0 = datetime(2025, 10, 15, 1, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)
PDF = {"title": "Kế hoạch 86", "url": "https://caugiay.hanoi.gov.vn/documents/KH-86-2026.pdf", "file_type": "pdf",
       "file_name": "KH-86-2026.pdf"}
DOC = {"title": "Phụ lục", "url": "https://caugiay.hanoi.gov.vn/documents/phu-luc.docx", "file_type": "docx",
       "file_name": "phu-luc.docx"}


def stored(attachment: dict) -> dict:
    """An attachment as a version stores it: with its comparison key (db/linkkey.py)."""
    return {**attachment, "key": link_key(attachment["url"])}


def record(external_id="2805251012110827967", fetched_at=T0, **changes):
    base = {
        "external_id": external_id, "url": f"https://caugiay.hanoi.gov.vn/tin-tuc-su-kien/bai-{external_id}.htm",
        "title": "Phường Cầu Giấy triển khai Nghị quyết số 23-NQ/TU", "summary": "Tóm tắt", "body_text": "Đoạn một.\n\nĐoạn hai.",
        "author": "Minh Anh", "category": "Tin tức - Sự kiện", "published_at": datetime(2025, 10, 12, 4, 8, 27, tzinfo=timezone.utc),
        "published_has_time": True, "views": 1503, "extracted_by": "hanoi", "fetched_at": fetched_at,
    }
    return base | changes


def item_of(fields: dict) -> ArticleRecord:
    """The spider's item (an ArticleRecord) carrying the fields of a writer record."""
    fields = dict(fields)
    published = ParsedDate(fields.pop("published_at"), fields.pop("published_has_time"))
    paragraphs = fields.pop("body_text").split("\n\n")
    return ArticleRecord(published=published, paragraphs=paragraphs, **fields)


def ref(canonical="23-NQ/TU", issued_on=None, sentence="… Nghị quyết số 23-NQ/TU của Thành ủy …", **extra):
    return {"canonical": canonical, "system": "party", "type": "NQ", "type_name": "Nghị quyết",
            "number": canonical.split("-")[0], "year": None, "issuer": "TU", "issued_on": issued_on,
            "sentence": sentence, "source": "text"} | extra


@pytest.fixture
def writer(db_url):
    return ArchiveWriter(db_url)


@pytest.fixture
def portal(writer):
    return writer.ensure_portal("caugiay", "Phường Cầu Giấy", "https://caugiay.hanoi.gov.vn", "hanoi")


@pytest.fixture
def session(db_url):
    with session_factory(db_url)() as s:
        yield s


def article_of(session, external_id="2805251012110827967"):
    session.expire_all()
    return session.scalar(select(Article).where(Article.external_id == external_id))


def versions_of(session, article):
    return session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article.id)
                           .order_by(ArticleVersion.version)).all()


def series(session, article):
    rows = session.scalars(select(ViewSample).where(ViewSample.article_id == article.id).order_by(ViewSample.first_at)).all()
    return [(s.views, s.first_at, s.last_at) for s in rows]


def count(session, model, *where):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


# ---- schema -------------------------------------------------------------------------------------
def test_migrations_create_every_table_and_go_back(db_url):
    upgrade(db_url)
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert {"portals", "articles", "view_samples", "crawl_runs", "article_versions", "attachments", "documents",
            "document_mentions", "tombstones", "raw_pages", "events", "alert_outbox", "alembic_version"} <= tables
    config = alembic_config()
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(get_engine(db_url)).get_table_names()) <= {"alembic_version"}
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert "articles" in inspect(get_engine(db_url)).get_table_names()


def test_upgrade_from_0001_keeps_the_data(db_url):
    """An archive written by revision 0001 (views as single readings, no versions) upgrades in place."""
    config = alembic_config()
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    # 0001's columns, written as 0001 wrote them (UTC, no zone).
    portals = sa.table("portals", *(sa.column(c) for c in ("id", "key", "name", "base_url", "profile")),
                       sa.column("created_at", UTCDateTime))
    articles = sa.table("articles", *(sa.column(c) for c in (
        "id", "portal_id", "external_id", "url", "title", "summary", "body_text", "author", "category",
        "published_has_time", "views", "content_hash", "extracted_by")),
        *(sa.column(c, UTCDateTime) for c in ("published_at", "first_seen_at", "last_fetched_at")))
    samples = sa.table("view_samples", sa.column("id"), sa.column("article_id"), sa.column("views"),
                       sa.column("fetched_at", UTCDateTime))
    old = record()
    with get_engine(db_url).begin() as connection:
        connection.execute(sa.insert(portals).values(id=1, key="caugiay", name="Phường Cầu Giấy",
                                                     base_url="https://caugiay.hanoi.gov.vn", profile="hanoi",
                                                     created_at=T0))
        connection.execute(sa.insert(articles).values(
            id=1, portal_id=1, external_id=old["external_id"], url=old["url"], title=old["title"],
            summary=old["summary"], body_text=old["body_text"], author=old["author"], category=old["category"],
            published_at=old["published_at"], published_has_time=True, views=1503, content_hash="0" * 64,
            extracted_by="hanoi", first_seen_at=T0, last_fetched_at=T0))
        connection.execute(sa.insert(samples).values(id=1, article_id=1, views=1503, fetched_at=T0))
        connection.execute(sa.insert(articles).values(
            id=2, portal_id=1, external_id="a2", url=old["url"] + "?2", title="Bài hai", summary="", body_text="Thân bài.",
            author="", category="", published_at=None, published_has_time=True, views=None, content_hash="1" * 64,
            extracted_by="hanoi", first_seen_at=T0, last_fetched_at=T0))
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with session_factory(db_url)() as session:
        article = article_of(session)
        assert article.title == old["title"] and article.views == 1503 and article.removed_at is None
        assert article.source == "" and article.tags == [] and article.updated_at is None
        assert series(session, article) == [(1503, T0, T0)]
        [v1] = versions_of(session, article)
        assert (v1.version, v1.title, v1.body_text, v1.fetched_at, v1.changes) == (1, old["title"], old["body_text"], T0, {})

    # The first fetch after the upgrade fills in what 0001 did not record (attachments, the update
    # time) instead of reporting an edit; a real edit afterwards is one version with that field.
    writer = ArchiveWriter(db_url)
    updated = T0 - 2 * H
    again = writer.write_articles(1, [record(fetched_at=T0 + H, attachments=[PDF], updated_at=updated)])
    assert (again.changed, again.unchanged, again.versions) == (0, 1, 0)
    edited = writer.write_articles(1, [record(fetched_at=T0 + 2 * H, attachments=[PDF], updated_at=updated,
                                              title="Tiêu đề mới")])
    assert (edited.changed, edited.versions) == (1, 1)
    # an article whose first fetch after the upgrade is an edit: only what 0001 could compare is a change
    first_edit = writer.write_articles(1, [record("a2", fetched_at=T0 + H, title="Bài hai (sửa)", summary="",
                                                  body_text="Thân bài.", author="", category="", published_at=None,
                                                  views=None, attachments=[DOC], updated_at=T0)])
    assert (first_edit.changed, first_edit.versions) == (1, 1)
    with session_factory(db_url)() as session:
        a2 = article_of(session, "a2")
        assert versions_of(session, a2)[1].changes == {"title": {"old": "Bài hai", "new": "Bài hai (sửa)"}}
        assert versions_of(session, a2)[1].attachments == [stored(DOC)] and a2.updated_at == T0
        assert a2.published_at is None
    with session_factory(db_url)() as session:
        article = article_of(session)
        v1, v2 = versions_of(session, article)
        assert v1.attachments == [stored(PDF)] and v1.updated_at == updated
        assert v1.content_hash == content_hash(record(attachments=[PDF], updated_at=updated))
        assert v2.changes == {"title": {"old": old["title"], "new": "Tiêu đề mới"}}
        assert series(session, article) == [(1503, T0, T0 + 2 * H)]


# ---- writes, versions ---------------------------------------------------------------------------
def test_writes_are_idempotent_and_sample_views(writer, portal, session):
    assert writer.ensure_portal("caugiay", "Phường Cầu Giấy", "https://caugiay.hanoi.gov.vn", "hanoi") == portal
    first = writer.write_articles(portal, [record(), record("42862896")])
    assert (first.new, first.changed, first.unchanged, first.versions) == (2, 0, 0, 2)
    assert writer.write_articles(portal, [record(), record("42862896")]).versions == 0  # the same batch again
    again = writer.write_articles(portal, [record(fetched_at=T0 + H, views=1600)])
    assert (again.new, again.changed, again.unchanged, again.versions) == (0, 0, 1, 0)  # a counter is not a change
    edited = writer.write_articles(portal, [record(fetched_at=T0 + 2 * H, title="Tiêu đề mới", views=1700)])
    assert (edited.new, edited.changed, edited.versions) == (0, 1, 1)
    assert count(session, Article) == 2
    article = article_of(session)
    assert article.title == "Tiêu đề mới" and article.views == 1700
    assert article.first_seen_at == T0 and article.last_fetched_at == T0 + 2 * H
    assert article.published_at == datetime(2025, 10, 12, 4, 8, 27, tzinfo=timezone.utc)
    assert series(session, article) == [(1503, T0, T0), (1600, T0 + H, T0 + H), (1700, T0 + 2 * H, T0 + 2 * H)]


def test_an_edit_is_exactly_one_version_with_exactly_the_changed_fields(writer, portal, session):
    writer.write_articles(portal, [record()])
    new_date = datetime(2025, 10, 12, 5, 0, tzinfo=timezone(timedelta(hours=7)))
    result = writer.write_articles(portal, [record(fetched_at=T0 + H, title="Tiêu đề đã sửa", body_text="Đoạn một.\n\nĐoạn hai đã sửa.",
                                                   updated_at=new_date, views=1600)])
    assert (result.changed, result.versions, result.samples_inserted) == (1, 1, 1)
    article = article_of(session)
    v1, v2 = versions_of(session, article)
    assert (v1.version, v1.changes, v1.title) == (1, {}, record()["title"])
    assert v2.version == 2 and v2.fetched_at == T0 + H
    assert v2.changes == {
        "title": {"old": record()["title"], "new": "Tiêu đề đã sửa"},
        "body_text": {"old": "Đoạn một.\n\nĐoạn hai.", "new": "Đoạn một.\n\nĐoạn hai đã sửa."},
        "updated_at": {"old": None, "new": "2025-10-11T22:00:00+00:00"},
    }
    json.dumps(v2.changes)
    assert (article.title, article.body_text, article.updated_at) == ("Tiêu đề đã sửa", v2.body_text, new_date)
    assert article.content_hash == v2.content_hash
    # the same edited page again, or with only its counter moved: nothing new
    for views in (1600, 1650):
        again = writer.write_articles(portal, [record(fetched_at=T0 + 2 * H, title="Tiêu đề đã sửa",
                                                      body_text="Đoạn một.\n\nĐoạn hai đã sửa.", updated_at=new_date,
                                                      views=views)])
        assert (again.changed, again.versions) == (0, 0)
    assert len(versions_of(session, article)) == 2


def test_a_view_count_change_alone_is_never_a_version(writer, portal, session):
    writer.write_articles(portal, [record(views=10)])
    for hour, views in enumerate((11, 500, None, 9000), start=1):
        result = writer.write_articles(portal, [record(fetched_at=T0 + hour * H, views=views)])
        assert (result.changed, result.unchanged, result.versions) == (0, 1, 0)
    article = article_of(session)
    assert len(versions_of(session, article)) == 1
    assert article.views == 9000  # a page without the counter keeps the last reading
    assert [v for v, _, _ in series(session, article)] == [10, 11, 500, 9000]


def test_old_and_new_tone_placement_is_not_a_change(writer, portal, session):
    writer.write_articles(portal, [record(title="Thành uỷ chỉ đạo hoà giải", body_text="Khoẻ mạnh,  an toàn.")])
    result = writer.write_articles(portal, [record(fetched_at=T0 + H, title="Thành ủy chỉ đạo hòa giải",
                                                   body_text="Khỏe mạnh, an toàn.")])
    assert (result.changed, result.versions) == (0, 0)
    article = article_of(session)
    assert len(versions_of(session, article)) == 1
    assert article.title == "Thành uỷ chỉ đạo hoà giải"  # the version's own text stays


def test_attachments_are_part_of_the_content(writer, portal, session):
    writer.write_articles(portal, [record(attachments=[PDF])])
    added = writer.write_articles(portal, [record(fetched_at=T0 + H, attachments=[PDF, DOC])])
    assert (added.changed, added.versions, added.attachments_new) == (1, 1, 1)
    reordered = writer.write_articles(portal, [record(fetched_at=T0 + 2 * H, attachments=[DOC, PDF])])
    assert (reordered.changed, reordered.versions) == (0, 0)  # a set: order on the page is not a change
    renamed = writer.write_articles(portal, [record(fetched_at=T0 + 3 * H, attachments=[PDF])])
    assert renamed.versions == 1
    article = article_of(session)
    v1, v2, v3 = versions_of(session, article)
    assert v1.attachments == [stored(PDF)] and v2.attachments == [stored(PDF), stored(DOC)]
    assert v2.changes == {"attachments": {"old": [PDF], "new": [PDF, DOC]}}
    assert v3.changes == {"attachments": {"old": [PDF, DOC], "new": [PDF]}}
    rows = {a.url: a for a in session.scalars(select(Attachment).where(Attachment.article_id == article.id))}
    assert set(rows) == {PDF["url"], DOC["url"]}
    assert (rows[PDF["url"]].first_seen_at, rows[PDF["url"]].last_seen_at) == (T0, T0 + 3 * H)
    assert (rows[DOC["url"]].first_seen_at, rows[DOC["url"]].last_seen_at) == (T0 + H, T0 + 2 * H)  # gone, kept
    assert (rows[PDF["url"]].title, rows[PDF["url"]].file_name, rows[PDF["url"]].file_type) == (
        "Kế hoạch 86", "KH-86-2026.pdf", "pdf")


def test_a_repeated_article_in_one_batch_is_stored_once(writer, portal, session):
    result = writer.write_articles(portal, [record(), record()])
    assert result.new == 1 and result.versions == 1
    assert count(session, ViewSample) == 1


def test_several_fetches_of_one_article_in_one_batch_apply_in_order(writer, portal, session):
    batch = [record(fetched_at=T0 + 2 * H, title="Bản sửa", views=130), record(views=100),
             record(fetched_at=T0 + H, views=100)]
    result = writer.write_articles(portal, batch)
    assert (result.new, result.changed, result.versions) == (1, 1, 2)
    assert (result.samples_inserted, result.samples_extended) == (2, 1)
    article = article_of(session)
    assert [v.title for v in versions_of(session, article)] == [record()["title"], "Bản sửa"]
    assert series(session, article) == [(100, T0, T0 + H), (130, T0 + 2 * H, T0 + 2 * H)]


def test_naive_datetimes_are_refused(writer, portal, session):
    with pytest.raises(Exception, match="naive datetime"):
        writer.write_articles(portal, [record(published_at=datetime(2025, 10, 12, 11, 8))])
    assert count(session, Article) == 0  # the failed batch left nothing behind


# ---- view series ----------------------------------------------------------------------------------
def test_view_samples_are_stored_as_runs(writer, portal, session):
    def read(at, views):
        return writer.write_articles(portal, [record(fetched_at=at, views=views)])

    read(T0, 100)
    assert read(T0 + H, 100).samples_extended == 1
    read(T0 + 2 * H, 100)
    article = article_of(session)
    assert series(session, article) == [(100, T0, T0 + 2 * H)]  # one row, last_at moves
    assert read(T0 + 3 * H, 120).samples_inserted == 1  # the count changed: a new run
    read(T0 + 4 * H, 120)
    assert read(T0 + 27 * H, 120).samples_inserted == 1  # the run would exceed 24 h: a new run, same count
    read(T0 + 28 * H, 125)
    assert series(session, article) == [
        (100, T0, T0 + 2 * H), (120, T0 + 3 * H, T0 + 4 * H), (120, T0 + 27 * H, T0 + 27 * H),
        (125, T0 + 28 * H, T0 + 28 * H)]
    # out of order: a reading older than the newest sample is ignored, the series stays as it was
    late = writer.write_articles(portal, [record(fetched_at=T0 + timedelta(minutes=90), views=110)])
    assert (late.samples_ignored, late.samples_inserted, late.samples_extended, late.versions) == (1, 0, 0, 0)
    assert read(T0 + 28 * H, 125).samples_ignored == 1  # a replay of the last reading
    assert len(series(session, article)) == 4
    assert article_of(session).views == 125 and article_of(session).last_fetched_at == T0 + 28 * H


def test_the_compaction_window_is_a_parameter(db_url, portal, session):
    writer = ArchiveWriter(db_url, view_window=timedelta(minutes=90))
    for minutes in (0, 60, 120, 150):
        writer.write_articles(portal, [record(fetched_at=T0 + timedelta(minutes=minutes), views=7)])
    assert series(session, article_of(session)) == [(7, T0, T0 + H), (7, T0 + 2 * H, T0 + timedelta(minutes=150))]


# ---- documents -------------------------------------------------------------------------------------
def test_documents_keep_their_first_sighting_and_collect_mentions(writer, portal, session):
    first = writer.write_articles(portal, [record("a1", references=[ref()])])
    assert (first.documents_new, first.mentions_new) == (1, 1)
    second = writer.write_articles(portal, [
        record("a2", fetched_at=T0 + H, references=[ref(issued_on="2023-11-16", sentence="Theo Nghị quyết 23-NQ/TU ngày 16/11/2023")]),
        record("a3", fetched_at=T0 + 2 * H, references=[ref(issued_on="2024-01-01"), ref("15/2023/NQ-HĐND", system="state",
                                                                                          year=2023, issuer="HĐND")]),
        record("a4", fetched_at=T0 + 3 * H, references=[ref("15/2023/NQ-HĐND", system="state", year=2023, issuer="HĐND")]),
    ])
    assert (second.documents_new, second.mentions_new) == (1, 4)
    again = writer.write_articles(portal, [record("a1", fetched_at=T0 + 4 * H, references=[ref(sentence="Câu mới")])])
    assert (again.documents_new, again.mentions_new) == (0, 0)
    a1, a2, a3 = (article_of(session, k) for k in ("a1", "a2", "a3"))
    doc = session.scalar(select(Document).where(Document.canonical == "23-NQ/TU"))
    assert (doc.first_article_id, doc.first_seen_at, doc.system, doc.type_name) == (a1.id, T0, "party", "Nghị quyết")
    assert doc.issued_on == date(2023, 11, 16)  # filled by the second sighting, not overwritten by the third
    state = session.scalar(select(Document).where(Document.canonical == "15/2023/NQ-HĐND"))
    assert (state.first_article_id, state.first_seen_at, state.year, state.issuer) == (a3.id, T0 + 2 * H, 2023, "HĐND")
    mentions = {m.article_id: m for m in session.scalars(select(DocumentMention).where(DocumentMention.document_id == doc.id))}
    assert set(mentions) == {a1.id, a2.id, a3.id}
    assert mentions[a2.id].sentence == "Theo Nghị quyết 23-NQ/TU ngày 16/11/2023" and mentions[a2.id].first_seen_at == T0 + H
    assert mentions[a1.id].sentence == "Câu mới" and mentions[a1.id].first_seen_at == T0
    assert count(session, Document) == 2 and count(session, DocumentMention) == 5


# ---- removals ---------------------------------------------------------------------------------------
def test_tombstones_removal_is_idempotent_and_a_refetch_restores(writer, portal, session):
    writer.write_articles(portal, [record()])
    external_id = record()["external_id"]
    assert writer.mark_removed(portal, external_id, T0 + H, "HTTP 404 twice") is True
    assert writer.mark_removed(portal, external_id, T0 + 2 * H, "HTTP 404 twice") is False  # no second tombstone
    article = article_of(session)
    assert article.removed_at == T0 + H
    [tomb] = session.scalars(select(Tombstone)).all()
    assert (tomb.removed_at, tomb.reason, tomb.restored_at) == (T0 + H, "HTTP 404 twice", None)
    # a fetch from before the removal (a late batch) does not bring it back
    assert writer.write_articles(portal, [record(fetched_at=T0 + timedelta(minutes=30))]).restored == 0
    assert article_of(session).removed_at == T0 + H
    back = writer.write_articles(portal, [record(fetched_at=T0 + 3 * H, views=1600)])
    assert back.restored == 1 and back.versions == 0
    session.expire_all()
    assert article_of(session).removed_at is None and session.get(Tombstone, tomb.id).restored_at == T0 + 3 * H
    assert writer.mark_restored(portal, external_id, T0 + 4 * H) is False
    # removed again, restored by the detection code this time
    assert writer.mark_removed(portal, external_id, T0 + 5 * H, "gone from listing") is True
    assert writer.mark_restored(portal, external_id, T0 + 6 * H) is True
    assert writer.mark_restored(portal, external_id, T0 + 7 * H) is False
    session.expire_all()
    rows = session.scalars(select(Tombstone).order_by(Tombstone.id)).all()
    assert [(t.removed_at, t.restored_at) for t in rows] == [(T0 + H, T0 + 3 * H), (T0 + 5 * H, T0 + 6 * H)]
    assert count(session, Article) == 1 and article_of(session).removed_at is None
    with pytest.raises(LookupError):
        writer.mark_removed(portal, "no-such-article", T0, "HTTP 404")


# ---- raw pages ------------------------------------------------------------------------------------
def test_raw_pages_round_trip_and_are_kept_per_version(writer, portal, session):
    page = "<html><head><title>Phường Cầu Giấy</title></head><body>Nghị quyết số 23-NQ/TU … đảm bảo</body></html>" * 40
    first = writer.write_articles(portal, [record(raw_html=page, content_type="text/html; charset=utf-8")])
    assert first.raw_pages == 1
    unchanged = writer.write_articles(portal, [record(fetched_at=T0 + H, views=1600, raw_html=page + "<!-- 2 -->")])
    assert unchanged.raw_pages == 0  # an unchanged re-fetch stores nothing
    edited_page = page.replace("Phường", "Quận")
    writer.write_articles(portal, [record(fetched_at=T0 + 2 * H, title="Tiêu đề mới", raw_html=edited_page)])
    dnn = writer.write_articles(portal, [record("json1", raw_html='{"Name": "Tin"}', content_type="application/json")])
    assert dnn.raw_pages == 1
    writer.write_articles(portal, [record("nopage")])  # no raw_html: no page, still an article
    article = article_of(session)
    v1, v2 = versions_of(session, article)
    pages = session.scalars(select(RawPage).where(RawPage.article_id == article.id).order_by(RawPage.fetched_at)).all()
    assert [(p.version_id, p.fetched_at) for p in pages] == [(v1.id, T0), (v2.id, T0 + 2 * H)]
    assert decompress_page(pages[0].body, pages[0].compression).decode("utf-8") == page
    assert decompress_page(pages[1].body, pages[1].compression).decode("utf-8") == edited_page
    assert pages[0].compression == DEFAULT_COMPRESSION == "zstd"  # Scrapy brings backports.zstd before 3.14
    assert pages[0].content_type == "text/html; charset=utf-8"
    assert pages[0].url == record()["url"] and len(pages[0].body) < len(page.encode()) / 5
    json_page = session.scalar(select(RawPage).join(Article).where(Article.external_id == "json1"))
    assert json_page.content_type == "application/json"
    assert decompress_page(json_page.body, json_page.compression) == b'{"Name": "Tin"}'
    assert count(session, RawPage) == 3


def test_raw_pages_can_be_stored_with_zlib(db_url, portal, session):
    page = "<html><body>Thành ủy Hà Nội – Nghị quyết số 23-NQ/TU</body></html>"
    ArchiveWriter(db_url, compression="zlib").write_articles(portal, [record(raw_html=page)])
    stored = session.scalar(select(RawPage))
    assert stored.compression == "zlib" and zlib.decompress(stored.body).decode("utf-8") == page
    assert decompress_page(stored.body, "zlib") == page.encode("utf-8")
    with pytest.raises(ValueError):
        ArchiveWriter(db_url, compression="lzma")


# ---- crash safety and concurrency ----------------------------------------------------------------
def _nothing_of_the_batch(session, before):
    session.expire_all()
    now = {m.__name__: count(session, m) for m in (Article, ArticleVersion, ViewSample, Attachment, Document,
                                                   DocumentMention, RawPage)}
    assert now == before
    article = article_of(session)
    assert (article.title, article.views) == (record()["title"], 1503)


def test_an_invalid_record_mid_batch_leaves_nothing_of_the_batch(writer, portal, session):
    writer.write_articles(portal, [record(raw_html="<html>v1</html>")])
    before = {m.__name__: count(session, m) for m in (Article, ArticleVersion, ViewSample, Attachment, Document,
                                                      DocumentMention, RawPage)}
    batch = [record(fetched_at=T0 + H, title="Sửa", views=1700, raw_html="<html>v2</html>", attachments=[PDF]),
             record("new-1", references=[ref()], attachments=[DOC]),
             record(None),  # no external id: the database refuses the row
             record("new-2", references=[ref("15/2023/NQ-HĐND")])]
    with pytest.raises(IntegrityError):
        writer.write_articles(portal, batch)
    _nothing_of_the_batch(session, before)


def test_a_crash_after_the_first_statements_leaves_nothing_of_the_batch(writer, portal, session, monkeypatch):
    writer.write_articles(portal, [record(raw_html="<html>v1</html>")])
    before = {m.__name__: count(session, m) for m in (Article, ArticleVersion, ViewSample, Attachment, Document,
                                                      DocumentMention, RawPage)}

    def crash(*args):
        raise RuntimeError("the process died here")

    # articles, versions, raw pages, samples and attachments are written by then
    monkeypatch.setattr(batch_flush, "flush_documents", crash)
    with pytest.raises(RuntimeError):
        writer.write_articles(portal, [record(fetched_at=T0 + H, title="Sửa", views=1700, raw_html="<html>v2</html>"),
                                       record("new-1", references=[ref()], attachments=[DOC], raw_html="<html/>")])
    _nothing_of_the_batch(session, before)


def test_a_concurrent_writer_inserting_the_same_article_first_makes_the_batch_retry(db_url, writer, portal,
                                                                                    session, monkeypatch):
    other = ArchiveWriter(db_url)
    original = store.load_batch
    calls, racing = [], []

    def load_then_race(*args):
        original(*args)
        if not racing:  # our writer's read, not the other's
            calls.append(len(calls) + 1)
            if len(calls) == 1:  # another crawler stores the same article between our read and our write
                racing.append(other)
                other.write_articles(portal, [record(views=1503, references=[ref()])])
                racing.clear()

    monkeypatch.setattr(store, "load_batch", load_then_race)
    result = writer.write_articles(portal, [record(fetched_at=T0 + H, views=1600, title="Sửa", references=[ref()])])
    assert calls == [1, 2]
    assert (result.new, result.changed, result.versions, result.documents_new) == (0, 1, 1, 0)
    article = article_of(session)
    assert [v.version for v in versions_of(session, article)] == [1, 2]
    assert series(session, article) == [(1503, T0, T0), (1600, T0 + H, T0 + H)]
    assert count(session, Document) == 1 and count(session, DocumentMention) == 1


# ---- reparse ---------------------------------------------------------------------------------------
def _page(replica, site, article):
    portal = replica.portals[site]
    path = portal.family.article_path(portal, article)
    if hasattr(portal.family, "api_path"):  # DNN: the article comes from the JSON API
        from crawler.profiles import PROFILES

        url = replica.url_of(site, article)
        fetch = PROFILES["dnn"].fetch_url(url)
        status, ctype, body = replica.render(portal, fetch[len(portal.base_url):])
        return url, body.decode("utf-8"), ctype
    status, ctype, body = replica.render(portal, path)
    assert status == 200
    return portal.base_url + path, body.decode("utf-8"), ctype


def _crawled(profile, url, page, ctype, fetched_at, **override):
    """The spider's item for a page (extraction as the crawler does it)."""
    from crawler.extract import extract_page

    article = extract_page(page, url, profile, content_type=ctype)
    assert not article.problems()
    article.fetched_at, article.raw_html, article.content_type = fetched_at, page, ctype
    item = article.store_fields()
    return item | override


def test_reparse_corrects_history_from_the_stored_pages(db_url, writer, replica, session, capsys):
    from crawler.profiles import PROFILES
    from crawler.reparse import reparse_site
    from monitor.cli import main

    portal = writer.ensure_portal("caugiay", "Phường Cầu Giấy", replica.base_urls["caugiay"], "hanoi")
    target = replica.visible("caugiay")[2]
    url, page_v1, ctype = _page(replica, "caugiay", target)
    # version 1 was extracted by a buggy profile (wrong title, no author); the page itself was right
    writer.write_articles(portal, [_crawled(PROFILES["hanoi"], url, page_v1, ctype, T0, title="Sai tiêu đề", author="")])
    replica.advance(hours=2)
    replica.edit("caugiay", target.external_id, summary="Tóm tắt đã sửa.")
    url, page_v2, ctype = _page(replica, "caugiay", target)
    good_v2 = _crawled(PROFILES["hanoi"], url, page_v2, ctype, T0 + 2 * H)
    writer.write_articles(portal, [good_v2])
    other = replica.visible("caugiay")[5]
    url, page, ctype = _page(replica, "caugiay", other)
    writer.write_articles(portal, [_crawled(PROFILES["hanoi"], url, page, ctype, T0)])
    article = article_of(session, target.external_id)
    v1, v2 = versions_of(session, article)
    assert set(v2.changes) == {"title", "summary", "author", "updated_at"}

    dry = reparse_site(db_url, "caugiay", dry_run=True)
    assert (dry.pages, dry.versions_changed, dry.failures) == (3, 1, 0)
    assert versions_of(session, article)[0].title == "Sai tiêu đề"  # nothing written

    assert main(["reparse", "caugiay", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "3 page(s) re-extracted" in out and "1 version(s) changed" in out and "0 failure(s)" in out
    session.expire_all()
    v1, v2 = versions_of(session, article)
    assert v1.title == good_v2["title"] and v1.author == good_v2["author"] and v1.changes == {}
    assert v1.content_hash == content_hash(v1.__dict__)
    assert set(v2.changes) == {"summary", "updated_at"}  # the profile's bug is no longer an "edit"
    assert article_of(session, target.external_id).title == good_v2["title"]
    again = reparse_site(db_url, "caugiay")  # idempotent
    assert (again.pages, again.versions_changed, again.changes_rewritten, again.articles_changed) == (3, 0, 0, 0)


def test_reparse_reads_json_pages_and_reports_failures(db_url, writer, replica, session):
    from crawler.profiles import PROFILES
    from crawler.reparse import reparse_site

    portal = writer.ensure_portal("congan", "Công an Hà Nội", replica.base_urls["congan"], "dnn")
    good, bad = replica.visible("congan")[:2]
    url, page, ctype = _page(replica, "congan", good)
    assert "json" in ctype
    writer.write_articles(portal, [_crawled(PROFILES["dnn"], url, page, ctype, T0, category="Chỉ đạo điều hành")])
    url, page, ctype = _page(replica, "congan", bad)
    item = _crawled(PROFILES["dnn"], url, page, ctype, T0)
    writer.write_articles(portal, [item | {"raw_html": "{not json"}])
    result = reparse_site(db_url, "congan")
    assert (result.pages, result.versions_changed, result.failures) == (1, 0, 1)
    assert result.problems and item["external_id"] in result.problems[0]
    with pytest.raises(LookupError):
        reparse_site(db_url, "nowhere")


# ---- the Scrapy pipeline -----------------------------------------------------------------------
def test_the_pipeline_counts_and_keeps_the_good_items_of_a_failing_batch(db_url, session):
    from types import SimpleNamespace

    from scrapy.settings import Settings

    from crawler.pipelines import ArchivePipeline

    class Stats(dict):
        def inc_value(self, key, count=1, start=0):
            self[key] = self.get(key, start) + count

        def set_value(self, key, value):
            self[key] = value

    crawler = SimpleNamespace(settings=Settings({"PORTALWATCH_DB": db_url, "PORTALWATCH_BATCH_SIZE": 3}), stats=Stats())
    site = SimpleNamespace(key="caugiay", name="Phường Cầu Giấy", base_url="https://caugiay.hanoi.gov.vn", profile="hanoi")
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider(SimpleNamespace(site=site))
    items = [record("a1", raw_html="<html>1</html>", references=[ref()]), record(None), record("a2"),
             record("a1", fetched_at=T0 + H, title="Sửa", raw_html="<html>2</html>", references=[ref()])]
    items = [item_of(fields) for fields in items]
    for item in items:
        assert pipeline.process_item(item) is item
    pipeline.close_spider()
    stats = crawler.stats
    assert stats["portalwatch/archive_failed"] == 1 and "not archived" in stats["portalwatch/last_error"]
    assert (stats["portalwatch/articles_new"], stats["portalwatch/articles_changed"], stats["portalwatch/versions"]) == (2, 1, 3)
    assert (stats["portalwatch/raw_pages"], stats["portalwatch/documents_new"], stats["portalwatch/mentions_new"]) == (2, 1, 1)
    assert count(session, Article) == 2 and article_of(session, "a1").title == "Sửa"


def test_a_degraded_reading_keeps_the_version_and_counts(writer, portal, session):
    long_body = "Đoạn một dài hơn.\n\nĐoạn hai dài hơn.\n\nĐoạn ba dài hơn."
    writer.write_articles(portal, [record(body_text=long_body, tags=["a"], source="UBND")])
    degraded = [
        record(fetched_at=T0 + H, body_text="Đoạn do trình đọc chung cắt khác.", extracted_by="fallback", views=1600),
        record(fetched_at=T0 + 2 * H, body_text="Đoạn một dài hơn.", views=1600),  # body cut to under half
        record(fetched_at=T0 + 3 * H, body_text=long_body, published_at=None, views=1600),  # date gone
        record(fetched_at=T0 + 4 * H, body_text=long_body + " Sửa.", views=None),  # counter gone with the change
    ]
    for item in degraded:
        result = writer.write_articles(portal, [item])
        assert (result.degraded, result.changed, result.versions) == (1, 0, 0)
    article = article_of(session)
    assert len(versions_of(session, article)) == 1
    assert (article.body_text, article.extracted_by, article.tags, article.source) == (long_body, "hanoi", ["a"], "UBND")
    assert article.last_fetched_at == T0 + 4 * H and article.views == 1600  # the fetch and its views are stored
    assert [v for v, _, _ in series(session, article)] == [1503, 1600]
    # the profile reading an edit again is an edit
    edited = writer.write_articles(portal, [record(fetched_at=T0 + 5 * H, body_text=long_body + " Sửa.")])
    assert (edited.degraded, edited.changed, edited.versions) == (0, 1, 1)
