"""`portalwatch health`: per portal, what its crawl runs say (verdict, reasons, exit status), from replica
crawls with faults; Spidermon's monitor results are stored in the run's stats and shown."""
import json

import pytest
from sqlalchemy import select

from crawler.monitors import MONITOR_RESULTS
from crawler.registry import get_site
from crawler.replica import Fault
from crawler.settings import LOOPBACK_OVERRIDES
from db.engine import session_factory
from db.models import CrawlRun
from monitor.cli import main
from monitor.cli.health import STYLES
from monitor.health import VERDICTS
from monitor.crawling import crawl_sites
from monitor.scheduler import Monitor
from tests.conftest import sqlite_url

CONFIG = """
[schedule]
sites = ["caugiay"]

[crawl]
refetch = [["*", "1s"]]   # every known article is re-checked on every run (the replica's clock is simulated)

[detection]
down_after_failed_runs = 3
"""
LISTINGS = r"^/(tin-tuc-su-kien|kinh-te-tai-chinh)$"  # the Cầu Giấy replica's listing pages (crawler/sites.toml)


@pytest.fixture
def watch(tmp_path, replica):
    config = tmp_path / "portalwatch.toml"
    config.write_text(CONFIG, encoding="utf-8")
    monitor = Monitor(sqlite_url(tmp_path), str(config), base_urls=replica.base_urls,
                      crawl_settings={**LOOPBACK_OVERRIDES, "RETRY_TIMES": 0})
    return monitor, str(config)


def health(capsys, monitor, config, *args):
    """`portalwatch health --json` on the monitor's archive: (exit status, {site: health object})."""
    capsys.readouterr()
    code = main(["health", "--json", "--db", monitor.db_url, "--config", config, *args])
    return code, {row["site"]: row for row in json.loads(capsys.readouterr().out)}


def monitors(row) -> dict:
    return {m["name"]: m for m in row["monitors"]}


def test_a_healthy_portal_is_ok_and_one_never_crawled_says_so(watch, capsys):
    monitor, config = watch
    monitor.run_once()
    monitor.run_once()  # an incremental run of 304s: no items, and nothing wrong with that
    code, rows = health(capsys, monitor, config, "--site", "caugiay,bactuliem")
    assert code == 0 and set(rows) == {"caugiay", "bactuliem"}
    ok = rows["caugiay"]
    assert ok["verdict"] == "ok" and ok["reasons"] == [] and ok["consecutive_failures"] == 0
    assert ok["latest_run"]["status"] == "finished" and ok["latest_run"]["finish_reason"] == "finished"
    assert ok["last_success_at"] == ok["latest_run"]["finished_at"] and ok["last_success_at"].endswith("+07:00")
    assert ok["latest_run"]["items"] == 0 and ok["usual_items"] == 50 and ok["usual_runs"] == 1
    assert monitors(ok)["Finish Reason Monitor"]["status"] == "OK" and all(m["passed"] for m in ok["monitors"])
    never = rows["bactuliem"]
    assert never["verdict"] == "never crawled" and never["latest_run"] is None and never["last_success_at"] is None
    assert main(["health", "--db", monitor.db_url, "--config", config]) == 0  # the text view: a style per verdict
    assert set(STYLES) == set(VERDICTS)


def test_spidermon_results_are_in_the_run_stats(watch):
    monitor, _ = watch
    monitor.run_once()
    with session_factory(monitor.db_url)() as session:
        stats = session.scalars(select(CrawlRun.stats)).one()
    results = {m["name"]: m for m in stats[MONITOR_RESULTS]}
    assert set(results) == {"Finish Reason Monitor", "Error Count Monitor", "Unwanted HTTP codes monitor",
                            "Retry Count monitor", "Downloader Exceptions monitor"}
    assert results["Finish Reason Monitor"] == {"name": "Finish Reason Monitor", "status": "OK", "passed": True,
                                                "reason": ""}


