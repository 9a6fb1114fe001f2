"""The re-fetch schedule: how often a known article is checked again, by its age.

A schedule is a tuple of (max age, every) pairs, youngest first; the last pair's max age is None
(every older article). The default decays: hourly in an article's first day, daily in its first
month, weekly after. The monitor's configuration ([crawl] refetch) sets it; the crawler process
receives it as the PORTALWATCH_REFETCH setting (JSON, see refetch_setting), and the archive writer
uses it to set each checked article's next_check_at.
"""
from __future__ import annotations

import json
from datetime import timedelta

RefetchSchedule = tuple[tuple[timedelta | None, timedelta], ...]

DEFAULT_REFETCH: RefetchSchedule = (
    (timedelta(days=1), timedelta(hours=1)),
    (timedelta(days=30), timedelta(days=1)),
    (None, timedelta(days=7)),
)


def refetch_every(schedule: RefetchSchedule, age: timedelta) -> timedelta:
    """How often an article of this age is re-fetched."""
    for max_age, every in schedule:
        if max_age is None or age <= max_age:
            return every
    return schedule[-1][1]


def refetch_setting(schedule: RefetchSchedule) -> str:
    """The schedule as the crawler's PORTALWATCH_REFETCH setting: JSON [[max age s | null, every s], …]."""
    return json.dumps([[None if age is None else age.total_seconds(), every.total_seconds()]
                       for age, every in schedule])


def refetch_from_setting(setting: str | None) -> RefetchSchedule:
    """The schedule a PORTALWATCH_REFETCH setting holds; the default without one."""
    if not setting:
        return DEFAULT_REFETCH
    return tuple((None if age is None else timedelta(seconds=age), timedelta(seconds=every))
                 for age, every in json.loads(setting))
