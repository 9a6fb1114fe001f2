"""Document references (vntext.docrefs): the examples of docs/text-formats.md §Document numbers, the seed article, negatives, properties."""
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vntext.docfiles import references_from_filename
from vntext.docrefs import canonicalize, find_references
from vntext.doctypes import TYPE_NAMES_PARTY, TYPE_NAMES_STATE, DocumentRef

SEED_FILE = Path("/work/shared/seed/000_c0fa87fd435a18c9.txt")

# The lines of the seed article that carry references (or must not), verbatim.
SEED_EXCERPT = """Tin nổi bật Tin nổi bật

Gần 300 đại biểu dự Hội nghị trực tuyến quán triệt Chương trình hành động thực hiện Nghị quyết TW 8 khóa XIII, Nghị quyết số 23-NQ/TU và Chỉ thị số 30-CT/TU của Thành ủy
Ngày đăng 10/05/2024 | 16:21  | Lượt xem: 503

Chiều ngày 09/5/2024, Quận ủy Bắc Từ Liêm tổ chức Hội nghị trực tuyến từ điểm cầu Thành ủy quán triệt Chương trình hành động thực hiện các Nghị quyết Hội nghị lần thứ 8 Ban Chấp hành TW Đảng khóa XIII; Nghị quyết số 23-NQ/TU ngày 16/11/2023 của Thành ủy về “Tăng cường sự lãnh đạo của Đảng với công tác khuyến học, khuyến tài, xây dựng xã hội học tập trên địa bàn TP Hà Nội từ nay đến năm 2030, tầm nhìn đến năm 2045”; Chỉ thị số 30-CT/TU ngày 19/2/2024 của Thành ủy Hà Nội “Tăng cường sự lãnh đạo của cấp ủy Đảng về xây dựng người Hà Nội thanh lịch, văn minh”.

Tại hội nghị, các đồng chí lãnh đạo các sở, ngành của Thành phố đã quán triệt các Chương trình hành động của Thành uỷ Hà Nội thực hiện các Nghị quyết Hội nghị lần thứ 8 Ban Chấp hành T.W Đảng khóa XIII. Trong đó, Chương trình hành động số 30-Ctr/TU ngày 8/3/2024 về việc thực hiện Nghị quyết số 45-NQ/TW với mục tiêu xây dựng và phát huy vai trò của đội ngũ trí thức để phát triển đất nước một cách nhanh chóng và bền vững bao gồm các giải pháp cụ thể được kế thừa từ Nghị quyết số 27-NQ/TW nhằm tăng cường trình độ, phẩm chất đạo đức, và sự cống hiến của đội ngũ trí thức, cũng như nhấn mạnh vào vai trò và trách nhiệm của họ trong xã hội. Chương trình hành động số 32-Ctr/TU ngày 4/4/2024 nhằm thực hiện Nghị quyết số 42-NQ/TW của Ban Chấp hành Trung ương về "Tiếp tục đổi mới, nâng cao chất lượng chính sách xã hội, đáp ứng sự nghiệp xây dựng và bảo vệ Tổ quốc trong giai đoạn mới" với 12 chỉ tiêu và 06 giải pháp nhằm xây dựng, hoàn thiện hệ thống chính sách xã hội theo hướng đa dạng, toàn diện, hiện đại. Chương trình hành động số 29-Ctr/TU nhằm thực hiện Nghị quyết số 43-NQ/TW về việc xây dựng đất nước ngày càng phồn vinh và hạnh phúc thông qua việc tập hợp, đoàn kết mọi nguồn lực của Nhân dân, trong đó Đảng và MTTQ Việt Nam đóng vai trò quan trọng nhất. Nghị quyết số 23- NQ/TU đề cập tới 3 quan điểm, các mục tiêu và 9 nhiệm vụ giải pháp chủ yếu nhất là việc nghiên cứu, đề xuất các cơ chế, chính sách cụ thể để triển khai thực hiện công tác khuyến học, khuyến tài, xây dựng xã hội học tập. Đối với Chỉ thị số 30-CT/TU cần chú trọng các nhiệm vụ, giải pháp chủ yếu, đầu tiên là đổi mới tư duy, nâng cao nhận thức, thống nhất hành động đối với nhiệm vụ xây dựng người Hà Nội thanh lịch văn minh.

Phát biểu kết luận Hội nghị, đồng chí Phó Bí thư Thành ủy Nguyễn Văn Phong đề nghị các đại biểu nêu cao tinh thần trách nhiệm tiếp thu đầy đủ những nội dung quán triệt tại hội nghị này nhằm thống nhất cao về nhận thức và hành động, kịp thời cụ thể hóa, lãnh đạo, chỉ đạo sâu sát, quyết liệt thực hiện có hiệu quả các chương trình hành động tại cấp ủy, cơ quan, đơn vị, địa phương. Đồng thời, làm tốt công tác tuyên truyền, đẩy mạnh các phong trào thi đua trong toàn Đảng bộ quyết tâm thực hiện thắng lợi các mục tiêu, nhiệm vụ Nghị quyết Đại hội đề ra. Ngay sau hội nghị, các cấp ủy, chính quyền, MTTQ và các tổ chức chính trị - xã hội cần khẩn trương xây dựng chương trình hành động, kế hoạch, đề án cụ thể, tổ chức thực hiện các Chương trình, Nghị quyết, Chỉ thị của Thành ủy có sự phân công, phân nhiệm và lộ trình rõ ràng, đảm bảo tính khả thi, hiệu quả, đặc biệt là thấm đến từng người dân.
"""

