"""Clean shutdown: a crawl told to stop keeps what it scraped; the lease outlives long crawls."""
import threading
import time

from sqlalchemy import func, select

from crawler.registry import get_site
from crawler.replica import Fault
from crawler.settings import LOOPBACK_OVERRIDES
from db.engine import session_factory
from db.models import Article, CrawlRun
from monitor import crawling
from tests.conftest import sqlite_url
from tests.faults_killed import killed_scheduler


def _wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _slow_schedulers(tmp_path, replica, sites: list[str]):
    """The archive URL, and a maker of schedulers (2 s lease) of `sites`, whose replica pages answer after 1 s."""
    from datetime import timedelta

    from monitor.scheduler import Monitor

    for key in sites:
        replica.set_fault(key, Fault(delay=1.0))
    config = tmp_path / "portalwatch.toml"
    listed = ", ".join(f'"{key}"' for key in sites)
    config.write_text(f'[schedule]\ninterval = "1h"\nsites = [{listed}]\n', encoding="utf-8")
    url = sqlite_url(tmp_path)

    def make():
        return Monitor(url, str(config), base_urls=replica.base_urls, crawl_settings=LOOPBACK_OVERRIDES,
                       lease_ttl=timedelta(seconds=2))

    return url, make


def test_a_crawl_told_to_stop_stores_every_item_it_scraped(tmp_path, replica):
    """Scrapy forces an unclean shutdown on a second SIGTERM: the pipeline's last batch would be lost."""
    url = sqlite_url(tmp_path)
    # Slow answers keep requests in flight when the stop comes, so the graceful close takes a while.
    replica.set_fault("caugiay", Fault(delay=1.5))
    site = get_site("caugiay").at(replica.base_urls["caugiay"])
    Session = session_factory(url)
    outcomes = []
    crawler = threading.Thread(target=lambda: outcomes.extend(
        crawling.crawl_sites(url, [site], settings=LOOPBACK_OVERRIDES, poll=0.05)))
    crawler.start()

    def scraped() -> bool:
        try:
            with Session() as session:
                return bool(session.scalar(select(func.max(CrawlRun.articles_seen))))
        except Exception:  # the archive is still being created
            return False

    try:
        assert _wait_for(scraped), "the crawl never scraped an article"
        crawling.STOP.set()
        crawler.join(timeout=120)
    finally:
        crawling.STOP.set()
        crawler.join(timeout=120)
        crawling.STOP.clear()
    assert not crawler.is_alive()
    with Session() as session:
        run = session.get(CrawlRun, outcomes[0].run_id)
        stored = session.scalar(select(func.count()).select_from(Article))
    assert run.status == "cancelled", run.message
    scraped_count = run.stats.get("item_scraped_count")
    assert scraped_count, f"the crawler never recorded its stats: {run.message}"
    assert stored == scraped_count


def test_the_lease_heartbeat_keeps_beating_while_every_worker_crawls(tmp_path, replica):
    """Two slow crawls fill the scheduler's worker pool; the lease must still be renewed on time."""
    import pytest

    from monitor.scheduler import LeaseHeld

    url, make = _slow_schedulers(tmp_path, replica, ["caugiay", "hoangliet"])
    first, second = make(), make()
    Session = session_factory(url)
    first.start()
    try:
        def both_crawling() -> bool:
            with Session() as session:
                return session.scalar(select(func.count()).select_from(CrawlRun).where(CrawlRun.status == "running")) == 2
        assert _wait_for(both_crawling), "the two crawls never ran side by side"
        beats = set()
        for _ in range(4):  # twice the lease's lifetime, every worker busy all along
            time.sleep(1.0)
            beats.add(first.lease.current().heartbeat_at)
            with pytest.raises(LeaseHeld):
                second.start()
        assert both_crawling(), "a crawl ended early: the workers were not busy the whole time"
        assert len(beats) >= 3  # renewed every ttl/3, not once the workers are free again
    finally:
        second.stop()
        first.stop()


def test_a_crawl_outlives_the_thread_that_started_it_without_a_signal():
    """Linux sends the death signal when the forking *thread* exits: a scheduler worker thread ending
    must not look like the scheduler dying (that SIGTERM came on top of the one sent on stop)."""
    import subprocess
    import sys

    child_code = (
        "import signal, sys\n"
        "got = []\n"
        "signal.signal(signal.SIGTERM, lambda *_: got.append('SIGTERM'))\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"  # a signal already sent has been handled by the time this returns
        "print(got[0] if got else 'none', flush=True)\n"
    )
    started = []
    starter = threading.Thread(target=lambda: started.append(crawling._popen(
        [sys.executable, "-c", child_code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        preexec_fn=crawling._stop_with_parent)))
    starter.start()
    starter.join()
    child = started[0]
    try:
        assert child.stdout.readline().strip() == "ready"
        out, _ = child.communicate("go\n", timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert out.strip() == "none"


def test_run_once_holds_the_lease_through_a_long_crawl(tmp_path, replica):
    import pytest

    from monitor.scheduler import LeaseHeld

    url, make = _slow_schedulers(tmp_path, replica, ["caugiay"])
    once, second = make(), make()
    worker = threading.Thread(target=once.run_once_leased)
    worker.start()
    Session = session_factory(url)
    try:
        def crawling_now() -> bool:
            try:
                with Session() as session:
                    return session.scalar(select(func.count()).select_from(CrawlRun).where(CrawlRun.status == "running")) == 1
            except Exception:  # the archive is still being created
                return False
        assert _wait_for(crawling_now), "the crawl never started"
        time.sleep(3.0)  # longer than the lease's lifetime
        assert crawling_now(), "the crawl ended early: the test proves nothing"
        with pytest.raises(LeaseHeld):
            second.start()
    finally:
        crawling.STOP.set()  # end the slow crawl
        worker.join(timeout=120)
        crawling.STOP.clear()
        second.stop()
    assert not worker.is_alive()



def test_a_scheduler_killed_mid_delivery_is_finished_by_the_next_one(tmp_path):
    """SIGKILL while a mail is being sent leaves its rows 'sending' under a 5-minute claim; the next
    scheduler (it holds the lease, so their deliverer is dead) sends them again at once, with the
    same Message-ID: nothing lost, nothing under a second identity."""
    result, arrived, interrupted = killed_scheduler(tmp_path, "delivery")
    assert result.lost_alerts == 0 and result.ended, result.runs
    assert interrupted and {mid for mid, n in arrived.items() if n > 1} <= interrupted  # twice, one identity
    assert result.stored == result.readable and result.duplicates == 0 and not result.false_events


def test_a_scheduler_killed_mid_crawl_leaves_no_verdict_and_no_lost_alert(tmp_path):
    """SIGKILL mid-crawl: the run it left open ends cancelled (by the crawl on its death signal, or by
    the next scheduler), which is no failure of the portal (no source_down, even at one failed run
    for it), and every alert goes out once."""
    result, arrived, _ = killed_scheduler(tmp_path, "crawl")
    assert result.runs[0].startswith("cancelled") and result.ended, result.runs
    assert not result.false_events and result.lost_alerts == 0 and arrived and set(arrived.values()) == {1}
    assert result.stored == result.readable and result.duplicates == 0
