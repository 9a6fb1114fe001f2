"""The resolution tracker's query layer (db/tracker.py): documents with every mentioning article oldest
first, their coverage in a scope, filters, and numbers typed loosely. Archives written through the real
writer; expected values are the articles the tests write."""
from datetime import datetime, timedelta, timezone

import pytest

from db.clock import STAT
from db.engine import session_factory
from db.store import ArchiveWriter
from db.tracker import QueryError, Since, document_numbers, document_tracker, find_document, issuer_code, \
    list_documents

T0 = datetime(2025, 10, 15, 1, 0, tzinfo=timezone.utc)  # 08:00 in Vietnam
H = timedelta(hours=1)
DAY = timedelta(days=1)
REFS = {
    "23-NQ/TU": {"system": "party", "type": "NQ", "type_name": "Nghị quyết", "number": "23", "issuer": "TU",
                 "issued_on": "2023-11-16"},
    "15/2023/NQ-HĐND": {"system": "state", "type": "NQ", "type_name": "Nghị quyết", "number": "15", "year": 2023,
                        "issuer": "HĐND"},
    "123/QĐ-UBND": {"system": "state", "type": "QĐ", "type_name": "Quyết định", "number": "123", "issuer": "UBND"},
    "30-CT/TU": {"system": "party", "type": "CT", "type_name": "Chỉ thị", "number": "30", "issuer": "TU"},
}
# Portal key → scope, as the registry gives it: two wards and the city police of one city, one ward elsewhere.
SCOPES = {"wa": "city", "wb": "city", "police": "city", "far": "province", "unarchived": "city"}


def article(external_id, published_at, fetched_at, *canonicals, has_time=True, source="text"):
    return {"external_id": external_id, "url": f"https://example.vn/bai-{external_id}", "title": f"Bài {external_id}",
            "published_at": published_at, "published_has_time": has_time, "fetched_at": fetched_at,
            "references": [REFS[c] | {"canonical": c, "sentence": f"Quán triệt {c} tại bài {external_id}.",
                                      "source": source} for c in canonicals]}


@pytest.fixture
def archive(db_url):
    """Four portals; 23-NQ/TU cited by wa (twice, one undated), far and wb, never by police."""
    writer = ArchiveWriter(db_url)
    ids = {key: writer.ensure_portal(key, f"Cổng {key}", f"https://{key}.example.vn", "hanoi")
           for key in ("wa", "wb", "police", "far")}
    writer.write_articles(ids["wb"], [article("b1", T0 - 2 * DAY, T0, "23-NQ/TU", "123/QĐ-UBND")])
    writer.write_articles(ids["wa"], [article("a2", None, T0 + H, "23-NQ/TU"),
                                      article("a1", T0 - 3 * DAY, T0 + H, "23-NQ/TU", "15/2023/NQ-HĐND")])
    writer.write_articles(ids["far"], [article("f1", T0 - 5 * DAY, T0 + 2 * H, "23-NQ/TU", has_time=False)])
    writer.write_articles(ids["police"], [article("p1", T0 - DAY, T0 + 3 * H, "30-CT/TU", source="attachment")])
    return writer, ids


def tracker(db_url, number="23-NQ/TU", **kwargs):
    with session_factory(db_url)() as session:
        return document_tracker(session, number, SCOPES, now=T0 + 4 * H, **kwargs)


def test_a_document_lists_every_mentioning_article_oldest_first(db_url, archive):
    doc = tracker(db_url)
    assert (doc["canonical"], doc["type"], doc["issuer"], doc["issued_on"]) == ("23-NQ/TU", "NQ", "TU", "2023-11-16")
    # far's date-only article, wa's, wb's; wa's undated article last.
    assert [(m["site"], m["external_id"]) for m in doc["mentions"]] == [("far", "f1"), ("wa", "a1"), ("wb", "b1"),
                                                                        ("wa", "a2")]
    assert [m["published_at"] for m in doc["mentions"]] == [
        "2025-10-10", "2025-10-12T08:00:00+07:00", "2025-10-13T08:00:00+07:00", None]
    assert doc["portals"] == ["far", "wa", "wb"] and doc["mention_count"] == 4
    assert doc["first_mentioned_at"] == "2025-10-10"
    assert doc["first_seen_at"] == "2025-10-15T10:00:00+07:00"  # the first article's first sighting (far, T0 + 2 h)
    first = doc["mentions"][0]
    assert first["sentence"] == "Quán triệt 23-NQ/TU tại bài f1." and first["source"] == "text"
    assert first["url"] == "https://example.vn/bai-f1" and first["title"] == "Bài f1" and first["removed"] is False
    assert first["first_seen_at"] == "2025-10-15T10:00:00+07:00" and first["portal_name"] == "Cổng far"


