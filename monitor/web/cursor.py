"""Opaque, stable paging cursors: the last row's sort key, signed with nothing (it grants no access) but
checked on the way back in. A cursor from another listing or a mangled one is bad input (HTTP 400)."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

INT64 = 2**63 - 1  # SQL binds ids and offsets as signed 64-bit integers: a larger one overflows (a 500)


class CursorError(ValueError):
    pass


def whole(value, *, low: int = 0) -> int:
    """A cursor's id or offset: a JSON integer (not a float, not a boolean) that SQL can bind."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= INT64:
        raise CursorError("not a cursor of this listing (use the `next` value of a previous page)")
    return value


def instant(value) -> datetime:
    """A cursor's time: an ISO string with its UTC offset, read in UTC (binding a time whose UTC reading
    falls outside years 1–9999 would overflow)."""
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
        if at is not None and at.tzinfo is not None:
            return at.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        pass
    raise CursorError("not a cursor of this listing (use the `next` value of a previous page)")


def encode(kind: str, key: list) -> str:
    raw = json.dumps([kind, key], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(kind: str, cursor: str) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found, key = json.loads(raw)
    except (ValueError, TypeError):
        raise CursorError("not a cursor of this listing (use the `next` value of a previous page)") from None
    if found != kind or not isinstance(key, list):
        raise CursorError("not a cursor of this listing (use the `next` value of a previous page)")
    return key


# One document's mentions (db/tracker.document_tracker pages them): the cursor carries the document's
# canonical number with the last mention's key, so a cursor of another document's timeline is refused.
def mentions_cursor(doc: dict) -> dict:
    """The tracker's document object with its `next` key (db/mentions.py) encoded as an opaque cursor."""
    if doc.get("next") is not None:
        doc["next"] = encode("mentions", [doc["canonical"], *doc["next"]])
    return doc


def mentions_after(canonical: str, cursor: str) -> list:
    """The mention key a cursor of mentions_cursor names, for this document; CursorError otherwise."""
    key = decode("mentions", cursor)
    if len(key) != 4:
        raise CursorError("not a cursor of this listing (use the `next` value of a previous page)")
    if key[0] != canonical:
        raise CursorError(f"this cursor belongs to another document ({key[0]})")
    return key[1:]
