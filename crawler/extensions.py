"""Extensions: recording each crawl run (progress and outcome) in the archive."""
from __future__ import annotations

import time

from scrapy import signals

from crawler.monitors import MONITOR_RESULTS
from db.article_state import MOVED_FROM, MOVED_TO
from db.engine import resolve_db_url
from db.models import utcnow
from db.store import ArchiveWriter


class CrawlRunRecorder:
    """Keeps the crawl_runs row of this crawl current: pages, articles, errors, final status.

    The monitor creates the row and passes its id (`-a run_id=N`) so it can show progress and
    outcome without reading the spider; a crawl started by hand gets a row of its own.
    """

    PROGRESS_EVERY = 1.0  # seconds between progress writes

    def __init__(self, crawler):
        self.crawler = crawler
        self.db_url = resolve_db_url(crawler.settings.get("PORTALWATCH_DB"))
        self._last_progress = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.progress, signal=signals.response_received)
        return ext

    def spider_opened(self, spider):
        site = spider.site
        self.writer = ArchiveWriter(self.db_url)
        portal_id, moved_from = self.writer.register_portal(site.key, site.name, site.base_url, site.profile)
        self.run_id = spider.run_id or self.writer.start_run(portal_id)
        stats = self.crawler.stats
        if moved_from:  # a crawl started by hand at a new address (the monitor records a move when it queues)
            stats.set_value(MOVED_FROM, moved_from)
            stats.set_value(MOVED_TO, site.base_url)
        for key, value in self.writer.run_stats(self.run_id).items():
            if stats.get_value(key) is None:  # what the monitor recorded when it queued the run (a move)
                stats.set_value(key, value)
        self.writer.update_run(self.run_id, status="running", started_at=utcnow())

    def _counts(self) -> dict:
        stats = self.crawler.stats
        return {
            "pages": stats.get_value("response_received_count", 0),
            "articles_seen": stats.get_value("item_scraped_count", 0),
            "articles_new": stats.get_value("portalwatch/articles_new", 0),
            "errors": stats.get_value("portalwatch/fetch_failed", 0) + stats.get_value("portalwatch/extract_failed", 0),
        }

    def progress(self, **_):
        now = time.monotonic()
        if now - self._last_progress >= self.PROGRESS_EVERY:
            self._last_progress = now
            self.writer.update_run(self.run_id, **self._counts())

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats
        listings_ok = stats.get_value("portalwatch/listing_pages", 0) > 0
        # Article pages wanted and not one of them fetched (each failed): nothing of the portal was seen.
        articles_lost = stats.get_value("portalwatch/article_failed", 0) > 0 and not stats.get_value("portalwatch/article_pages", 0)
        # Failed: ended early (the wall-clock limit, CLOSESPIDER_TIMEOUT, included), or no listing
        # page or no article page fetched at all.
        status = "finished" if reason == "finished" and listings_ok and not articles_lost else "failed"
        if reason == "shutdown":  # SIGTERM from a stopping scheduler: not the portal's fault
            status = "cancelled"
        problems = []
        if reason != "finished":
            problems.append(f"crawl ended early: {reason}")
        if not listings_ok:
            problems.append("no listing page could be fetched")
        if articles_lost:
            problems.append("no article page could be fetched")
        if roots := stats.get_value("portalwatch/listing_roots_failed", 0):  # set by CheckStateRecorder, closed before
            problems.append(f"{roots} listing(s) failed or showed no article: absence from listings not judged")
        if last := stats.get_value("portalwatch/last_error"):
            problems.append(f"last error: {last}")
        if failed := stats.get_value("portalwatch/extract_failed", 0):
            problems.append(f"{failed} page(s) without an extractable article")
        plain = {k: v for k, v in stats.get_stats().items() if isinstance(v, (int, float, str)) and not isinstance(v, bool)}
        if monitors := stats.get_value(MONITOR_RESULTS):  # Spidermon's verdicts (crawler/monitors.py), closed before
            plain[MONITOR_RESULTS] = monitors
        self.writer.update_run(self.run_id, status=status, finished_at=utcnow(), message="; ".join(problems),
                               stats=plain, **self._counts())
