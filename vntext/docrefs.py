"""Official document references ("số, ký hiệu văn bản") in Vietnamese text. Pure functions, no I/O.

Forms recognised (docs/text-formats.md §Document numbers):

* Party (Hướng dẫn 36-HD/VPTW): ``số-LOẠI/CƠQUAN`` — ``23-NQ/TU``, ``30-CTr/TU``, ``08-QĐi/TW``,
  ``357-CV/BTCTU``. No year in the number.
* State, administrative (Nghị định 30/2020/NĐ-CP): ``số/LOẠI-CƠQUAN`` — ``123/QĐ-UBND``; công văn has no type
  part: ``1473/BTP-CNTT``.
* State, normative (VBQPPL): ``số/năm/LOẠI-CƠQUAN`` — ``15/2023/NQ-HĐND``; laws and NA standing committee
  resolutions have no type part: ``101/2015/QH13``, ``35/2023/UBTVQH15``.
* Named Party resolutions without a number (see "Named resolutions" below).

English pages: a number may follow "No." directly ("No.42/2013/QH13"), and an ASCII type part reads as its
Đ code where unambiguous ("No.111/QD-STTTT" -> ``111/QĐ-STTTT``; HD stays Hướng dẫn).

Canonical form of a numbered reference: spaces removed, dash variants unified to "-", Ð (U+00D0) read as Đ,
the type code spelled as in the tables below (``Ctr`` -> ``CTr``), the issuer upper-cased but for the parts
the law spells otherwise (``TTg``, the Prime Minister: ``05/CT-TTg``; vntext.doctypes.state_issuer):
``23-NQ/TU``, ``123/QĐ-UBND``, ``15/2023/NQ-HĐND``, ``101/2015/QH13``, ``1473/BTP-CNTT``.
For a state number the first hyphen-part after the last "/" is the type if it is a known type code
(case-insensitive), else the whole tail is the issuer (công văn / law). Such type-less numbers get their
``type_name`` from the nearest type word before them ("Luật", "Bộ luật", "Pháp lệnh", "Nghị quyết", "Lệnh"),
else "Công văn" when there is no year, else None. A type-less number without a year (công văn) is only taken
from text when "số" / "công văn" / "văn bản" stands right before it.

Named resolutions (system "party", type "NQ", number ""), canonical keys:

* a Central Committee plenum: ``"NQ TW{n} khóa {ROMAN}"``, e.g. ``"NQ TW8 khóa XIII"`` for
  "Nghị quyết TW 8 khóa XIII", "Nghị quyết Trung ương 8 khoá XIII", "Nghị quyết Hội nghị lần thứ 8 (lần thứ tám)
  Ban Chấp hành Trung ương (TW, T.W) Đảng khóa XIII"; issuer "TW".
* a national Party congress: ``"NQ ĐH {ROMAN}"``, e.g. ``"NQ ĐH XIII"`` for "Nghị quyết Đại hội XIII của Đảng",
  "Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIII"; issuer None. Congresses of a Đảng bộ are NOT keyed
  (their issuer cannot be told from the phrase), nor is a bare "Nghị quyết Đại hội".
Arabic session numbers of a khóa/congress are written as Roman numerals in the key.

Attachment file names (:func:`references_from_filename`): when the issuer is unknown (``KH-86-2026.pdf``) the
canonical form is ``"{number}/{CODE}"`` — here ``"86/KH"`` — where CODE is the type code (``"CV"`` for công văn),
the year (2026) only goes to ``DocumentRef.year``. It is a prefix of the full text form (``86/KH-UBND``), so the two
can be joined with ``text_ref.canonical.startswith(file_ref.canonical + "-")``. When the file name carries the
issuer (``101.2015.QH13.doc``, ``31.VBHN.VPQH.doc``) the canonical form is the ordinary one.

``canonicalize(ref.canonical) == ref.canonical`` holds for every reference this module returns.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date

from vntext.dates import parse_vn_datetime
from vntext.textnorm import clean_text
from vntext.doctypes import (TYPE_NAMES_PARTY, TYPE_NAMES_STATE, DocumentRef, file_code, party_type, state_issuer,
                              state_type)


# Character classes (input is clean_text'ed first, so Ð is already Đ).
_U = "A-ZĐ"
_L = "A-Za-zĐđ"
_PART = rf"[{_U}][{_L}0-9&]"
# A number does not continue a word, a path, a decimal or a range; English pages glue it to "No." (real
# sotttt.hanoi.gov.vn page of 2019: "Law on reception of citizens No.42/2013/QH13", "Directive Document
# No.07/CT-UBND"), which the "." rule alone would reject.
_START = r"(?:(?<=\b[Nn]o\.)|(?<![\w/.\-&]))"
# Numbers are [0-9], not \d (which would also accept Arabic-Indic and other Unicode digits).
_END = r"(?![\w&])"

_PARTY_RE = re.compile(
    rf"{_START}(?P<num>[0-9]{{1,4}})\s*-\s*(?P<type>[{_U}][{_L}]{{0,4}})\s*/\s*"
    rf"(?P<org>{_PART}{{1,15}}(?:-{_PART}{{0,15}})*){_END}"
)
# The state symbol: first part, then (optionally) the rest. Spaces are tolerated only around the first hyphen and
# only when the first part is a type code (checked in code): "123/QĐ - UBND" yes, "5/UBND - TP Hà Nội" no.
_STATE_SYM = (
    rf"(?P<first>{_PART}{{0,10}})"
    rf"(?:(?P<sep>\s*-\s*)(?P<rest>{_PART}{{0,15}}(?:-{_PART}{{0,15}})*))?{_END}"
)
_STATE_YEAR_RE = re.compile(
    rf"{_START}(?P<num>[0-9]{{1,5}})\s*/\s*(?P<year>(?:19|20)[0-9]{{2}})\s*/\s*{_STATE_SYM}"
)
_STATE_RE = re.compile(rf"{_START}(?P<num>[0-9]{{1,5}})\s*/\s*{_STATE_SYM}")

# Unified to "-" / "/" before matching (same length, so offsets still point into the clean sentence).
_DASHES = str.maketrans(
    {**dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
     **dict.fromkeys("\u2044\u2215\uff0f", "/")}
)
_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.I)

# "… số 23-NQ/TU ngày 16/11/2023", "…, ngày 01-10-1997", "… ban hành ngày 02 tháng 06 năm 2006".
_ISSUED_RE = re.compile(
    r"\s*,?\s*\(?\s*(?:(?:được\s+)?ban\s+hành\s+)?(?P<date>ngày\s+(?:"
    r"[0-9]{1,2}\s*[/.\-]\s*[0-9]{1,2}\s*[/.\-]\s*[0-9]{4}|[0-9]{1,2}\s+tháng\s+[0-9]{1,2}\s+năm\s+[0-9]{4}))(?![0-9])",
    re.I,
)
# A công văn number ("1473/BTP-CNTT") has no type code, so require "số" or a công văn word right before it.
_CV_CONTEXT_RE = re.compile(r"(?:\bsố|\bcông\s+văn|\bvăn\s+bản|\bCV)\s*:?\s*$", re.I)

# Document type words, to name a number that has no type part ("Luật Đất đai số 31/2024/QH15") and to tell the
# Party's "Quy định số 101-QĐ/TW" from a Quyết định. "Luật"/"Lệnh" are case-sensitive ("pháp luật", "Pháp lệnh").
_TYPE_WORDS = (
    "Nghị quyết", "Nghị định", "Quyết định", "Quy định", "Chỉ thị", "Thông tư", "Thông tri", "Thông báo",
    "Hướng dẫn", "Kết luận", "Kế hoạch", "Chương trình", "Công văn", "Văn bản", "Tờ trình", "Báo cáo", "Đề án",
    "Pháp lệnh", "Bộ luật", "Công điện", "Quy chế",
)
_TYPE_WORD_RE = re.compile(
    r"(?<!\w)(?:"
    + "|".join(f"(?i:{w[0]})" + w[1:].replace(" ", r"\s+") for w in _TYPE_WORDS)
    + r"|Luật|Lệnh)(?!\w)"
)
_TYPE_WORD_LOOKBACK = 100

# Named resolutions.
_NUMBER_WORDS = {
    "một": 1, "nhất": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7,
    "tám": 8, "chín": 9, "mười": 10, "mười một": 11, "mười hai": 12, "mười ba": 13, "mười bốn": 14,
    "mười lăm": 15, "mười sáu": 16, "mười bảy": 17, "mười tám": 18, "mười chín": 19, "hai mươi": 20,
}
_SESSION = (
    r"(?:[0-9]{1,2}|"
    + "|".join(w.replace(" ", r"\s+") for w in sorted(_NUMBER_WORDS, key=len, reverse=True))
    + r")(?!\w)"
)
_ROMAN = r"(?-i:[IVXLC]{1,7})"
_CENTRAL = r"(?:Trung\s+ương|T\.?\s?W|T\.?\s?Ư)"
_PLENUM_RE = re.compile(
    rf"""Nghị\s+quyết\s+
    (?:(?:của\s+)?Hội\s+nghị\s+)?
    (?:lần\s+thứ\s+(?P<n1>{_SESSION})\s+(?:của\s+)?Ban\s+Chấp\s+hành\s+{_CENTRAL}
          (?:\s+Đảng)?(?:\s+Cộng\s+sản\s+Việt\s+Nam)?
     |{_CENTRAL}\s*(?P<n2>{_SESSION})
     |(?:Ban\s+Chấp\s+hành\s+)?{_CENTRAL}(?:\s+Đảng)?\s+lần\s+thứ\s+(?P<n3>{_SESSION}))
    \s*,?\s*\(?\s*kh(?:óa|oá)\s+(?P<k>{_ROMAN}|[0-9]{{1,2}})(?!\w)(?:\s*\))?""",
    re.I | re.X,
)
_CONGRESS_RE = re.compile(
    rf"""Nghị\s+quyết\s+Đại\s+hội
    (?:\s+đại\s+biểu)?(?:\s+Đảng(?!\s+bộ))?(?:\s+Cộng\s+sản\s+Việt\s+Nam)?(?:\s+toàn\s+quốc)?
    (?:\s+lần\s+thứ\s+(?P<kd>{_ROMAN}|[0-9]{{1,2}})|\s+(?P<kr>{_ROMAN}))(?!\w)
    (?!\s+(?:của\s+)?Đảng\s+bộ)(?:\s+của\s+Đảng(?:\s+Cộng\s+sản\s+Việt\s+Nam)?(?!\w))?""",
    re.I | re.X,
)
_MAYBE_REF_RE = re.compile(r"[0-9]\s*[-‐‑–—/]|nghị\s+quyết", re.I)
_NAMED_KEY_RE = re.compile(r"NQ (?:TW(?P<n>[1-9][0-9]?) khóa|ĐH) (?P<k>[IVXLC]+)")

# Sentence ends: ". " / "! " / "? " / "… " followed by an upper-case letter or a digit, except after these
# abbreviations ("TP. Hà Nội", "T.W. Đảng").
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"”’')\]]*\s+")
_ABBREVIATIONS = frozenset(
    {"TP", "Tp", "tp", "TX", "Q", "P", "H", "X", "TS", "ThS", "PGS", "GS", "BS", "KS", "CN", "Th.S",
     "T.W", "T.Ư", "Đ/c", "đ/c", "ĐC", "St", "TT"}
)

# ---------------------------------------------------------------------------------------------------------------
# Parsing one match


def _party_parts(match: re.Match) -> dict | None:
    code = party_type(match["type"])
    if code is None:
        return None
    issuer = match["org"].upper()
    return dict(
        canonical=f"{match['num']}-{code}/{issuer}", system="party", type=code,
        type_name=TYPE_NAMES_PARTY[code], number=match["num"], year=None, issuer=issuer, end=match.end(),
    )


def _ascii_state_type(token: str) -> str | None:
    """QĐ / NĐ / … written without the Đ ("Decision No.111/QD-STTTT" on the real English sotttt page of 2019):
    the Đ code, only where the ASCII spelling is no other code (file_code: exact spellings win, so HD stays
    Hướng dẫn and DA Dự án). Only a type PART is read so: "123/QD-UBND" is 123/QĐ-UBND."""
    code = file_code(token)
    return code if code is not None and "Đ" in code and code.upper() != token.upper() else None


def _state_parts(match: re.Match, with_year: bool) -> dict | None:
    first, rest, end = match["first"], match["rest"], match.end()
    code = state_type(first) or _ascii_state_type(first)
    if rest is not None and code is None and any(ch.isspace() for ch in match["sep"]):
        rest, end = None, match.end("first")  # "5/UBND - TP Hà Nội": the spaced hyphen is prose, not a symbol
    if rest is None and not with_year:
        return None  # "12/UBND", "3/TP" — too weak without a year
    if code is not None:
        issuer = state_issuer(rest) if rest else None
        symbol = f"{code}-{issuer}" if issuer else code
    else:
        issuer = state_issuer(first + (f"-{rest}" if rest else ""))
        symbol = issuer
    year = int(match["year"]) if with_year else None
    prefix = f"{match['num']}/{year}/" if with_year else f"{match['num']}/"
    return dict(
        canonical=prefix + symbol, system="state", type=code,
        type_name=TYPE_NAMES_STATE[code] if code else None, number=match["num"], year=year, issuer=issuer,
        end=end,
    )


def _roman(value: int) -> str:
    out = []
    for amount, letters in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                            (4, "IV"), (1, "I")):
        count, value = divmod(value, amount)
        out.append(letters * count)
    return "".join(out)


def is_register_number(token: str) -> bool:
    """ASCII digits only ("²" and other Unicode digits are not register numbers)."""
    return token.isascii() and token.isdigit()



def _session_number(token: str) -> int | None:
    token = re.sub(r"\s+", " ", token.lower())
    value = int(token) if is_register_number(token) else _NUMBER_WORDS.get(token)
    return value if value else None


def _khoa(token: str) -> str | None:
    if is_register_number(token):
        return _roman(int(token)) if 0 < int(token) < 200 else None
    return token


def _named_parts(match: re.Match) -> dict | None:
    if match.re is _PLENUM_RE:
        session = _session_number(match["n1"] or match["n2"] or match["n3"])
        khoa = _khoa(match["k"])
        if not session or not khoa:
            return None
        canonical, issuer = f"NQ TW{session} khóa {khoa}", "TW"
    else:
        khoa = _khoa(match["kd"] or match["kr"])
        if not khoa:
            return None
        canonical, issuer = f"NQ ĐH {khoa}", None
    return dict(
        canonical=canonical, system="party", type="NQ", type_name="Nghị quyết", number="", year=None,
        issuer=issuer, end=match.end(),
    )


# ---------------------------------------------------------------------------------------------------------------
# Text


def _prepare(sentence: str) -> str:
    """Matching copy of a clean sentence: dashes/slashes unified, URLs blanked; same length and offsets."""
    work = sentence.translate(_DASHES)
    return _URL_RE.sub(lambda m: " " * len(m.group()), work)


def _sentences(text: str) -> list[str]:
    """Clean sentences: line breaks always split; ". " splits before an upper-case letter or a digit."""
    out = []
    for raw_line in unicodedata.normalize("NFC", text).splitlines():
        line = clean_text(raw_line)
        start = 0
        for match in _SENTENCE_END_RE.finditer(line):
            following = line[match.end():].lstrip("\"“‘'([")[:1]
            if not following or not (following.isupper() or following.isdigit()):
                continue
            words = line[start:match.start()].split()
            if words and words[-1] in _ABBREVIATIONS:
                continue
            out.append(line[start:match.end()].strip())
            start = match.end()
        if line[start:].strip():
            out.append(line[start:].strip())
    return out


def _type_word_before(sentence: str, start: int) -> str | None:
    """The nearest document-type word before ``start`` in the same clause, normalised ("Luật", "Quy định" …).

    Earlier numbers do not end the clause, so in "Quy định số 101-QĐ/TW, 102-QĐ/TW" both are Quy định.
    """
    window = sentence[max(0, start - _TYPE_WORD_LOOKBACK):start]
    window = window[window.rfind(";") + 1:]
    words = _TYPE_WORD_RE.findall(window)
    if not words:
        return None
    word = re.sub(r"\s+", " ", words[-1])
    return word[0].upper() + word[1:]


def _issued_on(work: str, end: int) -> date | None:
    match = _ISSUED_RE.match(work, end)
    if not match:
        return None
    parsed = parse_vn_datetime(match["date"])
    return parsed.day if parsed else None


def _parts(regex: re.Pattern, match: re.Match) -> dict | None:
    """Fields of one hit (plus its "end" offset), None if the hit is not a document number after all."""
    if regex is _PARTY_RE:
        return _party_parts(match)
    if regex is _STATE_YEAR_RE or regex is _STATE_RE:
        return _state_parts(match, with_year=regex is _STATE_YEAR_RE)
    return _named_parts(match)


def _candidates(work: str):
    """(start, priority, parts) for every pattern hit in a matching copy; Party first, then state, then named."""
    for priority, regex in enumerate((_PARTY_RE, _STATE_YEAR_RE, _STATE_RE, _PLENUM_RE, _CONGRESS_RE)):
        for match in regex.finditer(work):
            parts = _parts(regex, match)
            if (parts and regex is _STATE_RE and parts["type"] is None
                    and not _CV_CONTEXT_RE.search(work[:match.start()][-30:])):
                parts = None  # a công văn number needs "số" / "công văn" right before it
            if parts:
                yield match.start(), priority, parts


def _refs_in_sentence(sentence: str) -> list[DocumentRef]:
    work = _prepare(sentence)
    refs, taken_until = [], 0
    for start, _priority, parts in sorted(_candidates(work), key=lambda c: (c[0], c[1])):
        if start < taken_until:
            continue
        end = parts.pop("end")
        word = _type_word_before(work, start)
        if parts["system"] == "party" and parts["type"] == "QĐ" and word == "Quy định":
            parts["type_name"] = "Quy định"
        elif parts["system"] == "state" and parts["type"] is None:
            if word in ("Luật", "Bộ luật", "Pháp lệnh", "Nghị quyết", "Lệnh"):
                parts["type_name"] = word
            elif parts["year"] is None:
                parts["type_name"] = "Công văn"
        refs.append(DocumentRef(**parts, issued_on=_issued_on(work, end), sentence=sentence))
        taken_until = end
    return refs


def find_references(text: str) -> list[DocumentRef]:
    """Document references in ``text``, one per canonical form, in order of first appearance.

    The first occurrence gives the fields; a later occurrence that gives a missing issued_on fills it, and its
    sentence (the more informative one) replaces the first.
    """
    if not text:
        return []
    found: dict[str, DocumentRef] = {}
    for sentence in _sentences(text):
        if not _MAYBE_REF_RE.search(sentence):
            continue  # cheap pre-check: every form needs a digit before "-" or "/", or "Nghị quyết"
        for ref in _refs_in_sentence(sentence):
            known = found.get(ref.canonical)
            if known is None:
                found[ref.canonical] = ref
            elif known.issued_on is None and ref.issued_on is not None:
                # the sentence that gives the issued date says most about the document
                found[ref.canonical] = replace(known, issued_on=ref.issued_on, sentence=ref.sentence)
    return list(found.values())


# ---------------------------------------------------------------------------------------------------------------
# One raw number


_PARTIAL_RE = re.compile(rf"(?P<num>[0-9]{{1,5}})/(?P<code>[{_L}]{{1,6}})")
_SO_PREFIX_RE = re.compile(r"^(?:số|Số|SỐ)\s*[:.]?\s*")


def canonicalize(raw: str) -> str | None:
    """Canonical form of one raw document number ("Số: 44 /2005/QÐ-UBND" -> "44/2005/QĐ-UBND"), else None.

    Also accepts the canonical keys of named resolutions and the issuer-less file-name form ("86/KH").
    """
    text = clean_text(raw).translate(_DASHES).rstrip(".,;:")
    if not text:
        return None
    if _NAMED_KEY_RE.fullmatch(text):
        return text
    for regex in (_PLENUM_RE, _CONGRESS_RE):
        match = regex.fullmatch(text)
        parts = _named_parts(match) if match else None
        if parts:
            return parts["canonical"]
    # "Quy định số 08-QĐi/TW", "Số: 44 /2005/QĐ-UBND" -> the number itself
    word = _TYPE_WORD_RE.match(text)
    if word:
        text = text[word.end():].lstrip()
    text = _SO_PREFIX_RE.sub("", text)
    for regex in (_PARTY_RE, _STATE_YEAR_RE, _STATE_RE):
        match = regex.fullmatch(text)
        if not match:
            continue
        parts = _parts(regex, match)
        if parts and parts["end"] == len(text):
            return parts["canonical"]
    partial = _PARTIAL_RE.fullmatch(text)
    if partial:
        code = file_code(partial["code"])
        if code:
            return f"{partial['num']}/{code}"
    return None