def test_coverage_names_the_portals_of_the_scopes_that_have_not_relayed_it(db_url, archive):
    coverage = tracker(db_url)["coverage"]
    assert coverage["scopes"] == ["city", "province"]
    assert [(r["site"], r["mentions"], r["first_published_at"]) for r in coverage["relayed"]] == [
        ("far", 1, "2025-10-10"), ("wa", 2, "2025-10-12T08:00:00+07:00"), ("wb", 1, "2025-10-13T08:00:00+07:00")]
    assert [p["site"] for p in coverage["not_yet"]] == ["police"]
    assert coverage["not_yet"][0]["last_crawled_at"] is None  # never crawled: written directly
    assert coverage["unwatched"] == ["unarchived"]  # registered in the scope, not in this archive
    # the first mention (10 Oct, a date alone: midnight in Vietnam) to T0 + 4 h (15 Oct, 12:00)
    assert coverage["days_since_first_mention"] == 5
    assert coverage["observed_now"] == "2025-10-15T12:00:00+07:00"


def test_coverage_in_named_scopes_and_on_the_first_portals_clock(db_url, archive):
    writer, ids = archive
    assert [p["site"] for p in tracker(db_url, scope=["city"])["coverage"]["not_yet"]] == ["police"]
    only_far = tracker(db_url, scope=["province"])["coverage"]
    assert [r["site"] for r in only_far["relayed"]] == ["far"] and only_far["not_yet"] == []
    # A portal crawled on a replica clock 30 days ahead: its first mention is 35 days old on its clock.
    run = writer.start_run(ids["far"])
    writer.update_run(run, status="finished", finished_at=T0, stats={STAT: (30 * DAY).total_seconds()})
    coverage = tracker(db_url)["coverage"]
    assert coverage["days_since_first_mention"] == 35
    # 30-CT/TU: only the police cited it (in an attachment), the wards of its scope have not.
    other = tracker(db_url, "30-CT/TU")
    assert other["mentions"][0]["source"] == "attachment"
    assert [p["site"] for p in other["coverage"]["not_yet"]] == ["wa", "wb"]
    assert tracker(db_url, "99-NQ/TU") is None


def test_the_list_filters_by_type_issuer_and_first_mention(db_url, archive):
    def listed(**kwargs):
        with session_factory(db_url)() as session:
            page = list_documents(session, now=T0 + 4 * H, **kwargs)
        return page.total, [d["canonical"] for d in page.documents]

    # Most recently first mentioned first: 30-CT/TU (14 Oct), 123/QĐ-UBND (13th), 15/2023/NQ-HĐND (12th), 23-NQ/TU (10th)
    assert listed() == (4, ["30-CT/TU", "123/QĐ-UBND", "15/2023/NQ-HĐND", "23-NQ/TU"])
    assert listed(limit=2, offset=2) == (4, ["15/2023/NQ-HĐND", "23-NQ/TU"])
    assert listed(doc_type="NQ") == (2, ["15/2023/NQ-HĐND", "23-NQ/TU"])
    assert listed(issuer="TU") == (2, ["30-CT/TU", "23-NQ/TU"])
    assert listed(doc_type="NQ", issuer="HĐND") == (1, ["15/2023/NQ-HĐND"])
    assert listed(since=Since(at=T0 - 2 * DAY)) == (2, ["30-CT/TU", "123/QĐ-UBND"])
    assert listed(since=Since(back=2 * DAY + 5 * H)) == (2, ["30-CT/TU", "123/QĐ-UBND"])
    with session_factory(db_url)() as session:
        [doc] = [d for d in list_documents(session).documents if d["canonical"] == "23-NQ/TU"]
    assert [m["external_id"] for m in doc["mentions"]] == ["f1", "a1", "b1", "a2"]


def test_since_a_duration_is_read_on_each_first_portals_clock(db_url, archive):
    writer, ids = archive
    # wb's clock runs 10 days behind the system's: its documents' first mentions are recent on it.
    run = writer.start_run(ids["wb"])
    writer.update_run(run, status="finished", finished_at=T0, stats={STAT: (-10 * DAY).total_seconds()})
    with session_factory(db_url)() as session:
        page = list_documents(session, since=Since(back=2 * DAY + 5 * H), now=T0 + 4 * H + 10 * DAY)
    assert [d["canonical"] for d in page.documents] == ["123/QĐ-UBND"]


