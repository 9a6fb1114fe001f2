"""Vietnamese formatting for what people read about events: dates, numbers, shortened texts, diffs."""
from __future__ import annotations

from datetime import date, datetime

from vntext.dates import VN_TZ

# Article fields as a Vietnamese reader knows them (edits and extraction coverage name them).
FIELD_NAMES = {"title": "Tiêu đề", "summary": "Tóm tắt", "body_text": "Nội dung", "author": "Tác giả",
               "category": "Chuyên mục", "published_at": "Ngày đăng", "updated_at": "Ngày cập nhật",
               "attachments": "Tệp đính kèm", "views": "Lượt xem"}


def vn_date(value) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time for a date-time (or its ISO text); dd/mm/yyyy for a date."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def vn_number(value) -> str:
    """1.234.567 and 12,5: Vietnamese digit grouping and decimal comma."""
    if value is None:
        return "?"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{int(value):,}".replace(",", ".")


def short(text: str, limit: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def portal_short(name: str) -> str:
    """"Quận Bắc Từ Liêm (cổng 2024)" → "Quận Bắc Từ Liêm" for subjects."""
    head = name.split(" (", 1)[0].strip()
    return head or name


def excerpt_diff(old: str, new: str, context: int = 60, limit: int = 300) -> tuple[str, str]:
    """Long texts: only the changed stretch, with a little context on each side."""
    old, new = old or "", new or ""
    if len(old) <= limit and len(new) <= limit:
        return old, new
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    start = max(prefix - context, 0)

    def cut(text):
        end = min(len(text) - suffix + context, len(text))
        piece = text[start:end]
        piece = piece if len(piece) <= limit else piece[:limit] + "…"
        return ("…" if start else "") + piece + ("…" if end < len(text) else "")
    return cut(old), cut(new)


def show_value(value) -> str:
    """One field's value in a change list: attachments by name, ISO date-times in Vietnamese form."""
    if value is None or value == "":
        return "(trống)"
    if isinstance(value, list):
        return ", ".join(a.get("file_name") or a.get("title") or a.get("url", "") if isinstance(a, dict) else str(a)
                         for a in value) or "(không có)"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        return vn_date(value)
    return str(value)
