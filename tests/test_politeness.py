"""Politeness proven at the server: in-flight requests counted by the replica, robots.txt obeyed.

Scrapy 2.19 does not enforce CONCURRENT_REQUESTS_PER_DOMAIN with its default reactor unless a
delay or AutoThrottle is on (docs/scrapy-notes.md §Politeness and AutoThrottle), so settings alone prove nothing.
"""
from crawler.registry import get_site
from crawler.replica import Fault
from crawler.settings import LOOPBACK_OVERRIDES
from monitor.crawling import crawl_sites
from tests.conftest import sqlite_url

# The shipped polite settings, with their delays shortened so the test is quick; the
# per-host limit and AutoThrottle stay exactly as shipped.
SHORT_DELAYS = {"DOWNLOAD_DELAY": 0.01, "AUTOTHROTTLE_START_DELAY": 0.01, "AUTOTHROTTLE_MAX_DELAY": 0.05}


def crawl(tmp_path, replica, key, settings):
    return crawl_sites(sqlite_url(tmp_path), [get_site(key).at(replica.base_urls[key])], settings=settings)[0]


def test_polite_defaults_keep_one_request_in_flight(tmp_path, replica):
    replica.set_fault("hoangliet", Fault(delay=0.03))  # slow answers make any overlap visible
    outcome = crawl(tmp_path, replica, "hoangliet", SHORT_DELAYS)
    stats = replica.stats("hoangliet")
    assert outcome.ok and outcome.articles_new == len(replica.visible("hoangliet"))
    assert stats.requests > 30
    assert stats.max_in_flight == 1
    assert all(agent.startswith("portalwatch/") for agent in stats.user_agents)


def test_the_in_flight_count_does_see_overlap(tmp_path, replica):
    """The control for the test above: with loopback settings requests do overlap."""
    replica.set_fault("hoangliet", Fault(delay=0.03))
    assert crawl(tmp_path, replica, "hoangliet", LOOPBACK_OVERRIDES).ok
    assert replica.stats("hoangliet").max_in_flight > 1


def test_robots_txt_is_obeyed(tmp_path, replica):
    replica.set_robots("caugiay", "User-agent: *\nDisallow: /kinh-te-tai-chinh\n")
    outcome = crawl(tmp_path, replica, "caugiay", LOOPBACK_OVERRIDES)
    paths = replica.stats("caugiay").paths
    assert paths["/robots.txt"] == 1
    assert not [p for p in paths if p.startswith("/kinh-te-tai-chinh")]
    assert outcome.articles_new == len(replica.visible("caugiay", "tin-tuc-su-kien"))
