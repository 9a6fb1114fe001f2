"""URL shapes and page rendering of each CMS family the replica imitates.

A family assigns the portal's own ids and URLs to generated articles and maps a request path
to a page. Markup lives in templates/<family>/.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qs

from crawler.replica.content import ReplicaArticle, slugify


@dataclass
class Page:
    status: int
    template: str
    context: dict


class Family:
    name = ""
    page_size = 10
    robots = "User-agent: *\nDisallow:\n"

    def assign_ids(self, portal, articles: list[ReplicaArticle]) -> None:
        raise NotImplementedError

    def article_path(self, portal, article: ReplicaArticle) -> str:
        raise NotImplementedError

    def route(self, portal, path: str, query: str) -> tuple[str, object] | None:
        """("article", article) / ("listing", (category, page)) / None for not found."""
        raise NotImplementedError

    def page_url(self, portal, category: str, page: int) -> str:
        raise NotImplementedError

    def listing_item(self, portal, article: ReplicaArticle) -> dict:
        return {
            "url": self.article_path(portal, article), "title": article.title, "summary": article.summary,
            "date": article.published.strftime("%d/%m/%Y"), "id": article.external_id,
            "image": next((b[1] for b in article.blocks if b[0] == "img"), ""),
        }

    def article_context(self, portal, article: ReplicaArticle) -> dict:
        return {}


def _instance_id(portal_key: str, category: str) -> str:
    """A Liferay portlet instance id: 12 characters, stable per page."""
    digest = hashlib.sha1(f"{portal_key}/{category}".encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:12])


class Liferay(Family):
    """Liferay 6 asset publisher: /<page>/-/asset_publisher/<instance>/content/<urlTitle>."""

    name = "liferay"
    robots = "User-agent: *\nDisallow: /c/\nDisallow: /group/\nDisallow: /web/guest/tim-kiem\n"
    _article = re.compile(r"^/(?P<cat>[a-z0-9-]+)/-/asset_publisher/(?P<inst>\w+)/content/(?P<slug>[a-z0-9-]+)$")

    def assign_ids(self, portal, articles):
        used: set[str] = set()
        for article in articles:
            slug = slugify(article.title, drop_d=True)[:150].rstrip("-")
            while slug in used:  # Liferay appends the next free counter to a repeated urlTitle
                slug = re.sub(r"(-\d+)?$", lambda m: f"-{int((m.group(1) or '-0')[1:]) + 1}", slug, count=1)
            used.add(slug)
            article.slug = article.external_id = slug

    def article_path(self, portal, article):
        return f"/{article.category}/-/asset_publisher/{_instance_id(portal.key, article.category)}/content/{article.slug}"

    def route(self, portal, path, query):
        if match := self._article.match(path):
            if match["inst"] == _instance_id(portal.key, match["cat"]):
                return "article", match["slug"]
            return None
        category = path.strip("/")
        if category in portal.categories:
            params = parse_qs(query)
            key = f"_101_INSTANCE_{_instance_id(portal.key, category)}_cur"
            try:
                page = int(params.get(key, ["1"])[0])
            except ValueError:
                page = 1
            return "listing", (category, page)
        return None

    def page_url(self, portal, category, page):
        inst = _instance_id(portal.key, category)
        return (f"/{category}?p_p_id=101_INSTANCE_{inst}&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view"
                f"&p_p_col_id=column-1&p_p_col_count=1&_101_INSTANCE_{inst}_cur={page}&_101_INSTANCE_{inst}_delta={self.page_size}")

    def listing_item(self, portal, article):
        item = super().listing_item(portal, article)
        # Real asset publishers add a redirect back to the listing; canonical URLs drop it.
        item["url"] += f"?inheritRedirect=true&redirect=%2F{article.category}"
        return item

    def article_context(self, portal, article):
        return {"instance": _instance_id(portal.key, article.category)}


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


FAMILIES: dict[str, Family] = {f.name: f for f in (Liferay(), HanoiPlatform())}


def page_count(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))
