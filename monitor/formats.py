"""Rows of JSON objects written as CSV, one JSON array or NDJSON: the one home of these formats, for the CLI's
listings (``--csv``), ``portalwatch export`` and the API's ``/api/export`` (same bytes for the same rows).

CSV is RFC 4180 as Python's csv module writes it (comma, ``"`` quoting when needed, CRLF line ends; a value's
own line breaks stay inside its quoted field), a header row of the columns first. A JSON object's value becomes
one cell (:func:`cell`): null is empty, true/false as in JSON, a list of plain values joined with ``"; "``, an
object or a list holding objects JSON-encoded (UTF-8, no escapes); anything else as ``str``.

Formula injection: a spreadsheet opening the CSV runs a cell that starts with ``=``, ``+``, ``-``, ``@``, TAB or
CR as a formula, and the cells hold scraped text (a title ``=HYPERLINK(...)``). Such a cell is written with a
``'`` before it (OWASP's advice; spreadsheets show the text without it). A JSON number is left alone (a negative
growth stays a number); any other value, including a JSON string that merely looks like a number (``"-5"``),
is text in JSON and is neutralised as text: the JSON type decides, never the look of the string.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence

# The article object (README: "An article object"), in its JSON order: the columns of an export.
ARTICLE_FIELDS = ("id", "site", "url", "external_id", "title", "published_at", "views", "author", "category",
                  "summary", "body_text", "first_seen_at", "last_fetched_at")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
               "ndjson": "application/x-ndjson"}
FORMATS = tuple(MEDIA_TYPES)
# Bytes gathered before a block is handed on: one write or one HTTP body message per block rather than per row
# (a million rows in ~2.5 KB each would otherwise be a million sends); small enough to cost nothing in memory.
BLOCK = 64 * 1024


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """One JSON value as a CSV cell (the flattening the module docstring documents), neutralised against formula
    injection unless it is a JSON number."""
    text = _flat(value)
    if text.startswith(FORMULA_STARTS) and not (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return "'" + text
    return text


def _flat(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict) or (isinstance(value, (list, tuple)) and any(isinstance(v, (dict, list, tuple))
                                                                             for v in value)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, (list, tuple)):
        return "; ".join(_flat(v) for v in value)  # neutralised once, as a whole cell
    return str(value)


def csv_lines(rows: Iterable[dict], fields: Sequence[str]) -> Iterator[str]:
    """The header, then one CSV record per row (the columns `fields`; other keys are left out)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # the default dialect: RFC 4180, CRLF

    def record(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield record(fields)
    for row in rows:
        yield record([cell(row.get(name)) for name in fields])


def json_lines(rows: Iterable[dict]) -> Iterator[str]:
    """One JSON array, an element per line, written as the rows come: valid JSON with no row too ("[\\n]")."""
    yield "["
    separator = "\n"
    for row in rows:
        yield separator + json.dumps(row, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


def ndjson_lines(rows: Iterable[dict]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def encode(rows: Iterable[dict], fmt: str, fields: Sequence[str] = ARTICLE_FIELDS) -> Iterator[bytes]:
    """The rows in format `fmt` (csv, json, ndjson) as UTF-8 blocks of about BLOCK bytes, produced as the rows
    are read (nothing is gathered but the current block)."""
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"unknown format {fmt!r} (csv, json or ndjson)")
    pieces = {"csv": lambda: csv_lines(rows, fields), "json": lambda: json_lines(rows),
              "ndjson": lambda: ndjson_lines(rows)}[fmt]()
    block, size = [], 0
    for piece in pieces:
        data = piece.encode("utf-8")
        block.append(data)
        size += len(data)
        if size >= BLOCK:
            yield b"".join(block)
            block, size = [], 0
    if block:
        yield b"".join(block)
