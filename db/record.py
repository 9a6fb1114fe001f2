"""The article record: what one fetched article page says, and how it was fetched.

This is the one definition of an article as it travels from the crawler to the archive. A CMS
profile (crawler/profiles) fills the content fields from a page; the spider adds the fetch
envelope and yields the record as its Scrapy item (a dataclass item); the archive writer
(db/store.py) stores it; `portalwatch parse --json` and reparse use the same record.

Content fields (what a person reads on the page):

* ``url`` (canonical), ``external_id`` (the portal's own article id, the archive key with the
  portal), ``title``, ``summary`` (the sapo), ``author``, ``source`` ("Nguồn: …"), ``category``,
  ``tags``;
* ``published`` / ``updated``: :class:`vntext.dates.ParsedDate` (an aware datetime and whether the
  page showed a time); ``published_at`` / ``updated_at`` give them as ISO 8601 in
  Asia/Ho_Chi_Minh, a date alone when the page showed no time;
* ``views``: the page's "Lượt xem" counter, ``None`` where the portal shows none;
* ``paragraphs`` (clean body text; ``body_text`` joins them), ``body_html`` (sanitized),
  ``images`` (``{"url", "caption"}``), ``attachments`` (``{"title", "url", "file_type",
  "file_name"}``), ``references`` (document numbers, :meth:`vntext.doctypes.DocumentRef.to_json`);
* ``extracted_by``: the profile that read the page, or ``fallback`` (trafilatura + htmldate).

Fetch envelope (set by the spider; empty for a page parsed from a file): ``site`` (registry
key), ``fetched_at`` (aware UTC), ``raw_html`` (the page as fetched, kept compressed for reparse),
``content_type``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from vntext.dates import VN_TZ, ParsedDate

# Fields the archive requires: a page without them is not an article.
REQUIRED = ("title", "body_text")


def iso(parsed: ParsedDate | None) -> str | None:
    """ISO 8601 in Vietnamese local time; a date alone when the page showed no time."""
    if parsed is None:
        return None
    local = parsed.value.astimezone(VN_TZ)
    return local.isoformat() if parsed.has_time else local.date().isoformat()


@dataclass
class ArticleRecord:
    url: str
    external_id: str
    title: str = ""
    summary: str = ""
    published: ParsedDate | None = None
    updated: ParsedDate | None = None
    views: int | None = None
    author: str = ""
    source: str = ""
    category: str = ""
    tags: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    body_html: str = ""
    images: list[dict] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)
    references: list[dict] = field(default_factory=list)
    extracted_by: str = ""
    # fetch envelope
    site: str = ""
    fetched_at: datetime | None = None
    raw_html: str | None = None  # None: no page to keep (parsed from a file, or a test record)
    content_type: str = "text/html"

    @property
    def body_text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def published_at(self) -> str | None:
        return iso(self.published)

    @property
    def updated_at(self) -> str | None:
        return iso(self.updated)

    def problems(self) -> list[str]:
        """Why this page cannot be stored as an article (empty when it can)."""
        return [f"no {name}" for name in REQUIRED if not getattr(self, name)]

    def to_json(self) -> dict:
        """The record as `portalwatch parse --json` prints it (dates as ISO text)."""
        return {
            "url": self.url, "external_id": self.external_id, "title": self.title,
            "published_at": self.published_at, "updated_at": self.updated_at, "views": self.views,
            "author": self.author, "source": self.source, "category": self.category, "tags": self.tags,
            "summary": self.summary, "body_text": self.body_text, "body_html": self.body_html,
            "images": self.images, "attachments": self.attachments, "references": self.references,
            "extracted_by": self.extracted_by,
        }

    def store_fields(self) -> dict:
        """The record as the archive writer takes it (dates as aware datetimes)."""
        published, updated = self.published, self.updated
        return {
            "site": self.site, "external_id": self.external_id, "url": self.url, "title": self.title,
            "summary": self.summary, "body_text": self.body_text, "author": self.author,
            "category": self.category, "source": self.source, "tags": self.tags, "body_html": self.body_html,
            "images": self.images, "attachments": self.attachments, "references": self.references,
            "published_at": published.value if published else None,
            "published_has_time": published.has_time if published else False,
            "updated_at": updated.value if updated else None,
            "views": self.views, "extracted_by": self.extracted_by, "fetched_at": self.fetched_at,
            "raw_html": self.raw_html, "content_type": self.content_type,
        }
