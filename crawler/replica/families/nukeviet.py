"""NukeViet 4 news module: what its spec cannot say (docs/portal-families.md §NukeViet).

The article's first image is its "home image", shown apart above the text; attached files are served
through the article URL (?download=1&id=<index>, ?pdf=1&id=<index>), as the news module does; and the
module publishes RSS 2.0 at /vi/news/rss/ and /vi/news/rss/<category>/.
"""
from __future__ import annotations

import email.utils
import re
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from crawler.replica.families.engine import Family

RSS_ITEMS = 20
_RSS = re.compile(r"^/vi/news/rss/?(?:(?P<cat>[a-z0-9-]+)/?)?$")


class Overrides(Family):
    def route(self, portal, path, query):
        if match := _RSS.match(path):
            if match["cat"] and match["cat"] not in portal.categories:
                return None
            return "rss", match["cat"]
        if match := self._article_re.match(path):  # the id decides, as in NukeViet
            params = parse_qs(query)
            for key in ("download", "pdf"):
                if params.get(key) == ["1"]:
                    try:
                        return "download", (match["id"], int(params.get("id", ["0"])[0]))
                    except ValueError:
                        return None
        return super().route(portal, path, query)

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

    def article_context(self, portal, article):
        images = [b for b in article.blocks if b[0] == "img"]
        home = images[0] if images else None
        body = [("img", self.media_url(portal, article, b[1]), b[2]) if b[0] == "img" else b
                for b in article.blocks[1:] if b is not home]
        every, rest = self.spec.get("bare_body", (0, 0))
        return super().article_context(portal, article) | {
            "blocks": body, "homeimg": (self.media_url(portal, article, home[1]), home[2]) if home else None,
            "bare": bool(every) and int(article.external_id) % every == rest,
            "source_link": self.spec.get("source_links", {}).get(article.source, ""),
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
        for article in replica.visible(portal.key, category)[:RSS_ITEMS]:
            out += self._rss_item(portal, article)
        out += ["</channel>", "</rss>", ""]
        return "\n".join(out)

    def _rss_item(self, portal, article) -> list[str]:
        base = portal.base_url
        image = self.listing_item(portal, article)["image"]
        description = (f'<img src="{base}{image}" width="100" align="left" border="0">' if image else "") + article.summary
        return ["<item>",
                f"<title>{escape(article.title)}</title>",
                f"<link>{escape(base + self.article_path(portal, article))}</link>",
                f'<guid isPermaLink="false">{escape(portal.key)}_news_{article.external_id}</guid>',
                f"<description><![CDATA[{description}]]></description>",
                f"<pubDate>{email.utils.format_datetime(article.published)}</pubDate>",
                "</item>"]