TW8 = "NQ TW8 khóa XIII"
SEED_EXPECTED = {  # canonical -> issued_on, in order of first appearance
    TW8: None,
    "23-NQ/TU": date(2023, 11, 16),
    "30-CT/TU": date(2024, 2, 19),
    "30-CTr/TU": date(2024, 3, 8),
    "45-NQ/TW": None,
    "27-NQ/TW": None,
    "32-CTr/TU": date(2024, 4, 4),
    "42-NQ/TW": None,
    "29-CTr/TU": None,
    "43-NQ/TW": None,
}


def only(text: str) -> DocumentRef:
    refs = find_references(text)
    assert len(refs) == 1, refs
    return refs[0]


def check_seed(text: str) -> None:
    refs = find_references(text)
    assert [r.canonical for r in refs] == list(SEED_EXPECTED)
    assert {r.canonical: r.issued_on for r in refs} == SEED_EXPECTED
    by_key = {r.canonical: r for r in refs}
    assert all(r.system == "party" and r.source == "text" for r in refs)
    assert all(r.year is None for r in refs)  # Party numbers have no year; issued dates must not leak in
    nq23 = by_key["23-NQ/TU"]
    assert (nq23.type, nq23.type_name, nq23.number, nq23.issuer) == ("NQ", "Nghị quyết", "23", "TU")
    assert nq23.sentence.startswith("Chiều ngày 09/5/2024") and "ngày 16/11/2023" in nq23.sentence  # the sentence that dates it
    ctr = by_key["30-CTr/TU"]
    assert (ctr.type, ctr.type_name, ctr.issuer) == ("CTr", "Chương trình", "TU")
    assert ctr.sentence.startswith("Trong đó, Chương trình hành động số 30-Ctr/TU")
    named = by_key[TW8]
    assert (named.type, named.type_name, named.number, named.issuer) == ("NQ", "Nghị quyết", "", "TW")


def test_seed_excerpt():
    check_seed(SEED_EXCERPT)


def test_seed_file():
    if not SEED_FILE.exists():
        pytest.skip("seed article not available")
    check_seed(SEED_FILE.read_text(encoding="utf-8"))


def test_seed_named_resolution_written_three_ways_is_one_key():
    for phrase in (
        "thực hiện Nghị quyết TW 8 khóa XIII, Nghị quyết số 23-NQ/TU",
        "thực hiện các Nghị quyết Hội nghị lần thứ 8 Ban Chấp hành TW Đảng khóa XIII; Nghị quyết",
        "thực hiện các Nghị quyết Hội nghị lần thứ 8 Ban Chấp hành T.W Đảng khóa XIII. Trong đó",
    ):
        assert find_references(phrase)[0].canonical == TW8


# --- docs/text-formats.md §Matching them: test strings ---------------------------------------------------------------------------

