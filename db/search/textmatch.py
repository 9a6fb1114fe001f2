"""Finding folded query terms in original text without folding the text first: the titles the ranking reads
back, and the summaries and bodies a snippet is cut from."""
from __future__ import annotations

import re
import unicodedata
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


@lru_cache(maxsize=1)
def _letter_classes() -> dict[str, str]:
    """For each character a folded token can contain, a regex class of the original characters folding to it
    ("d" → "dDđĐðÐ", "a" → "aAàÀáÁ…"), so a folded term can be found in original text without folding it."""
    variants: dict[str, set[str]] = {}
    for cp, folded in fold_table().items():
        if folded and len(folded) == 1:
            variants.setdefault(folded, set()).add(chr(cp))
    return {key: "[" + re.escape(key) + "".join(re.escape(c) for c in sorted(chars)) + "]"
            for key, chars in variants.items()}


def folded_pattern(term: Term) -> str:
    """A regex finding the term in original (NFC) text, whatever its case and diacritics."""
    classes = _letter_classes()
    words = ["".join(classes.get(ch, re.escape(ch)) for ch in token) for token in term.tokens]
    return r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])"
