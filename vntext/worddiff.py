"""A word-level diff of two texts, as segments that rebuild both (pure, no I/O).

`word_diff(old, new)` returns segments `{"op": "equal"|"delete"|"insert", "text": …}`: the equal
and deleted texts joined give `old` exactly, the equal and inserted ones give `new` (after NFC, so
a text stored decomposed does not read as changed everywhere). Words are what white space
separates, as `git diff --word-diff` reads them: "23-NQ/TU," is one word. White space is kept in the
segments but never anchors a match, so "a b" → "x y" is one deletion and one insertion rather than
four pieces around a shared space.

Two passes keep a long body cheap: lines (paragraphs) first, then words only inside the lines that
changed. A changed stretch of more than MAX_WORDS words on a side (a page rewritten whole) is shown as
deleted and inserted whole: matching words in it would cost time quadratic in its length.
"""
from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

EQUAL, DELETE, INSERT = "equal", "delete", "insert"
MAX_WORDS = 20_000
_TOKENS = re.compile(r"\S+|\s+")


def word_diff(old: str, new: str) -> list[dict]:
    """Segments turning `old` into `new`; consecutive segments never share an op, deletions come
    before the insertions that replace them."""
    old, new = unicodedata.normalize("NFC", old or ""), unicodedata.normalize("NFC", new or "")
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    segments: list[tuple[str, str]] = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == EQUAL:
            segments.append((EQUAL, a))
        elif tag == "replace":
            segments.extend(_words(a, b))
        else:
            segments.append((DELETE, a) if a else (INSERT, b))
    return _merged(segments)


def _words(old: str, new: str) -> list[tuple[str, str]]:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    if max(len(a), len(b)) > 2 * MAX_WORDS:  # words and the spaces between them
        return [(DELETE, old), (INSERT, new)]
    matcher = SequenceMatcher(str.isspace, a, b, autojunk=False)
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == EQUAL:
            out.append((EQUAL, "".join(a[i1:i2])))
            continue
        head = []  # white space both sides open or close with is no change
        while i1 < i2 and j1 < j2 and a[i1] == b[j1] and a[i1].isspace():
            head.append(a[i1])
            i1, j1 = i1 + 1, j1 + 1
        tail = []
        while i2 > i1 and j2 > j1 and a[i2 - 1] == b[j2 - 1] and a[i2 - 1].isspace():
            tail.insert(0, a[i2 - 1])
            i2, j2 = i2 - 1, j2 - 1
        out.append((EQUAL, "".join(head)))
        out.append((DELETE, "".join(a[i1:i2])))
        out.append((INSERT, "".join(b[j1:j2])))
        out.append((EQUAL, "".join(tail)))
    return out


def _merged(segments: list[tuple[str, str]]) -> list[dict]:
    """Adjacent segments of one op joined; a deletion and an insertion split only by white space
    become one deletion and one insertion (the space both sides share goes into each)."""
    out: list[list[str]] = []
    for op, text in segments:
        if not text:
            continue
        if out and out[-1][0] == op:
            out[-1][1] += text
        else:
            out.append([op, text])
    return [{"op": op, "text": text} for op, text in _absorb_spaces(out)]


def _absorb_spaces(out: list[list[str]]) -> list[list[str]]:
    """[-a-] [ ] {+x+} [-b-] {+y+} → [-a b-] {+x y+}: a space alone between changes is not a match."""
    result: list[list[str]] = []
    for index, (op, text) in enumerate(out):
        between = (op == EQUAL and text.isspace() and "\n" not in text and 0 < index < len(out) - 1
                   and out[index - 1][0] != EQUAL and out[index + 1][0] != EQUAL)
        if between:
            result.append([DELETE, text])
            result.append([INSERT, text])
        else:
            result.append([op, text])
    # Regroup: within a run of changes, all deletions then all insertions.
    grouped: list[list[str]] = []
    run: list[list[str]] = []
    for item in result + [[EQUAL, ""]]:
        if item[0] == EQUAL:
            deleted = "".join(t for o, t in run if o == DELETE)
            inserted = "".join(t for o, t in run if o == INSERT)
            grouped += [[o, t] for o, t in ((DELETE, deleted), (INSERT, inserted)) if t]
            run = []
            if item[1]:
                grouped.append(item)
        else:
            run.append(item)
    return grouped


def sides(segments: list[dict]) -> tuple[str, str]:
    """The old and the new text the segments rebuild."""
    old = "".join(s["text"] for s in segments if s["op"] != INSERT)
    new = "".join(s["text"] for s in segments if s["op"] != DELETE)
    return old, new


def counts(segments: list[dict]) -> dict:
    """How many words were deleted and inserted."""
    return {"deleted_words": sum(len(s["text"].split()) for s in segments if s["op"] == DELETE),
            "inserted_words": sum(len(s["text"].split()) for s in segments if s["op"] == INSERT)}
