"""Item pipelines; each does one thing."""
from __future__ import annotations

from db.engine import resolve_db_url
from db.store import ArchiveWriter


class ArchivePipeline:
    """Stores articles in the archive, in batches (one transaction each)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.db_url = resolve_db_url(crawler.settings.get("PORTALWATCH_DB"))
        self.batch_size = crawler.settings.getint("PORTALWATCH_BATCH_SIZE")
        self.buffer: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        site = spider.site
        self.writer = ArchiveWriter(self.db_url)
        self.portal_id = self.writer.ensure_portal(site.key, site.name, site.base_url, site.profile)

    def process_item(self, item, spider=None):
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
        result = self.writer.write_articles(self.portal_id, batch)
        stats = self.crawler.stats
        stats.inc_value("portalwatch/articles_new", result.new)
        stats.inc_value("portalwatch/articles_changed", result.changed)
        stats.inc_value("portalwatch/articles_unchanged", result.unchanged)
