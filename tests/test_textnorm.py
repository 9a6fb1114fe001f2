import unicodedata

from crawler.textnorm import clean_text, fold


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
    from crawler.textnorm import tone_key

    assert tone_key("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA") == tone_key("CỘNG HÒA XÃ HỘI CHỦ NGHĨA")
    assert tone_key("Huyện uỷ Thanh Oai") == "Huyện ủy Thanh Oai"
    assert tone_key("Uỷ ban nhân dân") == "Ủy ban nhân dân"
    assert tone_key("sức khoẻ, thoả thuận") == "sức khỏe, thỏa thuận"
    # closed syllables and "qu" are the same in both styles and must not move
    assert tone_key("Hoàng Liệt, quý, thuyền, hoạt động") == "Hoàng Liệt, quý, thuyền, hoạt động"
    assert tone_key(unicodedata.normalize("NFD", "hoà")) == "hòa"
