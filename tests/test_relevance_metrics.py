"""The relevance metrics (bench/relevance_metrics.py) against values computed by hand."""
from __future__ import annotations

import math

import pytest

from bench.relevance_metrics import dcg, mean, ndcg_at, percentile, reciprocal_rank, success_at


def test_reciprocal_rank_and_success():
    ranking = [7, 3, 9, 1]
    assert reciprocal_rank(ranking, 7) == 1.0
    assert reciprocal_rank(ranking, 9) == pytest.approx(1 / 3)
    assert reciprocal_rank(ranking, 5) == 0.0
    assert success_at(ranking, 3, 1) == 0.0
    assert success_at(ranking, 3, 3) == 1.0
    assert success_at(ranking, 1, 3) == 0.0
    # MRR of three queries whose targets rank 1st, 4th and nowhere: (1 + 0.25 + 0) / 3
    assert mean([reciprocal_rank(ranking, t) for t in (7, 1, 42)]) == pytest.approx(1.25 / 3)


def test_dcg_by_hand():
    # grades 3, 2, 0, 1: 7/log2(2) + 3/log2(3) + 0 + 1/log2(5) = 7 + 1.892789 + 0.430677
    assert dcg([3, 2, 0, 1], 10) == pytest.approx(9.323466, abs=1e-6)
    assert dcg([3, 2, 0, 1], 1) == 7.0


def test_ndcg_uses_every_judged_item_for_the_ideal():
    judged = {"a": 3, "b": 2, "c": 1, "d": 3}
    # ranking b, x, a: DCG = 3 + 0 + 7/2 = 6.5; ideal 3, 3, 2, 1: 7 + 7/log2(3) + 3/2 + 1/log2(5)
    ideal = 7 + 7 / math.log2(3) + 1.5 + 1 / math.log2(5)
    assert ndcg_at(["b", "x", "a"], judged, 10) == pytest.approx(6.5 / ideal)
    assert ndcg_at(["d", "a", "b", "c"], judged, 10) == pytest.approx(1.0)
    # at k = 2 the ideal is 7 + 7/log2(3); the ranking a, c gives 7 + 1/log2(3)
    assert ndcg_at(["a", "c"], judged, 2) == pytest.approx((7 + 1 / math.log2(3)) / (7 + 7 / math.log2(3)))
    assert ndcg_at(["a"], {"a": 0}, 10) == 0.0


def test_percentile_nearest_rank():
    values = [5, 1, 4, 2, 3, 10, 6, 7, 9, 8]
    assert percentile(values, 0.5) == 5
    assert percentile(values, 0.95) == 10
    assert percentile([4.0], 0.95) == 4.0
