"""The monitor's configuration: schedules, incremental crawling, detection thresholds.

A TOML file (`--config FILE`, else $PORTALWATCH_CONFIG, else built-in defaults). Every value is
validated; an error names the file, the line and the field, e.g.
`portalwatch.toml:12: schedule.sites.caugiay.cron: not a cron expression: '*/5 * *'`.

    [schedule]                      # every portal not named below
    interval = "1h"
    jitter = "2m"
    sites = ["caugiay", "bactuliem"] # which registered portals `portalwatch run` watches (default: all)

    [schedule.site.caugiay]         # one portal's own schedule, Asia/Ho_Chi_Minh
    cron = "*/30 6-22 * * *"

    [crawl]
    safety_depth = 2                # listing pages walked after the first page holding only known articles
    max_listing_pages = 20
    refetch = [["1d", "1h"], ["30d", "1d"], ["*", "7d"]]   # article age up to … → re-fetched every …

    [detection]
    views_spike_per_hour = 30       # absolute: views/hour between two samples
    views_spike_ratio = 3.0         # relative: that velocity ≥ ratio × the article's previous velocity
    views_milestones = [1000, 5000, 10000]
    removed_after_404 = 2           # consecutive 404/410 answers
    removed_after_missing_runs = 3  # runs in which the article vanished from its listing window
    down_after_failed_runs = 3
    stale_after = "14d"
    coverage_floors = { title = 0.95, published_at = 0.9, body_text = 0.9, views = 0.8 }
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger

from vntext.dates import VN_TZ
from crawler.registry import load_sites
from db.refetch import DEFAULT_REFETCH, RefetchSchedule

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class ConfigError(ValueError):
    pass


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"not a duration like '30m', '6h', '1d': {text!r}")
    return timedelta(**{_UNITS[match[2]]: float(match[1])})


@dataclass(frozen=True)
class Schedule:
    interval: timedelta | None = timedelta(hours=1)
    cron: str | None = None
    jitter: timedelta = timedelta(minutes=2)

    def trigger(self):
        from apscheduler.triggers.interval import IntervalTrigger

        jitter = int(self.jitter.total_seconds()) or None
        if self.cron:
            return CronTrigger.from_crontab(self.cron, timezone=VN_TZ)  # jitter added by the job store options
        return IntervalTrigger(seconds=int(self.interval.total_seconds()), timezone=VN_TZ, jitter=jitter)

    def describe(self) -> str:
        return f"cron '{self.cron}'" if self.cron else f"every {self.interval}"


@dataclass(frozen=True)
class CrawlSettings:
    safety_depth: int = 2
    max_listing_pages: int = 20
    refetch: RefetchSchedule = DEFAULT_REFETCH  # article age up to … → re-fetched every … (db/refetch.py)


@dataclass(frozen=True)
class DetectionSettings:
    views_spike_per_hour: float = 30.0
    views_spike_ratio: float = 3.0
    views_milestones: tuple[int, ...] = (1000, 5000, 10000, 50000)
    removed_after_404: int = 2
    removed_after_missing_runs: int = 3
    down_after_failed_runs: int = 3
    stale_after: timedelta = timedelta(days=14)
    coverage_floors: dict = field(default_factory=lambda: {"title": 0.95, "published_at": 0.9, "body_text": 0.9, "views": 0.8})


@dataclass(frozen=True)
class Config:
    sites: tuple[str, ...]
    default_schedule: Schedule = Schedule()
    site_schedules: dict = field(default_factory=dict)
    crawl: CrawlSettings = CrawlSettings()
    detection: DetectionSettings = DetectionSettings()
    lease_ttl: timedelta = timedelta(seconds=60)  # how long a silent scheduler keeps the archive
    source: str = "(built-in defaults)"

    def schedule_for(self, site: str) -> Schedule:
        return self.site_schedules.get(site, self.default_schedule)


def _line_of(text: str, dotted: str) -> int:
    """Best-effort line number of a field in the TOML text (tomllib keeps no positions)."""
    parts = dotted.split(".")
    lines = text.splitlines()
    for depth in range(len(parts) - 1, 0, -1):
        table, key = ".".join(parts[:depth]), parts[depth]
        header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
        for number, line in enumerate(lines, 1):
            if header.match(line):
                return key_line(lines, number, key) or number
    return 1


def key_line(lines: list[str], header: int, key: str) -> int | None:
    """Line of `key = …` inside the table whose header is on line `header` (1-based), if it is there."""
    for number, candidate in enumerate(lines[header:], header + 1):
        if re.match(r"^\s*\[", candidate):
            return None
        if re.match(rf"^\s*{re.escape(key)}\s*=", candidate):
            return number
    return None


class _Reader:
    """Validates the values of one configuration text; an error names the file, line and field."""

    def __init__(self, text: str, source: str):
        self.text, self.source = text, source

    def fail(self, dotted: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.source}:{_line_of(self.text, dotted)}: {dotted}: {problem}")

    def table(self, value, dotted: str, known) -> dict:
        if not isinstance(value, dict):
            raise self.fail(dotted, "expected a table")
        for key in value:
            if key not in known:
                raise self.fail(f"{dotted}.{key}", f"unknown field (known: {', '.join(sorted(known))})")
        return value

    def duration(self, value, dotted: str) -> timedelta:
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise self.fail(dotted, str(exc)) from None

    def number(self, value, dotted: str, kind=float, minimum=0):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
            raise self.fail(dotted, f"expected a{'n integer' if kind is int else ' number'}")
        if value < minimum:
            raise self.fail(dotted, f"must be ≥ {minimum}")
        return kind(value)

    def schedule(self, value, dotted: str, base: Schedule) -> Schedule:
        self.table(value, dotted, {"interval", "cron", "jitter", "sites", "site", "lease_ttl"})
        interval = self.duration(value["interval"], f"{dotted}.interval") if "interval" in value else base.interval
        cron = value.get("cron", None if "interval" in value else base.cron)
        if cron is not None:
            try:
                CronTrigger.from_crontab(cron, timezone=VN_TZ)
            except (ValueError, TypeError) as exc:
                raise self.fail(f"{dotted}.cron", f"not a cron expression: {cron!r} ({exc})") from None
        jitter = self.duration(value["jitter"], f"{dotted}.jitter") if "jitter" in value else base.jitter
        return Schedule(interval=interval, cron=cron, jitter=jitter)

    def refetch(self, rules) -> RefetchSchedule:
        if not isinstance(rules, list) or not rules or not all(isinstance(r, list) and len(r) == 2 for r in rules):
            raise self.fail("crawl.refetch", 'expected a list of [max age, every] pairs, e.g. [["1d", "1h"], ["*", "7d"]]')
        schedule = tuple((None if r[0] == "*" else self.duration(r[0], "crawl.refetch"),
                          self.duration(r[1], "crawl.refetch")) for r in rules)
        if schedule[-1][0] is not None:
            raise self.fail("crawl.refetch", 'the last pair must be ["*", …] (every older article)')
        return schedule


def parse_config(text: str, source: str = "<config>") -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    reader = _Reader(text, source)
    if data:
        reader.table(data, "", {"schedule", "crawl", "detection"})
    sched = data.get("schedule", {})
    default, sites, per_site = _schedules(reader, sched)
    crawl = _crawl_settings(reader, data.get("crawl", {}))
    detection = _detection_settings(reader, data.get("detection", {}))
    lease_ttl = reader.duration(sched["lease_ttl"], "schedule.lease_ttl") if "lease_ttl" in sched else Config.lease_ttl
    return Config(sites=sites, default_schedule=default, site_schedules=per_site, crawl=crawl, detection=detection,
                  lease_ttl=lease_ttl, source=source)


def _schedules(reader: _Reader, sched: dict) -> tuple[Schedule, tuple[str, ...], dict]:
    """[schedule]: the default schedule, the watched sites, and the sites' own schedules."""
    registry = load_sites()
    default = reader.schedule(sched, "schedule", Schedule()) if sched else Schedule()
    sites = sched.get("sites", sorted(registry))
    if not isinstance(sites, list) or not all(isinstance(s, str) for s in sites):
        raise reader.fail("schedule.sites", "expected a list of site keys")
    for key in sites:
        if key not in registry:
            raise reader.fail("schedule.sites", f"unknown site {key!r} (see `portalwatch sites`)")
    per_site = {key: reader.schedule(value, f"schedule.site.{key}", default)
                for key, value in reader.table(sched.get("site", {}), "schedule.site", set(registry)).items()}
    return default, tuple(sites), per_site


