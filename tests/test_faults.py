"""The fault-injection suite (issue 11, item 9): each fault of tests/faults.py is a real crawl of the
replica, after a clean baseline, and must end within its bound, store every readable article
exactly once, lose or overwrite nothing archived, raise the right health event and no other
event, and send no mail it should not. bench/noise.py prints the same measurements as a table."""
import urllib.error
import urllib.request

import pytest

from crawler.replica import Fault, Replica
from crawler.replica.serving import encode_cp1258
from crawler.retryafter import retry_after_seconds
from tests.faults import SCENARIOS, SITE, FaultBench


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    made = FaultBench(tmp_path_factory.mktemp("faults"))
    yield made
    made.close()


@pytest.mark.parametrize("scenario", [pytest.param(s, id=s.name) for s in SCENARIOS])
def test_a_fault_costs_nothing_but_its_health_event(bench, scenario):
    result = bench.run(scenario)
    assert result.ended, f"a crawl did not end within its bound: {result.runs}"
    assert result.damaged == [], "archived articles lost or overwritten, or new ones misread"
    assert result.duplicates == 0
    assert result.stored == result.readable, result.runs
    assert not result.false_events and not result.missing_events, (
        f"false {dict(result.false_events)}, missing {dict(result.missing_events)}: {result.runs}")
    assert result.false_mails == 0 and result.lost_alerts == 0
    if scenario.polite:  # real-portal settings: the replica counted the requests in flight
        assert result.max_in_flight == 1


# ---- the replica plays each fault (the scenarios above rely on it) -------------------------------
@pytest.fixture(scope="module")
def portal():
    with Replica() as replica:
        yield replica


def _get(replica, path):
    try:
        with urllib.request.urlopen(replica.base_urls[SITE] + path, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _article_path(replica):
    return replica.url_of(SITE, replica.visible(SITE)[0]).removeprefix(replica.base_urls[SITE])


@pytest.mark.parametrize("fault, check", [
    (Fault(status=429, retry_after=7), lambda s, h, b: s == 429 and h["Retry-After"] == "7"),
    (Fault(charset=("utf-8", "windows-1258")),
     lambda s, h, b: "charset=utf-8" in h["Content-Type"] and encode_cp1258("Phường") in b),
    (Fault(charset=("windows-1258", "utf-8")),
     lambda s, h, b: "charset=windows-1258" in h["Content-Type"] and b'<meta charset="windows-1258"' in b
     and "Phường".encode() in b),
    (Fault(charset=("utf-8", "utf-8-sig")), lambda s, h, b: b.startswith(b"\xef\xbb\xbf")),
    (Fault(cut="Đường dây nó"), lambda s, h, b: "Đường dây nó".encode() not in b and "Đường dây n".encode() + b"\xc3ng" in b),
    (Fault(nfd=True), lambda s, h, b: "Phường".encode() not in b and "Phu\u031bo\u031b\u0300ng".encode() in b),
    (Fault(pad_to=10 * 1024 * 1024), lambda s, h, b: len(b) >= 10 * 1024 * 1024 - 100 and b.rstrip().endswith(b"</html>")),
])
def test_the_replica_plays_the_fault(portal, fault, check):
    portal.clear_faults()
    portal.set_fault(SITE, fault)
    status, headers, body = _get(portal, _article_path(portal))
    portal.clear_faults()
    assert check(status, headers, body)


@pytest.mark.parametrize("when", ["before", "mid"])
def test_the_replica_resets_connections(portal, when):
    portal.clear_faults()
    portal.set_fault(SITE, Fault(reset=when, remaining=1))
    with pytest.raises((ConnectionError, urllib.error.URLError, OSError)) as caught:
        _get(portal, _article_path(portal))
    assert not isinstance(caught.value, urllib.error.HTTPError)
    assert _get(portal, _article_path(portal))[0] == 200  # one request only


def test_a_moved_portal_answers_at_its_new_address_only(portal):
    old = portal.base_urls[SITE]
    new = portal.move(SITE)
    assert new != old and _get(portal, "/robots.txt")[0] == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(old + "/robots.txt", timeout=5)


def test_a_counter_reset_restarts_every_view_count(portal):
    article = portal.visible(SITE)[-1]
    assert portal.views(SITE, article) > 100
    portal.reset_views(SITE)
    assert portal.views(SITE, article) == 1
    portal.advance(hours=2)
    assert portal.views(SITE, article) == 1 + int(article.views_per_hour * 2)


def test_retry_after_reads_seconds_and_dates():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # a date gone by: no wait
    assert 3000 < retry_after_seconds("Fri, 01 Jan 2100 00:00:00 GMT")
    assert retry_after_seconds("soon") is None


def test_a_retry_after_is_waited_for_within_its_cap(tmp_path):
    """Scrapy retries a 429 at once; the portal asked for 2 s (waited), then for an hour (capped at 3 s)."""
    import time

    from crawler.registry import get_site
    from crawler.settings import LOOPBACK_OVERRIDES
    from db.engine import session_factory
    from db.models import CrawlRun
    from monitor.crawling import crawl_sites
    from tests.conftest import sqlite_url
    from tests.faults import ARTICLES

    with Replica() as replica:
        replica.set_fault(SITE, Fault(path=ARTICLES, status=429, retry_after=2, remaining=1))
        replica.set_fault(SITE, Fault(path=ARTICLES, status=429, retry_after=3600, remaining=1))
        started = time.monotonic()
        outcome = crawl_sites(sqlite_url(tmp_path), [get_site(SITE).at(replica.base_urls[SITE])],
                              settings={**LOOPBACK_OVERRIDES, "RETRY_AFTER_MAX": 3})[0]
        seconds = time.monotonic() - started
    with session_factory(sqlite_url(tmp_path))() as session:
        stats = session.get(CrawlRun, outcome.run_id).stats
    assert outcome.ok, outcome.message
    assert stats["portalwatch/retry_after"] == 2 and stats["portalwatch/retry_after_max_wait"] == 3
    assert stats["retry/count"] == 2 and "portalwatch/fetch_failed" not in stats
    assert 3 <= seconds < 30
