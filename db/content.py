"""What an article says, as the archive compares it: normalisation, hash, differences.

A new version is made only when the content changes (VERSION_FIELDS). A view count is never
content, and neither is the old/new tone placement (hoà/hòa) or white space: see content_hash.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from typing import Any, Iterable

from vntext.textnorm import tone_key
from db.linkkey import link_key
from db.tables import ATTACHMENTS, column_length

TEXT_FIELDS = ("title", "summary", "body_text", "author", "category")
DATE_FIELDS = ("published_at", "updated_at")
# What an article says: a change in any of these makes a new version.
VERSION_FIELDS = ("title", "summary", "body_text", "author", "category", "published_at", "published_has_time",
                  "updated_at", "attachments")
# The article's copy of its latest version (attachments live in the version and the attachments table).
ARTICLE_CONTENT = tuple(name for name in VERSION_FIELDS if name != "attachments") + ("content_hash",)


def to_utc(value: Any) -> datetime | None:
    """An aware datetime (or ISO string) as UTC; naive datetimes are refused like the column type does."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {value!r}")
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the archive; pass an aware datetime")
    return value.astimezone(timezone.utc)


def to_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def normalize_attachments(items: Iterable[dict] | None, page_url: str | None = None) -> list[dict]:
    """{"url", "title", "file_type", "file_name", "key"} per distinct key, in page order. The URL is
    kept as fetched; "key" (db/linkkey.py) is what comparisons use, so a portal moving to another
    port, scheme or host changes no attachment. A stored item keeps the key it was stored with; one
    stored before keys existed gets it from `page_url` (the page it was read on, as far as known)."""
    out: dict[str, dict] = {}
    for item in items or ():
        url = str(item.get("url") or "").strip()[:column_length(ATTACHMENTS, "url")]
        key = item.get("key") or link_key(url, page_url)
        if url and key not in out:
            out[key] = {"url": url, "title": str(item.get("title") or ""), "file_type": str(item.get("file_type") or ""),
                        "file_name": str(item.get("file_name") or ""), "key": key}
    return list(out.values())


def content_of(record: dict, page_url: str | None = None) -> dict:
    """The versioned fields of a record (or of a stored version), normalised: "" for missing text,
    UTC datetimes, published_has_time False without a date, attachments de-duplicated by key
    (relative to `page_url`, else the record's own url)."""
    content = {name: str(record.get(name) or "") for name in TEXT_FIELDS}
    for name in DATE_FIELDS:
        content[name] = to_utc(record.get(name))
    content["published_has_time"] = bool(record.get("published_has_time", True)) if content["published_at"] else False
    content["attachments"] = normalize_attachments(record.get("attachments"), page_url or record.get("url"))
    return content


def _key(name: str, value: Any) -> str:
    """Comparison key of one versioned field: tone placement and white space are not changes."""
    if name in TEXT_FIELDS:
        return tone_key(value)
    if name in DATE_FIELDS:
        return value.isoformat() if value is not None else ""
    if name == "published_has_time":
        return "1" if value else "0"
    if name == "attachments":  # a set: page order is not a change
        rows = sorted((a["key"], tone_key(a["title"]), a["file_type"], a["file_name"]) for a in value)
        return "\x1e".join("\x1d".join(row) for row in rows)
    raise KeyError(name)


def content_hash(record: dict) -> str:
    """Identity of what an article says (see VERSION_FIELDS): counters and page furniture are not
    part of it, and old/new tone placement (hoà/hòa) is not a change."""
    return hash_content(content_of(record))


def hash_content(content: dict) -> str:
    """content_hash of an already normalised content (content_of)."""
    parts = [_key(name, content[name]) for name in VERSION_FIELDS]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def is_legacy_version(number: int, changes: dict | None, content: dict, stored_hash: str) -> bool:
    """A version 1 made by migration 0002 from a revision-0001 article: it has no updated_at and no
    attachments because 0001 did not store them, and its hash is 0001's (not content_hash of its
    fields, which every version the writer makes has)."""
    return (number == 1 and not changes and not content["attachments"] and content["updated_at"] is None
            and hash_content(content) != stored_hash)


def comparable_fields(previous_is_legacy: bool) -> tuple[str, ...]:
    """The fields whose difference from the previous version is a change."""
    if previous_is_legacy:
        return tuple(f for f in VERSION_FIELDS if f not in ("updated_at", "attachments"))
    return VERSION_FIELDS


# extracted_by of a record the generic fallback read (crawler/profiles/fallback.py): its body and
# title are cut differently from any profile's, so they are never compared with a profile's version.
FALLBACK = "fallback"


def lost_fields(old: dict, new: dict) -> list[str]:
    """The fields a new reading lost against the stored version: a body gone or cut to under half,
    a date gone. A portal shortens a text now and then, but a reading that loses them is far more
    often a selector that no longer matches (a template change) than an edit."""
    lost = []
    if len(new["body_text"]) * 2 < len(old["body_text"]):
        lost.append("body_text")
    if old["published_at"] is not None and new["published_at"] is None:
        lost.append("published_at")
    return lost


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, list):  # attachments: shown as fetched, without their comparison key
        return [{k: v for k, v in item.items() if k != "key"} if isinstance(item, dict) else item for item in value]
    return value


def diff_content(old: dict, new: dict, fields: Iterable[str] = VERSION_FIELDS) -> dict:
    """{field: {"old": …, "new": …}} for the fields whose comparison keys differ (JSON-ready)."""
    return {
        name: {"old": _jsonable(old[name]), "new": _jsonable(new[name])}
        for name in fields if _key(name, old[name]) != _key(name, new[name])
    }
