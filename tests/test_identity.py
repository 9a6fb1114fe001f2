"""Stable identity and one observation clock (issue 11, item 3), each reproduced by crawls of the replica:
a portal restarted on another port edits nothing; a portal moving to another host is one source_moved
and nothing else; simulated hours are observed hours (no false views_spike, a real one still found);
a counter that goes backwards starts a new series (no spike, no repeated milestone)."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from crawler.replica import Fault, Replica
from crawler.replica.portals import DEFAULT_PORTALS
from crawler.settings import LOOPBACK_OVERRIDES
from db.engine import session_factory
from db.models import Article, ArticleVersion, Attachment, Event, Portal, utcnow
from db.store import ArchiveWriter
from monitor.crawling import _forward_offset
from monitor.scheduler import Monitor
from tests.conftest import sqlite_url
from tests.test_archive_upgrade import Cli, copy_archive
from tests.test_detection import CONFIG  # every known article re-checked on every run


@pytest.fixture
def watch(tmp_path, replica):
    """A Monitor of one replica portal, observing with the replica's clock."""
    def make(site: str) -> Monitor:
        config = tmp_path / "portalwatch.toml"
        config.write_text(CONFIG.format(sites=f'"{site}"', stale="30d"), encoding="utf-8")
        return Monitor(sqlite_url(tmp_path), str(config), base_urls=replica.base_urls,
                       crawl_settings=LOOPBACK_OVERRIDES, clock=replica.clock_offset)
    return make


def events_after(monitor: Monitor, since: int = 0) -> list[Event]:
    with session_factory(monitor.db_url)() as session:
        return session.scalars(select(Event).where(Event.id > since).order_by(Event.id)).all()


def last_event_id(monitor: Monitor) -> int:
    with session_factory(monitor.db_url)() as session:
        return session.scalar(select(func.max(Event.id))) or 0


def archive_counts(monitor: Monitor) -> tuple[int, int]:
    with session_factory(monitor.db_url)() as session:
        return session.scalar(select(func.count(Article.id))), session.scalar(select(func.count(ArticleVersion.id)))


def moved(monitor: Monitor, replica, site: str, host: str | None = None) -> None:
    replica.move(site, host=host)
    monitor.base_urls = replica.base_urls  # the registry's base URL for the portal changes with it


def test_a_portal_restarted_on_another_port_edits_nothing(watch, replica):
    monitor = watch("nhontrach")
    monitor.run_once()
    with session_factory(monitor.db_url)() as session:
        attachments = session.scalar(select(func.count(Attachment.id)))
    assert attachments > 0  # what the key is about is there
    start, before = last_event_id(monitor), archive_counts(monitor)
    moved(monitor, replica, "nhontrach")  # its pages' links change with it: every page answers 200, not 304
    monitor.run_once()
    assert [e.kind for e in events_after(monitor, start)] == []
    assert archive_counts(monitor) == before
    with session_factory(monitor.db_url)() as session:
        # one attachments row per file still, its URL the one last fetched
        assert session.scalar(select(func.count(Attachment.id))) == attachments
        base = replica.base_urls["nhontrach"]
        assert all(url.startswith(base) for url in session.scalars(select(Attachment.url)))
        assert all(url.startswith(base) for url in session.scalars(select(Article.url)))


def test_a_portal_that_moves_host_is_one_source_moved_and_nothing_else(watch, replica):
    monitor = watch("nhontrach")
    monitor.run_once()
    old_base = replica.base_urls["nhontrach"]
    start, before = last_event_id(monitor), archive_counts(monitor)
    with session_factory(monitor.db_url)() as session:
        ids = set(session.scalars(select(Article.external_id)))
    moved(monitor, replica, "nhontrach", host="localhost")
    monitor.run_once()
    new = events_after(monitor, start)
    assert [e.kind for e in new] == ["source_moved"]
    new_base = replica.base_urls["nhontrach"]
    assert new_base.startswith("http://localhost:")
    assert new[0].payload == {"old_base": old_base, "new_base": new_base}
    assert archive_counts(monitor) == before  # same articles, same history
    with session_factory(monitor.db_url)() as session:
        rows = session.execute(select(Article.external_id, Article.url)).all()
    assert {external_id for external_id, _ in rows} == ids
    assert all(url.startswith(new_base + "/") for _, url in rows)
    monitor.run_once()  # settled at the new address: silence
    assert [e.kind for e in events_after(monitor, start)] == ["source_moved"]


