import pytest

from vntext.views import parse_count, parse_views


@pytest.mark.parametrize("text, expected", [
    ("Ngày đăng 10/05/2024 | 16:21 \xa0|\xa0Lượt xem: 503", 503),
    ("Lượt xem: 400", 400),
    ("Lượt xem: 1.503", 1503),
    ("Lượt xem: 1,234", 1234),
    ("Số lượt xem: 12.345.678", 12345678),
    ("Lượt đọc 87", 87),
    ("lượt xem:\xa02.001", 2001),
    # issue 12: English labels on real Liferay pages of Hanoi portals (2019–2022)
    ("Ngày đăng 18/03/2019 | 04:01 PM  |  View count: 536", 536),
    ("Ngày đăng 09/09/2020 | 05:07 PM  |  View count: 842", 842),
    ("Views: 1,234", 1234),
    ("Views: 1.234", 1234),
    ("views 87", 87),
    ("View count:\xa012.345", 12345),
    ("Lượt xem: 1.503 | Views: 9", 1503),
])
def test_views_in_meta_lines(text, expected):
    assert parse_views(text) == expected


def test_site_visitor_counter_is_not_article_views():
    assert parse_views("Lượt truy cập: 1.873.204 Đang trực tuyến: 25") is None


def test_views_absent():
    assert parse_views("Ngày đăng 10/05/2024 | 16:21") is None
    assert parse_views("Ngày đăng 18/03/2019 | 04:01 PM  |  Reviews: 3") is None  # "Views" only as a word
    assert parse_views(None) is None


@pytest.mark.parametrize("text, expected", [("1.503", 1503), ("503", 503), ("12 345", 12345), ("1.5", None), ("abc", None)])
def test_bare_counts(text, expected):
    assert parse_count(text) == expected


# Counters written with words or in the other order. Before this, "Lượt xem: 1,2 nghìn" and "Lượt xem: 1.2K"
# read as 1 (the digits before the comma), and "503 lượt xem" as no count.
@pytest.mark.parametrize("text, expected", [
    ("Lượt xem: 1,2 nghìn", 1200),
    ("Lượt xem: 1.2K", 1200),
    ("Views: 3,5k", 3500),
    ("Lượt xem: 2 triệu", 2_000_000),
    ("Lượt xem: 15 ngàn", 15_000),
    ("503 lượt xem", 503),
    ("Ngày đăng 10/05/2024 | 16:21 | 1.503 lượt xem", 1503),
    ("1,2K lượt xem", 1200),
    ("536 views", 536),
    ("1 view", 1),
    ("Lượt xem: 5 mới", 5),  # "m" is a magnitude only as a whole word
])
def test_counters_with_words_and_count_first(text, expected):
    assert parse_views(text) == expected


@pytest.mark.parametrize("text", [
    "Lượt xem: 1,2",          # a fraction without its magnitude word is not a count
    "Reviews 12",
    "12 reviews",
])
def test_counts_that_cannot_be_read_whole_are_none(text):
    assert parse_views(text) is None


# Review 12: the count-first form read the tail of a date or time, a site's page views, and "m" as a million.
@pytest.mark.parametrize("text", [
    "Ngày đăng 10/05/2024 16:21 Lượt xem:",   # read 21 (the minutes)
    "Cập nhật 10/05/2024 lượt xem",            # read 2024 (the year)
    "Tổng 1.234.567 lượt xem trang",           # a site's page views, not the article's
])
def test_count_first_must_be_its_own_phrase(text):
    assert parse_views(text) is None


@pytest.mark.parametrize("text, expected", [
    ("Lượt xem: 5 m", 5),            # read 5000000: no bare "m" unit
    ("Lượt xem: 5 trang", 5),        # "tr" only as a whole word
    ("Lượt xem: 5 tr", 5_000_000),
    ("Lượt xem: 3 triệu", 3_000_000),
    ("Lượt xem: 7k", 7_000),
    ("Lượt xem: 7K.", 7_000),
    ("503 lượt xem | 2 bình luận", 503),
])
def test_magnitude_words(text, expected):
    assert parse_views(text) == expected


def test_label_first_only_for_whole_page_text():
    sidebar = "Cập nhật 10/05/2024 Hội nghị ... Tin xem nhiều Bài khác 12.345 lượt xem | Đang online: 25"
    assert parse_views(sidebar) == 12345  # a profile's own views element may hold the count first
    assert parse_views(sidebar, count_first=False) is None
    assert parse_views("Tin xem nhiều 12.345 lượt xem Lượt xem: 87", count_first=False) == 87
