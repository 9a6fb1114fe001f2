"""The observation clock: the one time every observation of a portal is stamped with.

Observations are what a crawl sees of a portal: an article's `fetched_at` (and so first_seen_at,
its versions' and view samples' times), the re-check answers and listing walks (next_check_at,
removals). Detection judges them against the same clock: a view rate is views per observed hour,
"recent" is measured back from the observed now. In production it is the system clock. The replica
(demo, tests, `run --replica`) simulates time per portal (`Replica.clock_offset`), and stamping its
pages with real time divided a 12-hour simulated jump by a few real seconds (219 false
`views_spike` in a second `make demo`).

A crawl runs in a process of its own, so the clock reaches it as a number: the offset from the
system clock, fixed when the crawl is queued (Scrapy setting PORTALWATCH_CLOCK_OFFSET, and the
run's `crawl_runs.clock_offset`, from which detection maps the run's start and end into observed
time). An offset, rather than a frozen instant, keeps time moving inside a crawl, so readings of one
run stay ordered and a later crawl never observes before an earlier one.

Bookkeeping stays on the system clock: crawl runs' started_at/finished_at, leases, the outbox's due
times, events' created_at. Those measure this process against the world (a lease expiring, a mail
due at 07:00, a run left open by a killed scheduler), not the portal.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

SETTING = "PORTALWATCH_CLOCK_OFFSET"  # seconds, float: the Scrapy setting a crawl process reads


@dataclass(frozen=True)
class ObservationClock:
    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def observed(self, real: datetime) -> datetime:
        """A system-clock time (a run's start or end) as this clock read it then."""
        return real + self.offset

    @classmethod
    def from_seconds(cls, seconds: float | str | None) -> "ObservationClock":
        return cls(timedelta(seconds=float(seconds or 0)))

    @property
    def seconds(self) -> float:
        return self.offset.total_seconds()


SYSTEM = ObservationClock()

STAT = "portalwatch/clock_offset"  # the run's offset in seconds, kept in crawl_runs.stats (set when queued)


def run_clock(stats: dict | None) -> ObservationClock:
    """The clock a crawl run observed with (a run recorded before the clock existed: the system's)."""
    return ObservationClock.from_seconds((stats or {}).get(STAT))
