"""Official document references ("số, ký hiệu văn bản") in Vietnamese text. Pure functions, no I/O.

Forms recognised (shared/portals.md §6):

* Party (Hướng dẫn 36-HD/VPTW): ``số-LOẠI/CƠQUAN`` — ``23-NQ/TU``, ``30-CTr/TU``, ``08-QĐi/TW``,
  ``357-CV/BTCTU``. No year in the number.
* State, administrative (Nghị định 30/2020/NĐ-CP): ``số/LOẠI-CƠQUAN`` — ``123/QĐ-UBND``; công văn has no type
  part: ``1473/BTP-CNTT``.
* State, normative (VBQPPL): ``số/năm/LOẠI-CƠQUAN`` — ``15/2023/NQ-HĐND``; laws and NA standing committee
  resolutions have no type part: ``101/2015/QH13``, ``35/2023/UBTVQH15``.
* Named Party resolutions without a number (see "Named resolutions" below).

Canonical form of a numbered reference: spaces removed, dash variants unified to "-", Ð (U+00D0) read as Đ,
the type code spelled as in the tables below (``Ctr`` -> ``CTr``), the issuer upper-cased:
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
from dataclasses import dataclass, fields, replace
from datetime import date
from urllib.parse import unquote

from vntext.dates import parse_vn_datetime
from vntext.textnorm import clean_text, fold

# Nghị định 30/2020/NĐ-CP Phụ lục III (administrative types) + VBQPPL types (old TTLT 55/2005 list) + VBHN.
# Codes that NĐ 30 dropped (GN, TTh, UQ, NP, CN, UN, GT, ĐĐ, BN, TS) are left out on purpose: as first part of a
# ký hiệu they are far more often an issuer/unit abbreviation (CN = chi nhánh, GT = giao thông …).
TYPE_NAMES_STATE: dict[str, str] = {
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "CT": "Chỉ thị",
    "QC": "Quy chế",
    "QyĐ": "Quy định",
    "TC": "Thông cáo",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "CTr": "Chương trình",
    "KH": "Kế hoạch",
    "PA": "Phương án",
    "ĐA": "Đề án",
    "DA": "Dự án",
    "BC": "Báo cáo",
    "BB": "Biên bản",
    "TTr": "Tờ trình",
    "HĐ": "Hợp đồng",
    "CĐ": "Công điện",
    "BGN": "Bản ghi nhớ",
    "BTT": "Bản thỏa thuận",
    "GUQ": "Giấy ủy quyền",
    "GM": "Giấy mời",
    "GGT": "Giấy giới thiệu",
    "GNP": "Giấy nghỉ phép",
    "PG": "Phiếu gửi",
    "PC": "Phiếu chuyển",
    "PB": "Phiếu báo",
    "SY": "Bản sao y",
    "TrS": "Bản trích sao",
    "SL": "Bản sao lục",
    "NĐ": "Nghị định",
    "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch",
    "NQLT": "Nghị quyết liên tịch",
    "PL": "Pháp lệnh",
    "L": "Lệnh",
    "VBHN": "Văn bản hợp nhất",
}

# Hướng dẫn 36-HD/VPTW. "QĐ" is used by the Party both for Quyết định (31-QĐ/TW) and, before 2018, for Quy định
# (101-QĐ/TW); the table says "Quyết định" and find_references() switches to "Quy định" when the nearest type word
# before the number is "Quy định". Since 2018 Quy định is "QĐi".
TYPE_NAMES_PARTY: dict[str, str] = {
    "NQ": "Nghị quyết",
    "CT": "Chỉ thị",
    "KL": "Kết luận",
    "QĐ": "Quyết định",
    "QĐi": "Quy định",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "ĐA": "Đề án",
    "QC": "Quy chế",
    "BC": "Báo cáo",
    "TTr": "Tờ trình",
    "CTr": "Chương trình",
    "TT": "Thông tri",
    "KH": "Kế hoạch",
    "CV": "Công văn",
    "BB": "Biên bản",
    "QTr": "Quy trình",
}

_STATE_CODES = {code.upper(): code for code in TYPE_NAMES_STATE}
_PARTY_CODES = {code.upper(): code for code in TYPE_NAMES_PARTY}

# Character classes (input is clean_text'ed first, so Ð is already Đ).
_U = "A-ZĐ"
_L = "A-Za-zĐđ"
_PART = rf"[{_U}][{_L}0-9&]"
_START = r"(?<![\w/.\-&])"  # a number does not continue a word, a path, a decimal or a range
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

# File names.
_FILE_EXT_RE = re.compile(
    r"\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|rtf|txt|html?|zip|rar|7z|signed|jpe?g|png|gif|tiff?)$", re.I
)
_FILE_SPLIT_RE = re.compile(r"[\s._\-]+")
_ASCII_ISSUERS = {"HDND": "HĐND"}
_PARTY_ISSUERS = frozenset(
    {"TW", "TƯ", "VPTW", "BTGTW", "BTCTW", "UBKTTW", "BDVTW", "BNCTW", "TU", "HU", "QU", "TXU", "ĐU", "ĐUK",
     "BTGTU", "BTCTU", "UBKTTU", "BDVTU", "VPTU", "BCSĐ", "ĐĐ"}
)


@dataclass(frozen=True)
class DocumentRef:
    """One official document referred to in a text (or named by an attachment file)."""

    canonical: str
    system: str  # "party" | "state"
    type: str | None
    type_name: str | None
    number: str
    year: int | None
    issuer: str | None
    issued_on: date | None
    sentence: str
    source: str = "text"  # "text" | "attachment"

    def to_json(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # asdict() deep-copies: slower
        data["issued_on"] = self.issued_on.isoformat() if self.issued_on else None
        return data


# ---------------------------------------------------------------------------------------------------------------
# Parsing one match


def _state_type(token: str) -> str | None:
    return _STATE_CODES.get(token.upper())


def _party_type(token: str) -> str | None:
    return _PARTY_CODES.get(token.upper())


def _party_parts(match: re.Match) -> dict | None:
    code = _party_type(match["type"])
    if code is None:
        return None
    issuer = match["org"].upper()
    return dict(
        canonical=f"{match['num']}-{code}/{issuer}", system="party", type=code,
        type_name=TYPE_NAMES_PARTY[code], number=match["num"], year=None, issuer=issuer, end=match.end(),
    )


def _state_parts(match: re.Match, with_year: bool) -> dict | None:
    first, rest, end = match["first"], match["rest"], match.end()
    code = _state_type(first)
    if rest is not None and code is None and any(ch.isspace() for ch in match["sep"]):
        rest, end = None, match.end("first")  # "5/UBND - TP Hà Nội": the spaced hyphen is prose, not a symbol
    if rest is None and not with_year:
        return None  # "12/UBND", "3/TP" — too weak without a year
    if code is not None:
        issuer = rest.upper() if rest else None
        symbol = f"{code}-{issuer}" if issuer else code
    else:
        issuer = first.upper() + (f"-{rest.upper()}" if rest else "")
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


def _session_number(token: str) -> int | None:
    token = re.sub(r"\s+", " ", token.lower())
    value = int(token) if _is_number(token) else _NUMBER_WORDS.get(token)
    return value if value else None


def _khoa(token: str) -> str | None:
    if _is_number(token):
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
        code = _file_code(partial["code"])
        if code:
            return f"{partial['num']}/{code}"
    return None


# ---------------------------------------------------------------------------------------------------------------
# Attachment file names


def _build_file_codes() -> dict[str, str]:
    """File-name spelling (upper case, maybe without Đ) -> type code. Exact spellings win over folded ones."""
    codes = [*TYPE_NAMES_STATE, "CV", "KL", "QĐi"]
    table: dict[str, str] = {}
    for code in codes:
        table.setdefault(code.upper(), code)
    for code in codes:
        table.setdefault(fold(code).upper(), code)  # QD -> QĐ, ND -> NĐ; HD stays Hướng dẫn, DA stays Dự án
    return table


_FILE_CODES = _build_file_codes()


def _file_code(token: str) -> str | None:
    return _FILE_CODES.get(token.upper())


def _file_code_prefix(token: str) -> tuple[str, str] | None:
    """Longest type code glued to the front of a token: "ttbtttt" -> ("TT", "BTTTT"), "QDPQ" -> ("QĐ", "PQ")."""
    upper = token.upper()
    for size in range(min(len(upper) - 1, 4), 1, -1):
        code = _FILE_CODES.get(upper[:size])
        if code:
            return code, upper[size:]
    return None


def _is_number(token: str) -> bool:
    """ASCII digits only ("²" and other Unicode digits are not register numbers)."""
    return token.isascii() and token.isdigit()


def _is_year(token: str) -> bool:
    return _is_number(token) and len(token) == 4 and 1945 <= int(token) <= 2100


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
    if head.isascii() and head.isalpha() and len(head) <= 6 and _is_number(tokens[1]) and len(tokens[1]) <= 5:
        number = tokens[1]
        year = int(tokens[2]) if len(tokens) > 2 and _is_year(tokens[2]) else None
        if year is None and _is_year(number):
            return []  # "KH-2026.pdf" is a plan for 2026, not number 2026
        code = _file_code(head) or (_file_code_prefix(head) or (None,))[0]
        return [_partial_file_ref(label, number, code, year)] if code else []

    # Number first: 101.2015.QH13, 31.VBHN.VPQH, 21-ttbtttt, 15-2023-NQ-HDND, 23-NQ-TU.
    if not (_is_number(head) and len(head) <= 5):
        return []
    rest = tokens[1:]
    year = None
    if _is_year(rest[0]) and len(rest) > 1:
        year, rest = int(rest[0]), rest[1:]
    if not all(t.isascii() and t.isalnum() for t in rest) or not rest[0][:1].isalpha():
        return []
    code, issuer_parts = _file_code(rest[0]), rest[1:]
    if code is None and year is not None and rest[0].isupper():
        # a law / NA standing committee number: 101/2015/QH13
        issuer = "-".join(_ASCII_ISSUERS.get(t.upper(), t.upper()) for t in rest)
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
    party_code = _party_type(code)
    if year is None and party_code and issuer in _PARTY_ISSUERS:
        return [_file_ref(label, canonical=f"{head}-{party_code}/{issuer}", system="party", type=party_code,
                          type_name=TYPE_NAMES_PARTY[party_code], number=head, year=None, issuer=issuer)]
    if code not in TYPE_NAMES_STATE:
        return []
    prefix = f"{head}/{year}/" if year else f"{head}/"
    return [_file_ref(label, canonical=f"{prefix}{code}-{issuer}", system="state", type=code,
                      type_name=TYPE_NAMES_STATE[code], number=head, year=year, issuer=issuer)]
