"""A view series as one line of block characters (pure functions, for `portalwatch show`)."""
from __future__ import annotations

from datetime import datetime

BLOCKS = "▁▂▃▄▅▆▇█"


def blocks(values: list[int | float]) -> str:
    """One block per value, scaled from the lowest (▁) to the highest (█); a flat series is all ▄."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return BLOCKS[3] * len(values)
    top = len(BLOCKS) - 1
    return "".join(BLOCKS[round((v - low) * top / (high - low))] for v in values)


def resample(points: list[tuple[datetime, int]], width: int) -> list[float]:
    """The counter at `width` evenly spaced moments from the first reading to the last. Between two
    readings it rises in a straight line (the counter grew at some rate between them); a reading lower
    than the one before is a reset of the counter, drawn as a drop at that reading."""
    points = sorted(points, key=lambda p: p[0])
    if not points or width < 1:
        return []
    first, last = points[0][0], points[-1][0]
    if first == last:
        return [points[-1][1]]
    if width == 1:
        return [points[-1][1]]
    span = (last - first) / (width - 1)
    out, index = [], 0
    for column in range(width):
        moment = min(first + span * column, last)
        while index + 2 < len(points) and points[index + 1][0] <= moment:
            index += 1
        (t0, v0), (t1, v1) = points[index], points[index + 1]
        if moment >= t1:
            out.append(v1)
        elif v1 < v0 or t1 == t0:
            out.append(v0)
        else:
            out.append(v0 + (v1 - v0) * ((moment - t0) / (t1 - t0)))
    return out


def sparkline(samples: list[dict], width: int = 40) -> str:
    """The view samples (`first_at`, `last_at`, `views`, as db.article_view.view_samples gives them)
    over time as a line of blocks; both ends of every run are readings."""
    points = []
    for sample in samples:
        for name in ("first_at", "last_at"):
            points.append((datetime.fromisoformat(sample[name]), sample["views"]))
    return blocks(resample(points, width))