def test_a_move_whose_first_run_fails_is_told_by_the_next_finished_run(watch, replica):
    """The move is recorded when its run is queued; that run failing (or being cancelled) must not lose
    it (before: finished, failed at the new address, finished gave no event at all)."""
    monitor = watch("nhontrach")
    monitor.run_once()
    old_base = replica.base_urls["nhontrach"]
    start = last_event_id(monitor)
    moved(monitor, replica, "nhontrach", host="localhost")
    replica.set_fault("nhontrach", Fault(status=503))
    monitor.run_once()  # the first run at the new address fails
    assert [e.kind for e in events_after(monitor, start)] == []
    replica.clear_faults()
    monitor.run_once()
    new = events_after(monitor, start)
    assert [e.kind for e in new] == ["source_moved"]
    assert new[0].payload == {"old_base": old_base, "new_base": replica.base_urls["nhontrach"]}
    monitor.run_once()  # told once
    assert [e.kind for e in events_after(monitor, start)] == ["source_moved"]


def test_a_portal_down_is_told_on_the_observation_clock(watch, replica):
    """source_down's since and source_up's down_since are the first failed run's start as its portal's
    clock read it, like the event's own time (before: the system clock's, "down since" a year after the
    event occurred on the replica)."""
    monitor = watch("caugiay")
    monitor.run_once()
    start = last_event_id(monitor)
    replica.set_fault("caugiay", Fault(status=503))
    for _ in range(3):
        replica.advance(hours=1)
        monitor.run_once()
    replica.clear_faults()
    replica.advance(hours=1)
    monitor.run_once()
    down, up = [e for e in events_after(monitor, start) if e.kind in ("source_down", "source_up")]
    since = datetime.fromisoformat(down.payload["since"])
    assert timedelta(hours=2) <= down.occurred_at - since < timedelta(hours=3)
    assert up.payload["down_since"] == down.payload["since"]


def test_simulated_hours_are_observed_hours(watch, replica):
    """A 12-hour jump of the replica's clock crawled seconds later is 12 hours of readership, not a spike
    (before the clock: 1 h then 12 h of growth, each over a few real seconds, read as a 12x spike)."""
    monitor = watch("caugiay")
    target = replica.visible("caugiay")[2]
    monitor.run_once()
    replica.advance(hours=1)
    monitor.run_once()
    replica.advance(hours=12)
    start = last_event_id(monitor)
    monitor.run_once()
    assert [e for e in events_after(monitor, start) if e.kind == "views_spike"] == []
    target.views_per_hour = 800  # a real surge, in simulated time
    replica.advance(hours=1)
    start = last_event_id(monitor)
    monitor.run_once()
    spikes = [e for e in events_after(monitor, start) if e.kind == "views_spike"]
    assert [e.payload["article"]["external_id"] for e in spikes] == [target.external_id]
    # per simulated hour: the growth of the one hour the replica's clock moved (the replica applies a
    # new rate to the article's whole life, so the jump is larger than 800)
    assert spikes[0].payload["per_hour"] == pytest.approx(spikes[0].payload["delta"], rel=0.01)


def test_a_counter_reset_starts_a_new_series(watch, replica):
    monitor = watch("caugiay")
    target = next(a for a in replica.visible("caugiay") if replica.views("caugiay", a) < 300)
    target.views_per_hour = 300
    for _ in range(3):  # three readings a simulated hour apart: the counter passes 600
        monitor.run_once()
        replica.advance(hours=1)
    milestones = [e for e in events_after(monitor) if e.kind == "views_milestone"]
    assert [e.payload["milestone"] for e in milestones] == [600]
    start = last_event_id(monitor)
    replica.reset_views("caugiay")  # a CMS migration: every counter starts again from 0
    monitor.run_once()  # the counters went backwards
    replica.advance(hours=1)
    monitor.run_once()  # the new series grows at its usual rate, past 600 again for the target
    replica.advance(hours=1)
    monitor.run_once()
    assert replica.views("caugiay", target) >= 600
    about_views = [e.kind for e in events_after(monitor, start) if e.kind not in ("new_article", "new_document")]
    assert about_views == []  # articles published meanwhile are news; nothing about counters is


