"""Kinds about one article: it appeared, it cites a new document, it was edited, its readership
jumped or passed a milestone, it was taken down or came back."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from vntext.doctypes import TYPE_NAMES_PARTY, TYPE_NAMES_STATE
from monitor.events.base import DIGEST, IMMEDIATE, ArticlePayload
from monitor.events.format import FIELD_NAMES, excerpt_diff, short, show_value, vn_date, vn_number

# Document type code → Vietnamese name, state and Party codes together (rules validate doc_types
# against it); NQ and CT read the same in both systems.
DOC_TYPES = {**TYPE_NAMES_STATE, **TYPE_NAMES_PARTY}
DOC_TYPES["NQ"], DOC_TYPES["CT"] = "Nghị quyết", "Chỉ thị"


@dataclass(frozen=True, kw_only=True)
class NewArticle(ArticlePayload):
    KIND: ClassVar[str] = "new_article"
    NAME: ClassVar[str] = "Bài viết mới"
    SEVERITY: ClassVar[str] = DIGEST

    baseline: bool  # found by the portal's first crawl: every article is "new" then, none is news

    def is_baseline(self) -> bool:
        return self.baseline


@dataclass(frozen=True, kw_only=True)
class NewDocument(ArticlePayload):
    """A legal document (Nghị quyết, Chỉ thị …) cited for the first time, in `article`."""

    KIND: ClassVar[str] = "new_document"
    NAME: ClassVar[str] = "Văn bản mới"
    SEVERITY: ClassVar[str] = IMMEDIATE

    canonical: str          # 23-NQ/TU
    system: str             # "party" or "state"
    type: str | None        # NQ
    type_name: str | None   # Nghị quyết
    number: str
    year: int | None
    issuer: str | None      # TU
    issued_on: str | None   # ISO date
    sentence: str           # the article's sentence that cites it

    def label(self) -> str:
        return self.canonical

    def mention(self) -> str:
        return self.sentence

    def headline(self) -> str:
        name = self.type_name or DOC_TYPES.get(self.type or "", "") or "Văn bản"
        return f"{name} mới: {self.canonical}"

    def facts(self) -> list[tuple[str, str]]:
        return [("Số, ký hiệu", self.canonical),
                ("Loại văn bản", f"{self.type_name or '?'}" + (f" ({self.type})" if self.type else "")),
                ("Cơ quan ban hành", self.issuer or "không rõ"),
                ("Ngày ban hành", vn_date(self.issued_on) or "không rõ"),
                ("Hệ thống", "văn bản của Đảng" if self.system == "party" else "văn bản nhà nước"),
                *self.published_fact()]


@dataclass(frozen=True, kw_only=True)
class Edited(ArticlePayload):
    KIND: ClassVar[str] = "edited"
    NAME: ClassVar[str] = "Bài viết được sửa"
    SEVERITY: ClassVar[str] = DIGEST

    version: int
    changes: dict  # field → {"old": …, "new": …}, as db.store recorded the version

    def changes_shown(self) -> list[dict]:
        out = []
        for name, diff in self.changes.items():
            old, new = diff.get("old"), diff.get("new")
            if isinstance(old, str) and isinstance(new, str):
                old, new = excerpt_diff(old, new)
            out.append({"field": FIELD_NAMES.get(name, name), "old": show_value(old), "new": show_value(new)})
        return out


@dataclass(frozen=True, kw_only=True)
class ViewsSpike(ArticlePayload):
    KIND: ClassVar[str] = "views_spike"
    NAME: ClassVar[str] = "Lượt xem tăng vọt"
    SEVERITY: ClassVar[str] = DIGEST

    views_before: int
    views_after: int
    delta: int
    percent: float | None   # None when the counter started at 0
    per_hour: float
    baseline_per_hour: float

    def views(self) -> int:
        return self.views_after

    def growth(self) -> int:
        return self.delta

    def growth_percent(self) -> float | None:
        return self.percent

    def headline(self) -> str:
        return f"{self.NAME} (+{vn_number(self.delta)}): {short(self.title, 70)}"

    def facts(self) -> list[tuple[str, str]]:
        return [*_view_facts(self.views_before, self.views_after, self.delta, self.percent),
                ("Tốc độ", f"{vn_number(self.per_hour)} lượt/giờ (trước đó {vn_number(self.baseline_per_hour)} lượt/giờ)"),
                *self.published_fact()]


@dataclass(frozen=True, kw_only=True)
class ViewsMilestone(ArticlePayload):
    KIND: ClassVar[str] = "views_milestone"
    NAME: ClassVar[str] = "Mốc lượt xem"
    SEVERITY: ClassVar[str] = DIGEST

    milestone: int
    views_before: int
    views_after: int

    def views(self) -> int:
        return self.views_after

    def growth(self) -> int:
        return self.views_after - self.views_before

    def growth_percent(self) -> float | None:
        return round(100 * self.growth() / self.views_before, 1) if self.views_before else None

    def headline(self) -> str:
        return f"Vượt {vn_number(self.milestone)} lượt xem: {short(self.title, 70)}"

    def facts(self) -> list[tuple[str, str]]:
        return [*_view_facts(self.views_before, self.views_after, self.growth(), self.growth_percent()),
                ("Mốc", vn_number(self.milestone)), *self.published_fact()]


def _view_facts(before: int, after: int, delta: int, percent: float | None) -> list[tuple[str, str]]:
    return [("Lượt xem trước", vn_number(before)), ("Lượt xem hiện tại", vn_number(after)),
            ("Tăng thêm", f"+{vn_number(delta)}" + (f" ({vn_number(percent)}%)" if percent is not None else ""))]


# How a reader is told why an article counts as removed (db.models.RemovalCause values).
CAUSE_NAMES = {
    "gone": "trang bài viết báo không tồn tại (404/410) ở các lần kiểm tra liên tiếp",
    "missing_from_listing": "bài viết không còn trong danh sách tin của cổng qua nhiều lần thu thập",
    "manual": "được đánh dấu gỡ",
}


@dataclass(frozen=True, kw_only=True)
class Removed(ArticlePayload):
    KIND: ClassVar[str] = "removed"
    NAME: ClassVar[str] = "Bài viết bị gỡ"
    SEVERITY: ClassVar[str] = DIGEST

    cause: str   # db.models.RemovalCause value: gone, missing_from_listing, manual
    reason: str  # what the removal rule saw, in English (404s in a row, or missing from its listing)

    def facts(self) -> list[tuple[str, str]]:
        return [("Lý do", CAUSE_NAMES.get(self.cause, self.reason)), *self.published_fact()]


@dataclass(frozen=True, kw_only=True)
class Restored(ArticlePayload):
    KIND: ClassVar[str] = "restored"
    NAME: ClassVar[str] = "Bài viết được khôi phục"
    SEVERITY: ClassVar[str] = DIGEST

    removed_at: str | None  # ISO date-time of the removal it undoes

    def facts(self) -> list[tuple[str, str]]:
        return [("Bị gỡ lúc", vn_date(self.removed_at)), *self.published_fact()]
