"""View counters ("Lượt xem", "View count", "Views") on article pages. Pure functions.

Real Hanoi Liferay pages (2019–2022, issue 12) print English labels: "… | 04:01 PM  |  View count: 536".

vi-VN groups thousands with "." ("1.503" is 1503); some portals use "," or a space. Short forms
with a magnitude word ("1,2 nghìn", "1.2K") are the page's own rounding and read as such (1200).
The site-wide visitor counter in footers ("Lượt truy cập") is not an article's views.
"""
from __future__ import annotations

import re

from vntext.textnorm import clean_text

_LABEL = r"(?:Lượt\s*xem|Số\s*lượt\s*xem|Lượt\s*đọc|\bView\s*count|\bViews)"
# A count: grouped thousands ("1.503", "12 345") or plain digits; or a short form with a magnitude word
# ("1,2 nghìn", "1.2K", "2 triệu"), which the page itself rounds. The trailing lookaheads keep "1,2" (no
# word) and "1.2K" from being read as 1: a count that cannot be read whole is no count.
# No bare "m" unit: "Lượt xem: 5 m" read as 5000000 (review 12); "tr" only as a whole word ("5 trang" is not).
_NUMBER = (
    r"(?:(?P<short>\d+(?:[.,]\d+)?)\s*(?P<unit>nghìn|ngàn|k|triệu|tr)\b\.?"
    r"|(?P<n>\d{1,3}(?:[.,\s]\d{3})+(?![\d.,])|\d+(?![\d.,]\d)))"
)
_VIEWS_RE = re.compile(rf"{_LABEL}\s*[:：]?\s*{_NUMBER}", re.I)
# The count before its label, "503 lượt xem" / "1,2K lượt xem" / "536 views" (the other common order).
# It must be a phrase of its own (review 12): not the tail of a date or time ("10/05/2024 lượt xem" read
# 2024, "16:21 Lượt xem:" read 21), hence the lookbehind on / : - and digits; and not followed by more
# words ("1.234.567 lượt xem trang" is a site's page views), hence the lookahead: end of text or a
# separator. Only profiles' own views element uses this form; a whole page's text does not (a sidebar
# "12.345 lượt xem" is another article's count), see parse_views(count_first=False).
_VIEWS_AFTER_RE = re.compile(
    rf"(?<![\w.,/:\-]){_NUMBER}\s*(?:lượt\s*xem|lượt\s*đọc|views?)(?!\w)(?=\s*(?:$|[|•·,;.)\]\-–]))", re.I
)
_UNITS = {"nghìn": 1_000, "ngàn": 1_000, "k": 1_000, "triệu": 1_000_000, "tr": 1_000_000}


def _count(match: re.Match) -> int:
    if match["n"] is not None:
        return int(re.sub(r"[.,\s]", "", match["n"]))
    return round(float(match["short"].replace(",", ".")) * _UNITS[match["unit"].lower()])


def parse_count(value: str | None) -> int | None:
    """A bare counter: "1.503" → 1503, "12 345" → 12345."""
    text = clean_text(value)
    if not re.fullmatch(r"\d{1,3}(?:[.,\s]\d{3})+|\d+", text):
        return None
    return int(re.sub(r"[.,\s]", "", text))


def parse_views(value: str | None, *, count_first: bool = True) -> int | None:
    """The article view count in a meta line such as "Ngày đăng 10/05/2024 | 16:21 | Lượt xem: 503"
    (label first), "503 lượt xem" (count first), or a short form "Lượt xem: 1,2 nghìn" (→ 1200).

    count_first=False reads only the label-first form: for a whole page's text (the generic fallback),
    where a count before "lượt xem" is as likely a sidebar's "most read" list as the article's own."""
    text = clean_text(value)
    match = _VIEWS_RE.search(text) or (_VIEWS_AFTER_RE.search(text) if count_first else None)
    return _count(match) if match else None
