"""Liferay 6 asset publisher (older Hanoi portals, many ministries): shared/portals.md §1.B."""
from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qs

from crawler.replica.content import slugify
from crawler.replica.families.base import Family


def _instance_id(portal_key: str, category: str) -> str:
    """A Liferay portlet instance id: 12 characters, stable per page."""
    digest = hashlib.sha1(f"{portal_key}/{category}".encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:12])


class Liferay(Family):
    """Liferay 6 asset publisher: /<page>/-/asset_publisher/<instance>/content/<urlTitle>."""

    name = "liferay"
    summary_in_body = True
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

    def attachment_links(self, portal, article):
        uuid = f"{article.journal_id:08x}-1b2c-4d5e-8f90-{article.journal_id * 7:012x}"
        return [{"name": path.rsplit("/", 1)[-1], "title": title, "href": f"/documents/67915/{article.journal_id}{path}/{uuid}",
                 "url": f"/documents/67915/{article.journal_id}{path}/{uuid}"} for title, path in article.attachments]
