"""The current Hanoi platform (VCCorp-style CMS): shared/portals.md §1.A."""
from __future__ import annotations

import json
import re

from crawler.replica.content import slugify
from crawler.replica.families.base import Family


class HanoiPlatform(Family):
    """The current Hanoi platform: /<category-slug>/<slug>-<ID>.htm, ID = prefix + yyMMddHHmmss + ms."""

    name = "hanoi"
    page_size = 12
    robots = "User-agent: *\nDisallow: /tim-kiem.htm\nDisallow: /admin/\n"
    _article = re.compile(r"^/(?P<cat>[a-z0-9-]+)/(?P<slug>[a-z0-9-]+)-(?P<id>\d{8,})\.htm$")
    _listing = re.compile(r"^/(?P<cat>[a-z0-9-]+)(?:/trang-(?P<page>\d+)\.htm)?/?$")

    def assign_ids(self, portal, articles):
        for article in articles:
            ms = article.published.microsecond // 1000
            article.external_id = f"{portal.id_prefix}{article.published:%y%m%d%H%M%S}{ms}"
            article.slug = slugify(article.title)[:90].rstrip("-")

    def article_path(self, portal, article):
        return f"/{article.category}/{article.slug}-{article.external_id}.htm"

    def route(self, portal, path, query):
        if match := self._article.match(path):
            return "article", match["id"]  # the slug may be anything: ids decide, as on the real site
        if (match := self._listing.match(path)) and match["cat"] in portal.categories:
            return "listing", (match["cat"], int(match["page"] or 1))
        return None

    def page_url(self, portal, category, page):
        return f"/{category}" if page == 1 else f"/{category}/trang-{page}.htm"

    def article_context(self, portal, article):
        jsonld = {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
            "description": article.summary, "datePublished": article.published.isoformat(timespec="seconds"),
            "dateModified": (article.updated or article.published).isoformat(timespec="seconds"),
            "author": {"@type": "Person", "name": article.author},
            "publisher": {"@type": "Organization", "name": portal.name},
        }
        return {"jsonld": json.dumps(jsonld, ensure_ascii=False).replace("</", "<\\/")}

    def attachment_links(self, portal, article):
        return [{"name": path.rsplit("/", 1)[-1], "title": title, "href": f"/datafiles/gov-hni/{portal.key}{path}",
                 "url": f"/datafiles/gov-hni/{portal.key}{path}"} for title, path in article.attachments]

    def expected(self, portal, article):
        return super().expected(portal, article) | {"tags": [portal.categories[article.category]]}
