"""The extraction engine shared by every CMS family.

A family module subclasses Profile and fills in selectors (data) and, where the family has a
peculiar rule, overrides one step. Whole pages are queried with parsel (fast); only the small
article-body fragment goes through BeautifulSoup for cleanup.
"""
from __future__ import annotations

import json
import re
from typing import Iterable
from urllib.parse import urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, Tag
from parsel import Selector

from crawler.article import ExtractedArticle
from crawler.dates import ParsedDate, parse_iso, parse_vn_datetime
from crawler.textnorm import clean_text
from crawler.views import parse_views

# Removed from every body before reading its text: scripts, embeds, forms, share bars, related news.
COMMON_BODY_NOISE = (
    "script", "style", "iframe", "form", "nav", "noscript", "button", "audio", "video",
    "[type=RelatedNews]", "[type=RelatedOneNews]", ".related-news", ".share", ".social-share",
)
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td")
_AUTHOR_PREFIX = re.compile(r"^\(?\s*(?:Tác\s+giả|Nguồn|Theo|Bài\s+và\s+ảnh|Bài,\s*ảnh|Tin,\s*ảnh|Bài)\s*[:\-–]?\s*", re.I)
_SENTENCE_END = re.compile(r"[.!?…:;”\"]$")


def first_text(sel: Selector, selectors: Iterable[str]) -> str:
    """Clean text of the first selector that yields any (attribute/text selectors or elements)."""
    for css in selectors:
        if "::" in css:
            values = sel.css(css).getall()
        else:
            values = [" ".join(node.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall())
                      for node in sel.css(css)]
        for value in values:
            if text := clean_text(value):
                return text
    return ""


def author_from_last_paragraph(paragraphs: list[str]) -> str:
    """The byline that many portals put as the body's last short paragraph ("Ngọc Hằng")."""
    if not paragraphs:
        return ""
    candidate = _AUTHOR_PREFIX.sub("", paragraphs[-1]).strip(" ()-–")
    words = candidate.split()
    if not 1 <= len(words) <= 6 or _SENTENCE_END.search(candidate) or any(ch.isdigit() for ch in candidate):
        return ""
    if sum(w[0].isupper() for w in words) < max(1, len(words) - 1):
        return ""
    return candidate


class Profile:
    name: str = ""
    # Path of an article page; group "id" is the portal's own article id.
    article_path: re.Pattern = re.compile(r"$^")
    listing_links: str = "a::attr(href)"
    next_page: str = ""
    title: tuple[str, ...] = ("meta[property='og:title']::attr(content)", "h1")
    summary: tuple[str, ...] = ("meta[name=description]::attr(content)",)
    date_iso: tuple[str, ...] = (
        "meta[property='article:published_time']::attr(content)",
        "meta[itemprop=datePublished]::attr(content)",
    )
    date_text: tuple[str, ...] = ()
    views_text: tuple[str, ...] = ()
    body: tuple[str, ...] = ("article",)
    body_noise: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    # Canonical article URLs keep no query string unless the family needs it.
    keep_query: bool = False

    # ---- listings -------------------------------------------------------------------------
    def article_id(self, url: str) -> str | None:
        match = self.article_path.search(urlsplit(url).path)
        return match["id"] if match else None

    def canonical_url(self, url: str) -> str:
        parts = urlsplit(url)
        query = parts.query if self.keep_query else ""
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))

    def parse_listing(self, sel: Selector, url: str) -> tuple[list[str], list[str]]:
        """Article URLs (canonical, in page order, no repeats) and next-page URLs of a listing page."""
        seen: dict[str, None] = {}
        for href in sel.css(self.listing_links).getall():
            if href.strip().startswith(("javascript:", "#")):
                continue
            absolute = urljoin(url, href.strip())
            if self.article_id(absolute):
                seen.setdefault(self.canonical_url(absolute), None)
        next_urls = [
            urljoin(url, h.strip())
            for h in (sel.css(self.next_page).getall() if self.next_page else [])
            if not h.strip().startswith(("javascript:", "#"))
        ]
        return list(seen), next_urls

    # ---- article pages ----------------------------------------------------------------------
    def extract(self, sel: Selector, url: str) -> ExtractedArticle:
        url = self.canonical_url(url)
        article = ExtractedArticle(url=url, external_id=self.article_id(url) or "", extracted_by=self.name)
        article.title = self.extract_title(sel)
        article.summary = first_text(sel, self.summary)
        article.published = self.extract_published(sel)
        article.views = self.extract_views(sel)
        article.category = first_text(sel, self.category)
        body = self.body_fragment(sel)
        article.paragraphs = self.paragraphs(body) if body is not None else []
        article.author = first_text(sel, self.author)
        if not article.author:
            article.author = author_from_last_paragraph(article.paragraphs)
            if article.author:
                article.paragraphs.pop()
        return article

    def extract_html(self, html: str, url: str) -> ExtractedArticle:
        return self.extract(Selector(text=html), url)

    def extract_title(self, sel: Selector) -> str:
        return first_text(sel, self.title)

    def extract_published(self, sel: Selector) -> ParsedDate | None:
        for raw in sel.css("script[type='application/ld+json']::text").getall():
            found = _jsonld_value(raw, "datePublished")
            if found and (parsed := parse_iso(found)):
                return parsed
        for css in self.date_iso:
            for raw in sel.css(css).getall():
                if parsed := parse_iso(raw):
                    return parsed
        return parse_vn_datetime(first_text(sel, self.date_text))

    def extract_views(self, sel: Selector) -> int | None:
        return parse_views(first_text(sel, self.views_text))

    def body_fragment(self, sel: Selector) -> Tag | None:
        for css in self.body:
            html = sel.css(css).get()
            if html:
                soup = BeautifulSoup(html, "lxml")
                for noise in COMMON_BODY_NOISE + self.body_noise:
                    for node in soup.select(noise):
                        node.decompose()
                return soup
        return None

    def paragraphs(self, body: Tag) -> list[str]:
        """Clean text blocks in document order; captions are not body text."""
        for caption in body.select("figcaption"):
            caption.decompose()
        # CKEditor captions: an italic paragraph right after a paragraph holding only an image.
        for holder in body.select("p"):
            if holder.find("img") is None or clean_text(holder.get_text()):
                continue
            caption = holder.find_next_sibling("p")
            italic = caption.find(["em", "i"]) if caption is not None else None
            if italic is not None and clean_text(italic.get_text()) == clean_text(caption.get_text()):
                caption.decompose()
        blocks = []
        for node in body.find_all(_BLOCKS):
            if node.find_parent(_BLOCKS) is not None:
                continue  # nested block: its text is read with its ancestor
            text = clean_text(node.get_text(" "))
            if text:
                blocks.append(text)
        return blocks


def _jsonld_value(raw: str, key: str) -> str | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get(key), str):
                return item[key]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None
