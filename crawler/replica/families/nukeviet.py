"""NukeViet 4 news module (VINADES; provincial departments, districts, schools): shared/portals.md §1.E.

Markup follows themes/default/modules/news/detail.tpl and viewcat_page.tpl of nukeviet/nukeviet; texts follow
modules/news/language/vi.php ("Tác giả", "Nguồn tin", "Từ khóa", "File đính kèm", "Tập tin", "Những tin mới hơn",
"Những tin cũ hơn"); the publication time is nv_date('l - d/m/Y H:i') with the Vietnamese weekday names.
Attached files are served through the article URL (?download=1&id=<index>), as the news module does.
"""
from __future__ import annotations

import email.utils
import re
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from crawler.replica.content import slugify
from crawler.replica.families.base import Family, gap

WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")  # Monday first
RSS_ITEMS = 20


def nv_date(when) -> str:
    """nv_date('l - d/m/Y H:i') → "Thứ sáu - 10/05/2024 16:21"."""
    return f"{WEEKDAYS[when.weekday()]} - {when:%d/%m/%Y %H:%M}"


def php_meta_time(when) -> str:
    """date('Y-m-dTH:i:s') as the news module writes article:published_time: PHP's 'T' is the zone
    abbreviation, so Asia/Ho_Chi_Minh gives "2024-05-10+0716:21:00" (sic)."""
    return f"{when:%Y-%m-%d}+07{when:%H:%M:%S}"


