"""Tân Dân SharePoint "portal": what its spec cannot say (docs/portal-families.md §Tân Dân).

An article page is a file in a SharePoint library, one folder per day:
/portal/Pages/<YYYY-M-D>/<first 50 characters of the ASCII-folded title><6 random characters>.aspx.
The folded title keeps its case and turns every other character into "-" (no collapsing), and the
random part follows the cut title directly; paths are case-insensitive, as on SharePoint.
"""
from __future__ import annotations

import re
import unicodedata

from crawler.replica.families.engine import Family, token


def title_words(title: str) -> str:
    """ASCII-folded title, case kept, one '-' per other character: "Mỹ Nghiệp: vùng" → "My-Nghiep--vung"."""
    text = title.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return re.sub(r"[^A-Za-z0-9]", "-", text)


class Overrides(Family):
    def assign_ids(self, portal, articles):
        used: set[str] = set()
        for article in articles:
            article.published = self.truncate(article.published)
            salt = 0
            while (rid := token(f"{portal.key}:{article.number}:{salt}", 6)) in used:
                salt += 1
            used.add(rid)
            article.external_id = rid
            article.slug = title_words(article.title)[:50] + rid

    def route(self, portal, path, query):
        if match := self._article_re.match(path):  # the random part decides; the whole path must match
            article = portal.by_id.get(match["name"][-6:].lower())
            if article and self.article_path(portal, article).lower() == path.lower():
                return "article", article.external_id
            return None
        return super().route(portal, path, query)
