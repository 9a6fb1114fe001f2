"""The one generic spider: `scrapy crawl portal -a site=KEY`.

What a portal looks like comes from the registry (listing pages) and its CMS profile
(selectors and rules); this spider only walks listings and hands article pages to the profile.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from w3lib.url import canonicalize_url

from crawler.charset import read_as_encoded
from crawler.checkstate import article_checked, known_articles, listing_failed, listing_seen
from crawler.extract import read_article, read_listing, unstorable
from crawler.profiles import PROFILES
from crawler.profiles.fallback import FALLBACK
from crawler.registry import get_site
from db.clock import SETTING as CLOCK_SETTING, STAT as CLOCK_STAT, ObservationClock
from db.engine import resolve_db_url
from db.record import ArticleRecord

RECHECK_STATUSES = [304, 404, 410]
DEFAULT_PORTS = {"http": 80, "https": 443}
SCHEMES = ("http", "https")  # anything else (ftp:, file:, …) is never requested: Scrapy's FTP client can wait forever


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, site: str | None = None, base_url: str | None = None, run_id: str | None = None,
                 mode: str = "full", **kwargs):
        super().__init__(**kwargs)
        if not site:
            raise ValueError("name the portal: scrapy crawl portal -a site=KEY")
        self.site = get_site(site)
        if base_url:
            self.site = self.site.at(base_url)
        self.profile = PROFILES[self.site.profile]
        self.allowed_domains = [self.site.host]
        self.run_id = int(run_id) if run_id else None
        if mode not in ("full", "incremental"):
            raise ValueError(f"mode must be 'full' or 'incremental', not {mode!r}")
        self.mode = mode
        self.known = {}
        self.walks: dict[str, set[str]] = {}  # listing root → the pages of its walk requested (canonical URLs)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_dropped, signal=signals.request_dropped)
        # Observations (fetched_at, re-check due times) use the monitor's clock for this portal (db/clock.py).
        spider.clock = ObservationClock.from_seconds(crawler.settings.get(CLOCK_SETTING))
        crawler.signals.connect(spider.on_scheduled, signal=signals.request_scheduled)
        return spider

    async def start(self):
        self.crawler.stats.set_value(CLOCK_STAT, self.clock.seconds)  # the run's stats keep it (monitor/detect.py)
        if self.mode == "incremental":
            # Known articles: listings are walked only until they show nothing new, and known
            # articles come back on their own (decaying) schedule, with conditional GETs.
            self.known = known_articles(resolve_db_url(self.settings.get("PORTALWATCH_DB")), self.site.key)
            now = self.clock.now()
            for external_id, known in self.known.items():
                if known.removed_from_listing or (known.next_check_at and known.next_check_at > now):
                    continue
                if not self._fetchable(known.url):
                    continue
                headers = {}
                if not known.removed:  # a removed article must come back as a page, not a 304, to be restored
                    if known.etag:
                        headers["If-None-Match"] = known.etag
                    if known.last_modified:
                        headers["If-Modified-Since"] = known.last_modified
                self.crawler.stats.inc_value("portalwatch/rechecks")
                yield scrapy.Request(self.profile.fetch_url(known.url), self.parse_article, errback=self.on_error,
                                     headers=headers, meta={"handle_httpstatus_list": RECHECK_STATUSES},
                                     cb_kwargs={"url": known.url, "listing_category": known.category})
        for url in self.site.listing_urls():
            yield scrapy.Request(url, self.parse_listing, errback=self.on_error, cb_kwargs={"depth": 1, "root": url})

    def parse_listing(self, response, depth: int, category: str = "", known_pages: int = 0, root: str = ""):
        root = root or response.url
        response = self._readable(response)
        if response is None:
            return
        self.crawler.stats.inc_value("portalwatch/listing_pages")
        articles, next_pages = read_listing(response, self.profile)
        category = self.profile.category_of_listing(response.selector) or category  # API pages carry none
        if not articles and not next_pages:
            self.crawler.stats.inc_value("portalwatch/empty_listings")
            self.logger.warning("listing page has no article links: %s", response.url)
        ids = {self.profile.article_id(url): url for url in articles}
        self.crawler.signals.send_catch_log(listing_seen, root=root, depth=depth, external_ids=list(ids))
        fresh = [url for external_id, url in ids.items() if self._fetchable(url) and (
                 self.mode == "full" or external_id not in self.known or self.known[external_id].removed_from_listing)]
        for url in fresh:
            yield scrapy.Request(self.profile.fetch_url(url), self.parse_article, errback=self.on_error,
                                 cb_kwargs={"url": url, "listing_category": category})
        # A page of known articles only: the portal has nothing newer further down. A few more
        # pages (the safety depth) guard against a pinned or re-dated article at the top.
        known_pages = 0 if fresh or not articles else known_pages + 1
        if self.mode == "incremental" and known_pages > self.settings.getint("PORTALWATCH_SAFETY_DEPTH", 2):
            return
        for url in next_pages:
            if self._next_page(root, response.urljoin(url)):
                yield response.follow(url, self.parse_listing, errback=self.on_error,
                                      cb_kwargs={"depth": depth + 1, "category": category, "known_pages": known_pages,
                                                 "root": root})

    def _next_page(self, root: str, url: str) -> bool:
        """Whether to walk on to `url`: an http(s) page this listing's walk has not requested, within
        its budget of PORTALWATCH_MAX_LISTING_PAGES pages in all (a pager that links two "next"
        pages from every page would otherwise double the walk at every step)."""
        if not self._fetchable(url):
            return False
        pages = self.walks.setdefault(root, {canonicalize_url(root)})
        key = canonicalize_url(url)
        if key in pages:
            return False
        if len(pages) >= self.settings.getint("PORTALWATCH_MAX_LISTING_PAGES"):
            self.crawler.stats.inc_value("portalwatch/listing_budget_spent")
            return False
        pages.add(key)
        return True

    def _fetchable(self, url: str) -> bool:
        if urlsplit(url).scheme in SCHEMES:
            return True
        self.crawler.stats.inc_value("portalwatch/refused_urls")
        self.logger.warning("not an http(s) link, not followed: %s", url)
        return False

    def parse_article(self, response, url: str, listing_category: str = ""):
        response = self._readable(response)
        if response is None:
            return
        self.crawler.stats.inc_value("portalwatch/article_pages")
        external_id = self.profile.article_id(url)
        if response.status in RECHECK_STATUSES:
            self.crawler.stats.inc_value(f"portalwatch/recheck_status/{response.status}")
            self.crawler.signals.send_catch_log(article_checked, external_id=external_id, status=response.status)
            return
        self.crawler.signals.send_catch_log(
            article_checked, external_id=external_id, status=response.status,
            etag=(response.headers.get("ETag") or b"").decode("latin-1") or None,
            last_modified=(response.headers.get("Last-Modified") or b"").decode("latin-1") or None)
        article = read_article(response, url, self.profile, listing_category=listing_category)
        if article.extracted_by == FALLBACK.name:
            self.crawler.stats.inc_value("portalwatch/fallback_used")
            self.logger.info("profile %s found no article on %s; used the generic fallback", self.profile.name, url)
        if problems := unstorable(response, article):
            self.crawler.stats.inc_value("portalwatch/extract_failed")
            self.logger.warning("cannot extract an article from %s: %s", response.url, ", ".join(problems))
            return
        self._count_coverage(article)
        article.site = self.site.key
        article.fetched_at = self.clock.now()
        article.raw_html = response.text
        article.content_type = (response.headers.get("Content-Type") or b"text/html").decode("latin-1")
        yield article

    def on_scheduled(self, request, **_):
        """A redirect to another site than the portal's (_site_address) is a failed fetch, never
        followed: the page there is not this article (a neighbour's page stored as an edit; its 404
        no evidence of removal). Scrapy's offsite check ignores ports, and drops another host's
        redirect silently, so the article was neither checked nor failed. Raising IgnoreRequest here
        unschedules it. A redirect to the portal's www. twin is let past Scrapy's check, which
        allows www.host for host but not host for www.host."""
        if not request.meta.get("redirect_urls"):
            return
        if _site_address(request.url) != _site_address(self.site.base_url):
            self._failed(request, f"redirected off-site to {request.url}")
            raise IgnoreRequest(f"off-site redirect to {request.url}")
        request.meta["allow_offsite"] = True

    def _readable(self, response):
        """The response, re-read in the charset its bytes are in; None (a failed fetch) when its bytes
        fit no charset it could be in."""
        readable = read_as_encoded(response)
        if readable is None:
            self._failed(response.request, f"bytes fit neither the declared {response.encoding} nor windows-1258")
        elif readable is not response:
            self.crawler.stats.inc_value("portalwatch/charset_corrected")
        return readable

    def _count_coverage(self, article: ArticleRecord) -> None:
        stats = self.crawler.stats
        stats.inc_value("portalwatch/items")
        for field, present in (("title", article.title), ("published_at", article.published),
                               ("body_text", article.paragraphs), ("views", article.views is not None)):
            if present:
                stats.inc_value(f"portalwatch/coverage/{field}")  # detection compares runs: a layout change shows here

    def on_error(self, failure):
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else (failure.getErrorMessage() or failure.type.__name__)
        self._failed(failure.request, reason)

    def on_dropped(self, request, **_):
        """A redirect back to a URL of its own chain is dropped by the duplicate filter, silently:
        it is a redirect loop, a failed fetch."""
        if request.url in request.meta.get("redirect_urls", ()) and request.callback in (self.parse_listing,
                                                                                         self.parse_article):
            self._failed(request, "redirect loop")

    def _failed(self, request, reason: str) -> None:
        stats = self.crawler.stats
        stats.inc_value("portalwatch/fetch_failed")
        if request.callback == self.parse_listing:
            stats.inc_value("portalwatch/listing_failed")
            self.crawler.signals.send_catch_log(listing_failed, root=request.cb_kwargs.get("root") or request.url,
                                                reason=reason)
        else:
            stats.inc_value("portalwatch/article_failed")
        stats.set_value("portalwatch/last_error", f"{request.url}: {reason}")
        self.logger.warning("fetch failed: %s: %s", request.url, reason)


def _site_address(url: str) -> tuple[str, int | None]:
    """What a redirect must keep to stay on the portal: the host, less a leading "www.", and the port
    unless it is the scheme's default. http → https on the same host is the same portal; another
    port is another server (the replica's neighbours differ by port only). An explicit :80/:443 is
    no port: IIS and DNN behind SSL offload put it in their Location headers. www.host and host are
    one site: portals answer under both names and redirect one to the other (the registry holds the
    name they were found at), and both names are the operator's own zone, so no neighbour's page
    can be there; any other subdomain (vanban.host) is another site."""
    parts = urlsplit(url)
    port = None if parts.port == DEFAULT_PORTS.get(parts.scheme) else parts.port
    return (parts.hostname or "").lower().removeprefix("www."), port