SECTION_6_3 = [
    # raw, canonical, system, type, number, year, issuer
    ("Số 23-NQ/TU", "23-NQ/TU", "party", "NQ", "23", None, "TU"),
    ("30-CT/TU", "30-CT/TU", "party", "CT", "30", None, "TU"),
    ("45-NQ/TW", "45-NQ/TW", "party", "NQ", "45", None, "TW"),
    ("30-Ctr/TU", "30-CTr/TU", "party", "CTr", "30", None, "TU"),
    ("Quy định số 08-QĐi/TW", "08-QĐi/TW", "party", "QĐi", "08", None, "TW"),
    ("123/QĐ-UBND", "123/QĐ-UBND", "state", "QĐ", "123", None, "UBND"),
    ("15/2023/NQ-HĐND", "15/2023/NQ-HĐND", "state", "NQ", "15", 2023, "HĐND"),
    ("01/2024/TT-BTC", "01/2024/TT-BTC", "state", "TT", "01", 2024, "BTC"),
    ("Số: 44 /2005/QĐ-UBND", "44/2005/QĐ-UBND", "state", "QĐ", "44", 2005, "UBND"),
    ("19/2012/TTLT-BTC-BKH&ĐT-BTTTT", "19/2012/TTLT-BTC-BKH&ĐT-BTTTT", "state", "TTLT", "19", 2012,
     "BTC-BKH&ĐT-BTTTT"),
    ("35/2023/UBTVQH15", "35/2023/UBTVQH15", "state", None, "35", 2023, "UBTVQH15"),
    ("101/2015/QH13", "101/2015/QH13", "state", None, "101", 2015, "QH13"),
    ("1473/BTP-CNTT", "1473/BTP-CNTT", "state", None, "1473", None, "BTP-CNTT"),
    ("31/VBHN-VPQH", "31/VBHN-VPQH", "state", "VBHN", "31", None, "VPQH"),
    ("123/Q\u00d0-UBND", "123/QĐ-UBND", "state", "QĐ", "123", None, "UBND"),
]


@pytest.mark.parametrize("raw,canonical,system,type_,number,year,issuer", SECTION_6_3)
def test_section_6_3_strings(raw, canonical, system, type_, number, year, issuer):
    assert canonicalize(raw) == canonical
    ref = only(f"Căn cứ văn bản số {raw} của cơ quan có thẩm quyền.")
    assert (ref.canonical, ref.system, ref.type, ref.number, ref.year, ref.issuer) == (
        canonical, system, type_, number, year, issuer)
    assert canonicalize(ref.canonical) == ref.canonical


@pytest.mark.parametrize("text,type_name", [
    ("Nghị quyết số 23-NQ/TU của Thành ủy", "Nghị quyết"),
    ("Chỉ thị số 30-CT/TU của Thành ủy", "Chỉ thị"),
    ("Chương trình hành động số 30-Ctr/TU", "Chương trình"),
    ("Quy định số 08-QĐi/TW", "Quy định"),
    ("Quy định số 101-QĐ/TW của Bộ Chính trị", "Quy định"),  # Party QĐ read from the type word
    ("Quyết định số 31-QĐ/TW của Bộ Chính trị", "Quyết định"),
    ("Kết luận số 14-KL/TW", "Kết luận"),
    ("Thông tri số 05-TT/TW", "Thông tri"),
    ("Công văn số 357-CV/BTCTU", "Công văn"),
    ("Quyết định số 123/QĐ-UBND", "Quyết định"),
    ("Quy định số 12/QyĐ-UBND", "Quy định"),
    ("Kế hoạch số 86/KH-UBND", "Kế hoạch"),
    ("Thông tư số 01/2024/TT-BTC", "Thông tư"),
    ("Nghị định số 30/2020/NĐ-CP", "Nghị định"),
    ("Tờ trình số 559/TTr-STP", "Tờ trình"),
    ("văn bản số 1473/BTP-CNTT", "Công văn"),
    ("Công văn số 4507/BGTVT-TTCNTT", "Công văn"),
    ("Luật Đất đai số 31/2024/QH15", "Luật"),
    ("Luật số 56/2024/QH15", "Luật"),
    ("Nghị quyết số 35/2023/UBTVQH15", "Nghị quyết"),
    ("theo số 101/2015/QH13", None),
])
def test_type_names(text, type_name):
    assert only(text).type_name == type_name


