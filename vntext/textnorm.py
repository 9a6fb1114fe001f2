"""Vietnamese text cleanup and search keys. Pure functions, no I/O."""
from __future__ import annotations

import re
import unicodedata

# Characters that render as nothing in portal HTML (zero-width, soft hyphen, BOM).
INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE = re.compile(f"[{INVISIBLE_CHARS}]")
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARS))
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean_text(value: str | None) -> str:
    """NFC, look-alikes mapped, invisible characters dropped, runs of white space collapsed."""
    if not value:
        return ""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", value))
    # U+00D0 (Icelandic eth) is a frequent look-alike of U+0110 (Đ) in document numbers.
    text = text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    return _SPACES.sub(" ", text).strip()


def fold_word(word: str) -> str:
    """fold of one word (no white space in it); "" for a word of marks or invisible characters only."""
    text = word.translate(_DROP_INVISIBLE).replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    text = unicodedata.normalize("NFD", text.lower())
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").replace("đ", "d")


# Folded words remembered: Vietnamese prose reuses a few thousand syllables, so folding a body costs
# dictionary look-ups, not Unicode work. Cleared when it outgrows the limit (a few MB).
_FOLDED: dict[str, str] = {}
_FOLDED_LIMIT = 200_000


def fold(value: str | None) -> str:
    """Search key: lower case, tones and marks removed, đ folded to d (it has no decomposition).

    Equal to removing every combining mark (Mn) from the NFD form of clean_text(value).lower(), then đ → d,
    then collapsing white space again (a lone mark between two spaces leaves nothing). Computed word by word
    (NFC, split at white space, fold_word, non-empty words joined by single spaces): no step looks beyond a
    word, and the tests check it against that whole-text definition.
    """
    if not value:
        return ""
    words = unicodedata.normalize("NFC", value).split()
    try:
        folded = [_FOLDED[word] for word in words]
    except KeyError:
        if len(_FOLDED) > _FOLDED_LIMIT:
            _FOLDED.clear()
        folded = []
        for word in words:
            result = _FOLDED.get(word)
            if result is None:
                result = _FOLDED[word] = fold_word(word)
            folded.append(result)
    return " ".join(filter(None, folded))


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
        if any(ch in text for ch in INVISIBLE_CHARS):
            text = text.translate(_DROP_INVISIBLE)
        if "\u00d0" in text or "\u00f0" in text:
            text = text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    return _OLD_TONES.sub(_new_tone, " ".join(text.split()))
