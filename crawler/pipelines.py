"""Item pipelines; each does one thing."""
from __future__ import annotations

import logging
from datetime import timedelta

from db.engine import resolve_db_url
from db.batch_plan import BatchResult
from db.record import ArticleRecord
from db.store import DEFAULT_VIEW_WINDOW, ArchiveWriter

logger = logging.getLogger(__name__)

# BatchResult field -> crawl stat (portalwatch/<name>); CrawlRunRecorder copies them into crawl_runs.stats.
STATS = {
    "new": "articles_new", "changed": "articles_changed", "unchanged": "articles_unchanged",
    "versions": "versions", "samples_inserted": "view_samples_inserted", "samples_extended": "view_samples_extended",
    "samples_ignored": "view_samples_ignored", "documents_new": "documents_new", "mentions_new": "mentions_new",
    "attachments_new": "attachments_new", "raw_pages": "raw_pages", "restored": "articles_restored",
}


class ArchivePipeline:
    """Stores articles in the archive, in batches (one transaction each).

    The spider's item is an ArticleRecord (db/record.py), written as it is (raw_html and
    content_type included). A batch that fails as a whole (one bad record) is written again article by
    article, so one article the archive refuses does not cost the others.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.db_url = resolve_db_url(crawler.settings.get("PORTALWATCH_DB"))
        self.batch_size = crawler.settings.getint("PORTALWATCH_BATCH_SIZE")
        hours = crawler.settings.getfloat("PORTALWATCH_VIEW_WINDOW_HOURS", DEFAULT_VIEW_WINDOW.total_seconds() / 3600)
        self.view_window = timedelta(hours=hours)
        self.buffer: list[ArticleRecord] = []

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        site = spider.site
        self.writer = ArchiveWriter(self.db_url, view_window=self.view_window)
        self.portal_id = self.writer.ensure_portal(site.key, site.name, site.base_url, site.profile)

    def process_item(self, item: ArticleRecord, spider=None):
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self, spider=None):
        self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        try:
            self._count(self.writer.write_articles(self.portal_id, batch))
        except Exception:
            logger.exception("archive batch of %d articles failed; writing them one by one", len(batch))
            for item in batch:
                try:
                    self._count(self.writer.write_articles(self.portal_id, [item]))
                except Exception as exc:
                    stats = self.crawler.stats
                    stats.inc_value("portalwatch/archive_failed")
                    stats.set_value("portalwatch/last_error", f"{item.url}: not archived: {exc}")
                    logger.error("cannot archive %s: %s", item.url, exc)

    def _count(self, result: BatchResult) -> None:
        stats = self.crawler.stats
        for name, value in result.as_dict().items():
            stats.inc_value(f"portalwatch/{STATS.get(name, name)}", value)
