"""Opaque, stable paging cursors: the last row's sort key, signed with nothing (it grants no access) but
checked on the way back in. A cursor from another listing or a mangled one is bad input (HTTP 400)."""
from __future__ import annotations

import base64
import json


class CursorError(ValueError):
    pass


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
