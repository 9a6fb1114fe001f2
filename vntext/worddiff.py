"""A word-level diff of two texts, as segments that rebuild both (pure, no I/O).

`word_diff(old, new)` returns segments `{"op": "equal"|"delete"|"insert", "text": …}`: the equal
and deleted texts joined give `old` exactly, the equal and inserted ones give `new` (after NFC, so
a text stored decomposed does not read as changed everywhere). Words are what white space
separates, as `git diff --word-diff` reads them: "23-NQ/TU," is one word. Words are matched as
words; white space is kept in the segments but never anchors a match, so "a b" → "x y" is one
deletion and one insertion rather than four pieces around a shared space.

Two passes keep a long body cheap: paragraphs (lines, each with the breaks after it) first, then words only inside the lines that
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
_PARAGRAPHS = re.compile(r"[^\n]+\n*|\n+")


def word_diff(old: str, new: str) -> list[dict]:
    """Segments turning `old` into `new`; consecutive segments never share an op, deletions come
    before the insertions that replace them."""
    old, new = unicodedata.normalize("NFC", old or ""), unicodedata.normalize("NFC", new or "")
    # A paragraph carries the line breaks after it: blank lines alone would pair any paragraph with any other.
    old_lines, new_lines = _PARAGRAPHS.findall(old), _PARAGRAPHS.findall(new)
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
    """Words matched as words (white space never anchors a match); the white space after each word
    is compared on its own, so the segments rebuild both texts exactly."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    if max(len(a), len(b)) > 2 * MAX_WORDS:  # words and the spaces between them
        return [(DELETE, old), (INSERT, new)]
    a_at, b_at = _word_positions(a), _word_positions(b)
    out = _space(a[:a_at[0]], b[:b_at[0]])  # white space before the first word
    # Words in over 1% of a long stretch ("của", "và") do not anchor matches (autojunk), which keeps the
    # matching near-linear; they still join the matches around them.
    matcher = SequenceMatcher(None, [a[i] for i in a_at[:-1]], [b[j] for j in b_at[:-1]])
    pending = ([], [])  # the white space after the last equal word: it goes with a change that follows
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == EQUAL:
            out += _space(*pending)
            for i, j in zip(range(i1, i2), range(j1, j2)):
                if i > i1:
                    out += _space(*pending)
                out.append((EQUAL, a[a_at[i]]))
                pending = (a[a_at[i] + 1:a_at[i + 1]], b[b_at[j] + 1:b_at[j + 1]])
            continue
        gone, came = pending[0] + a[a_at[i1]:a_at[i2]], pending[1] + b[b_at[j1]:b_at[j2]]
        pending = ([], [])
        head, tail = [], []  # white space both sides open or close with is no change
        if gone and came and gone[0] == came[0] and gone[0].isspace():
            head.append(gone.pop(0))
            came.pop(0)
        if gone and came and gone[-1] == came[-1] and gone[-1].isspace():
            tail.append(gone.pop())
            came.pop()
        out += [(EQUAL, "".join(head)), (DELETE, "".join(gone)), (INSERT, "".join(came)), (EQUAL, "".join(tail))]
    return out + _space(*pending)


def _word_positions(tokens: list[str]) -> list[int]:
    """Indexes of the word tokens, and the token count at the end (a sentinel)."""
    return [i for i, token in enumerate(tokens) if not token.isspace()] + [len(tokens)]


def _space(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    before, after = "".join(old), "".join(new)
    return [(EQUAL, before)] if before == after else [(DELETE, before), (INSERT, after)]


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