def _crawl_settings(reader: _Reader, value) -> CrawlSettings:
    crawl = reader.table(value, "crawl", {"safety_depth", "max_listing_pages", "refetch"})
    return CrawlSettings(
        safety_depth=reader.number(crawl.get("safety_depth", 2), "crawl.safety_depth", int),
        max_listing_pages=reader.number(crawl.get("max_listing_pages", 20), "crawl.max_listing_pages", int, 1),
        refetch=reader.refetch(crawl["refetch"]) if "refetch" in crawl else DEFAULT_REFETCH,
    )


def _detection_settings(reader: _Reader, value) -> DetectionSettings:
    d = reader.table(value, "detection", set(DetectionSettings.__dataclass_fields__))
    base = DetectionSettings()
    floors = d.get("coverage_floors", base.coverage_floors)
    if not isinstance(floors, dict) or not all(k in base.coverage_floors for k in floors):
        raise reader.fail("detection.coverage_floors",
                          f"expected a table with keys among {', '.join(base.coverage_floors)}")
    milestones = d.get("views_milestones", list(base.views_milestones))
    if not isinstance(milestones, list) or not all(isinstance(m, int) and m > 0 for m in milestones):
        raise reader.fail("detection.views_milestones", "expected a list of positive integers")

    def count(name: str) -> int:  # a threshold counted in checks or runs
        return reader.number(d.get(name, getattr(base, name)), f"detection.{name}", int, 1)

    return DetectionSettings(
        views_spike_per_hour=reader.number(d.get("views_spike_per_hour", base.views_spike_per_hour),
                                           "detection.views_spike_per_hour"),
        views_spike_ratio=reader.number(d.get("views_spike_ratio", base.views_spike_ratio),
                                        "detection.views_spike_ratio"),
        views_milestones=tuple(sorted(milestones)),
        removed_after_404=count("removed_after_404"),
        removed_after_missing_runs=count("removed_after_missing_runs"),
        down_after_failed_runs=count("down_after_failed_runs"),
        stale_after=reader.duration(d["stale_after"], "detection.stale_after") if "stale_after" in d else base.stale_after,
        coverage_floors={k: reader.number(v, f"detection.coverage_floors.{k}") for k, v in floors.items()},
    )


def load_config(path: str | None = None) -> Config:
    path = path or os.environ.get("PORTALWATCH_CONFIG")
    if not path:
        return parse_config("", "(built-in defaults)")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc}") from exc
    return parse_config(text, path)