def test_type_tables():
    assert TYPE_NAMES_STATE["QyĐ"] == "Quy định" and TYPE_NAMES_STATE["TrS"] == "Bản trích sao"
    assert TYPE_NAMES_STATE["CTr"] == "Chương trình" and TYPE_NAMES_STATE["NĐ"] == "Nghị định"
    assert TYPE_NAMES_PARTY["QĐi"] == "Quy định" and TYPE_NAMES_PARTY["TT"] == "Thông tri"
    assert "CV" not in TYPE_NAMES_STATE and TYPE_NAMES_PARTY["CV"] == "Công văn"
    for table in (TYPE_NAMES_STATE, TYPE_NAMES_PARTY):  # case-insensitive lookup must be unambiguous
        assert len({code.upper() for code in table}) == len(table)


def test_cong_van_is_state_without_type():
    ref = only("Thực hiện Công văn số 4507/BGTVT-TTCNTT ngày 10/5/2024 của Bộ GTVT")
    assert (ref.canonical, ref.type, ref.type_name, ref.issuer, ref.issued_on) == (
        "4507/BGTVT-TTCNTT", None, "Công văn", "BGTVT-TTCNTT", date(2024, 5, 10))


def test_cong_van_needs_so_or_cong_van_before_it():
    assert find_references("Quận 1/TP-HCM tổ chức lễ mít tinh") == []
    assert only("theo số 1473/BTP-CNTT").canonical == "1473/BTP-CNTT"


def test_ward_or_unit_in_caps_is_issuer_not_type():
    ref = only("Công văn số 215/UBND-VP của UBND quận")
    assert (ref.type, ref.issuer) == (None, "UBND-VP")


# --- normalisation --------------------------------------------------------------------------------------------

def test_eth_lookalike():
    ref = only("Quyết định số 34/2024/Q\u00d0-UBND ngày 02/5/2024")
    assert ref.canonical == "34/2024/QĐ-UBND" and ref.type == "QĐ"
    assert "\u00d0" not in ref.sentence


def test_nfd_input_gives_same_result_as_nfc():
    text = ("Thực hiện Nghị quyết Hội nghị lần thứ tám Ban Chấp hành Trung ương Đảng khoá XIII và "
            "Kế hoạch số 86/KH-UBND ngày 02 tháng 06 năm 2024 của Ủy ban nhân dân; Nghị quyết số 15/2023/NQ-HĐND.")
    nfc = find_references(text)
    nfd = find_references(unicodedata.normalize("NFD", text))
    assert nfc == nfd
    assert [r.canonical for r in nfc] == [TW8, "86/KH-UBND", "15/2023/NQ-HĐND"]
    assert all(unicodedata.is_normalized("NFC", r.sentence) for r in nfd)


@pytest.mark.parametrize("raw", [
    "23- NQ/TU", "23 -NQ/TU", "23 - NQ / TU", "23\u2010NQ/TU", "23\u2011NQ/TU", "23\u2013NQ/TU", "23\u2014NQ/TU",
    "23-Nq/TU", "Số: 23-NQ/TU", "số 23-NQ/Tu",
])
def test_party_spacing_dash_case_variants(raw):
    assert canonicalize(raw) == "23-NQ/TU"
    assert only(f"Nghị quyết số {raw} của Thành ủy").canonical == "23-NQ/TU"


@pytest.mark.parametrize("raw", [
    "44 /2005/QĐ-UBND", "44/ 2005 /QĐ-UBND", "44/2005/QĐ - UBND", "44/2005/QĐ\u2013UBND", "44/2005/Q\u00d0\u2011UBND",
    "44/2005/QĐ-Ubnd", "44/2005/Qđ-UBND",
])
def test_state_spacing_dash_variants(raw):
    assert canonicalize(raw) == "44/2005/QĐ-UBND"
    assert only(f"Quyết định số {raw} của UBND tỉnh").canonical == "44/2005/QĐ-UBND"


def test_mixed_case_type_codes_use_table_spelling():
    assert canonicalize("30-CTR/TU") == canonicalize("30-Ctr/TU") == "30-CTr/TU"
    assert canonicalize("12/TTR-SNV") == "12/TTr-SNV"
    assert canonicalize("5/QYĐ-UBND") == "5/QyĐ-UBND"
    assert canonicalize("08-QĐI/TW") == "08-QĐi/TW"
    assert canonicalize("7/TRS-VP") == "7/TrS-VP"


