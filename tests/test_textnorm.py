import random
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from vntext.textnorm import clean_text, fold


def test_nfd_input_becomes_nfc():
    decomposed = unicodedata.normalize("NFD", "Nghị quyết Hội đồng nhân dân")
    assert decomposed != "Nghị quyết Hội đồng nhân dân"
    assert clean_text(decomposed) == "Nghị quyết Hội đồng nhân dân"


def test_nbsp_zero_width_and_runs_of_spaces():
    assert clean_text("\xa0\xa0 Quán\u200b triệt\xa0 nội   dung\n") == "Quán triệt nội dung"
    assert clean_text("Ngày đăng 10/05/2024 | 16:21 \xa0|\xa0Lượt xem: 503") == "Ngày đăng 10/05/2024 | 16:21 | Lượt xem: 503"


def test_eth_lookalike_becomes_d_with_stroke():
    assert clean_text("123/QÐ-UBND") == "123/QĐ-UBND"


def test_fold_removes_tones_and_folds_d():
    assert fold("Hội đồng") == "hoi dong"
    assert fold("Ban Chấp hành Trung ương Đảng") == "ban chap hanh trung uong dang"
    assert fold(unicodedata.normalize("NFD", "Thành ủy")) == "thanh uy"
    assert fold("Ủy ban") == fold("Uỷ ban") == "uy ban"


def test_empty_values():
    assert clean_text(None) == clean_text("") == clean_text("\xa0 \u200b") == ""


def test_tone_placement_is_unified_in_comparison_keys():
    from vntext.textnorm import tone_key

    assert tone_key("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA") == tone_key("CỘNG HÒA XÃ HỘI CHỦ NGHĨA")
    assert tone_key("Huyện uỷ Thanh Oai") == "Huyện ủy Thanh Oai"
    assert tone_key("Uỷ ban nhân dân") == "Ủy ban nhân dân"
    assert tone_key("sức khoẻ, thoả thuận") == "sức khỏe, thỏa thuận"
    # closed syllables and "qu" are the same in both styles and must not move
    assert tone_key("Hoàng Liệt, quý, thuyền, hoạt động") == "Hoàng Liệt, quý, thuyền, hoạt động"
    assert tone_key(unicodedata.normalize("NFD", "hoà")) == "hòa"


# The definitions fold and tone_key must equal, written the slow, obvious way over whole texts
# (vntext/textnorm.py computes them word by word, or with a faster pattern).
def fold_by_definition(value):
    text = unicodedata.normalize("NFD", clean_text(value).lower())
    folded = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").replace("đ", "d")
    return " ".join(folded.split())  # a lone mark between spaces leaves nothing, not two spaces


def tone_key_by_definition(value):
    from vntext.textnorm import _NEW_TONES

    old_style = re.compile(r"(?<![qQ])(?:" + "|".join(map(re.escape, _NEW_TONES)) + r")(?![^\W\d_])")
    return old_style.sub(lambda m: _NEW_TONES[m.group(0)], clean_text(value))


VIETNAMESE = ("aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
              "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐÐð")
PIECES = list(VIETNAMESE + "qQnh .,-/“”1\u00a0\u200b\u00ad\t\n\u3000") + [
    "o\u0300", "a\u0301", "y\u0303", "\u0301", "\u031b", "Σ", "İ", "ß", "\u1e9e"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.characters(codec="utf-8")), max_size=30).map("".join))
def test_fold_and_tone_key_equal_their_definitions(value):
    from vntext.textnorm import tone_key

    for text in (value, unicodedata.normalize("NFD", value)):
        assert fold(text) == fold_by_definition(text)
        assert tone_key(text) == tone_key_by_definition(text)
        assert fold(text) == fold(text)  # the second time from the word cache


def test_fold_and_tone_key_on_real_sentences():
    from vntext.textnorm import tone_key

    samples = ["Thành uỷ chỉ đạo hoà giải, khoẻ mạnh", "Quý khách", "QUỲ", "hoàn thành", "Hoà", "thuỷ,",
               " a\u00a0 b ", "Quyết định số 123/QÐ-UBND", "Hội\u200bđồng", "ĐẢNG BỘ PHƯỜNG HOÀNG LIỆT",
               "Nghị quyết số 23-NQ/TU ngày 16/11/2023 của Thành ủy"]
    random_ = random.Random(4)
    samples += ["".join(random_.choices(PIECES, k=random_.randint(0, 16))) for _ in range(20000)]
    for text in samples:
        assert fold(text) == fold_by_definition(text), text
        assert tone_key(text) == tone_key_by_definition(text), text
    assert fold("Quyết định số 123/QÐ-UBND") == "quyet dinh so 123/qd-ubnd"
