"""Kinds about a portal as a whole: it went down or came back, its pages stopped giving a field,
it has published nothing new for too long, it moved to another address."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from monitor.events.base import DIGEST, ArticleRef, PortalPayload
from monitor.events.format import FIELD_NAMES, vn_date


@dataclass(frozen=True, kw_only=True)
class SourceDown(PortalPayload):
    KIND: ClassVar[str] = "source_down"
    NAME: ClassVar[str] = "Cổng không truy cập được"
    SEVERITY: ClassVar[str] = DIGEST

    since: str | None     # ISO start of the first failed run of the streak
    failed_runs: int
    errors: list          # the streak's first (up to five) run messages

    def recent_errors(self) -> list[str]:
        return list(self.errors)

    def headline(self) -> str:
        return f"Cổng không truy cập được từ {vn_date(self.since)}"

    def facts(self) -> list[tuple[str, str]]:
        return [("Không truy cập được từ", vn_date(self.since)),
                ("Số lần thu thập thất bại liên tiếp", str(self.failed_runs))]


@dataclass(frozen=True, kw_only=True)
class SourceUp(PortalPayload):
    KIND: ClassVar[str] = "source_up"
    NAME: ClassVar[str] = "Cổng hoạt động trở lại"
    SEVERITY: ClassVar[str] = DIGEST

    down_since: str | None
    failed_runs: int

    def facts(self) -> list[tuple[str, str]]:
        return [("Gián đoạn từ", vn_date(self.down_since)), ("Số lần thất bại trước đó", str(self.failed_runs))]


@dataclass(frozen=True, kw_only=True)
class ExtractionDegraded(PortalPayload):
    KIND: ClassVar[str] = "extraction_degraded"
    NAME: ClassVar[str] = "Trích xuất dữ liệu suy giảm"
    SEVERITY: ClassVar[str] = DIGEST

    run_id: int
    items: int    # article pages the run extracted
    fields: dict  # field → {"coverage": share now, "before": share in the previous run, "floor": …}

    def facts(self) -> list[tuple[str, str]]:
        return [_degraded_fact(info) if name == "degraded" else
                (f"Trường {FIELD_NAMES.get(name, name)}",
                 f"{info.get('coverage', 0):.0%} bài có (trước đó {info.get('before', 0):.0%}, "
                 f"ngưỡng {info.get('floor', 0):.0%})")
                for name, info in self.fields.items()]


def _degraded_fact(info: dict) -> tuple[str, str]:
    """The pages read worse than their stored version (monitor/detect.py coverage): kept, no edit made."""
    return ("Bài đọc kém hơn bản đã lưu (không ghi là sửa)",
            f"{info.get('pages', 0)} bài, {1 - info.get('coverage', 0):.0%} số trang")


@dataclass(frozen=True, kw_only=True)
class SourceStale(PortalPayload):
    KIND: ClassVar[str] = "source_stale"
    NAME: ClassVar[str] = "Cổng lâu không có bài mới"
    SEVERITY: ClassVar[str] = DIGEST

    last_new_article: str | None  # ISO time the newest article was first seen
    article: ArticleRef           # that newest article

    def shown_article(self) -> ArticleRef:
        return self.article

    def facts(self) -> list[tuple[str, str]]:
        return [("Bài mới gần nhất", vn_date(self.last_new_article))]


@dataclass(frozen=True, kw_only=True)
class SourceMoved(PortalPayload):
    """The portal answers at another scheme or host (its registry base URL changed): one event for the
    portal, where its articles would otherwise each look edited, or removed and new again. Its articles
    keep their identity and history; their stored URLs moved to the new base (db/store.py)."""

    KIND: ClassVar[str] = "source_moved"
    NAME: ClassVar[str] = "Cổng chuyển địa chỉ"
    SEVERITY: ClassVar[str] = DIGEST

    old_base: str
    new_base: str

    def label(self) -> str:
        return f"{self.old_base} → {self.new_base}"

    def headline(self) -> str:
        return f"Cổng chuyển sang địa chỉ {self.new_base}"

    def facts(self) -> list[tuple[str, str]]:
        return [("Địa chỉ cũ", self.old_base), ("Địa chỉ mới", self.new_base)]
