"""Tân Dân SharePoint "portal" (Ninh Thuận, Điện Biên, Nam Định, Hà Tĩnh, MPI …): shared/portals.md §1.C.

Article pages are files in a SharePoint library, one folder per day:
/portal/Pages/<YYYY-M-D>/<first 50 characters of the ASCII-folded title><6 random characters>.aspx
(e.g. .../2023-3-9/My-Nghiep--vung-van-hoa-Cham-long-lay-nhung-soi-ch8p98kq.aspx): the folded title keeps its
case, every other character becomes "-" (no collapsing), and the random part follows the cut title directly.
Paths are case-insensitive (SharePoint). Listings: /portal/Pages/<Category>.aspx?PageIndex=N.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qs

from markupsafe import Markup

from crawler.replica.families.base import Family, token


def title_words(title: str) -> str:
    """ASCII-folded title, case kept, one '-' per other character: "Mỹ Nghiệp: vùng" → "My-Nghiep--vung"."""
    text = title.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return re.sub(r"[^A-Za-z0-9]", "-", text)


class TanDan(Family):
    name = "tandan"
    page_size = 10
    empty_pages_ok = True       # SharePoint renders an empty list past the last page
    date_only = True            # "Đăng ngày 17 - 05 - 2024": no time anywhere on the page
    robots = ("User-agent: *\nDisallow: /_layouts/\nDisallow: /_vti_bin/\nDisallow: /_catalogs/\n"
              "Disallow: /portal/Pages/Tim-kiem.aspx\n")
    _article = re.compile(r"^/portal/pages/(?P<date>\d{4}-\d{1,2}-\d{1,2})/(?P<name>[^/]+)\.aspx$", re.I)
    _page = re.compile(r"^/portal/pages/(?P<name>[^/]+)\.aspx$", re.I)

    def assign_ids(self, portal, articles):
        used: set[str] = set()
        for article in articles:
            article.published = article.published.replace(microsecond=0)
            salt = 0
            while (rid := token(f"{portal.key}:{article.number}:{salt}", 6)) in used:
                salt += 1
            used.add(rid)
            article.external_id = rid
            article.slug = title_words(article.title)[:50] + rid

    def article_path(self, portal, article):
        p = article.published
        return f"/portal/Pages/{p.year}-{p.month}-{p.day}/{article.slug}.aspx"

    def route(self, portal, path, query):
        if match := self._article.match(path):
            article = portal.by_id.get(match["name"][-6:].lower())
            if article and self.article_path(portal, article).lower() == path.lower():
                return "article", article.external_id
            return None
        if match := self._page.match(path):
            name = match["name"].lower()
            category = next((c for c in portal.categories if c.lower() == name), None)
            if category is None and name == "default":
                category = next(iter(portal.categories))
            if category is None:
                return None
            params = {k.lower(): v for k, v in parse_qs(query).items()}
            try:
                page = max(1, int(params.get("pageindex", ["1"])[0]))
            except ValueError:
                page = 1
            return "listing", (category, page)
        return None

    def page_url(self, portal, category, page):
        return f"/portal/Pages/{category}.aspx" + ("" if page == 1 else f"?PageIndex={page}")

    def home_path(self, portal):
        return "/portal/Pages/default.aspx"

    def media_url(self, portal, article, src):
        # /media/2024/05/17/ninhphuoc-12.jpg → /portal/Photos/2024-05-17/ninhphuoc-12.jpg
        parts = src.split("/")
        return f"/portal/Photos/{parts[2]}-{parts[3]}-{parts[4]}/{parts[5]}" if src.startswith("/media/") else src

    def attachment_links(self, portal, article):
        links = []
        for title, path in article.attachments:
            name = path.rsplit("/", 1)[-1]
            url = f"/portal/VanBan/{article.published.year}/{name}"
            href = Markup(f"javascript:downloadfile('{name}','{url}')")  # written with plain quotes, as on the portal
            links.append({"name": name, "title": title, "href": href, "url": url})
        return links

    def credit_lines(self, article) -> list[tuple[str, str]]:
        """The right-aligned lines closing the body: (tag, text)."""
        if article.credit == "via":
            return [("em", f"Theo {article.source}")]
        lines = []
        if article.author:
            lines.append(("strong", f"Tác giả: {article.author}"))
        if article.source:
            lines.append(("strong", f"Nguồn: {article.source}"))
        return lines

    def article_context(self, portal, article):
        blocks = [("img", self.media_url(portal, article, b[1]), b[2]) if b[0] == "img" else b for b in article.blocks[1:]]
        p = article.published
        return {
            "blocks": blocks, "credit_lines": self.credit_lines(article), "files": self.attachment_links(portal, article),
            "date_text": f"Đăng ngày {p:%d} - {p:%m} - {p:%Y}",
            "viewstate": token(f"{portal.key}:{article.external_id}:vs", 96, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
        }