def test_failed_listings_warn_then_fail_with_their_reason_and_exit_1(watch, replica, capsys):
    monitor, config = watch
    monitor.run_once()
    code, rows = health(capsys, monitor, config, "--site", "caugiay")
    last_success = rows["caugiay"]["last_success_at"]
    replica.set_fault("caugiay", Fault(path=LISTINGS, status=503))
    monitor.run_once()
    code, rows = health(capsys, monitor, config, "--site", "caugiay")
    row = rows["caugiay"]
    assert (code, row["verdict"], row["consecutive_failures"]) == (0, "warning", 1)  # one 503 is not an outage
    assert row["reasons"][0].startswith("1 failed run(s) in a row since ")
    assert "no listing page could be fetched" in row["reasons"][0] and "HTTP 503" in row["reasons"][0]
    monitor.run_once()
    monitor.run_once()
    code, rows = health(capsys, monitor, config, "--site", "caugiay")
    row = rows["caugiay"]
    assert (code, row["verdict"], row["consecutive_failures"]) == (1, "failing", 3)  # as many as source_down needs
    assert row["last_success_at"] == last_success and row["latest_run"]["status"] == "failed"
    assert "3 failed run(s) in a row" in row["reasons"][0]
    retries = monitors(row)["Retry Count monitor"]  # Spidermon saw the listings given up on
    assert retries["status"] == "FAIL" and "reached the maximum retry amount" in retries["reason"]
    assert any(reason.startswith("Spidermon Retry Count monitor: ") for reason in row["reasons"])
    assert main(["health", "--db", monitor.db_url, "--config", config]) == 1  # the text view exits alike
    out = capsys.readouterr().out
    assert "caugiay failing: 3 failed run(s) in a row" in " ".join(out.split())
    replica.clear_faults()
    monitor.run_once()
    code, rows = health(capsys, monitor, config, "--site", "caugiay")
    assert (code, rows["caugiay"]["verdict"], rows["caugiay"]["consecutive_failures"]) == (0, "ok", 0)


def test_a_body_selector_that_stops_matching_is_a_warning(watch, replica, capsys):
    monitor, config = watch
    monitor.run_once()
    monitor.run_once()
    # A redesign renames the body's container (tests/test_detection.py: no edits, extraction_degraded).
    replica.set_fault("caugiay", Fault(path=r"\.htm$", rewrite=(
        'class="detail-content afcbc-body" data-role="content"', 'class="post-body"')))
    monitor.run_once()
    code, rows = health(capsys, monitor, config, "--site", "caugiay")
    row = rows["caugiay"]
    assert code == 0 and row["verdict"] == "warning" and row["latest_run"]["status"] == "finished"
    assert row["reasons"] == [f"{row['latest_run']['items']} pages read worse than their stored version (layout change?)"]


def test_a_missing_views_label_is_low_coverage(watch, replica, capsys):
    monitor, config = watch
    monitor.run_once()
    monitor.run_once()
    replica.set_fault("caugiay", Fault(path=r"\.htm$", rewrite=("Lượt xem: ", "")))
    monitor.run_once()
    code, rows = health(capsys, monitor, config, "--site", "caugiay")
    row = rows["caugiay"]
    assert code == 0 and row["verdict"] == "warning" and row["coverage"]["views"] == 0.0
    assert row["coverage"]["title"] == row["coverage"]["body_text"] == 1.0
    assert row["reasons"] == ["views on 0% of pages (was 100%, floor 80%)"]


def test_bad_input_is_one_line(tmp_path, watch, capsys):
    monitor, config = watch
    assert main(["health", "--db", monitor.db_url, "--site", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown site 'nowhere'" in err and "caugiay" in err
    assert main(["health", "--db", "not-a-url"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not an archive URL: 'not-a-url'" in err
    assert main(["health", "--db", f"sqlite:///{tmp_path}"]) == 1  # a folder where the file should be
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot use the archive" in err


def test_a_full_run_that_scrapes_half_its_usual_count_is_a_warning(tmp_path, replica, capsys):
    url = sqlite_url(tmp_path)
    site = get_site("caugiay").at(replica.base_urls["caugiay"])
    for _ in range(2):
        assert crawl_sites(url, [site], settings=LOOPBACK_OVERRIDES, mode="full")[0].ok
    replica.set_fault("caugiay", Fault(path=r"/trang-\d+\.htm$", status=404))  # only each listing's first page
    assert crawl_sites(url, [site], settings={**LOOPBACK_OVERRIDES, "RETRY_TIMES": 0}, mode="full")[0].ok
    capsys.readouterr()
    assert main(["health", "--json", "--db", url, "--site", "caugiay"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    items = row["latest_run"]["items"]
    assert row["verdict"] == "warning" and (row["usual_items"], row["usual_runs"]) == (50, 2) and items < 25
    assert f"{items} items, usually 50 (full runs)" in row["reasons"]


def test_exceptions_of_the_same_short_name_add_up():
    """Twisted has two TimeoutError classes (internet.error, internet.defer): shown by short name, the run's
    count is both counts, not whichever came last (3 and 5 showed 5)."""
    from monitor.health import _record

    prefix = "downloader/exception_type_count/"
    row = {"id": 1, "status": "finished", "mode": "full", "started_at": None, "finished_at": None, "pages": 9,
           "items": 0, "errors": 8, "message": None, "articles_new": 0,
           "stats": {f"{prefix}twisted.internet.error.TimeoutError": 3,
                     f"{prefix}twisted.internet.defer.TimeoutError": 5,
                     f"{prefix}twisted.internet.error.ConnectionRefusedError": 1}}
    assert _record(row).exceptions == {"ConnectionRefusedError": 1, "TimeoutError": 8}