def test_an_archive_from_before_the_link_keys_crawled_again_edits_nothing(tmp_path):
    """The pre-issue-10 archive (tests/fixtures/archives) hashed its versions over full attachment URLs
    on a replica since gone: upgraded, then crawled on a replica serving the same content on other ports,
    every stored article is re-checked and none is edited."""
    cli = Cli(copy_archive(tmp_path))
    cli.run("events", "--kind", "no-such-kind")  # the upgrade, by the command line like a user's
    # The replica make_pre_issue10.py wrote the archive from: the same histories, the same edit.
    sizes = {"bactuliem": 16, "nhontrach": 14, "ninhphuoc": 12}
    specs = tuple(replace(spec, history=sizes[spec.key], future=10) for spec in DEFAULT_PORTALS if spec.key in sizes)
    with session_factory(cli.url)() as session:
        latest = dict(session.execute(select(Portal.key, func.max(Article.last_fetched_at)).join(Article)
                                      .group_by(Portal.key)).all())
    with Replica(specs) as replica:
        edited = replica.visible("nhontrach")[3]
        replica.advance(hours=6)
        replica.edit("nhontrach", edited.external_id, title=edited.title + " (cập nhật)")
        # The archive was observed on the system clock (late 2026): the replica's clock moves past it,
        # so every stored article is due for its re-check (its last future articles appear meanwhile).
        replica.advance(seconds=max((latest[key] - replica.now(key)).total_seconds() for key in sizes) + 3600)
        config = tmp_path / "portalwatch.toml"
        config.write_text(CONFIG.format(sites=", ".join(f'"{key}"' for key in sizes), stale="30d"), encoding="utf-8")
        monitor = Monitor(cli.url, str(config), base_urls=replica.base_urls, crawl_settings=LOOPBACK_OVERRIDES,
                          clock=replica.clock_offset)
        start = last_event_id(monitor)
        with session_factory(monitor.db_url)() as session:
            attachments = session.scalar(select(func.count(Attachment.id)))
            fetched_before = session.scalar(select(func.max(Article.last_fetched_at)))
        monitor.run_once()
    with session_factory(monitor.db_url)() as session:
        refetched = session.scalar(select(func.count(Article.id)).where(Article.last_fetched_at > fetched_before))
        attachments_after = session.scalar(select(func.count(Attachment.id)).join(
            Article, Article.id == Attachment.article_id).where(Article.first_seen_at <= fetched_before))
    assert refetched >= 40
    assert [e.payload["changes"] for e in events_after(monitor, start) if e.kind == "edited"] == []
    assert attachments_after == attachments  # a row per file of the stored articles still


def test_a_clock_behind_the_archive_observes_after_its_latest_fetch(tmp_path):
    """An archive observed on another clock (one from before the observation clock, crawled with the
    replica's): a crawl stamped earlier than its fetches would be ignored whole as a late replay."""
    writer = ArchiveWriter(sqlite_url(tmp_path))
    portal_id = writer.ensure_portal("caugiay", "Phường Cầu Giấy", "http://127.0.0.1:1", "hanoi")
    latest = utcnow() + timedelta(days=3)
    writer.write_articles(portal_id, [{"external_id": "1", "url": "http://127.0.0.1:1/a-1.htm", "title": "Tin",
                                       "body_text": "Thân bài.", "views": 5, "fetched_at": latest}])
    offset = _forward_offset(writer, portal_id, timedelta(days=-400))
    assert latest < utcnow() + offset < latest + timedelta(minutes=1)
    assert _forward_offset(writer, portal_id, timedelta(days=30)) == timedelta(days=30)  # ahead: left alone


# ---- attachments: one row per file, keyed as the version keys it ----------------------------------
T0 = datetime(2025, 10, 15, 1, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)
CAUGIAY = "https://caugiay.hanoi.gov.vn"
ON_SITE = {"title": "QĐ 12", "url": f"{CAUGIAY}/Uploads/qd-12.pdf", "file_type": "pdf", "file_name": "qd-12.pdf"}
OFF_SITE = {"title": "QĐ 12 (TP)", "url": "https://vanban.hanoi.gov.vn/Uploads/qd-12.pdf", "file_type": "pdf",
            "file_name": "qd-12.pdf"}


def fetched(base: str, hour: int, attachments: list[dict]) -> dict:
    return {"external_id": "7", "url": f"{base}/tin/bai-7.htm", "title": "Quyết định 12", "body_text": "Thân bài.",
            "attachments": attachments, "fetched_at": T0 + timedelta(hours=hour)}


def attachment_urls(url: str) -> list[str]:
    with session_factory(url)() as session:
        return sorted(session.scalars(select(Attachment.url)))


