"""Change detection in the changedetection.io style: the replica serves a "before" state, its
clock moves, the next run sees the "after" state, and we assert exactly the events expected —
and, for the noise cases, that none appear."""
from collections import Counter

import pytest
from sqlalchemy import select

from crawler.replica import Fault
from crawler.settings import LOOPBACK_OVERRIDES
from db.engine import session_factory
from db.models import Article, CrawlRun, Event, RemovalCause, Tombstone
from monitor.events.registry import load_payload
from monitor.scheduler import LeaseHeld, Monitor
from tests.conftest import sqlite_url

CONFIG = """
[schedule]
interval = "1h"
sites = [{sites}]

[crawl]
safety_depth = 1
refetch = [["*", "1s"]]   # every known article is re-checked on every run (the replica's clock is simulated)

[detection]
views_spike_per_hour = 40
views_spike_ratio = 3.0
views_milestones = [600]
removed_after_404 = 2
down_after_failed_runs = 3
stale_after = "{stale}"
"""


@pytest.fixture
def make_monitor(tmp_path, replica):
    def make(sites=("caugiay",), stale="30d", db_url=None):
        config = tmp_path / "portalwatch.toml"
        config.write_text(CONFIG.format(sites=", ".join(f'"{s}"' for s in sites), stale=stale), encoding="utf-8")
        return Monitor(db_url or sqlite_url(tmp_path), str(config), base_urls=replica.base_urls,
                       crawl_settings=LOOPBACK_OVERRIDES, clock=replica.clock_offset)
    return make


def events(monitor, since_id=0):
    with session_factory(monitor.db_url)() as session:
        return session.scalars(select(Event).where(Event.id > since_id).order_by(Event.id)).all()


def causes(monitor):
    """external id -> the cause of its tombstones, oldest first."""
    with session_factory(monitor.db_url)() as session:
        rows = session.execute(select(Article.external_id, Tombstone.cause).join(Tombstone, Tombstone.article_id == Article.id)
                               .order_by(Tombstone.id))
        out = {}
        for external_id, cause in rows:
            out.setdefault(external_id, []).append(cause)
        return out


def kinds(evs):
    return Counter(e.kind for e in evs)


def last_id(monitor):
    evs = events(monitor)
    return evs[-1].id if evs else 0


def test_first_run_sees_every_article_and_document(make_monitor, replica):
    monitor = make_monitor(("bactuliem",))
    monitor.run_once()
    evs = events(monitor)
    counts = kinds(evs)
    assert counts["new_article"] == len(replica.visible("bactuliem"))
    assert all(e.payload["baseline"] for e in evs if e.kind == "new_article")
    docs = {e.payload["canonical"]: e for e in evs if e.kind == "new_document"}
    assert "23-NQ/TU" in docs
    nq = docs["23-NQ/TU"]
    assert nq.payload["issued_on"] == "2023-11-16" and nq.payload["issuer"] == "TU" and nq.payload["type_name"] == "Nghị quyết"
    assert "Nghị quyết số 23-NQ/TU ngày 16/11/2023" in nq.payload["sentence"]
    assert nq.payload["article"]["title"].startswith("Gần 300 đại biểu")
    assert set(counts) <= {"new_article", "new_document"}
    # detection again over the same runs adds nothing
    from db.models import CrawlRun
    from monitor.detect import Detector
    with session_factory(monitor.db_url)() as session, session.begin():
        for run in session.scalars(select(CrawlRun)):
            Detector(session, monitor.config.detection).run(run)
    assert len(events(monitor)) == len(evs)


def test_new_postings_and_views_only_changes(make_monitor, replica):
    monitor = make_monitor()
    monitor.run_once()
    start = last_id(monitor)
    before = len(replica.visible("caugiay"))
    replica.advance(hours=9)  # new articles appear, every view counter moves
    monitor.run_once()
    new = events(monitor, start)
    appeared = len(replica.visible("caugiay")) - before
    assert appeared > 0
    assert kinds(new)["new_article"] == appeared
    assert all(not e.payload["baseline"] for e in new if e.kind == "new_article")
    assert "edited" not in kinds(new)  # counters moved on every page: never an edit


