"""vntext.worddiff (the word-level diff `portalwatch show` prints) and the view sparkline."""
import random
import unicodedata
from datetime import datetime, timedelta

import pytest

from monitor.cli.article import changed_lines
from monitor.cli.sparkline import blocks, resample, sparkline
from vntext import worddiff
from vntext.worddiff import counts, sides, word_diff


def ops(segments):
    return [(s["op"], s["text"]) for s in segments]


@pytest.mark.parametrize("old, new, expected", [
    ("Nghị quyết số 23-NQ/TU của Thành ủy", "Nghị quyết số 24-NQ/TU của Thành ủy Hà Nội",
     [("equal", "Nghị quyết số "), ("delete", "23-NQ/TU"), ("insert", "24-NQ/TU"), ("equal", " của Thành ủy"),
      ("insert", " Hà Nội")]),
    # a replaced stretch is one deletion and one insertion, not pieces around the spaces inside it
    ("a b c", "x y c", [("delete", "a b"), ("insert", "x y"), ("equal", " c")]),
    ("một hai ba", "một ba", [("equal", "một "), ("delete", "hai "), ("equal", "ba")]),
    ("", "Bài mới", [("insert", "Bài mới")]),
    ("Bài cũ", "", [("delete", "Bài cũ")]),
    ("giống nhau", "giống nhau", [("equal", "giống nhau")]),
    # a sentence added at a paragraph's end: the break after the paragraph stays where it was
    ("Đoạn một.\n\nĐoạn hai.", "Đoạn một. Câu mới.\n\nĐoạn hai.",
     [("equal", "Đoạn một."), ("insert", " Câu mới."), ("equal", "\n\nĐoạn hai.")]),
    ("a  b", "a b", [("equal", "a"), ("delete", "  "), ("insert", " "), ("equal", "b")]),
    # punctuation belongs to its word, as white space separates words
    ("Thành ủy.", "Thành ủy,", [("equal", "Thành "), ("delete", "ủy."), ("insert", "ủy,")]),
])
def test_word_diff(old, new, expected):
    segments = word_diff(old, new)
    assert ops(segments) == expected
    assert sides(segments) == (old, new)


def test_paragraphs_unchanged_stay_whole_and_a_new_paragraph_is_one_insertion():
    old = "Đoạn một.\n\nĐoạn hai có lỗi.\n\nĐoạn ba."
    new = "Đoạn một.\n\nĐoạn hai đã sửa.\n\nĐoạn ba.\n\nĐoạn bốn."
    segments = word_diff(old, new)
    assert ops(segments) == [("equal", "Đoạn một.\n\nĐoạn hai "), ("delete", "có lỗi."), ("insert", "đã sửa."),
                             ("equal", "\n\nĐoạn ba."), ("insert", "\n\nĐoạn bốn.")]
    assert counts(segments) == {"deleted_words": 2, "inserted_words": 4}


def test_decomposed_text_is_not_a_change():
    composed = "Hội đồng nhân dân phường"
    assert ops(word_diff(unicodedata.normalize("NFD", composed), composed)) == [("equal", composed)]


def test_random_edits_always_rebuild_both_sides():
    rng = random.Random(13)
    vocabulary = "Nghị quyết số 23-NQ/TU của Thành ủy về công tác khuyến học , . \n\n".split(" ")
    for _ in range(300):
        old = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 40)))
        words = old.split(" ")
        for _ in range(rng.randint(0, 5)):
            position = rng.randint(0, len(words))
            if rng.random() < 0.5 and words:
                words.pop(min(position, len(words) - 1))
            else:
                words.insert(position, rng.choice(vocabulary))
        new = " ".join(words)
        segments = word_diff(old, new)
        assert sides(segments) == (old, new)
        assert all(a["op"] != b["op"] for a, b in zip(segments, segments[1:]))
        assert all(s["text"] for s in segments)


def test_a_stretch_too_long_to_match_word_by_word_is_replaced_whole(monkeypatch):
    monkeypatch.setattr(worddiff, "MAX_WORDS", 5)
    old, new = "một hai ba bốn năm sáu bảy", "một hai ba bốn năm sáu tám"
    assert ops(word_diff(old, new)) == [("delete", old), ("insert", new)]


def test_changed_lines_mark_the_changes_and_fold_the_rest():
    segments = word_diff("Đoạn một.\n\nĐoạn hai.\n\nĐoạn ba.\n\nĐoạn bốn.", "Đoạn một.\n\nĐoạn 2.\n\nĐoạn ba.\n\nĐoạn bốn.")
    assert [line.plain for line in changed_lines(segments)] == ["  ⋯ 1 unchanged", "  Đoạn [-hai.-]{+2.+}",
                                                                "  ⋯ 2 unchanged"]


# ---- the sparkline -----------------------------------------------------------------------------------
T = datetime(2025, 10, 15, 8, 0)


def test_blocks_scale_from_lowest_to_highest():
    assert blocks([0, 7, 14]) == "▁▅█"
    assert blocks([5, 5, 5]) == "▄▄▄"
    assert blocks([]) == ""


def test_resample_rises_between_readings_and_drops_at_a_reset():
    points = [(T, 10), (T + timedelta(hours=2), 30), (T + timedelta(hours=3), 2), (T + timedelta(hours=4), 6)]
    assert resample(points, 9) == [10, 15, 20, 25, 30, 30, 2, 4, 6]
    assert resample(points[:1], 9) == [10]
    assert resample([], 9) == []


def test_sparkline_of_view_samples():
    def run(hours, last_hours, views):
        return {"first_at": (T + timedelta(hours=hours)).isoformat(),
                "last_at": (T + timedelta(hours=last_hours)).isoformat(), "views": views}
    # a counter standing still for two hours (one run), then rising
    assert sparkline([run(0, 2, 100), run(4, 4, 180)], width=5) == "▁▁▁▅█"
    assert sparkline([], width=5) == ""


def test_a_long_body_with_one_word_changed_and_one_paragraph_added_is_exactly_that():
    # Paragraphs of a small vocabulary: word pairs recur everywhere, blank lines between paragraphs are
    # all alike; an earlier version paired paragraphs by their blank lines and took seconds here.
    rng = random.Random(7)
    vocabulary = "Nghị quyết số 23-NQ/TU của Thành ủy về công tác khuyến học khuyến tài xây dựng xã hội".split()
    paragraphs = [" ".join(rng.choice(vocabulary) for _ in range(60)) + "." for _ in range(3000)]
    changed = list(paragraphs)
    changed[2000] = "Tỉnh " + changed[2000]
    changed.insert(1000, "Đoạn mới được thêm vào.")
    old, new = "\n\n".join(paragraphs), "\n\n".join(changed)
    segments = word_diff(old, new)
    assert [(s["op"], s["text"]) for s in segments if s["op"] != "equal"] == [
        ("insert", "Đoạn mới được thêm vào.\n\n"), ("insert", "Tỉnh ")]
    assert sides(segments) == (old, new)
