"""Document references in attachment file names (``KH-86-2026.pdf``, ``101.2015.QH13.doc``).

See vntext/docrefs.py for the canonical forms; a file name without its issuer gives the prefix form
``"{number}/{CODE}"`` (``"86/KH"``), which joins the full text form by prefix.
"""
from __future__ import annotations

import re
from urllib.parse import unquote

from vntext.docrefs import is_register_number
from vntext.doctypes import (FILE_CODES, TYPE_NAMES_PARTY, TYPE_NAMES_STATE, DocumentRef, file_code, party_type,
                              state_issuer)
from vntext.textnorm import clean_text

_FILE_EXT_RE = re.compile(
    r"\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|rtf|txt|html?|zip|rar|7z|signed|jpe?g|png|gif|tiff?)$", re.I
)
_FILE_SPLIT_RE = re.compile(r"[\s._\-]+")
_ASCII_ISSUERS = {"HDND": "HĐND"}
_PARTY_ISSUERS = frozenset(
    {"TW", "TƯ", "VPTW", "BTGTW", "BTCTW", "UBKTTW", "BDVTW", "BNCTW", "TU", "HU", "QU", "TXU", "ĐU", "ĐUK",
     "BTGTU", "BTCTU", "UBKTTU", "BDVTU", "VPTU", "BCSĐ", "ĐĐ"}
)


def _file_code_prefix(token: str) -> tuple[str, str] | None:
    """Longest type code glued to the front of a token: "ttbtttt" -> ("TT", "BTTTT"), "QDPQ" -> ("QĐ", "PQ")."""
    upper = token.upper()
    for size in range(min(len(upper) - 1, 4), 1, -1):
        code = FILE_CODES.get(upper[:size])
        if code:
            return code, upper[size:]
    return None


def _is_year(token: str) -> bool:
    return is_register_number(token) and len(token) == 4 and 1945 <= int(token) <= 2100


def _file_ref(name: str, **fields) -> DocumentRef:
    return DocumentRef(issued_on=None, sentence=name, source="attachment", **fields)


def _partial_file_ref(name: str, number: str, code: str, year: int | None) -> DocumentRef:
    """A type code and a number but no issuer: canonical "{number}/{CODE}"."""
    system = "party" if code in ("KL", "QĐi") else "state"
    table = TYPE_NAMES_PARTY if system == "party" else TYPE_NAMES_STATE
    return _file_ref(
        name, canonical=f"{number}/{code}", system=system, type=None if code == "CV" else code,
        type_name="Công văn" if code == "CV" else table[code], number=number, year=year, issuer=None,
    )


def references_from_filename(name: str) -> list[DocumentRef]:
    """Best-effort document number carried by an attachment file name; [] when it carries none.

    "KH-86-2026.pdf" -> 86/KH (year 2026), "QDPQ-87-2025.pdf" -> 87/QĐ, "CV-1501-2026.pdf" -> 1501/CV,
    "101.2015.QH13.doc" -> 101/2015/QH13, "31.VBHN.VPQH.doc" -> 31/VBHN-VPQH, "21-ttbtttt.signed.pdf" ->
    21/TT-BTTTT, "23-NQ-TU.pdf" -> 23-NQ/TU (Party issuers only), "image003.jpg" -> [].
    """
    label = clean_text(unquote(name or ""))
    stem = re.split(r"[\\/]", label)[-1]
    while _FILE_EXT_RE.search(stem):
        stem = _FILE_EXT_RE.sub("", stem)
    tokens = [t for t in _FILE_SPLIT_RE.split(stem) if t]
    if len(tokens) < 2:
        return []
    head = tokens[0]

    # Type first: KH-86-2026, QDPQ-87-2025, CV-1501-2026, "QD 492 PL1".
    if head.isascii() and head.isalpha() and len(head) <= 6 and is_register_number(tokens[1]) and len(tokens[1]) <= 5:
        number = tokens[1]
        year = int(tokens[2]) if len(tokens) > 2 and _is_year(tokens[2]) else None
        if year is None and _is_year(number):
            return []  # "KH-2026.pdf" is a plan for 2026, not number 2026
        code = file_code(head) or (_file_code_prefix(head) or (None,))[0]
        return [_partial_file_ref(label, number, code, year)] if code else []

    # Number first: 101.2015.QH13, 31.VBHN.VPQH, 21-ttbtttt, 15-2023-NQ-HDND, 23-NQ-TU.
    if not (is_register_number(head) and len(head) <= 5):
        return []
    rest = tokens[1:]
    year = None
    if _is_year(rest[0]) and len(rest) > 1:
        year, rest = int(rest[0]), rest[1:]
    if not all(t.isascii() and t.isalnum() for t in rest) or not rest[0][:1].isalpha():
        return []
    code, issuer_parts = file_code(rest[0]), rest[1:]
    if code is None and year is not None and rest[0].isupper():
        # a law / NA standing committee number: 101/2015/QH13
        issuer = state_issuer("-".join(_ASCII_ISSUERS.get(t.upper(), t.upper()) for t in rest))
        return [_file_ref(label, canonical=f"{head}/{year}/{issuer}", system="state", type=None, type_name=None,
                          number=head, year=year, issuer=issuer)]
    if code is None:
        glued = _file_code_prefix(rest[0])
        if glued is None or len(glued[1]) < 2 or not glued[1].isalpha():
            return []
        code, issuer_parts = glued[0], [glued[1], *issuer_parts]
    if code == "CV":
        return []  # "CV" after the number is not a state symbol; too ambiguous
    issuer = "-".join(_ASCII_ISSUERS.get(t.upper(), t.upper()) for t in issuer_parts) or None
    if issuer is None:
        return [_partial_file_ref(label, head, code, year)]
    party_code = party_type(code)
    if year is None and party_code and issuer in _PARTY_ISSUERS:
        return [_file_ref(label, canonical=f"{head}-{party_code}/{issuer}", system="party", type=party_code,
                          type_name=TYPE_NAMES_PARTY[party_code], number=head, year=None, issuer=issuer)]
    if code not in TYPE_NAMES_STATE:
        return []
    issuer = state_issuer(issuer)  # 05-CT-TTg.pdf, as the text's 05/CT-TTg
    prefix = f"{head}/{year}/" if year else f"{head}/"
    return [_file_ref(label, canonical=f"{prefix}{code}-{issuer}", system="state", type=code,
                      type_name=TYPE_NAMES_STATE[code], number=head, year=year, issuer=issuer)]
