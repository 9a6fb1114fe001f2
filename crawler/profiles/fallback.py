"""The generic fallback: trafilatura (text, title, author, description) + htmldate (date).

For pages of a portal whose CMS family has no profile yet, or whose profile stopped matching.
It knows no selectors; it is slower and less complete than a family profile (bench/accuracy.py
measures by how much), so the spider should only use it when a profile yields nothing.

What it does, field by field:

* title, author, summary (the page description), category (first of trafilatura's
  ``categories``, else the listing's category; tags are not categories), tags: trafilatura's
  metadata, NFC + clean_text. updated_at, source, images, attachments and body_html stay empty.
* references: the profiles' own finder (Profile.extract_references) over title, summary, body.
* body: trafilatura's main text (``favor_precision``, tables kept, comments dropped), one
  paragraph per output line, cleaned, empty lines dropped. trafilatura repeats the headline when
  it sits inside the content block: a first paragraph equal to the title is dropped (the title
  is its own field). List items keep trafilatura's "- " marker, table rows their "| a | b |" form.
* published: htmldate (``extensive_search=True``, ``original_date=True``) run by trafilatura on
  the tree it already parsed, asked for ``%Y-%m-%dT%H:%M:%S%z``. A value without a zone is
  Asia/Ho_Chi_Minh local time. htmldate writes a day found without a time of day as midnight with
  no zone; that value is kept as a calendar day (ParsedDate(has_time=False)), so a page that shows
  only "10/05/2024" gives ``published_at == "2024-05-10"``. (A genuine 00:00:00 local time with no
  zone is therefore read as date-only: an accepted ambiguity.)
* views: vntext.views.parse_views over the page's visible text, i.e. the first "Lượt xem: N" /
  "Số lượt xem" / "Lượt đọc" (never the site-wide "Lượt truy cập" footer counter); label-first
  only (count_first=False): a "12.345 lượt xem" in a sidebar's most-read list is not this article's.
* url / external_id: unknown portals may carry the article id in the query string
  (``news.php?id=12``), so the canonical URL keeps the query minus tracking/navigation
  parameters (utm_*, fbclid, gclid, redirect, inheritRedirect) and drops the fragment. The
  external_id is the URL's last non-empty path segment with a web-page extension
  (.htm/.html/.aspx/.php/.jsp …) removed, followed by ``?<query>`` when a query remains;
  "" for a bare host. It is a best guess, not the portal's own id.

Safety: trafilatura and htmldate are only ever given parsed trees or HTML strings, never a URL
to fetch (htmldate's ``find_date`` downloads when handed a string that looks like a URL: we
parse first and pass the tree). extract/extract_html never raise: on empty, binary or
body-less input they return an ArticleRecord whose problems() names what is missing.
"""
from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parsel import Selector

from db.record import ArticleRecord
from vntext.dates import ParsedDate, parse_iso
from crawler.profiles.base import Profile
from vntext.textnorm import clean_text
from vntext.views import parse_views

log = logging.getLogger(__name__)

DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]00:00:00)?$")
_PAGE_EXT = re.compile(r"\.(?:s?html?|aspx?|php\d?|jsp|cfm)$", re.I)
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|redirect|inheritRedirect|_ga)$", re.I)
# Visible text only: scripts/styles/templates never hold a view counter a reader sees.
_VISIBLE_TEXT = "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"


def _trafilatura():
    """Imported lazily: the spider imports profiles at start-up and most pages never need this."""
    import trafilatura
    from trafilatura.metadata import extract_metadata
    from trafilatura.utils import load_html

    return trafilatura, extract_metadata, load_html


def date_params() -> dict:
    return {"extensive_search": True, "original_date": True, "outputformat": DATE_FORMAT}


def parse_htmldate(value: str | None) -> ParsedDate | None:
    """htmldate's output ('2025-10-14T09:57:53+0700', '2024-05-11T00:00:00', '2024-05-11')."""
    value = clean_text(value)
    if not value:
        return None
    if _DATE_ONLY.match(value):  # no zone and no time of day: the page showed a day only
        parsed = parse_iso(value[:10])
        return ParsedDate(parsed.value, has_time=False) if parsed else None
    return parse_iso(value)


