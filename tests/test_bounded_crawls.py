"""A crawl that cannot hang or run away, proven on the replica: a wall-clock limit, a page budget
per listing walk, http(s) only, redirect loops and lost article pages counted as failures."""
import re
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from crawler.registry import get_site
from crawler.replica import Fault
from crawler.settings import LOOPBACK_OVERRIDES
from crawler.spiders.portal import PortalSpider
from db.engine import session_factory
from db.models import Article, CrawlRun
from monitor.crawling import crawl_sites
from tests.conftest import sqlite_url

ARTICLE_PAGES = r"-\d{8,}\.htm$"  # the Hanoi platform's article paths (listing pages are /trang-N.htm)


def crawl(tmp_path, replica, **settings):
    outcome = crawl_sites(sqlite_url(tmp_path), [get_site("caugiay").at(replica.base_urls["caugiay"])],
                          settings={**LOOPBACK_OVERRIDES, **settings})[0]
    with session_factory(sqlite_url(tmp_path))() as session:
        return outcome, session.get(CrawlRun, outcome.run_id).stats


def test_a_paging_trap_is_walked_within_the_page_budget(tmp_path, replica):
    # Every first page links two "next" pages never seen before, each of them the first page again:
    # walked by depth, 6 levels are 2^6 - 1 = 63 pages.
    trap = '<a class="next" href="?t={n}a"></a><a class="next" href="?t={n}b"></a><a href="'
    replica.set_fault("caugiay", Fault(path=r"^/tin-tuc-su-kien$", rewrite=('<a class="next" href="', trap)))
    outcome, stats = crawl(tmp_path, replica, PORTALWATCH_MAX_LISTING_PAGES=6)
    assert outcome.ok, outcome.message
    assert replica.stats("caugiay").paths["/tin-tuc-su-kien"] == 6
    assert stats["portalwatch/listing_budget_spent"] > 0


def test_only_http_links_are_followed(tmp_path, replica):
    # An ftp:// "next" link: Scrapy's FTP client waits for a greeting with no timeout, and closing
    # the spider waits for it, so before the fix this crawl never ended.
    host = replica.base_urls["caugiay"].split("//", 1)[1]
    replica.set_fault("caugiay", Fault(path=r"^/tin-tuc-su-kien$",
                                       rewrite=('<a class="next" href="', f'<a class="next" href="ftp://{host}')))
    outcome, stats = crawl(tmp_path, replica)
    assert outcome.ok, outcome.message
    # The profile drops a pager link that is not http(s) (crawler/weburl.py), before the spider's own check
    # (portalwatch/refused_urls) would refuse it: nothing was requested, nothing failed.
    assert "portalwatch/refused_urls" not in stats and "portalwatch/fetch_failed" not in stats


def test_a_redirect_loop_is_a_failed_listing(tmp_path, replica):
    # /kinh-te-tai-chinh → /kinh-te-tai-chinh: the duplicate filter used to drop the second request silently
    replica.set_fault("caugiay", Fault(path=r"^/kinh-te-tai-chinh$", redirect="/kinh-te-tai-chinh"))
    outcome, stats = crawl(tmp_path, replica)
    assert stats["portalwatch/listing_failed"] == 1 and stats["portalwatch/fetch_failed"] == 1
    assert stats["portalwatch/listing_roots_failed"] == 1
    assert "redirect loop" in outcome.message and "absence from listings not judged" in outcome.message


def test_a_crawl_whose_every_article_page_failed_has_failed(tmp_path, replica):
    replica.set_fault("caugiay", Fault(path=ARTICLE_PAGES, status=503))
    outcome, stats = crawl(tmp_path, replica, RETRY_TIMES=0)
    assert stats["portalwatch/listing_pages"] > 0 and stats["portalwatch/article_failed"] > 0
    assert outcome.status == "failed" and "no article page could be fetched" in outcome.message


def test_one_article_page_fetched_is_enough(tmp_path, replica):
    replica.set_fault("caugiay", Fault(path=ARTICLE_PAGES, status=503, remaining=3))
    outcome, stats = crawl(tmp_path, replica, RETRY_TIMES=0)
    assert outcome.ok and stats["portalwatch/article_failed"] == 3, outcome.message


def test_a_crawl_is_bounded_in_time_and_the_timeout_is_a_failure(tmp_path, replica):
    shipped = Settings()
    shipped.setmodule("crawler.settings")
    assert 0 < shipped.getint("CLOSESPIDER_TIMEOUT") <= 3600
    replica.set_fault("caugiay", Fault(path=ARTICLE_PAGES, delay=0.5))  # ~50 slow pages, 8 at a time: ~3 s
    outcome, stats = crawl(tmp_path, replica, CLOSESPIDER_TIMEOUT=1)
    assert outcome.status == "failed" and "closespider_timeout" in outcome.message
    assert stats["finish_reason"] == "closespider_timeout"


def test_a_crawl_that_outlives_its_limit_is_killed_and_failed(tmp_path, replica):
    """Closing waits for downloads in flight: answers that take 40 s hold a 1 s crawl open. The watchdog
    sends SIGTERM after the limit plus its grace (Scrapy's graceful stop waits too), then SIGKILL."""
    import time

    replica.set_fault("caugiay", Fault(path=ARTICLE_PAGES, delay=40))
    started = time.monotonic()
    outcome, _ = crawl(tmp_path, replica, CLOSESPIDER_TIMEOUT=1, DOWNLOAD_TIMEOUT=120,
                       PORTALWATCH_WATCHDOG_GRACE=2, PORTALWATCH_KILL_GRACE=2)
    assert time.monotonic() - started < 25
    assert outcome.status == "failed" and "killed by the watchdog" in outcome.message, outcome.message


