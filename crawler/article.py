"""What extraction produces for one article page."""
from __future__ import annotations

from dataclasses import dataclass, field

from crawler.dates import VN_TZ, ParsedDate


@dataclass
class ExtractedArticle:
    url: str
    external_id: str
    title: str = ""
    summary: str = ""
    published: ParsedDate | None = None
    views: int | None = None
    author: str = ""
    category: str = ""
    paragraphs: list[str] = field(default_factory=list)
    extracted_by: str = ""

    @property
    def body_text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def published_at(self) -> str | None:
        if self.published is None:
            return None
        local = self.published.value.astimezone(VN_TZ)
        return local.isoformat() if self.published.has_time else local.date().isoformat()

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
            "views": self.views,
            "author": self.author,
            "category": self.category,
            "summary": self.summary,
            "body_text": self.body_text,
            "extracted_by": self.extracted_by,
        }