def test_edit_gives_one_event_with_the_field_diff(make_monitor, replica):
    monitor = make_monitor()
    monitor.run_once()
    start = last_id(monitor)
    target = replica.visible("caugiay")[4]
    old_title = target.title
    replica.edit("caugiay", target.external_id, title=old_title + " (cập nhật)")
    monitor.run_once()
    edited = [e for e in events(monitor, start) if e.kind == "edited"]
    assert len(edited) == 1
    changes = edited[0].payload["changes"]
    assert changes["title"] == {"old": old_title, "new": old_title + " (cập nhật)"}
    monitor.run_once()  # nothing changed since
    assert [e for e in events(monitor, edited[0].id) if e.kind == "edited"] == []


def test_views_spike_and_milestone(make_monitor, replica):
    monitor = make_monitor()
    target = replica.visible("caugiay")[2]
    monitor.run_once()
    replica.advance(hours=1)
    monitor.run_once()
    start = last_id(monitor)
    target.views_per_hour = 800  # readership suddenly climbs (the page itself is unchanged)
    replica.advance(hours=1)
    monitor.run_once()
    new = events(monitor, start)
    spikes = [e for e in new if e.kind == "views_spike"]
    assert [e.article_id for e in spikes if e.payload["article"]["external_id"] == target.external_id]
    spike = next(e for e in spikes if e.payload["article"]["external_id"] == target.external_id)
    assert spike.payload["delta"] == spike.payload["views_after"] - spike.payload["views_before"] > 0
    milestones = [e for e in new if e.kind == "views_milestone" and e.payload["article"]["external_id"] == target.external_id]
    assert [m.payload["milestone"] for m in milestones] == ([600] if spike.payload["views_before"] < 600 <= spike.payload["views_after"] else [])
    assert "edited" not in kinds(new)


def test_removed_after_two_404s_then_restored(make_monitor, replica):
    monitor = make_monitor()
    monitor.run_once()
    target = replica.visible("caugiay")[3]
    replica.remove("caugiay", target.external_id)
    start = last_id(monitor)
    monitor.run_once()
    assert "removed" not in kinds(events(monitor, start))  # one 404 is not a removal
    monitor.run_once()
    removed = [e for e in events(monitor, start) if e.kind == "removed"]
    assert [e.payload["article"]["external_id"] for e in removed] == [target.external_id]
    assert causes(monitor) == {target.external_id: [RemovalCause.GONE]}
    replica.restore("caugiay", target.external_id)
    mark = last_id(monitor)
    monitor.run_once()
    restored = [e for e in events(monitor, mark) if e.kind == "restored"]
    assert [e.payload["article"]["external_id"] for e in restored] == [target.external_id]


def test_source_down_after_three_failed_runs_then_up(make_monitor, replica):
    monitor = make_monitor()
    monitor.run_once()
    start = last_id(monitor)
    replica.set_fault("caugiay", Fault(status=503))
    for expected in ([], [], ["source_down"]):
        monitor.run_once()
        assert [e.kind for e in events(monitor, start)] == expected
    monitor.run_once()  # still down: no second event
    assert [e.kind for e in events(monitor, start)] == ["source_down"]
    replica.clear_faults()
    monitor.run_once()
    assert [e.kind for e in events(monitor, start)] == ["source_down", "source_up"]


def test_one_503_then_ok_is_silent(make_monitor, replica):
    monitor = make_monitor()
    monitor.run_once()
    start = last_id(monitor)
    replica.set_fault("caugiay", Fault(status=503))
    monitor.run_once()
    replica.clear_faults()
    monitor.run_once()
    assert events(monitor, start) == []


def test_source_stale(make_monitor, replica):
    monitor = make_monitor(stale="1s")
    monitor.run_once()
    import time
    time.sleep(1.1)
    start = last_id(monitor)
    monitor.run_once()
    assert [e.kind for e in events(monitor, start)] == ["source_stale"]
    monitor.run_once()
    assert [e.kind for e in events(monitor, start)] == ["source_stale"]  # once per stale period


def test_only_one_scheduler_acts_on_an_archive(make_monitor):
    first = make_monitor()
    second = make_monitor()
    first.start()
    try:
        with pytest.raises(LeaseHeld, match="another scheduler holds this archive's lease"):
            second.start()
    finally:
        first.stop()
    second.start()  # released: now the second may act
    second.stop()


