"""The one generic spider: `scrapy crawl portal -a site=KEY`.

What a portal looks like comes from the registry (listing pages) and its CMS profile
(selectors and rules); this spider only walks listings and hands article pages to the profile.
"""
from __future__ import annotations

from datetime import datetime, timezone

import scrapy

from crawler.profiles import PROFILES
from crawler.registry import get_site


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, site: str | None = None, base_url: str | None = None, run_id: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if not site:
            raise ValueError("name the portal: scrapy crawl portal -a site=KEY")
        self.site = get_site(site)
        if base_url:
            self.site = self.site.at(base_url)
        self.profile = PROFILES[self.site.profile]
        self.allowed_domains = [self.site.host]
        self.run_id = int(run_id) if run_id else None

    async def start(self):
        for url in self.site.listing_urls():
            yield scrapy.Request(url, self.parse_listing, errback=self.on_error, cb_kwargs={"depth": 1})

    def parse_listing(self, response, depth: int):
        self.crawler.stats.inc_value("portalwatch/listing_pages")
        articles, next_pages = self.profile.parse_listing(response.selector, response.url)
        if not articles:
            self.crawler.stats.inc_value("portalwatch/empty_listings")
            self.logger.warning("listing page has no article links: %s", response.url)
        for url in articles:
            yield response.follow(url, self.parse_article, errback=self.on_error)
        if depth < self.settings.getint("PORTALWATCH_MAX_LISTING_PAGES"):
            for url in next_pages:
                yield response.follow(url, self.parse_listing, errback=self.on_error, cb_kwargs={"depth": depth + 1})

    def parse_article(self, response):
        article = self.profile.extract(response.selector, response.url)
        problems = article.problems()
        if b"</html>" not in response.body[-4096:].lower():
            # A page cut off in transit would store a truncated body as if it were the article.
            problems.append("page is incomplete (no closing </html>)")
        if problems:
            self.crawler.stats.inc_value("portalwatch/extract_failed")
            self.logger.warning("cannot extract an article from %s: %s", response.url, ", ".join(problems))
            return
        published = article.published
        yield {
            "site": self.site.key,
            "external_id": article.external_id,
            "url": article.url,
            "title": article.title,
            "summary": article.summary,
            "body_text": article.body_text,
            "author": article.author,
            "category": article.category,
            "published_at": published.value if published else None,
            "published_has_time": published.has_time if published else False,
            "views": article.views,
            "extracted_by": article.extracted_by,
            "fetched_at": datetime.now(timezone.utc),
        }

    def on_error(self, failure):
        request = failure.request
        self.crawler.stats.inc_value("portalwatch/fetch_failed")
        if request.callback == self.parse_listing:
            self.crawler.stats.inc_value("portalwatch/listing_failed")
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else (failure.getErrorMessage() or failure.type.__name__)
        self.crawler.stats.set_value("portalwatch/last_error", f"{request.url}: {reason}")
        self.logger.warning("fetch failed: %s: %s", request.url, reason)
