"""Liferay 6 asset publisher: what its spec cannot say (docs/portal-families.md §Liferay).

Every page's asset publisher is a portlet instance with a 12-character id that appears in article URLs
and in the pager's parameters; a repeated urlTitle gets the next free counter; attachments live in the
document library under a UUID.
"""
from __future__ import annotations

import re

from crawler.replica.content import slugify
from crawler.replica.families.engine import Family, token

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def instance_id(portal_key: str, category: str) -> str:
    """A Liferay portlet instance id: 12 characters, stable per page."""
    return token(f"{portal_key}/{category}", 12, ALNUM)


class Overrides(Family):
    def assign_ids(self, portal, articles):
        used: set[str] = set()
        for article in articles:
            slug = slugify(article.title, drop_d=True)[:150].rstrip("-")
            while slug in used:  # Liferay appends the next free counter to a repeated urlTitle
                slug = re.sub(r"(-\d+)?$", lambda m: f"-{int((m.group(1) or '-0')[1:]) + 1}", slug, count=1)
            used.add(slug)
            article.slug = article.external_id = slug

    def values(self, portal, category):
        return super().values(portal, category) | {"instance": instance_id(portal.key, category)}

    def route(self, portal, path, query):
        match = self._article_re.match(path)
        if match and match["inst"] != instance_id(portal.key, match["cat"]):
            return None
        return super().route(portal, path, query)

    def article_context(self, portal, article):
        return super().article_context(portal, article) | {"instance": instance_id(portal.key, article.category)}

    def listing_context(self, portal, category, chunk):
        return {"instance": instance_id(portal.key, category) if chunk else ""}

    def attachment_links(self, portal, article):
        uuid = f"{article.journal_id:08x}-1b2c-4d5e-8f90-{article.journal_id * 7:012x}"
        return [link | {"href": f"{link['url']}/{uuid}", "url": f"{link['url']}/{uuid}"}
                for link in super().attachment_links(portal, article)]
