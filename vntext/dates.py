"""Day-first Vietnamese date/time expressions as they appear on portal pages. Pure functions.

Formats seen on real portals (docs/text-formats.md §Dates and times): ``Ngày đăng 10/05/2024 | 16:21``,
``Đăng ngày 17 - 05 - 2024``, ``Thứ sáu - 10/05/2024 16:21``, ``03:10 16/01/2026`` (time first),
``2026-01-19T08:50:00`` (ISO, no zone = local time), ``ngày 02 tháng 06 năm 2006``, and 12-hour
clocks ``18/03/2019 | 04:01 PM`` (real Hanoi Liferay pages, issue 12) or ``09:15 SA`` / ``09:15 CH``,
and the English header of the Hanoi platform's vendor (en.baochinhphu.vn, issue 12):
``May 24, 2026 3:38 PM GMT+7``, month named, with its zone.
Numeric dates are never read month-first.

Never raises on page text. A zone offset beyond ±14 h (the widest in use, UTC+14) or with minutes
past 59 is no zone at all, and a stamp that names one is not trusted: the match is skipped
("May 24, 2026 3:38 PM GMT+24" gives None, not a guess in local time; review 12).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from vntext.textnorm import clean_text

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# AM/PM, a.m./p.m., or Vietnamese SA (sáng, morning) / CH (chiều, afternoon), any case, spaced or not;
# (?!\w) keeps "Chủ nhật" or "SAU" after a time from reading as CH/SA.
_MERIDIEM = r"(?:\s*(?P<ap>(?i:[ap]\.?m\.?|sa|ch))(?!\w))?"
_DATE_RE = re.compile(
    r"""(?<!\d)(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})\s*[/.\-]\s*(?P<y>\d{4})(?!\d)
    (?:\s*(?:[|,\-–]|lúc)?\s*(?P<H>\d{1,2})\s*[:hg]\s*(?P<M>\d{2})(?::(?P<S>\d{2}))?""" + _MERIDIEM + r""")?""",
    re.X | re.I,
)
_TIME_FIRST_RE = re.compile(
    r"(?<!\d)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?" + _MERIDIEM + r"\s*(?:[|,\-–]\s*)?"
    r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})(?!\d)"
)
_LONG_RE = re.compile(
    r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})", re.I
)
_MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"), ("october", "oct"),
    ("november", "nov"), ("december", "dec")), start=1) for name in names}
# "May 24, 2026 3:38 PM GMT+7": the month is a word, so the order is never in doubt. The GMT offset, when
# present, is the page's own zone (the same page's article:published_time says +07:00).
# A month word is also an English word ("Công ty May 10" is a garment company), so the form must be a
# whole date stamp (review 12: "Tổng Công ty May 10, 2000 công nhân" read 2000-05-10): a year in
# 1990–2100, and either a time of day right after it or nothing but punctuation (or a short English
# label ending in ":") around it. All real en.baochinhphu.vn stamps carry a time (tests/test_dates.py).
_ENGLISH_RE = re.compile(
    r"(?<![A-Za-z])(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})(?!\d)"
    r"(?:\s*,?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?" + _MERIDIEM +
    r"(?:\s*(?:GMT|UTC)\s*(?P<off>[+-]\d{1,2})(?::?(?P<offm>\d{2}))?)?)?",
    re.I,
)
_ENGLISH_YEARS = range(1990, 2101)
# What may stand around an English stamp that has no time of day: punctuation, or a label like "Posted:".
_ENGLISH_ALONE_RE = re.compile(r"[\W_]*(?:[A-Za-z]+(?:\s+[A-Za-z]+){0,2}\s*:)?[\W_]*")
_ISO_RE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)


@dataclass(frozen=True)
class ParsedDate:
    """A point in time, or a calendar day when the page shows no time."""

    value: datetime  # always tz-aware; midnight local time when has_time is False
    has_time: bool

    @property
    def day(self) -> date:
        return self.value.astimezone(VN_TZ).date()


def _hour_24(groups: dict) -> int:
    """The hour on a 24-hour clock: "12:xx AM" is 00:xx, "12:xx PM" 12:xx, "04:01 PM" 16:01.

    An hour already past 12 keeps its value whatever the marker says (cafef prints "16:21 PM").
    """
    hour, marker = int(groups["H"]), (groups.get("ap") or "").lower()
    if not marker or not 1 <= hour <= 12:
        return hour
    afternoon = marker[0] in "pc"  # PM / p.m. / CH (chiều)
    return hour % 12 + (12 if afternoon else 0)


def _offset_zone(sign: str, hours: str, minutes: str | None) -> timezone | None:
    """A fixed zone for "+7", "+05:30", "-0300"; None beyond ±14:00 or with minutes past 59."""
    total = int(hours) * 60 + int(minutes or 0)
    if int(minutes or 0) > 59 or total > 14 * 60:
        return None
    return timezone((-1 if sign == "-" else 1) * timedelta(minutes=total))


def _build(groups: dict, tz=VN_TZ) -> ParsedDate | None:
    try:
        day = date(int(groups["y"]), int(groups["m"]), int(groups["d"]))
        if groups.get("H") is None:
            return ParsedDate(datetime.combine(day, time(0, 0), tz), has_time=False)
        clock = time(_hour_24(groups), int(groups["M"]), int(groups.get("S") or 0))
    except ValueError:  # 31/02, 25:61 … — not a date, keep looking
        return None
    return ParsedDate(datetime.combine(day, clock, tz), has_time=True)


def parse_url_date(url: str | None, pattern: str) -> ParsedDate | None:
    """The calendar day named by groups y, m, d of ``pattern`` (case-insensitive) in a URL, no time.

    For pages that print no date and keep it only in their address, e.g. a Tân Dân folder
    ``/portal/Pages/2024-5-17/…aspx`` (unpadded) or ``/portal/pages/2023-01-30/…aspx`` (padded).
    """
    match = re.search(pattern, url or "", re.I)
    if not match:
        return None
    groups = {key: match[key] for key in ("y", "m", "d")}
    return _build(groups)


def parse_iso(value: str | None) -> ParsedDate | None:
    """ISO 8601 from JSON-LD, <meta> or JSON APIs; a value without a zone is Vietnamese local time."""
    match = _ISO_RE.search(value or "")
    if not match:
        return None
    groups = match.groupdict()
    tz = VN_TZ
    if groups["tz"] == "Z":
        tz = timezone.utc
    elif groups["tz"]:  # "+07:00" / "+0700"; "+25:00" is no zone and the value is not trusted
        offset = groups["tz"].replace(":", "")
        tz = _offset_zone(offset[0], offset[1:3], offset[3:5])
        if tz is None:
            return None
    return _build(groups, tz)


def parse_vn_datetime(value: str | None) -> ParsedDate | None:
    """The first day-first date (with its time, if any) in a visible meta line."""
    text = clean_text(value)
    if not text:
        return None
    for pattern in (_TIME_FIRST_RE, _DATE_RE, _LONG_RE):
        for match in pattern.finditer(text):
            parsed = _build(match.groupdict())
            if parsed:
                return parsed
    for match in _ENGLISH_RE.finditer(text):
        groups = match.groupdict() | {"m": _MONTHS[match["mon"].lower()]}
        if int(groups["y"]) not in _ENGLISH_YEARS:
            continue
        if groups["H"] is None and not _ENGLISH_ALONE_RE.fullmatch(text[:match.start()] + " " + text[match.end():]):
            continue  # a month word inside a sentence, not a stamp
        tz = VN_TZ
        if groups["off"]:
            tz = _offset_zone(groups["off"][0], groups["off"][1:], groups["offm"])
            if tz is None:
                continue
        parsed = _build(groups, tz)
        if parsed:
            return parsed
    return None
