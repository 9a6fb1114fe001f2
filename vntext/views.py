"""View counters ("Lượt xem", "View count", "Views") on article pages. Pure functions.

Real Hanoi Liferay pages (2019–2022, issue 12) print English labels: "… | 04:01 PM  |  View count: 536".

vi-VN groups thousands with "." ("1.503" is 1503); some portals use "," or a space.
The site-wide visitor counter in footers ("Lượt truy cập") is not an article's views.
"""
from __future__ import annotations

import re

from vntext.textnorm import clean_text

_VIEWS_RE = re.compile(
    r"(?:Lượt\s*xem|Số\s*lượt\s*xem|Lượt\s*đọc|\bView\s*count|\bViews)\s*[:：]?\s*(?P<n>\d{1,3}(?:[.,\s]\d{3})+(?!\d)|\d+)",
    re.I,
)


def parse_count(value: str | None) -> int | None:
    """A bare counter: "1.503" → 1503, "12 345" → 12345."""
    text = clean_text(value)
    if not re.fullmatch(r"\d{1,3}(?:[.,\s]\d{3})+|\d+", text):
        return None
    return int(re.sub(r"[.,\s]", "", text))


def parse_views(value: str | None) -> int | None:
    """The article view count in a meta line such as "Ngày đăng 10/05/2024 | 16:21 | Lượt xem: 503"."""
    match = _VIEWS_RE.search(clean_text(value))
    return int(re.sub(r"[.,\s]", "", match["n"])) if match else None
