"""What extraction produces for one article page."""
from __future__ import annotations

from dataclasses import dataclass, field

from vntext.dates import VN_TZ, ParsedDate


def iso(parsed: ParsedDate | None) -> str | None:
    """ISO 8601 in Vietnamese local time; a date alone when the page showed no time."""
    if parsed is None:
        return None
    local = parsed.value.astimezone(VN_TZ)
    return local.isoformat() if parsed.has_time else local.date().isoformat()


@dataclass
class ExtractedArticle:
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
    images: list[dict] = field(default_factory=list)        # {"url", "caption"}
    attachments: list[dict] = field(default_factory=list)   # {"title", "url", "file_type"}
    references: list[dict] = field(default_factory=list)    # vntext.docrefs.DocumentRef.to_json()
    extracted_by: str = ""

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
        missing = [name for name in ("title", "body_text") if not getattr(self, name)]
        return [f"no {name}" for name in missing]

    def to_json(self) -> dict:
        return {
            "url": self.url,
            "external_id": self.external_id,
            "title": self.title,
            "published_at": self.published_at,
            "updated_at": self.updated_at,
            "views": self.views,
            "author": self.author,
            "source": self.source,
            "category": self.category,
            "tags": self.tags,
            "summary": self.summary,
            "body_text": self.body_text,
            "body_html": self.body_html,
            "images": self.images,
            "attachments": self.attachments,
            "references": self.references,
            "extracted_by": self.extracted_by,
        }
