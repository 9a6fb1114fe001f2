"""Vietnamese text cleanup and search keys. Pure functions, no I/O."""
from __future__ import annotations

import re
import unicodedata

# Characters that render as nothing or as a plain space in portal HTML.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# U+00D0 (Icelandic eth) is a frequent look-alike of U+0110 in document numbers.
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})


def clean_text(value: str | None) -> str:
    """NFC, look-alikes mapped, invisible characters dropped, runs of white space collapsed."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value).translate(_INVISIBLE).translate(_LOOKALIKES)
    return _SPACES.sub(" ", text).strip()


def fold(value: str | None) -> str:
    """Search key: lower case, tones and marks removed, đ folded to d (it has no decomposition)."""
    text = unicodedata.normalize("NFD", clean_text(value).lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return text.replace("đ", "d")