class GenericFallback(Profile):
    name = "fallback"
    keep_query = True
    favor_precision = True
    include_tables = True

    # ---- identity -----------------------------------------------------------------------------
    def canonical_url(self, url: str) -> str:
        parts = urlsplit(url or "")
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
        return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))

    def article_id(self, url: str) -> str | None:
        parts = urlsplit(url or "")
        segments = [s for s in parts.path.split("/") if s]
        segment = _PAGE_EXT.sub("", segments[-1]) if segments else ""
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
        if query:
            return f"{segment}?{query}"
        return segment or None

    def parse_listing(self, sel: Selector, url: str) -> tuple[list[str], list[str]]:
        """The fallback reads article pages only; it cannot tell an article link from furniture."""
        return [], []

    # ---- article pages ------------------------------------------------------------------------
    def extract(self, sel: Selector, url: str, *, listing_category: str = "") -> ArticleRecord:
        try:
            html = sel.get()
        except Exception:  # a Selector over nothing
            html = ""
        return self.extract_html(html, url, listing_category=listing_category)

    def extract_html(self, html: str | bytes, url: str, *, listing_category: str = "") -> ArticleRecord:
        try:
            url = self.canonical_url(url)
            external_id = self.article_id(url) or ""
        except Exception:
            external_id = ""
        article = ArticleRecord(url=url, external_id=external_id, extracted_by=self.name)
        try:
            self._fill(article, html, url)
        except Exception as exc:  # never let a broken page stop a crawl: problems() tells what is missing
            log.warning("fallback extraction failed on %s: %r", url, exc)
        if not article.category:
            article.category = clean_text(listing_category)
        finder = getattr(self, "extract_references", None)  # the profiles' document-reference finder
        if finder is not None:
            try:
                article.references = finder(article)
            except Exception as exc:
                log.warning("fallback reference extraction failed on %s: %r", url, exc)
        return article

    def _fill(self, article: ArticleRecord, html: str | bytes, url: str) -> None:
        if isinstance(html, bytes):
            html = html.decode("utf-8", errors="replace")
        if not html or not html.strip():
            return
        html = html.replace("\x00", "")
        trafilatura, extract_metadata, load_html = _trafilatura()
        tree = load_html(html)  # trafilatura's loader never downloads (htmldate's would, on a URL string)
        if tree is None:
            return
        # label-first only: a count before "lượt xem" anywhere on the page is often a sidebar's (review 12)
        article.views = parse_views(" ".join(tree.xpath(_VISIBLE_TEXT)), count_first=False)
        doc = trafilatura.bare_extraction(
            tree,
            url=url or None,
            with_metadata=True,
            include_comments=False,
            include_tables=self.include_tables,
            favor_precision=self.favor_precision,
            date_extraction_params=date_params(),
        )
        if doc is None:  # no main text found: keep what the metadata says (title, date …)
            tree = load_html(html)
            doc = extract_metadata(tree, url or None, date_params()) if tree is not None else None
            if doc is None:
                return
        article.title = clean_text(doc.title)
        article.author = clean_text(doc.author)
        article.summary = clean_text(doc.description)
        categories = [clean_text(c) for c in (doc.categories or []) if clean_text(c)]
        article.category = categories[0] if categories else ""
        article.tags = list(dict.fromkeys(t for t in (clean_text(t) for t in (doc.tags or [])) if t))
        article.published = parse_htmldate(doc.date)
        paragraphs = [p for p in (clean_text(line) for line in (doc.text or "").splitlines()) if p]
        if paragraphs and article.title and paragraphs[0] == article.title:
            paragraphs.pop(0)
        article.paragraphs = paragraphs


FALLBACK = GenericFallback()

__all__ = ["FALLBACK", "GenericFallback", "parse_htmldate"]