class NukeViet(Family):
    name = "nukeviet"
    page_size = 15
    robots = ("User-agent: *\nDisallow: /admin/\nDisallow: /data/\nDisallow: /includes/\nDisallow: /install/\n"
              "Disallow: /modules/\nDisallow: /themes/\nDisallow: /vendor/\nDisallow: /vi/search/\n")
    _article = re.compile(r"^/vi/news/(?P<cat>[a-z0-9-]+)/(?P<alias>[a-z0-9-]+)-(?P<id>\d+)\.html$")
    _listing = re.compile(r"^/vi/news/(?P<cat>[a-z0-9-]+)/(?:page-(?P<page>\d+)/?)?$")
    _rss = re.compile(r"^/vi/news/rss/?(?:(?P<cat>[a-z0-9-]+)/?)?$")
    first_id = 3400

    def assign_ids(self, portal, articles):
        next_id = int(portal.id_prefix or self.first_id)
        for article in articles:  # oldest first: ids grow with time, with holes left by deleted drafts
            article.published = article.published.replace(microsecond=0)
            next_id += gap(f"{portal.key}:{article.number}", 3)
            article.external_id = str(next_id)
            article.slug = slugify(article.title)

    def article_path(self, portal, article):
        return f"/vi/news/{article.category}/{article.slug}-{article.external_id}.html"

    def route(self, portal, path, query):
        if match := self._rss.match(path):
            if match["cat"] and match["cat"] not in portal.categories:
                return None
            return "rss", match["cat"]
        if match := self._article.match(path):  # the id decides, as in NukeViet
            params = parse_qs(query)
            for key in ("download", "pdf"):
                if params.get(key) == ["1"]:
                    try:
                        return "download", (match["id"], int(params.get("id", ["0"])[0]))
                    except ValueError:
                        return None
            return "article", match["id"]
        if (match := self._listing.match(path)) and match["cat"] in portal.categories:
            page = int(match["page"] or 1)
            return ("listing", (match["cat"], page)) if page >= 1 else None
        if path in ("/vi/news", "/vi/news/", "/vi", "/vi/"):
            return "listing", (next(iter(portal.categories)), 1)
        return None

    def page_url(self, portal, category, page):
        return f"/vi/news/{category}/" + ("" if page == 1 else f"page-{page}/")

    def home_path(self, portal):
        return self.page_url(portal, next(iter(portal.categories)), 1)

    def media_url(self, portal, article, src):
        # /media/2024/05/10/nhontrach-12.jpg → /uploads/news/2024_05/nhontrach-12.jpg
        parts = src.split("/")
        return f"/uploads/news/{parts[2]}_{parts[3]}/{parts[5]}" if src.startswith("/media/") else src

    def attachment_links(self, portal, article):
        path = self.article_path(portal, article)
        many = len(article.attachments) > 1
        links = []
        for index, (title, file_path) in enumerate(article.attachments):
            name = file_path.rsplit("/", 1)[-1]
            titledown = "Tập tin " + (str(index + 1) if many else "")
            links.append({"name": name, "title": title, "titledown": titledown, "key": f"{article.external_id}{index}",
                          "href": f"{path}?download=1&id={index}", "url": f"{path}?download=1&id={index}",
                          "pdf": f"{path}?pdf=1&id={index}" if name.endswith(".pdf") else ""})
        return links

    def listing_item(self, portal, article):
        item = super().listing_item(portal, article)
        item["publtime"] = article.published.strftime("%d/%m/%Y %H:%M")
        return item

    def article_context(self, portal, article):
        images = [b for b in article.blocks if b[0] == "img"]
        home = images[0] if images else None
        body = [("img", self.media_url(portal, article, b[1]), b[2]) if b[0] == "img" else b
                for b in article.blocks[1:] if b is not home]
        return {
            "category": article.category, "publtime": nv_date(article.published), "blocks": body,
            "homeimg": (self.media_url(portal, article, home[1]), home[2]) if home else None,
            "meta_published": php_meta_time(article.published),
            "meta_modified": php_meta_time(article.updated or article.published),
            "files": self.attachment_links(portal, article),
            "keywords": [(tag, slugify(tag)) for tag in article.tags],
        }

    def data(self, replica, portal, kind, arg):
        if kind == "download":
            external_id, index = arg
            article = portal.by_id.get(external_id)
            if (article and not article.removed and article.published <= replica.now(portal.key)
                    and 0 <= index < len(article.attachments)):
                name = article.attachments[index][1].rsplit("/", 1)[-1]
                ctype = "application/pdf" if name.endswith(".pdf") else "application/octet-stream"
                return 200, ctype, b"%PDF-1.4 replica " + name.encode()
            return 404, "text/html; charset=utf-8", b"<html><body><h1>404</h1></body></html>"
        if kind == "rss":
            return 200, "application/rss+xml; charset=utf-8", self.rss(replica, portal, arg).encode("utf-8")
        raise NotImplementedError(kind)

    def rss(self, replica, portal, category: str | None) -> str:
        """RSS 2.0 of the newest visible articles, pubDate in RFC 822 with +0700."""
        base = portal.base_url
        title = portal.categories[category] if category else "Tin Tức"
        link = base + (self.page_url(portal, category, 1) if category else "/vi/news/")
        items = replica.visible(portal.key, category)[:RSS_ITEMS]
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
               "<channel>",
               f"<title>{escape(title)} - {escape(portal.name)}</title>",
               f"<link>{escape(link)}</link>",
               f'<atom:link href="{escape(base)}/vi/news/rss/{escape(category + "/") if category else ""}" rel="self" type="application/rss+xml" />',
               f"<description>{escape(title)}</description>",
               "<language>vi</language>",
               f"<copyright>{escape(portal.name)}</copyright>",
               "<docs>http://www.rssboard.org/rss-specification</docs>",
               "<generator>NukeViet v4.5</generator>",
               f"<image><url>{escape(base)}/uploads/logo.png</url><title>{escape(title)}</title><link>{escape(link)}</link></image>"]
        for article in items:
            url = base + self.article_path(portal, article)
            image = self.listing_item(portal, article)["image"]
            description = (f'<img src="{base}{image}" width="100" align="left" border="0">' if image else "") + article.summary
            out += ["<item>",
                    f"<title>{escape(article.title)}</title>",
                    f"<link>{escape(url)}</link>",
                    f'<guid isPermaLink="false">{escape(portal.key)}_news_{article.external_id}</guid>',
                    f"<description><![CDATA[{description}]]></description>",
                    f"<pubDate>{email.utils.format_datetime(article.published)}</pubDate>",
                    "</item>"]
        out += ["</channel>", "</rss>", ""]
        return "\n".join(out)
