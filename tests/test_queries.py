"""db.queries: what the CLI reads from the archive, as plain data, on each engine."""
import json
from datetime import datetime, timedelta

from sqlalchemy import Column, Float, MetaData, String, Table

from db.engine import get_engine, session_factory
from db.models import CrawlRun, Event, Portal
from db.queries import last_runs, list_events, newest_events, scheduled_runs
from db.schema import upgrade
from tests.conftest import FIXTURES
from vntext.dates import VN_TZ

T0 = datetime(2024, 5, 10, 9, 0, tzinfo=VN_TZ)


def recorded(kind: str) -> dict:
    """A real payload of the kind (tests/fixtures/events/recorded), so the rows are ones the typed code reads."""
    return json.loads((FIXTURES / "events" / "recorded" / f"{kind}.json").read_text(encoding="utf-8"))["payload"]


NEW_DOCUMENT = recorded("new_document")


def seed(db_url):
    upgrade(db_url)
    with session_factory(db_url)() as s, s.begin():
        a = Portal(key="caugiay", name="Cầu Giấy", base_url="http://127.0.0.1:1/", profile="hanoi")
        b = Portal(key="hoangliet", name="Hoàng Liệt", base_url="http://127.0.0.1:2/", profile="hanoi")
        s.add_all([a, b])
        s.flush()
        s.add_all([
            Event(key="e1", kind="new_article", portal_id=a.id, occurred_at=T0, created_at=T0, payload=recorded("new_article")),
            Event(key="e2", kind="new_document", portal_id=a.id, occurred_at=T0, created_at=T0 + timedelta(hours=1),
                  payload=NEW_DOCUMENT),
            Event(key="e3", kind="edited", portal_id=b.id, occurred_at=T0, created_at=T0 + timedelta(hours=2),
                  payload=recorded("edited")),
            CrawlRun(portal_id=a.id, status="failed", started_at=T0, mode="full"),
            CrawlRun(portal_id=a.id, status="finished", started_at=T0 + timedelta(hours=1), pages=7, articles_new=3,
                     mode="incremental", message=""),
        ])


def test_events_listing_filters_and_fields(db_url):
    seed(db_url)
    with session_factory(db_url)() as s:
        every = list_events(s)
        assert [e["key"] for e in every] == ["e1", "e2", "e3"]
        assert every[1] == {"id": every[1]["id"], "key": "e2", "kind": "new_document", "site": "caugiay",
                            "article_id": None, "document_id": None, "occurred_at": "2024-05-10T09:00:00+07:00",
                            "created_at": "2024-05-10T10:00:00+07:00", "payload": NEW_DOCUMENT}
        assert [e["key"] for e in list_events(s, since=T0 + timedelta(minutes=30))] == ["e2", "e3"]
        assert [e["key"] for e in list_events(s, kinds=["edited", "new_article"])] == ["e1", "e3"]
        assert [e["key"] for e in list_events(s, site="caugiay", kinds=["edited"])] == []
        assert [e["key"] for e in list_events(s, limit=2)] == ["e1", "e2"]
        assert [e["key"] for e in list_events(s, after_id=every[0]["id"], limit=1)] == ["e2"]
        assert [e["key"] for e in list_events(s, newest_first=True, before_id=every[2]["id"])] == ["e2", "e1"]
        assert list_events(s, doc_types=["NQ"]) == []  # no event here is about a document
        assert [e.key for e in newest_events(s, limit=2)] == ["e3", "e2"]
        assert [e.key for e in newest_events(s, since=T0 + timedelta(hours=2), limit=10)] == ["e3"]


def test_last_runs_and_the_schedule(db_url):
    seed(db_url)
    Session = session_factory(db_url)
    with Session() as s:
        runs = last_runs(s, ["caugiay", "hoangliet", "not-archived"])
        assert runs["hoangliet"] is None and runs["not-archived"] is None
        assert runs["caugiay"] == {"id": runs["caugiay"]["id"], "status": "finished", "mode": "incremental",
                                   "started_at": "2024-05-10T10:00:00+07:00", "pages": 7, "articles_new": 3,
                                   "message": ""}
        # No scheduler has run on this archive: no job table, no next runs, and the session still works.
        assert scheduled_runs(s) == {}
        assert len(list_events(s)) == 3
    jobs = Table("apscheduler_jobs", MetaData(), Column("id", String(191), primary_key=True),
                 Column("next_run_time", Float))
    with get_engine(db_url).begin() as connection:
        jobs.create(connection)
        connection.execute(jobs.insert(), [{"id": "crawl:caugiay", "next_run_time": T0.timestamp()},
                                           {"id": "crawl:hoangliet", "next_run_time": None}])  # a paused job
    with Session() as s:
        assert scheduled_runs(s) == {"crawl:caugiay": T0}