@pytest.mark.parametrize("typed, canonical", [
    ("23-NQ/TU", "23-NQ/TU"), ("23-nq/tu", "23-NQ/TU"), ("23 NQ/TU", "23-NQ/TU"), ("Nghị quyết số 23-NQ/TU", "23-NQ/TU"),
    ("nghị quyết số 23 nq/tu", "23-NQ/TU"), ("123 QĐ-UBND", "123/QĐ-UBND"), ("123/QĐ UBND", "123/QĐ-UBND"),
    ("15/2023/nq-hđnd", "15/2023/NQ-HĐND"), ("NQ TW8 khóa XIII", "NQ TW8 khóa XIII"),
])
def test_numbers_typed_loosely(typed, canonical):
    assert document_numbers(typed)[0] == canonical


@pytest.mark.parametrize("typed", ["khuyến học", "23", "", "NQ/TU"])
def test_what_is_no_number_is_bad_input(typed):
    with pytest.raises(QueryError, match="not a document number"):
        document_numbers(typed)


def test_d_typed_for_đ_finds_the_archived_number(db_url, archive):
    with session_factory(db_url)() as session:
        assert find_document(session, "123/qd-ubnd") == ("123/QĐ-UBND", True)
        assert find_document(session, "15/2023/NQ-HDND") == ("15/2023/NQ-HĐND", True)
        assert find_document(session, "23 nq/tu") == ("23-NQ/TU", True)
        assert find_document(session, "99-NQ/TU") == ("99-NQ/TU", False)
        assert find_document(session, "quyết định 123/qd-ubnd của ubnd tỉnh") == ("123/QĐ-UBND", True)


def test_issuer_codes():
    assert [issuer_code(v) for v in ("tu", "HDND", "ubnd", "ĐU", "du")] == ["TU", "HĐND", "UBND", "ĐU", "ĐU"]
    with pytest.raises(QueryError):
        issuer_code("Thành ủy")


def test_the_list_continues_after_a_pages_last_key(db_url, archive):
    """A stable cursor: each page's last_key, passed as `after`, gives the documents after it."""
    seen, after = [], None
    with session_factory(db_url)() as session:
        while True:
            page = list_documents(session, limit=3, after=after)
            assert page.total == 4
            seen += [d["canonical"] for d in page.documents]
            if len(page.documents) < 3:
                break
            after = page.last_key
    assert seen == ["30-CT/TU", "123/QĐ-UBND", "15/2023/NQ-HĐND", "23-NQ/TU"]


def test_the_tracker_uses_the_search_filters_public_functions():
    """One definition each: the tracker imports the search's number and type readers by their public names."""
    import ast
    from pathlib import Path

    import db.search.filters as filters
    import db.tracker as tracker

    tree = ast.parse(Path(tracker.__file__).read_text(encoding="utf-8"))
    private = [alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               for alias in node.names if alias.name.startswith("_")]
    assert private == []
    assert tracker.document_type is filters.document_type
    assert tracker.canonical_document_number is filters.canonical_document_number


