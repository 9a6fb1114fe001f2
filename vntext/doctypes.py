"""Official document types and the reference record: the type-code tables of Nghị định 30/2020/NĐ-CP
Phụ lục III and of the Party (Hướng dẫn 36-HD/VPTW), and DocumentRef. See docs/text-formats.md §Document numbers."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from vntext.textnorm import fold

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

STATE_CODES = {code.upper(): code for code in TYPE_NAMES_STATE}
PARTY_CODES = {code.upper(): code for code in TYPE_NAMES_PARTY}

# State issuer codes whose official spelling is not all capitals: "TTg", the Prime Minister (Thủ tướng Chính
# phủ), as Nghị định 30/2020 Phụ lục III and every Chỉ thị/Quyết định of the Prime Minister write it
# (02/CT-TTg, 05/CT-TTg; docs/text-formats.md). Keyed by the upper-cased part; every other part is upper-cased.
MIXED_CASE_ISSUERS = {"TTG": "TTg"}


def state_issuer(issuer: str) -> str:
    """A state issuer as document numbers are keyed: upper case, but a hyphen part such as TTg as the law spells
    it ("ttg" → TTg, "TTG-KTTH" → TTg-KTTH, "ubnd" → UBND)."""
    return "-".join(MIXED_CASE_ISSUERS.get(part, part) for part in issuer.upper().split("-"))


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



def state_type(token: str) -> str | None:
    """The state type code a ký hiệu part spells, in its canonical spelling (``Ctr`` → ``CTr``)."""
    return STATE_CODES.get(token.upper())


def party_type(token: str) -> str | None:
    """The Party type code a ký hiệu part spells, in its canonical spelling."""
    return PARTY_CODES.get(token.upper())


def _build_file_codes() -> dict[str, str]:
    """File-name spelling (upper case, maybe without Đ) -> type code. Exact spellings win over folded ones."""
    codes = [*TYPE_NAMES_STATE, "CV", "KL", "QĐi"]
    table: dict[str, str] = {}
    for code in codes:
        table.setdefault(code.upper(), code)
    for code in codes:
        table.setdefault(fold(code).upper(), code)  # QD -> QĐ, ND -> NĐ; HD stays Hướng dẫn, DA stays Dự án
    return table


FILE_CODES = _build_file_codes()


def file_code(token: str) -> str | None:
    return FILE_CODES.get(token.upper())