def test_the_watchdog_kills_a_process_that_ignores_sigterm():
    import subprocess
    import sys
    import time

    from monitor.crawling import CrawlOutcome, Watchdog

    code = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\ntime.sleep(60)\n"
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    watchdog = Watchdog(limit=0.2, kill_grace=0.5)
    running = {1: (process, CrawlOutcome(site="caugiay", run_id=1), time.monotonic())}
    deadline = time.monotonic() + 10
    while process.poll() is None and time.monotonic() < deadline:
        watchdog.check(running)
        time.sleep(0.05)
    assert process.poll() == -9  # SIGTERM was ignored; SIGKILL came after the grace
    assert "killed by the watchdog (SIGKILL)" in watchdog.verdict(1, process)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_an_off_site_redirect_is_a_failed_fetch_never_followed(tmp_path, replica, host):
    """Article pages redirect to another server of this machine (another port, or another host name).
    Scrapy's offsite check ignores ports (the neighbour's page was stored as an edit) and drops another
    host's redirect without a word (the article was neither checked nor failed)."""
    other = replica.portals["hoangliet"]
    target = other.base_url.replace("127.0.0.1", host) + other.family.article_path(other, replica.visible("hoangliet")[0])
    replica.set_fault("caugiay", Fault(path=ARTICLE_PAGES, redirect=target, remaining=3))
    outcome, stats = crawl(tmp_path, replica)
    assert outcome.ok, outcome.message
    assert stats["portalwatch/article_failed"] == 3 and "redirected off-site" in stats["portalwatch/last_error"]
    assert replica.stats("hoangliet").requests == 0


# ---- what a redirect must keep to stay on the portal (crawler/spiders/portal.py: _site_address) ----
PORTAL = "https://caugiay.hanoi.gov.vn"


@pytest.mark.parametrize("target", [
    "http://caugiay.hanoi.gov.vn:80/a.htm",          # IIS/DNN behind SSL offload: the default port, spelt out
    "https://caugiay.hanoi.gov.vn:443/a.htm",
    "https://www.caugiay.hanoi.gov.vn/a.htm",        # the www. twin (decided in _site_address's docstring)
    "http://WWW.caugiay.hanoi.gov.vn:80/a.htm",
])
def test_a_redirect_to_the_default_port_or_the_www_twin_stays_on_the_portal(target):
    spider = spider_at(PORTAL)
    request = redirected(target)
    spider.on_scheduled(request)  # no IgnoreRequest: followed
    assert "portalwatch/fetch_failed" not in spider.crawler.stats.get_stats()
    passes_scrapys_offsite_check(spider, request)


def test_the_bare_host_of_a_www_portal_is_not_dropped_by_scrapy():
    # Scrapy allows www.host for host, not host for www.host: the spider lets its redirect past.
    spider = spider_at("https://www.caugiay.hanoi.gov.vn")
    request = redirected("https://caugiay.hanoi.gov.vn:443/a.htm")
    spider.on_scheduled(request)
    passes_scrapys_offsite_check(spider, request)


@pytest.mark.parametrize("target", [
    "https://caugiay.hanoi.gov.vn:8443/a.htm",       # another port is another server
    "http://caugiay.hanoi.gov.vn:443/a.htm",         # 443 is https's default, not http's
    "https://vanban.caugiay.hanoi.gov.vn/a.htm",     # any other subdomain is another site
    "https://www2.caugiay.hanoi.gov.vn/a.htm",
    "https://hanoi.gov.vn/a.htm",
])
def test_a_redirect_to_another_port_or_host_is_a_failed_fetch(target):
    spider = spider_at(PORTAL)
    with pytest.raises(IgnoreRequest):
        spider.on_scheduled(redirected(target))
    assert spider.crawler.stats.get_value("portalwatch/article_failed") == 1


def test_a_redirect_to_the_explicit_default_port_is_followed_on_the_replica(tmp_path, replica):
    """The replica's portal on port 80, crawled as http://127.0.0.1: one article redirects to itself
    at http://127.0.0.1:80 (with a query, so Scrapy's duplicate filter keeps it) and is stored."""
    try:
        replica.move("caugiay", port=80)
    except OSError as error:
        pytest.skip(f"port 80 is taken on this machine: {error}")
    article = replica.visible("caugiay")[0]
    path = urlsplit(replica.url_of("caugiay", article)).path
    replica.set_fault("caugiay", Fault(path=f"^{re.escape(path)}$", redirect=f"http://127.0.0.1:80{path}?r=1",
                                       remaining=1))
    outcome = crawl_sites(sqlite_url(tmp_path), [get_site("caugiay").at("http://127.0.0.1")],
                          settings=LOOPBACK_OVERRIDES)[0]
    with session_factory(sqlite_url(tmp_path))() as session:
        stats = session.get(CrawlRun, outcome.run_id).stats
        stored = session.scalar(select(Article).where(Article.external_id == article.external_id))
    assert outcome.ok and "portalwatch/fetch_failed" not in stats, stats.get("portalwatch/last_error")
    assert stored is not None and replica.stats("caugiay").statuses[302] == 1


def spider_at(base_url: str) -> PortalSpider:
    crawler = get_crawler(PortalSpider)
    crawler.spider = crawler._create_spider(site="caugiay", base_url=base_url)
    return crawler.spider


def passes_scrapys_offsite_check(spider: PortalSpider, request: Request) -> None:
    offsite = OffsiteMiddleware.from_crawler(spider.crawler)
    offsite.spider_opened(spider)
    offsite.process_request(request)  # raises IgnoreRequest for a request it drops


def redirected(url: str) -> Request:
    return Request(url, meta={"redirect_urls": [PORTAL + "/a.htm"]})
