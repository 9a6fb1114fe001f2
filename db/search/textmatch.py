"""Folding original text one character per character, so that offsets in the folded text are offsets in the
original (the ranking finds folded terms in titles, summaries and bodies so, and the snippet cuts its extract),
and the character spans of the matches a snippet and a title are marked with."""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache

from vntext.textnorm import fold_word
from db.search.query import Term


@lru_cache(maxsize=1)
def fold_table() -> dict[int, str | None]:
    """Per-character fold (``vntext.textnorm.fold_word`` of one character) of the characters below U+3000 that
    are stable under NFC, for matching folded terms in original text character by character (snippets, titles)."""
    table: dict[int, str | None] = {}
    for cp in range(0x3000):
        ch = chr(cp)
        if ch.isspace() or unicodedata.normalize("NFC", ch) != ch:
            continue
        folded = fold_word(ch)
        if folded != ch:
            table[cp] = folded or None
    return table


@lru_cache(maxsize=1)
def one_char_folds() -> dict[int, str]:
    """fold_table as a str.translate table keeping one character per character (its fold's first letter, or a
    space for a character that folds to nothing), so offsets in the folded text are offsets in the original."""
    return {cp: (folded or " ")[:1] for cp, folded in fold_table().items()}


# ---- spans: where a query's terms are in an original text ------------------------------------------------------
@lru_cache(maxsize=1)
def _deleting_folds() -> dict[int, str | None]:
    """fold_table as a str.translate table: a character folding to nothing (a combining mark of NFD text, an
    invisible character) is deleted, so "Ho\u0302\u0323i" folds to the one token "hoi" as the index folds it."""
    return {cp: folded or None for cp, folded in fold_table().items()}


@lru_cache(maxsize=1)
def _uneven() -> re.Pattern:
    """The characters whose fold is not exactly one character (deleted, or longer): the only places where an
    offset in the folded text and one in the original part ways."""
    chars = [chr(cp) for cp, folded in fold_table().items() if folded is None or len(folded) != 1]
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]")


@lru_cache(maxsize=256)
def _term_pattern(term: Term) -> re.Pattern:
    """The term's tokens in folded text: whole tokens (no "23" inside "123"), a phrase's tokens adjacent and in
    order, separated by anything that is not a letter or digit ("23-nq/tu" for the tokens 23 nq tu)."""
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, term.tokens)) + r"(?![^\W_])")


class _FoldedText:
    """A text's fold with the way back: ``original(i)`` is the offset in the text of the character that gave
    folded character i. Stored as segments of constant shift (original − folded offset), one per uneven
    character, so the usual NFC Vietnamese text (no uneven character) costs one C-speed scan."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = text.translate(_deleting_folds())
        self.starts, self.shifts = [0], [0]
        table, shift = _deleting_folds(), 0
        for match in _uneven().finditer(text):
            at = match.start()
            here, piece = at - shift, table[ord(text[at])] or ""
            for extra in range(1, len(piece)):  # a longer fold: its other characters point back to `at` too
                self.starts.append(here + extra)
                self.shifts.append(at - here - extra)
            shift = at + 1 - here - len(piece)
            self.starts.append(here + len(piece))
            self.shifts.append(shift)

    def original(self, index: int) -> int:
        return index + self.shifts[bisect_right(self.starts, index) - 1]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded [start, end): through the deleted characters after its last letter (the
        marks of an NFD "Hà" belong to its "a")."""
        first, last = self.original(start), self.original(end - 1) + 1
        table = _deleting_folds()
        while last < len(self.text) and ord(self.text[last]) in table and table[ord(self.text[last])] is None:
            last += 1
        return first, last


def term_spans(text: str, terms: Iterable[Term]) -> list[list[tuple[int, int]]]:
    """For each term, the (start, end) character spans of its matches in `text` (original: NFC or NFD, any case
    and diacritics, đ/Đ), in order: a word only as a whole token, a phrase only where all its tokens are
    adjacent, the span covering the whole phrase. One regex scan of the folded text per term."""
    folded = _FoldedText(text)
    return [[folded.span(m.start(), m.end()) for m in _term_pattern(term).finditer(folded.folded)]
            for term in terms]


def match_spans(text: str | None, terms: Iterable[Term]) -> list[tuple[int, int]]:
    """The spans of all the terms' matches in `text` (term_spans), sorted, overlapping ones merged ("hội" and
    "hội đồng" in one query mark "Hội đồng" once): what a reader sees highlighted."""
    if not text:
        return []
    return merge_spans(span for spans in term_spans(text, terms) for span in spans)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
