"""Folding original text one character per character, so that offsets in the folded text are offsets in the
original: the ranking finds folded terms in titles, summaries and bodies so, and the snippet cuts its extract."""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from vntext.textnorm import fold_word


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
