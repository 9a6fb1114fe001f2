"""Vietnamese text cleanup and search keys. Pure functions, no I/O."""
from __future__ import annotations

import re
import unicodedata

# Characters that render as nothing in portal HTML (zero-width, soft hyphen, BOM).
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean_text(value: str | None) -> str:
    """NFC, look-alikes mapped, invisible characters dropped, runs of white space collapsed."""
    if not value:
        return ""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", value))
    # U+00D0 (Icelandic eth) is a frequent look-alike of U+0110 (Đ) in document numbers.
    text = text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    return _SPACES.sub(" ", text).strip()


def fold(value: str | None) -> str:
    """Search key: lower case, tones and marks removed, đ folded to d (it has no decomposition)."""
    text = unicodedata.normalize("NFD", clean_text(value).lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return text.replace("đ", "d")


def _tone_table() -> tuple[re.Pattern, dict[str, str]]:
    # Open syllables ending in oa/oe/uy carry the tone on the second vowel in the old style
    # (hoà, khoẻ, uỷ) and on the first in the new one (hòa, khỏe, ủy); both occur on portals.
    marks = "\u0300\u0301\u0309\u0303\u0323"  # grave, acute, hook above, tilde, dot below
    table: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for mark in marks:
            for f, s in ((first, second), (first.upper(), second.upper()), (first.upper(), second)):
                old = f + unicodedata.normalize("NFC", s + mark)
                table[old] = unicodedata.normalize("NFC", f + mark) + s
    pattern = re.compile(r"(?<![qQ])(?:" + "|".join(map(re.escape, table)) + r")(?![^\W\d_])")
    return pattern, table


_OLD_TONES, _NEW_TONES = _tone_table()


def tone_key(value: str | None) -> str:
    """Comparison key that keeps diacritics but unifies old/new tone placement (hoà = hòa, uỷ = ủy)."""
    return _OLD_TONES.sub(lambda m: _NEW_TONES[m.group(0)], clean_text(value))