def test_the_đ_folded_lookup_is_an_indexed_equality(db_url, archive):
    """A number typed with D for Đ is looked up by `canonical IN (…)` (the unique index), never by functions
    on the column (a full scan of documents per candidate)."""
    from sqlalchemy import event

    with session_factory(db_url)() as session:
        statements = []
        event.listen(session.bind, "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: statements.append(statement))
        assert find_document(session, "15/2023/nq-hdnd") == ("15/2023/NQ-HĐND", True)
        assert find_document(session, "123 qd-ubnd") == ("123/QĐ-UBND", True)
    lookups = [s for s in statements if "documents" in s]
    assert lookups and not [s for s in lookups if "replace(" in s.lower() or "upper(" in s.lower()]


@pytest.mark.parametrize("typed, canonical", [
    ("Quyết định 123/QĐ-UBND của UBND tỉnh", "123/QĐ-UBND"),
    ("Chỉ thị 05/CT-TTg của Thủ tướng", "05/CT-TTg"), ("05/ct-ttg", "05/CT-TTg"), ("05/CT-TTG", "05/CT-TTg"),
    ("theo Nghị quyết số 23-NQ/TU ngày 16/11/2023 của Thành ủy", "23-NQ/TU"),
    ("23-nq/tư", "23-NQ/TW"), ("23-NQ/TƯ", "23-NQ/TW"), ("Nghị quyết 23 nq/tư", "23-NQ/TW"),
])
def test_a_number_inside_a_phrase_and_tư_for_tw(typed, canonical):
    assert document_numbers(typed)[0] == canonical


def test_two_numbers_in_a_phrase_ask_for_one():
    with pytest.raises(QueryError, match="names 2 document numbers.*23-NQ/TU.*123/QĐ-UBND.*give one"):
        document_numbers("Nghị quyết 23-NQ/TU và Quyết định 123/QĐ-UBND")
    with pytest.raises(QueryError, match="names 2 document numbers"):
        document_numbers("theo 23-nq/tu và 123/qd-ubnd")


def test_tư_is_tw_as_an_issuer():
    assert issuer_code("tư") == issuer_code("TƯ") == "TW"


def test_the_prime_ministers_directive_is_keyed_05_ct_ttg_and_found_in_any_case(db_url):
    """Written by the real writer from a page's text as the extractor reads it (vntext.docrefs)."""
    from vntext.docrefs import find_references

    [ref] = find_references("Thực hiện Chỉ thị số 05/CT-TTg ngày 13/3/2024 của Thủ tướng Chính phủ về tăng cường.")
    writer = ArchiveWriter(db_url)
    portal = writer.ensure_portal("wa", "Cổng wa", "https://wa.example.vn", "hanoi")
    writer.write_articles(portal, [{"external_id": "t1", "url": "https://example.vn/t1", "title": "Bài t1",
                                    "published_at": T0, "published_has_time": True, "fetched_at": T0,
                                    "references": [ref.to_json() | {"source": "text"}]}])
    with session_factory(db_url)() as session:
        for typed in ("05/CT-TTg", "05/ct-ttg", "05/CT-TTG", "Chỉ thị 05/ct-ttg"):
            assert find_document(session, typed) == ("05/CT-TTg", True), typed
        assert document_tracker(session, "05/CT-TTg", SCOPES, now=T0)["issuer"] == "TTg"
        assert [d["canonical"] for d in list_documents(session, issuer=issuer_code("ttg")).documents] == ["05/CT-TTg"]


# ---- one document's mentions, a page at a time --------------------------------------------------------------
@pytest.fixture
def popular(db_url):
    """23-NQ/TU cited by 250 articles on three portals (wa: 120, one of them undated, wb: 80, far: 50, on the
    minute ties across portals), and 30-CT/TU by one police article."""
    writer = ArchiveWriter(db_url)
    ids = {key: writer.ensure_portal(key, f"Cổng {key}", f"https://{key}.example.vn", "hanoi")
           for key in ("wa", "wb", "police", "far")}
    for key, count in (("wa", 120), ("wb", 80), ("far", 50)):
        writer.write_articles(ids[key], [article(f"{key}{i:03d}", None if (key, i) == ("wa", 7) else T0 - i * H,
                                                 T0, "23-NQ/TU") for i in range(count)])
    writer.write_articles(ids["police"], [article("p1", T0 - DAY, T0, "30-CT/TU")])
    # Expected order: citing order (db.documents.citing_order), written out: dated first, earliest first,
    # ties (the same hour on several portals) by portal key then external id; the undated one last.
    expected = sorted(((T0 - i * H, key, f"{key}{i:03d}") for key, count in (("wa", 120), ("wb", 80), ("far", 50))
                       for i in range(count) if (key, i) != ("wa", 7)), key=lambda e: (e[0], e[1], e[2]))
    return writer, ids, [(key, ext) for _, key, ext in expected] + [("wa", "wa007")]


def test_a_documents_mentions_come_a_page_at_a_time_with_a_stable_cursor(db_url, popular):
    writer, ids, expected = popular
    seen, after, pages = [], None, 0
    while True:
        doc = tracker(db_url, limit=100, after=after)
        assert doc["mention_count"] == (250 if pages == 0 else 251) and len(doc["mentions"]) <= 100
        seen += [(m["site"], m["external_id"]) for m in doc["mentions"]]
        pages += 1
        if doc["next"] is None:
            break
        after = doc["next"]
        if pages == 1:  # a mention stored meanwhile, earlier than the page's end: it neither repeats nor hides a row
            writer.write_articles(ids["wb"], [article("late", T0 - 1000 * H, T0 + H, "23-NQ/TU")])
    assert pages == 3 and seen == expected
    # the offset the CLI's --page uses counts from the first mention: the late one is first now
    assert tracker(db_url, limit=1)["mentions"][0]["external_id"] == "late"
    assert [(m["site"], m["external_id"]) for m in tracker(db_url, limit=100, offset=100)["mentions"]] == \
        expected[99:199]


def test_coverage_and_counts_come_from_every_mention_not_the_page(db_url, popular):
    doc = tracker(db_url, limit=3)
    assert len(doc["mentions"]) == 3 and doc["mention_count"] == 250 and doc["next"] is not None
    assert doc["portals"] == ["wa", "wb", "far"]  # in order of their first mentions, though far is not on the page
    assert [(r["site"], r["mentions"]) for r in doc["coverage"]["relayed"]] == [("wa", 120), ("wb", 80), ("far", 50)]
    assert [r["first_published_at"] for r in doc["coverage"]["relayed"]] == [
        "2025-10-10T09:00:00+07:00", "2025-10-12T01:00:00+07:00", "2025-10-13T07:00:00+07:00"]
    assert [p["site"] for p in doc["coverage"]["not_yet"]] == ["police"]
    assert doc["first_mentioned_at"] == "2025-10-10T09:00:00+07:00"  # wa's 119 h before T0


def test_one_document_reads_only_a_page_of_mention_rows(db_url, popular):
    """The statements the tracker runs return a page of mentions and a row per portal, never all 250: each
    statement that reads document_mentions is run again as it was sent and its rows counted."""
    from sqlalchemy import event, text

    sent = []
    with session_factory(db_url)() as session:
        event.listen(session.bind, "before_cursor_execute",
                     lambda conn, cursor, statement, params, *rest: sent.append((statement, params)))
        doc = document_tracker(session, "23-NQ/TU", SCOPES, now=T0, limit=10)
        reads = [(statement, params) for statement, params in sent if "document_mentions" in statement]
        returned = [len(session.connection().exec_driver_sql(statement, params).all()) for statement, params in reads]
    assert len(doc["mentions"]) == 10 and doc["mention_count"] == 250 and text
    assert reads and max(returned) <= 11  # 10 rows and one to know a next page exists; 3 portal rows


def test_a_bad_page_is_a_query_error(db_url, popular):
    with pytest.raises(QueryError, match="limit must be at least 1"):
        tracker(db_url, limit=0)

    # a cursor time whose UTC reading leaves years 1-9999: it overflowed when bound (a 500 on the API)
    for at in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"):
        with pytest.raises(QueryError, match="not a cursor"):
            tracker(db_url, limit=10, after=[at, "wa", "wa001"])


def test_ties_go_in_code_point_order_on_every_engine(db_url):
    """Ties by portal key, then external id, compared as Python compares them (citing_order): in code-point
    order, whatever the database's collation. On a PostgreSQL database with an ICU "en" collation (createdb
    --locale-provider=icu --icu-locale=en) the SQL order put "wa" before "Wb" and "a1" before "B1": the
    first mention and the first portal disagreed, and paging by cursor lost rows. (SQLite's BINARY and a
    C-collated PostgreSQL already compare code points.)"""
    writer = ArchiveWriter(db_url)
    ids = {key: writer.ensure_portal(key, f"Cổng {key}", f"https://{key}.example.vn", "hanoi") for key in ("wa", "Wb")}
    writer.write_articles(ids["wa"], [article(e, T0, T0, "23-NQ/TU") for e in ("a1", "B1")])
    writer.write_articles(ids["Wb"], [article(e, T0, T0, "23-NQ/TU") for e in ("c1", "D1")])
    expected = [("Wb", "D1"), ("Wb", "c1"), ("wa", "B1"), ("wa", "a1")]  # sorted() of the pairs
    doc = tracker(db_url)
    assert [(m["site"], m["external_id"]) for m in doc["mentions"]] == expected == sorted(expected)
    assert doc["portals"] == ["Wb", "wa"] and doc["portals"][0] == doc["mentions"][0]["site"]
    seen, after = [], None
    while True:  # a page at a time, each after the previous page's key
        page = tracker(db_url, limit=1, after=after)
        seen += [(m["site"], m["external_id"]) for m in page["mentions"]]
        if (after := page["next"]) is None:
            break
    assert seen == expected


def test_revision_0012_rekeys_an_archives_ttg_documents_and_their_events(db_url):
    """An archive written before: the Prime Minister's directive keyed 05/CT-TTG (issuer TTG), its new_document
    event naming it so; 0012 re-keys both to TTg, leaves other documents alone, and its downgrade writes TTG."""
    from alembic import command
    from sqlalchemy import select

    from db.engine import get_engine
    from db.models import Document, Event
    from db.schema import _upgraded, alembic_config, upgrade

    writer = ArchiveWriter(db_url)
    portal = writer.ensure_portal("wa", "Cổng wa", "https://wa.example.vn", "hanoi")
    old = {"canonical": "05/CT-TTG", "system": "state", "type": "CT", "type_name": "Chỉ thị", "number": "05",
           "issuer": "TTG", "sentence": "Chỉ thị số 05/CT-TTG của Thủ tướng.", "source": "text"}
    writer.write_articles(portal, [article("a1", T0, T0, "123/QĐ-UBND") | {"references": [
        old, REFS["123/QĐ-UBND"] | {"canonical": "123/QĐ-UBND", "sentence": "Quyết định 123/QĐ-UBND.", "source": "text"}]}])
    with session_factory(db_url)() as session:
        doc = session.scalar(select(Document).where(Document.canonical == "05/CT-TTG"))
        session.add(Event(key=f"new_document:{doc.id}", kind="new_document", portal_id=portal, document_id=doc.id,
                          occurred_at=T0, payload={"canonical": "05/CT-TTG", "issuer": "TTG", "type": "CT"}))
        session.commit()

    def stored():
        with session_factory(db_url)() as session:
            docs = sorted(session.execute(select(Document.canonical, Document.issuer)).all())
            return docs, session.scalar(select(Event.payload))

    config = alembic_config()
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.stamp(config, "0011")  # as an archive of the release before
    _upgraded.discard(db_url)
    upgrade(db_url)
    docs, payload = stored()
    assert docs == [("05/CT-TTg", "TTg"), ("123/QĐ-UBND", "UBND")]
    assert payload == {"canonical": "05/CT-TTg", "issuer": "TTg", "type": "CT"}
    with session_factory(db_url)() as session:
        assert find_document(session, "05/ct-ttg") == ("05/CT-TTg", True)
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")
    assert stored()[0] == [("05/CT-TTG", "TTG"), ("123/QĐ-UBND", "UBND")]


def test_docs_number_json_and_csv_print_every_mention_page_after_page(db_url, popular, capsys, monkeypatch):
    """`docs NUMBER --json/--csv` printed every mention before it took --limit/--page; without them it still
    does, read a page per statement (here 100 at a time: 3 statements for 250), never in one query."""
    import csv
    import io
    import json

    from db import tracker as db_tracker
    from monitor.cli import documents, main

    _, _, expected = popular
    limits = []
    real = db_tracker.mention_page

    def spy(*args, **kwargs):
        limits.append(kwargs["limit"])
        return real(*args, **kwargs)

    monkeypatch.setattr(db_tracker, "mention_page", spy)
    monkeypatch.setattr(documents, "EVERY_PAGE", 100)
    scope = ["--scope", "wa,wb,far,police", "--db", db_url]  # police: a portal of the scopes that has not relayed it
    assert main(["docs", "23-NQ/TU", "--json", *scope]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(m["site"], m["external_id"]) for m in doc["mentions"]] == expected and doc["next"] is None
    assert limits == [100, 100, 100]
    assert main(["docs", "23-NQ/TU", "--csv", *scope]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out, newline="")))
    assert [(r["status"], r["site"]) for r in rows] == [("relayed", s) for s, _ in expected] + [("not_yet", "police")]
    # --limit or --page: one page as before; the not_yet rows (the document's, not the page's) on page 1 only
    for args, page, not_yet in ((["--limit", "100"], expected[:100], True), (["--page", "2"], expected[100:200], False),
                                (["--page", "3", "--limit", "100"], expected[200:], False)):
        assert main(["docs", "23-NQ/TU", "--csv", *args, *scope]) == 0
        rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out, newline="")))
        assert [(r["status"], r["site"]) for r in rows] == [("relayed", s) for s, _ in page] + (
            [("not_yet", "police")] if not_yet else []), args
    assert main(["docs", "23-NQ/TU", "--json", "--limit", "10", *scope]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["mentions"]) == 10 and doc["next"] is not None
