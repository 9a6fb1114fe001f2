"""The extraction engine shared by every CMS family.

A family module subclasses Profile and fills in selectors (data) and, where the family has a
peculiar rule, overrides one step. Pages are queried with parsel; the article-body fragment is
cleaned on a copy of its lxml tree (BeautifulSoup costs ~1 ms more per page, which would eat
the margin over the generic fallback), and nh3 sanitizes body_html.
A selector starting with "//" is XPath, any other is CSS.
"""
from __future__ import annotations

import copy
import json
import logging
import re
from functools import lru_cache
from typing import Iterable
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import nh3
from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from crawler.profiles.paragraphs import parse_byline, reading_order_paragraphs, strip_byline_prefix
from crawler.weburl import web_url
from db.record import ArticleRecord
from vntext.dates import ParsedDate, parse_iso, parse_vn_datetime
from vntext.docfiles import references_from_filename
from vntext.docrefs import find_references
from vntext.textnorm import clean_text
from vntext.views import parse_views

log = logging.getLogger(__name__)

# Removed from every body before reading its text: scripts, embeds, forms, share bars, related news.
COMMON_BODY_NOISE = (
    "script", "style", "iframe", "form", "nav", "noscript", "button", "audio", "video", "object", "embed",
    "[type=RelatedNews]", "[type=RelatedOneNews]", ".related-news", ".share", ".social-share",
)
_SAFE_TAGS = {"p", "br", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "sub", "sup", "ul", "ol", "li",
              "blockquote", "table", "thead", "tbody", "tr", "td", "th", "a", "img", "figure", "figcaption"}