def test_cli_run_status_events_and_a_second_scheduler(tmp_path):
    """`portalwatch run` as a person starts it: one scheduler per archive, SIGTERM stops it cleanly."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.test_cli import portalwatch

    url = sqlite_url(tmp_path)
    config = tmp_path / "portalwatch.toml"
    config.write_text('[schedule]\ninterval = "1h"\njitter = "1s"\nsites = ["hoangliet"]\n', encoding="utf-8")
    once = portalwatch("run", "--replica", "--once", "--config", str(config), "--db", url)
    assert once.returncode == 0, once.stderr
    listed = json.loads(portalwatch("events", "--json", "--kind", "new_article", "--db", url).stdout)
    assert listed and {e["site"] for e in listed} == {"hoangliet"}
    status = json.loads(portalwatch("status", "--json", "--config", str(config), "--db", url).stdout)
    assert status["lease"] is None
    assert status["portals"][0]["site"] == "hoangliet" and status["portals"][0]["last_run"]["status"] == "finished"

    exe = [sys.executable, "-m", "monitor.cli"]
    first = subprocess.Popen(exe + ["run", "--replica", "--config", str(config), "--db", url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        for _ in range(100):
            status = json.loads(portalwatch("status", "--json", "--config", str(config), "--db", url).stdout)
            if status["lease"] and status["lease"]["alive"] and status["portals"][0]["next_run"]:
                break  # the lease is taken first, the jobs are stored just after
            time.sleep(0.2)
        assert status["lease"]["alive"]
        assert status["portals"][0]["next_run"] is not None  # the persistent job store has the schedule
        second = portalwatch("run", "--replica", "--config", str(config), "--db", url)
        assert second.returncode == 3
        assert "another scheduler holds this archive's lease" in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        out, errors = first.communicate(timeout=60)
    assert first.returncode == 0, errors
    status = json.loads(portalwatch("status", "--json", "--config", str(config), "--db", url).stdout)
    assert status["lease"] is None  # released on the way out


def test_a_layout_change_is_reported_as_extraction_degraded(make_monitor, replica):
    monitor = make_monitor()
    monitor.run_once()
    monitor.run_once()  # a run whose coverage is the reference: views on every article page
    start = last_id(monitor)
    # The portal drops the "Lượt xem:" label from its template: every page still loads, views vanish.
    replica.set_fault("caugiay", Fault(path=r"\.htm$", rewrite=("Lượt xem: ", "")))
    monitor.run_once()
    degraded = [e for e in events(monitor, start) if e.kind == "extraction_degraded"]
    assert len(degraded) == 1
    assert set(degraded[0].payload["fields"]) == {"views"}
    assert degraded[0].payload["fields"]["views"]["coverage"] == 0.0
    assert [e for e in events(monitor, start) if e.kind in ("edited", "source_down")] == []


def test_a_body_selector_that_stops_matching_edits_nothing_and_is_reported(make_monitor, replica):
    monitor = make_monitor()
    monitor.run_once()
    monitor.run_once()  # the reference run: every page read by the portal's profile
    with session_factory(monitor.db_url)() as session:
        before = dict(session.execute(select(Article.external_id, Article.body_text)).all())
    start = last_id(monitor)
    # A redesign renames the body's container: the profile finds no body, the generic fallback reads
    # the page in its own way. That is not 50 edits by the portal.
    replica.set_fault("caugiay", Fault(path=r"\.htm$", rewrite=(
        'class="detail-content afcbc-body" data-role="content"', 'class="post-body"')))
    monitor.run_once()
    assert [e for e in events(monitor, start) if e.kind in ("edited", "source_down")] == []
    degraded = [e for e in events(monitor, start) if e.kind == "extraction_degraded"]
    assert len(degraded) == 1
    pages = degraded[0].payload["fields"]["degraded"]
    assert pages["pages"] == degraded[0].payload["items"] >= 5 and pages["coverage"] == 0.0
    facts = load_payload("extraction_degraded", degraded[0].payload).facts()
    assert facts == [("Bài đọc kém hơn bản đã lưu (không ghi là sửa)", f"{pages['pages']} bài, 100% số trang")]
    with session_factory(monitor.db_url)() as session:
        assert dict(session.execute(select(Article.external_id, Article.body_text)).all()) == before
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()
        assert run.stats["portalwatch/degraded"] == run.stats["portalwatch/items"]


def test_a_reordered_listing_is_silent(make_monitor, replica):
    monitor = make_monitor()
    monitor.run_once()
    monitor.run_once()
    start = last_id(monitor)
    old = replica.listed("caugiay", "tin-tuc-su-kien")[-1]  # from the last page
    replica.pin("caugiay", old.external_id)  # now first on page 1: the listing is reordered, no page changed
    for _ in range(4):
        monitor.run_once()
    assert events(monitor, start) == []


def test_an_article_gone_from_its_listing_for_three_runs_is_removed(make_monitor, replica):
    monitor = make_monitor()
    monitor.run_once()
    target = replica.listed("caugiay", "tin-tuc-su-kien")[1]
    replica.unlist("caugiay", target.external_id)  # its page still answers 200
    start = last_id(monitor)
    for expected in ([], [], ["removed"]):
        monitor.run_once()
        assert [e.kind for e in events(monitor, start)] == expected
    removed = events(monitor, start)[0]
    assert removed.payload["article"]["external_id"] == target.external_id and "listing" in removed.payload["reason"]
    assert causes(monitor) == {target.external_id: [RemovalCause.MISSING_FROM_LISTING]}
    monitor.run_once()
    assert [e.kind for e in events(monitor, start)] == ["removed"]  # not restored by its still-online page


@pytest.mark.parametrize("failure", ["503", "robots.txt"])
def test_a_listing_that_fails_is_no_evidence_that_its_articles_left(make_monitor, replica, failure):
    """One listing fails on every run (its article pages still answer): absence from it is not
    news, so no `removed` event however many runs; the runs say why nothing was judged."""
    monitor = make_monitor()
    monitor.run_once()
    start = last_id(monitor)
    if failure == "503":
        replica.set_fault("caugiay", Fault(path=r"^/kinh-te-tai-chinh(/trang-\d+\.htm)?$", status=503))
    else:
        replica.set_robots("caugiay", "User-agent: *\nDisallow: /kinh-te-tai-chinh$\nDisallow: /kinh-te-tai-chinh/trang-\n")
    for _ in range(4):
        monitor.run_once()
    assert events(monitor, start) == []
    with session_factory(monitor.db_url)() as session:
        last = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        misses = session.scalars(select(Article.listing_misses)).all()
    assert last.stats["portalwatch/listing_roots_failed"] == 1 and "absence from listings not judged" in last.message
    assert set(misses) == {0}


def test_a_scheduler_killed_mid_crawl_then_restarted_loses_and_doubles_nothing(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from sqlalchemy import func

    from db.models import Article, CrawlRun
    from tests.test_cli import portalwatch

    url = sqlite_url(tmp_path)
    config = tmp_path / "portalwatch.toml"
    config.write_text('[schedule]\ninterval = "1h"\njitter = "1s"\nlease_ttl = "3s"\nsites = ["caugiay", "hoangliet"]\n',
                      encoding="utf-8")
    first = subprocess.Popen([sys.executable, "-m", "monitor.cli", "run", "--replica", "--config", str(config), "--db", url],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    Session = session_factory(url)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until the first scheduled crawl has stored articles
            try:
                with Session() as session:
                    if session.scalar(select(func.count()).select_from(Article)):
                        break
            except Exception:  # the archive is still being created
                pass
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # no clean shutdown: the lease stays, the run stays open
    finally:
        first.wait(timeout=30)
    again = portalwatch("run", "--replica", "--once", "--wait", "--config", str(config), "--db", url)
    assert again.returncode == 0, again.stderr
    with Session() as session:
        articles = session.scalar(select(func.count()).select_from(Article))
        keys = session.scalars(select(Event.key).where(Event.kind == "new_article")).all()
        open_runs = session.scalars(select(CrawlRun).where(CrawlRun.status.in_(("queued", "running")))).all()
    assert articles and len(keys) == len(set(keys)) == articles  # every article announced exactly once
    assert open_runs == []  # the killed scheduler's run was closed, and detection read what it stored
