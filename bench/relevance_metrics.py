"""Relevance metrics: pure functions of a ranking (article ids, best first) and the judgments.

Known-item (one target that must rank first): reciprocal rank (1/rank of the target, 0 when it is not in the
ranking: MRR@k when rankings are cut at k), success@n (the target in the first n).
Topical (graded judgments, 0–3): nDCG@k with the exponential gain of Järvelin & Kekäläinen / Burges,
DCG@k = Σ_{i=1..k} (2^grade_i − 1) / log2(i + 1); the ideal DCG is that of all judged articles sorted by grade
(not only the retrieved ones), so a ranking that misses relevant articles scores below 1.
"""
from __future__ import annotations

import math
from typing import Hashable, Mapping, Sequence


def reciprocal_rank(ranking: Sequence[Hashable], target: Hashable) -> float:
    for rank, item in enumerate(ranking, start=1):
        if item == target:
            return 1.0 / rank
    return 0.0


def success_at(ranking: Sequence[Hashable], target: Hashable, n: int) -> float:
    return 1.0 if target in list(ranking[:n]) else 0.0


def dcg(grades: Sequence[int], k: int) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(list(grades)[:k]))


def ndcg_at(ranking: Sequence[Hashable], judged: Mapping[Hashable, int], k: int) -> float:
    """nDCG@k of a ranking against graded judgments (unjudged items count 0); 0.0 when nothing is relevant."""
    ideal = dcg(sorted((g for g in judged.values() if g > 0), reverse=True), k)
    if ideal == 0:
        return 0.0
    return dcg([judged.get(item, 0) for item in ranking], k) / ideal


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share in 0…1) of a non-empty sequence."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]