_SAFE_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
_FILE_RE = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|odt|ods|rtf|zip|rar|7z)(?=$|[?#/])", re.I)
_DOWNLOADFILE_RE = re.compile(r"downloadfile\(\s*['\"]([^'\"]*)['\"]\s*,\s*['\"]([^'\"]*)['\"]", re.I)


_TEXT = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]", smart_strings=False)


def _values(sel: Selector, query: str) -> list[str]:
    """Strings for attribute/text queries, the text of each element otherwise (lxml, compiled once)."""
    results = _compiled(query)(sel.root)
    if not isinstance(results, list):
        results = [results]
    return [r if isinstance(r, str) else " ".join(_TEXT(r)) for r in results]


def first_text(sel: Selector, selectors: Iterable[str]) -> str:
    """Clean text of the first selector that yields any."""
    for query in selectors:
        for value in _values(sel, query):
            if text := clean_text(value):
                return text
    return ""


def all_texts(sel: Selector, selectors: Iterable[str]) -> list[str]:
    """Clean, distinct texts of every match of the first selector that yields any."""
    for query in selectors:
        found = list(dict.fromkeys(t for t in (clean_text(v) for v in _values(sel, query)) if t))
        if found:
            return found
    return []




def file_type_of(url_or_name: str) -> str:
    match = _FILE_RE.search(unquote(urlsplit(url_or_name).path or url_or_name))
    return match[1].lower() if match else ""


class Profile:
    name: str = ""
    # Path of an article page; group "id" is the portal's own article id.
    article_path: re.Pattern = re.compile(r"$^")
    listing_links: str = "a::attr(href)"
    next_page: str = ""
    listing_category: tuple[str, ...] = ()
    title: tuple[str, ...] = ("meta[property='og:title']::attr(content)", "h1")
    summary: tuple[str, ...] = ("meta[name=description]::attr(content)",)
    date_iso: tuple[str, ...] = (
        "meta[property='article:published_time']::attr(content)",
        "meta[itemprop=datePublished]::attr(content)",
    )
    updated_iso: tuple[str, ...] = (
        "meta[property='article:modified_time']::attr(content)",
        "meta[itemprop=dateModified]::attr(content)",
    )
    date_text: tuple[str, ...] = ()
    updated_text: tuple[str, ...] = ()
    views_text: tuple[str, ...] = ()
    body: tuple[str, ...] = ("article",)
    body_noise: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    # Where attachment links are looked for (besides the body).
    attachment_scope: tuple[str, ...] = ()
    # Figures above the body (a lead image with its caption).
    lead_images: tuple[str, ...] = ()
    # Canonical article URLs keep no query string unless the family needs it.
    keep_query: bool = False

    # ---- listings -------------------------------------------------------------------------
    def article_id(self, url: str) -> str | None:
        match = self.article_path.search(urlsplit(url).path)
        return match["id"] if match else None

    def claims_url(self, url: str) -> bool:
        """Whether the URL's shape alone names this family, for a page of an unregistered portal
        (crawler.extract.choose_profile). A profile whose article_id also reads a shape common outside
        its family (NukeViet's home-module form) answers here with its strict shape only."""
        return self.article_id(url) is not None

    def canonical_url(self, url: str) -> str:
        parts = urlsplit(url)
        query = parts.query if self.keep_query else ""
        return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, query, ""))

    def fetch_url(self, url: str) -> str:
        """Where an article's content is fetched from (its public URL, unless the family has an API)."""
        return url

    def parse_listing(self, sel: Selector, url: str) -> tuple[list[str], list[str]]:
        """Article URLs (canonical, in page order, no repeats) and next-page URLs of a listing page."""
        seen: dict[str, None] = {}
        for href in sel.css(self.listing_links).getall():
            absolute = None if href.strip().startswith("#") else web_url(url, href)
            if absolute and self.article_id(absolute):
                seen.setdefault(self.canonical_url(absolute), None)
        pager = self._query(sel, self.next_page).getall() if self.next_page else []
        # http(s) only, any case: a "JaVaScRiPt:__doPostBack(…)" pager link is not a page to fetch
        next_urls = [u for h in pager if not h.strip().startswith("#") and (u := web_url(url, h))]
        return list(seen), next_urls

    @staticmethod
    def _query(sel: Selector, query: str):
        """"//…" is XPath (a pager's "next" told by its text), anything else CSS, as in _compiled."""
        return sel.xpath(query) if query.startswith("//") else sel.css(query)

    def category_of_listing(self, sel: Selector) -> str:
        return first_text(sel, self.listing_category) if sel.type == "html" else ""

    # ---- article pages ----------------------------------------------------------------------
    def extract(self, sel: Selector, url: str, *, listing_category: str = "") -> ArticleRecord:
        url = self.canonical_url(url)
        article = ArticleRecord(url=url, external_id=self.article_id(url) or "", extracted_by=self.name)
        article.title = self.extract_title(sel)
        article.summary = first_text(sel, self.summary)
        article.published = self.safe_date(self.extract_date, sel, "datePublished", self.date_iso, self.date_text)
        article.updated = self.safe_date(self.extract_date, sel, "dateModified", self.updated_iso, self.updated_text)
        if article.updated and article.published and article.updated.value == article.published.value:
            article.updated = None  # many CMSs fill "modified" with the publish time
        article.views = self.extract_views(sel)
        article.category = first_text(sel, self.category) or clean_text(listing_category)
        article.tags = all_texts(sel, self.tags) if self.tags else []
        article.attachments = self.extract_attachments(sel, url)
        body = self.body_fragment(sel)
        if body is not None:
            self.fill_body(article, body, url)
        article.images[:0] = self.extract_lead_images(sel, url)
        self.fill_byline(article, sel)
        article.references = self.extract_references(article)
        return article

    def extract_html(self, html: str, url: str, *, listing_category: str = "") -> ArticleRecord:
        return self.extract(Selector(text=html), url, listing_category=listing_category)

    def extract_title(self, sel: Selector) -> str:
        return first_text(sel, self.title)

    def safe_date(self, step, *args) -> ParsedDate | None:
        """A date step that never stops extraction: a parse error leaves the date None (logged), as if
        the page showed no date. The vntext parsers do not raise on page text; this guards a profile's
        own date code (review 12: "GMT+24" raised ValueError out of extract_page)."""
        try:
            return step(*args)
        except Exception as exc:
            log.warning("%s: date parse failed: %r", self.name, exc)
            return None

    def extract_date(self, sel: Selector, jsonld_key: str, iso_selectors, text_selectors) -> ParsedDate | None:
        """Machine-readable dates first (JSON-LD, <meta>), then the visible line."""
        for raw in _values(sel, "script[type='application/ld+json']::text"):
            found = _jsonld_value(raw, jsonld_key)
            if found and (parsed := parse_iso(found)):
                return parsed
        for css in iso_selectors:
            for raw in _values(sel, css):
                if parsed := parse_iso(raw):
                    return parsed
        return parse_vn_datetime(first_text(sel, text_selectors)) if text_selectors else None

    def extract_views(self, sel: Selector) -> int | None:
        return parse_views(first_text(sel, self.views_text)) if self.views_text else None

    def extract_attachments(self, sel: Selector, url: str) -> list[dict]:
        found: dict[str, dict] = {}
        for scope in self.attachment_scope + self.body:
            for link in _compiled(scope)(sel.root):
                for a in link.iter("a"):
                    href = (a.get("href") or "").strip()
                    script = f"{href} {a.get('onclick') or ''}"
                    if match := _DOWNLOADFILE_RE.search(script):
                        name, target = match[1], web_url(url, match[2] or match[1])
                    elif _FILE_RE.search(href) and not href.startswith("#"):
                        name, target = "", web_url(url, href)
                    else:
                        continue
                    if target is None:  # "JaVaScRiPt:…//x.pdf", "data:…#x.pdf", mailto: — not a file to keep
                        continue
                    file_type = file_type_of(target) or file_type_of(name)
                    path_parts = unquote(urlsplit(target).path).split("/")
                    # Liferay serves /documents/<group>/<folder>/<file name>/<uuid>: the name is not last.
                    file_name = name or next((p for p in reversed(path_parts) if file_type_of(p)), path_parts[-1])
                    text = clean_text("".join(a.itertext()))
                    found.setdefault(target, {"title": text or file_name, "url": target, "file_type": file_type,
                                              "file_name": file_name})
        return list(found.values())

    def extract_lead_images(self, sel: Selector, url: str) -> list[dict]:
        images = []
        for query in self.lead_images:
            for figure in _compiled(query)(sel.root):
                img = next(figure.iter("img"), None)
                if img is None or not img.get("src"):
                    continue
                caption = next(figure.iter("figcaption"), None)
                text = clean_text("".join(caption.itertext())) if caption is not None else clean_text(img.get("alt"))
                images.append({"url": urljoin(url, img.get("src")), "caption": text})
        return images

    def body_fragment(self, sel: Selector) -> etree._Element | None:
        """A copy of the first body container found, without noise (scripts, widgets, related news)."""
        for css in self.body:
            nodes = sel.css(css)
            if nodes:
                root = copy.deepcopy(nodes[0].root)
                etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
                for node in _union(COMMON_BODY_NOISE + self.body_noise)(root):
                    drop(node)
                return root
        return None

    def fill_body(self, article: ArticleRecord, body: etree._Element, url: str) -> None:
        """Images with captions, sanitized HTML, then clean paragraphs (captions are not body text)."""
        captions = []
        for img in body.iter("img"):
            src = (img.get("src") or img.get("data-src") or "").strip()
            if not src or src.startswith("data:"):
                continue
            img.set("src", urljoin(url, src))
            caption = ""
            figure = next(img.iterancestors("figure"), None)
            figcaption = next(figure.iter("figcaption"), None) if figure is not None else None
            holder = next(img.iterancestors("p"), None)
            if figcaption is not None:
                caption = clean_text("".join(figcaption.itertext()))
                captions.append(figcaption)
            elif holder is not None and not clean_text("".join(holder.itertext())):
                # CKEditor captions: an italic paragraph right after a paragraph holding only the image.
                following = holder.getnext()
                if following is not None and following.tag == "p":
                    italic = next(following.iter("em", "i"), None)
                    text = clean_text("".join(following.itertext()))
                    if italic is not None and text and clean_text("".join(italic.itertext())) == text:
                        caption = text
                        captions.append(following)
            article.images.append({"url": img.get("src"), "caption": caption or clean_text(img.get("alt"))})
        for link in body.iter("a"):
            href = (link.get("href") or "").strip()
            if href and not href.startswith(("javascript:", "#", "mailto:")):
                link.set("href", urljoin(url, href))
        for br in body.iter("br"):
            br.tail = "\n" + (br.tail or "")
        article.body_html = nh3.clean(etree.tostring(body, encoding="unicode", method="html", with_tail=False),
                                      tags=_SAFE_TAGS, attributes=_SAFE_ATTRIBUTES, url_schemes={"http", "https"},
                                      link_rel=None, strip_comments=True).strip()
        for caption in captions:
            drop(caption)
        article.paragraphs = self.paragraphs(body)

    def paragraphs(self, body: etree._Element) -> list[str]:
        """Every family reads its body in reading order (reading_order_paragraphs): blocks plus bare text
        runs. It replaced the blocks-only reading for all families after giving the same paragraphs as
        that reading on all 319 articles the replica serves (hanoi 86, liferay 75, tandan 64, nukeviet 48,
        dnn 46) and on every replica and real fixture page of hanoi, tandan and dnn; the replica gate
        stays 1.000 on every field of every family."""
        return reading_order_paragraphs(body)

    def fill_byline(self, article: ArticleRecord, sel: Selector) -> None:
        """Author and source from their elements, else from the body's last short paragraph(s)."""
        article.author = strip_byline_prefix(first_text(sel, self.author)) if self.author else ""
        article.source = strip_byline_prefix(first_text(sel, self.source)) if self.source else ""
        for _ in range(2):  # "Tác giả: …" and "Nguồn: …" may both close the body
            if not article.paragraphs:
                break
            byline = parse_byline(article.paragraphs[-1])
            if byline is None:
                break
            kind, name = byline
            if kind == "author" and not article.author:
                article.author = name
            elif kind == "source" and not article.source:
                article.source = name
            else:
                break
            article.paragraphs.pop()

    def extract_references(self, article: ArticleRecord) -> list[dict]:
        text = "\n".join([article.title, article.summary, *article.paragraphs])
        refs = {r.canonical: r for r in find_references(text)}
        for attachment in article.attachments:
            for ref in references_from_filename(attachment["file_name"]):
                # "KH-86-2026.pdf" gives "86/KH" (no issuer): the text's "86/KH-UBND" is the same document.
                if not any(known.startswith(ref.canonical + "-") for known in refs):
                    refs.setdefault(ref.canonical, ref)
        return [r.to_json() for r in refs.values()]


_css = HTMLTranslator()


@lru_cache(maxsize=512)
def _compiled(query: str) -> etree.XPath:
    """A selector ("//…" is XPath, anything else CSS with parsel's ::text/::attr) as compiled XPath."""
    return etree.XPath(query if query.startswith("//") else _css.css_to_xpath(query), smart_strings=False)


@lru_cache(maxsize=64)
def _union(selectors: tuple[str, ...]) -> etree.XPath:
    """One XPath for many CSS selectors (one walk of the tree instead of one per selector)."""
    return etree.XPath(" | ".join(_css.css_to_xpath(css) for css in selectors))


def drop(node: etree._Element) -> None:
    """Remove an element but keep the text that follows it."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


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