def test_spaced_hyphen_after_a_non_type_is_prose():
    assert find_references("Công văn số 5/UBND - TP Hà Nội gửi các sở") == []
    assert find_references("số 5/UBND - Chủ tịch UBND") == []
    assert only("Luật số 56/2024/QH15 - Luật Đất đai").canonical == "56/2024/QH15"


# --- issued dates -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("tail,expected", [
    (" ngày 16/11/2023 của Thành ủy", date(2023, 11, 16)),
    (" ngày 01-10-1997", date(1997, 10, 1)),
    (" ngày 02 tháng 06 năm 2006", date(2006, 6, 2)),
    (", ngày 8/3/2024", date(2024, 3, 8)),
    (" ban hành ngày 05/03/2020", date(2020, 3, 5)),  # day first, never month first
    (" ngày 31/02/2024", None),  # not a date
    (" của Thành ủy ngày 16/11/2023", None),  # not close enough
    (" về việc ABC", None),
])
def test_issued_on(tail, expected):
    assert only(f"Nghị quyết số 23-NQ/TU{tail}.").issued_on == expected
    assert only(f"Nghị định số 30/2020/NĐ-CP{tail}.").issued_on == expected


def test_later_occurrence_fills_issued_on_and_brings_its_sentence():
    refs = find_references("Quán triệt Chỉ thị số 30-CT/TU.\nChỉ thị số 30-CT/TU ngày 19/2/2024 của Thành ủy.")
    assert len(refs) == 1
    assert refs[0].issued_on == date(2024, 2, 19)
    assert refs[0].sentence == "Chỉ thị số 30-CT/TU ngày 19/2/2024 của Thành ủy."


def test_to_json():
    ref = only("Nghị quyết số 15/2023/NQ-HĐND ngày 12/7/2023 của HĐND thành phố")
    assert ref.to_json() == {
        "canonical": "15/2023/NQ-HĐND", "system": "state", "type": "NQ", "type_name": "Nghị quyết",
        "number": "15", "year": 2023, "issuer": "HĐND", "issued_on": "2023-07-12",
        "sentence": "Nghị quyết số 15/2023/NQ-HĐND ngày 12/7/2023 của HĐND thành phố", "source": "text",
    }
    assert only("Nghị quyết số 23-NQ/TU").to_json()["issued_on"] is None


# --- named resolutions ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,key", [
    ("Nghị quyết TW 8 khóa XIII", TW8),
    ("Nghị quyết TW8 khóa XIII", TW8),
    ("Nghị quyết Trung ương 8 khoá XIII", TW8),
    ("Nghị quyết Hội nghị Trung ương 8 (khóa XIII)", TW8),
    ("Nghị quyết Hội nghị lần thứ tám Ban Chấp hành Trung ương Đảng khóa XIII", TW8),
    ("Nghị quyết Hội nghị Trung ương lần thứ 8 khóa 13", TW8),
    ("nghị quyết Hội nghị lần thứ 8 Ban Chấp hành Trung ương Đảng Cộng sản Việt Nam khóa XIII", TW8),
    ("Nghị quyết Trung ương 4 khóa XII", "NQ TW4 khóa XII"),
    ("Nghị quyết Đại hội XIII của Đảng", "NQ ĐH XIII"),
    ("Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIII của Đảng", "NQ ĐH XIII"),
    ("Nghị quyết Đại hội Đảng toàn quốc lần thứ 13", "NQ ĐH XIII"),
])
def test_named_resolutions(text, key):
    ref = only(f"Quán triệt, triển khai {text} đến cán bộ, đảng viên.")
    assert (ref.canonical, ref.system, ref.type, ref.number, ref.year) == (key, "party", "NQ", "", None)
    assert canonicalize(text) == key and canonicalize(key) == key


@pytest.mark.parametrize("text", [
    "thực hiện các Nghị quyết của Đảng và Thành ủy",
    "thắng lợi các mục tiêu, nhiệm vụ Nghị quyết Đại hội đề ra.",
    "tổ chức thực hiện các Chương trình, Nghị quyết, Chỉ thị của Thành ủy",
    "Nghị quyết Trung ương khóa XIII",  # no plenum number
    "Nghị quyết Đại hội Đảng bộ Thành phố lần thứ XVII",  # a Đảng bộ congress: not keyed
    "Nghị quyết Đại hội XVII Đảng bộ thành phố",
    "Nghị quyết Hội nghị lần thứ 8 khóa học",
])
def test_generic_phrases_are_not_references(text):
    assert find_references(text) == []


