"""The one generic spider: `scrapy crawl portal -a site=KEY`.

What a portal looks like comes from the registry (listing pages) and its CMS profile
(selectors and rules); this spider only walks listings and hands article pages to the profile.
"""
from __future__ import annotations

from datetime import datetime, timezone

import scrapy

from crawler.profiles import PROFILES
from crawler.profiles.fallback import FALLBACK
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

    def parse_listing(self, response, depth: int, category: str = ""):
        self.crawler.stats.inc_value("portalwatch/listing_pages")
        articles, next_pages = self.profile.parse_listing(response.selector, response.url)
        category = self.profile.category_of_listing(response.selector) or category  # API pages carry none
        if not articles and not next_pages:
            self.crawler.stats.inc_value("portalwatch/empty_listings")
            self.logger.warning("listing page has no article links: %s", response.url)
        for url in articles:
            yield scrapy.Request(self.profile.fetch_url(url), self.parse_article, errback=self.on_error,
                                 cb_kwargs={"url": url, "listing_category": category})
        if depth < self.settings.getint("PORTALWATCH_MAX_LISTING_PAGES"):
            for url in next_pages:
                yield response.follow(url, self.parse_listing, errback=self.on_error,
                                      cb_kwargs={"depth": depth + 1, "category": category})

    def parse_article(self, response, url: str, listing_category: str = ""):
        article = self.profile.extract(response.selector, url, listing_category=listing_category)
        is_html = b"html" in (response.headers.get("Content-Type") or b"text/html").lower()
        if article.problems() and is_html:
            # The family's layout did not match this page (a redesign, a one-off template):
            # the generic extractor keeps the article, flagged, with the profile's id for it.
            fallback = FALLBACK.extract(response.selector, url, listing_category=listing_category)
            if not fallback.problems():
                fallback.url, fallback.external_id = article.url, article.external_id
                article = fallback
                self.crawler.stats.inc_value("portalwatch/fallback_used")
                self.logger.info("profile %s found no article on %s; used the generic fallback", self.profile.name, url)
        problems = article.problems()
        if is_html and b"</html>" not in response.body[-4096:].lower():
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
            "source": article.source,
            "tags": article.tags,
            "body_html": article.body_html,
            "images": article.images,
            "attachments": article.attachments,
            "references": article.references,
            "updated_at": article.updated.value if article.updated else None,
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
