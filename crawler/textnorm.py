"""Vietnamese text cleanup and search keys. Pure functions, no I/O."""
from __future__ import annotations

import re
import unicodedata
from typing import Callable

# Characters that render as nothing in portal HTML (zero-width, soft hyphen, BOM).
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_DROP_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS))
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean_text(value: str | None) -> str:
    """NFC, look-alikes mapped, invisible characters dropped, runs of white space collapsed."""
    if not value:
        return ""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", value))
    # U+00D0 (Icelandic eth) is a frequent look-alike of U+0110 (Đ) in document numbers.
    text = text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    return _SPACES.sub(" ", text).strip()


def _clean_word(word: str) -> str:
    """clean_text of one word (no white space in it): invisible characters dropped, Ð read as Đ."""
    return word.translate(_DROP_INVISIBLE).replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")


_WORD_CACHE_LIMIT = 200_000  # distinct words remembered per key function (a few MB)


def _word_by_word(convert: Callable[[str], str]) -> Callable[[str | None], str]:
    """A key function over whole texts from `convert`, a function of one word.

    The text is put in NFC and split at white space, each word converted, and the non-empty results joined
    by single spaces: what clean_text followed by `convert` gives whenever `convert` never looks beyond a
    word (the tests check it against the whole-text definitions). Conversions are remembered: Vietnamese
    prose reuses a few thousand syllables, so an article body costs dictionary look-ups, not Unicode work —
    every fetched article is hashed with tone_key, and every query is folded.
    """
    cache: dict[str, str] = {}

    def key(value: str | None) -> str:
        if not value:
            return ""
        words = unicodedata.normalize("NFC", value).split()
        try:
            converted = [cache[word] for word in words]
        except KeyError:
            if len(cache) > _WORD_CACHE_LIMIT:
                cache.clear()
            converted = []
            for word in words:
                result = cache.get(word)
                if result is None:
                    result = cache[word] = convert(word)
                converted.append(result)
        return " ".join(filter(None, converted))

    key.__wrapped__ = convert  # type: ignore[attr-defined]
    return key


def _fold_word(word: str) -> str:
    text = unicodedata.normalize("NFD", _clean_word(word).lower())
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").replace("đ", "d")


fold = _word_by_word(_fold_word)
fold.__doc__ = """Search key: lower case, tones and marks removed, đ folded to d (it has no decomposition).

Equal to removing every combining mark (Mn) from the NFD form of clean_text(value).lower(), then đ → d,
then collapsing white space again (a lone mark between two spaces leaves nothing)."""


def _tone_table() -> dict[str, str]:
    # Open syllables ending in oa/oe/uy carry the tone on the second vowel in the old style
    # (hoà, khoẻ, uỷ) and on the first in the new one (hòa, khỏe, ủy); both occur on portals.
    marks = "\u0300\u0301\u0309\u0303\u0323"  # grave, acute, hook above, tilde, dot below
    table: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for mark in marks:
            for f, s in ((first, second), (first.upper(), second.upper()), (first.upper(), second)):
                old = f + unicodedata.normalize("NFC", s + mark)
                table[old] = unicodedata.normalize("NFC", f + mark) + s
    return table


_NEW_TONES = _tone_table()
# An old-style pair not followed by a letter. The pattern starts with a character class, which makes it
# several times faster on article bodies than an alternation of the pairs; the pair's other condition (not
# after q: "quý", "quá" keep their tone where it is) is checked in _new_tone. A pair the table lacks ("oý")
# is kept: its second letter carries a tone, so it cannot start a pair of its own and no match is lost.
_OLD_TONES = re.compile("[" + "".join(sorted({old[0] for old in _NEW_TONES})) + "]["
                        + "".join(sorted({old[1:] for old in _NEW_TONES})) + r"](?![^\W\d_])")


def _new_tone(match: re.Match) -> str:
    pair, start = match.group(0), match.start()
    if start and match.string[start - 1] in "qQ":
        return pair
    return _NEW_TONES.get(pair, pair)


def tone_key(value: str | None) -> str:
    """Comparison key that keeps diacritics but unifies old/new tone placement (hoà = hòa, uỷ = ủy):
    clean_text(value) with every old-style syllable (hoà, khoẻ, uỷ; not after q) made new-style."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value)
    if not text.isascii():
        if any(ch in text for ch in _INVISIBLE_CHARS):
            text = text.translate(_DROP_INVISIBLE)
        if "\u00d0" in text or "\u00f0" in text:
            text = text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    return _OLD_TONES.sub(_new_tone, " ".join(text.split()))