# --- negatives --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Chiều ngày 09/5/2024, Quận ủy Bắc Từ Liêm tổ chức hội nghị",
    "Ngày đăng 10/05/2024 | 16:21 | Lượt xem: 503",
    "ngày 16/11/2023 và ngày 19/2/2024, lúc 08:30",
    "Điện thoại: 024.3.7655.123 - Fax: 024.3.7655.124",
    "Tỷ lệ 1/2 số hộ, 3/4 xã đạt chuẩn, phục vụ 24/7",
    "phòng chống dịch COVID-19 trên địa bàn TP/HCM",
    "Đăng ngày 17 - 05 - 2024 | Lượt xem: 400",
    "giai đoạn 2021-2025, năm 2024 - 2025",
    "Xem https://hanoi.gov.vn/van-ban/123/QĐ-UBND và www.tinhuy.vn/12-NQ/TU.html",
    "Số 123/456 và 12/2024/2025",
    "số nhà 12/3-A",
    "F0/F1-XYZ và số 5/UBND",
    "Khu phố 5-ABC/TU",  # unknown Party type code
    "số \u0662\u0663-NQ/TU",  # Arabic-Indic digits are not register numbers
    "",
])
def test_not_document_numbers(text):
    assert find_references(text) == []


@pytest.mark.parametrize("raw", ["09/5/2024", "10/05/2024 | 16:21", "1/2", "COVID-19", "TP/HCM", "024.3.7655.123",
                                 "123/456", "image003.jpg", "", "   "])
def test_canonicalize_rejects(raw):
    assert canonicalize(raw) is None


# --- attachment file names --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,canonical,system,type_,type_name,number,year,issuer", [
    ("KH-86-2026.pdf", "86/KH", "state", "KH", "Kế hoạch", "86", 2026, None),
    ("QDPQ-87-2025.pdf", "87/QĐ", "state", "QĐ", "Quyết định", "87", 2025, None),
    ("CV-1501-2026.pdf", "1501/CV", "state", None, "Công văn", "1501", 2026, None),
    ("101.2015.QH13.doc", "101/2015/QH13", "state", None, None, "101", 2015, "QH13"),
    ("31.VBHN.VPQH.doc", "31/VBHN-VPQH", "state", "VBHN", "Văn bản hợp nhất", "31", None, "VPQH"),
    ("21-ttbtttt.signed.pdf", "21/TT-BTTTT", "state", "TT", "Thông tư", "21", None, "BTTTT"),
    ("QD 492 PL1.pdf", "492/QĐ", "state", "QĐ", "Quyết định", "492", None, None),
    ("15-2023-NQ-HDND.pdf", "15/2023/NQ-HĐND", "state", "NQ", "Nghị quyết", "15", 2023, "HĐND"),
    ("23-NQ-TU.pdf", "23-NQ/TU", "party", "NQ", "Nghị quyết", "23", None, "TU"),
    ("/uploads/2026/01/kh-86-2026.PDF", "86/KH", "state", "KH", "Kế hoạch", "86", 2026, None),
])
def test_filename_references(name, canonical, system, type_, type_name, number, year, issuer):
    (ref,) = references_from_filename(name)
    assert (ref.canonical, ref.system, ref.type, ref.type_name, ref.number, ref.year, ref.issuer) == (
        canonical, system, type_, type_name, number, year, issuer)
    assert ref.source == "attachment" and ref.issued_on is None
    assert canonicalize(ref.canonical) == ref.canonical


def test_filename_partial_form_is_prefix_of_text_form():
    (file_ref,) = references_from_filename("KH-86-2026.pdf")
    text_ref = only("Kế hoạch số 86/KH-UBND ngày 05/01/2026 của UBND quận")
    assert text_ref.canonical.startswith(file_ref.canonical + "-")


@pytest.mark.parametrize("name", ["image003.jpg", "KH-\u00b2\u00b2-2024.pdf", "\u00b2\u00b2\u00b2\u00b2-2024-QH13.pdf", "KH-2026.pdf", "bao-cao-12-2024.pdf", "2024-05-10.pdf",
                                  "Danh sách.xlsx", "123.pdf", "", "tai-lieu-hoi-nghi.docx"])
def test_filenames_without_number(name):
    assert references_from_filename(name) == []


# --- properties ---------------------------------------------------------------------------------------------------