def test_one_path_on_two_hosts_is_two_attachments(db_url):
    """The same path on the portal and on an off-site document server: two files, two rows (before: one
    row, the version listing two)."""
    writer = ArchiveWriter(db_url)
    portal = writer.ensure_portal("caugiay", "Phường Cầu Giấy", CAUGIAY, "hanoi")
    first = writer.write_articles(portal, [fetched(CAUGIAY, 0, [ON_SITE, OFF_SITE])])
    assert first.attachments_new == 2
    assert attachment_urls(db_url) == sorted([ON_SITE["url"], OFF_SITE["url"]])
    again = writer.write_articles(portal, [fetched(CAUGIAY, 1, [OFF_SITE, ON_SITE])])
    assert (again.changed, again.attachments_new) == (0, 0)
    assert attachment_urls(db_url) == sorted([ON_SITE["url"], OFF_SITE["url"]])


def test_an_archive_holding_both_rows_is_written_again(db_url):
    """An archive from before link keys already holds a row per host: the next fetch updates each row
    in place (before: one row's url rewritten onto the other's, uq_attachments_article_url on every try,
    the article's whole batch failed on every crawl)."""
    writer = ArchiveWriter(db_url)
    portal = writer.ensure_portal("caugiay", "Phường Cầu Giấy", CAUGIAY, "hanoi")
    writer.write_articles(portal, [fetched(CAUGIAY, 0, [ON_SITE])])
    with session_factory(db_url)() as session, session.begin():
        article_id = session.scalar(select(Article.id))
        session.add(Attachment(article_id=article_id, url=OFF_SITE["url"], title=OFF_SITE["title"],
                               file_type="pdf", file_name="qd-12.pdf", first_seen_at=T0, last_seen_at=T0))
    result = writer.write_articles(portal, [fetched(CAUGIAY, 1, [OFF_SITE, ON_SITE])])
    assert result.attachments_new == 0
    with session_factory(db_url)() as session:
        rows = {a.url: a.last_seen_at for a in session.scalars(select(Attachment))}
    assert rows == {ON_SITE["url"]: T0 + H, OFF_SITE["url"]: T0 + H}


def test_a_portal_moving_host_keeps_one_row_per_file(db_url):
    """After a move to another host, the portal's own files are still its files: each row takes the new
    URL; the off-site file keeps its row."""
    writer = ArchiveWriter(db_url)
    portal = writer.ensure_portal("caugiay", "Phường Cầu Giấy", CAUGIAY, "hanoi")
    writer.write_articles(portal, [fetched(CAUGIAY, 0, [ON_SITE, OFF_SITE])])
    new_base = "https://caugiay.hanoi.gov.vn.example"
    assert writer.register_portal("caugiay", "Phường Cầu Giấy", new_base, "hanoi") == (portal, CAUGIAY)
    moved = dict(ON_SITE, url=f"{new_base}/Uploads/qd-12.pdf")
    result = writer.write_articles(portal, [fetched(new_base, 1, [moved, OFF_SITE])])
    assert (result.changed, result.attachments_new) == (0, 0)
    assert attachment_urls(db_url) == sorted([moved["url"], OFF_SITE["url"]])


def test_a_version_from_before_the_link_keys_is_keyed_where_it_was_fetched(db_url):
    """A version stored before link keys, not re-fetched before its portal moved host: its attachments are
    keyed against the page it was read from (its raw page), not against the article's rebased URL (before:
    the old host's files keyed as off-site, a full attachments diff, a false edit)."""
    writer = ArchiveWriter(db_url)
    portal = writer.ensure_portal("caugiay", "Phường Cầu Giấy", CAUGIAY, "hanoi")
    writer.write_articles(portal, [fetched(CAUGIAY, 0, [ON_SITE, OFF_SITE]) | {"raw_html": "<html>Tin</html>"}])
    with session_factory(db_url)() as session, session.begin():
        version = session.scalar(select(ArticleVersion))
        # as an archive from before link keys holds it: no keys, a hash over the full URLs
        version.attachments = [{k: v for k, v in a.items() if k != "key"} for a in version.attachments]
        version.content_hash = "0" * 64
        session.execute(update(Article).values(content_hash="0" * 64))
    new_base = "https://caugiay.hanoi.gov.vn.example"
    writer.register_portal("caugiay", "Phường Cầu Giấy", new_base, "hanoi")
    moved = dict(ON_SITE, url=f"{new_base}/Uploads/qd-12.pdf")
    result = writer.write_articles(portal, [fetched(new_base, 1, [moved, OFF_SITE])])
    assert (result.changed, result.unchanged, result.versions) == (0, 1, 0)