PARTY_ISSUERS = ["TW", "TU", "HU", "QU", "ĐU", "VPTW", "BTGTW", "BTCTU", "UBKTTU", "BCSĐ"]
STATE_ISSUERS = ["UBND", "HĐND", "CP", "TTg", "BTC", "BTP", "STP", "SNV", "BKH&ĐT", "BTTTT", "VPQH", "QH15",
                 "UBTVQH15", "CNTT", "VP", "KT"]
FILLER = ["các", "đồng chí", "Thành ủy", "triển khai", "thực hiện", "về việc", "Hà Nội", "nhân dân", "hội nghị",
          "quán triệt", "cán bộ", "xã hội", "tăng cường", "lãnh đạo", "UBND", "HĐND", "Quận", "phường Cầu Dền",
          "năm", "đến", "với", "và", "của", "Nghị quyết", "Kế hoạch"]
DASHES = ["-", "\u2010", "\u2011", "\u2013", "\u2014"]

generated_part = st.from_regex(r"[A-ZĐ][A-ZĐ0-9&]{1,6}", fullmatch=True)
issuer_part = st.one_of(generated_part, st.sampled_from(STATE_ISSUERS))
number = st.integers(1, 9999).map(lambda n: f"{n:02d}")


@st.composite
def party_numbers(draw):
    code = draw(st.sampled_from(sorted(TYPE_NAMES_PARTY)))
    issuer = draw(st.one_of(st.sampled_from(PARTY_ISSUERS), generated_part))
    num = draw(number)
    return {"canonical": f"{num}-{code}/{issuer.upper()}", "system": "party", "type": code, "number": num,
            "year": None, "issuer": issuer.upper(), "num": num, "code": code, "tail": issuer}


@st.composite
def state_numbers(draw):
    num = draw(number)
    year = draw(st.one_of(st.none(), st.integers(1990, 2030)))
    code = draw(st.one_of(st.none(), st.sampled_from(sorted(TYPE_NAMES_STATE))))
    parts = draw(st.lists(issuer_part, min_size=1 if (code or year) else 2, max_size=3))
    if code is None and parts[0].upper() in {c.upper() for c in TYPE_NAMES_STATE}:
        parts[0] = "UBND"  # the first part would be read as a type
    # upper case, but the Prime Minister's TTg as the law spells it (written TTG or ttg, it is still TTg)
    issuer = "-".join("TTg" if part.upper() == "TTG" else part.upper() for part in parts)
    symbol = f"{code}-{issuer}" if code else issuer
    prefix = f"{num}/{year}/" if year else f"{num}/"
    return {"canonical": prefix + symbol, "system": "state", "type": code, "number": num, "year": year,
            "issuer": issuer, "num": num, "code": code, "tail": "-".join(parts), "prefix": prefix}


any_number = st.one_of(party_numbers(), state_numbers())


@st.composite
def variants(draw, doc):
    """The same number as it may be written: spaces, dash variants, Ð, case of the type code."""
    def sp():
        return draw(st.sampled_from(["", " "]))

    def dash():
        return draw(st.sampled_from(DASHES))

    code = doc["code"]
    if code:
        code = draw(st.sampled_from([code, code.upper(), code[0] + code[1:].lower()]))
    tail = dash().join(doc["tail"].split("-"))
    if doc["system"] == "party":
        raw = f"{doc['num']}{sp()}{dash()}{sp()}{code}{sp()}/{sp()}{tail}"
    else:
        slash_parts = doc["prefix"].rstrip("/").split("/")
        head = f"{sp()}/{sp()}".join(slash_parts) + f"{sp()}/{sp()}"
        raw = head + (f"{code}{sp()}{dash()}{sp()}{tail}" if code else tail)
    if draw(st.booleans()):
        raw = raw.replace("Đ", "\u00d0")
    if draw(st.booleans()):
        raw = unicodedata.normalize("NFD", raw)
    return raw


@settings(max_examples=200, deadline=None, database=None)
@given(any_number)
def test_prop_canonicalize_is_idempotent(doc):
    once = canonicalize(doc["canonical"])
    assert once == doc["canonical"]
    assert canonicalize(once) == once


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_number, st.lists(st.sampled_from(FILLER), max_size=8), st.lists(st.sampled_from(FILLER), max_size=8))
def test_prop_numbers_in_filler_text_are_found(doc, before, after):
    text = " ".join([*before, "số", doc["canonical"], *after]) + "."
    ref = only(text)
    expected = {k: doc[k] for k in ("canonical", "system", "type", "number", "year", "issuer")}
    assert {k: getattr(ref, k) for k in expected} == expected
    assert ref.issued_on is None and ref.source == "text"


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_number.flatmap(lambda doc: st.tuples(st.just(doc), variants(doc))))
def test_prop_variants_canonicalize_alike(pair):
    doc, raw = pair
    assert canonicalize(raw) == doc["canonical"]
    assert canonicalize(canonicalize(raw)) == doc["canonical"]
    assert only(f"Thực hiện văn bản số {raw} ngày 05/3/2024 của cơ quan").canonical == doc["canonical"]


@settings(max_examples=300, deadline=None, database=None)
@given(st.text())
def test_prop_never_raises_on_arbitrary_text(text):
    for ref in find_references(text):
        assert canonicalize(ref.canonical) == ref.canonical
    canonicalize(text)
    references_from_filename(text)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.one_of(st.sampled_from(FILLER + ["số", "ngày", "/", "-", "NQ", "TU", "QĐ", "2024", "12", ".",
                                                  "khóa", "XIII", "TW", "8", "Đại hội", "lần thứ", "\n"]),
                          st.text(max_size=5)), max_size=30))
def test_prop_vietnamese_word_soup_never_raises(words):
    for ref in find_references(" ".join(words)):
        assert canonicalize(ref.canonical) == ref.canonical


# ---- English pages (real sotttt.hanoi.gov.vn article of 2019, tests/fixtures/real/liferay/) ------------------

@pytest.mark.parametrize("text, canonical", [
    # "No." glued to the number: the "." before it used to reject the match (nothing found)
    ("In order to implement the Law on reception of citizens No.42/2013/QH13 dated on November 25th, 2013",
     "42/2013/QH13"),
    ("In order implement the Directive Document No.07/CT-UBND dated on April 24th, 2018", "07/CT-UBND"),
    # "QD" in ASCII on an English page is the type QĐ (it read as a công văn "111/QD-STTTT")
    ("to issue Decision No.111/QD-STTTT on assigning the task of citizen reception", "111/QĐ-STTTT"),
    ("Decision No.112/QD-STTTT on promulgating citizenship rules", "112/QĐ-STTTT"),
    ("Decision No. 112/QD-STTTT", "112/QĐ-STTTT"),
])
def test_english_forms_real_strings(text, canonical):
    assert [r.canonical for r in find_references(text)] == [canonical]


def test_ascii_type_codes_only_where_unambiguous():
    assert find_references("Decision No.111/QD-STTTT")[0].type_name == "Quyết định"
    assert [r.canonical for r in find_references("Hướng dẫn số 12/HD-UBND")] == ["12/HD-UBND"]  # HD is Hướng dẫn
    assert find_references("version 1.42/2013/QH13") == []  # a decimal still does not start a number


# --- the Prime Minister's TTg ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, canonical, issuer", [
    ("Thực hiện Chỉ thị số 05/CT-TTg ngày 13/3/2024 của Thủ tướng Chính phủ", "05/CT-TTg", "TTg"),
    ("Quyết định số 02/2020/QĐ-TTG của Thủ tướng", "02/2020/QĐ-TTg", "TTg"),   # upper-cased by a CMS
    ("Công văn số 123/TTg-KTTH ngày 5/3/2024", "123/TTg-KTTH", "TTg-KTTH"),    # the PM's office, a công văn
    ("Quyết định số 45/QĐ-UBND ngày 5/3/2024", "45/QĐ-UBND", "UBND"),          # every other issuer upper case
])
def test_the_prime_ministers_issuer_keeps_its_official_spelling(text, canonical, issuer):
    [ref] = find_references(text)
    assert (ref.canonical, ref.issuer) == (canonical, issuer)
    assert canonicalize(canonical.upper()) == canonicalize(canonical) == canonical


def test_a_file_named_after_a_prime_ministers_directive():
    assert [r.canonical for r in references_from_filename("05-CT-TTg.pdf")] == ["05/CT-TTg"]
    assert [r.canonical for r in references_from_filename("02.2020.QD-TTG.doc")] == ["02/2020/QĐ-TTg"]
