"""Crawler health per portal, read from the archive's crawl runs (`portalwatch health`).

One PortalHealth per watched portal (the registry's and the archive's): its last successful crawl,
the failed runs since, its latest run (status, Scrapy's finish reason, pages, items, errors), items
against the portal's usual count, field coverage, Spidermon's monitor results (crawler/monitors.py),
and a verdict with its reasons. The judgements are the detector's (monitor/runstats.py): a portal is
failing when it has failed as many runs in a row as `source_down` needs, and its coverage is low by
the rule of `extraction_degraded`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.monitors import MONITOR_RESULTS
from db.models import CrawlRun, Portal
from db.queries import local_iso, portal_runs
from monitor.config import DetectionSettings
from monitor.runstats import ENDED, MIN_ITEMS, coverage_shares, degraded_pages, failed_streak, low_coverage

# The usual count is the median of items over the portal's last USUAL_RUNS finished runs of the same
# mode (a full crawl and an incremental one scrape very different numbers). Ten runs are about half
# a day at the default hourly schedule: the median ignores a few odd runs (the first full crawl, a
# quiet night) yet follows a lasting change within about five runs.
USUAL_RUNS = 10
# A full run that scraped less than this share of its usual count (at least MIN_ITEMS) is worth a
# warning: a full run walks every listing to its budget and fetches every article, so its counts
# compare. An incremental run's count is what was new plus what was due for a re-check and changed
# (a 304 is no item), so it swings from 0 to the back catalogue on a healthy portal: shown, not judged.
FEW_ITEMS_SHARE = 0.5

# The run history of one portal (the web UI's /health/{site}): 20 runs are most of a day at the default hourly
# schedule, enough to see when a streak of failures began.
HISTORY_RUNS = 20

OK, WARNING, FAILING, NEVER = "ok", "warning", "failing", "never crawled"
VERDICTS = (OK, WARNING, FAILING, NEVER)


@dataclass(frozen=True)
class RunSummary:
    id: int
    status: str            # queued / running / finished / failed / cancelled
    mode: str              # full / incremental
    started_at: str        # Vietnam time, ISO 8601
    finished_at: str | None
    finish_reason: str | None  # Scrapy's: finished, closespider_timeout, shutdown, …
    pages: int
    items: int             # articles scraped (item_scraped_count)
    errors: int
    message: str


@dataclass(frozen=True)
class MonitorResult:
    name: str
    status: str            # Spidermon's: OK, FAIL, SKIPPED, ERROR
    passed: bool
    reason: str


@dataclass(frozen=True)
class PortalHealth:
    site: str
    name: str
    verdict: str                       # one of VERDICTS
    reasons: list[str]
    last_success_at: str | None        # the last finished run's end, Vietnam time
    consecutive_failures: int          # failed runs since then (cancelled ones not counted)
    latest_run: RunSummary | None      # the newest run; the others judge the newest that ended (finished or failed)
    usual_items: float | None          # median items of the last `usual_runs` finished runs of the latest run's mode
    usual_runs: int
    coverage: dict[str, float] | None  # the judged run's field → share; None below MIN_ITEMS extracted pages
    monitors: list[MonitorResult]      # Spidermon's results for the judged run

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RunRecord(RunSummary):
    """A run in a portal's history: its summary, and what went wrong in it, from the crawler's stats."""
    articles_new: int
    fetch_failed: int              # requests given up on (portalwatch/fetch_failed)
    extract_failed: int            # pages without an extractable article
    http_errors: dict[str, int]    # status code (4xx, 5xx) → responses
    exceptions: dict[str, int]     # downloader exception type → count
    failed_monitors: list[MonitorResult]

    def to_json(self) -> dict:
        return asdict(self)


def _summary(run: CrawlRun) -> RunSummary:
    stats = run.stats or {}
    return RunSummary(id=run.id, status=run.status, mode=run.mode, started_at=local_iso(run.started_at),
                      finished_at=local_iso(run.finished_at) if run.finished_at else None,
                      finish_reason=stats.get("finish_reason"), pages=run.pages, items=run.articles_seen,
                      errors=run.errors, message=run.message)


def _usual_items(session: Session, run: CrawlRun) -> tuple[float | None, int]:
    """Median items of the portal's last USUAL_RUNS finished runs of `run`'s mode before `run`."""
    counts = session.scalars(select(CrawlRun.articles_seen).where(
        CrawlRun.portal_id == run.portal_id, CrawlRun.status == "finished", CrawlRun.mode == run.mode,
        CrawlRun.id < run.id).order_by(CrawlRun.id.desc()).limit(USUAL_RUNS)).all()
    return (median(counts) if counts else None), len(counts)


def _monitors(stats: dict | None) -> list[MonitorResult]:
    return [MonitorResult(name=m.get("name", "?"), status=m.get("status", "?"), passed=bool(m.get("passed")),
                          reason=m.get("reason", "")) for m in (stats or {}).get(MONITOR_RESULTS, [])]


def _warnings(session: Session, run: CrawlRun, settings: DetectionSettings, usual: float | None,
              monitors: list[MonitorResult]) -> list[str]:
    """What is wrong with an ended run, short of failing: low coverage, degraded reading, few items, monitors."""
    reasons = []
    if run.status == "finished":
        for field, low in low_coverage(session, run, settings.coverage_floors).items():
            reasons.append(f"{field} on {low['coverage']:.0%} of pages (was {low['before']:.0%}, floor {low['floor']:.0%})")
        if degraded := degraded_pages(run.stats):
            reasons.append(f"{degraded} pages read worse than their stored version (layout change?)")
        if run.mode == "full" and usual is not None and usual >= MIN_ITEMS and run.articles_seen < FEW_ITEMS_SHARE * usual:
            reasons.append(f"{run.articles_seen} items, usually {usual:g} ({run.mode} runs)")
    reasons += [f"Spidermon {m.name}: {m.reason}" for m in monitors if not m.passed]
    return reasons


def _portal_health(session: Session, portal: Portal | None, key: str, name: str,
                   settings: DetectionSettings) -> PortalHealth:
    runs = session.scalars(select(CrawlRun).where(CrawlRun.portal_id == portal.id).order_by(CrawlRun.id.desc())
                           .limit(1)).all() if portal else []
    if not runs:
        return PortalHealth(key, name, NEVER, ["no crawl run in the archive"], None, 0, None, None, 0, None, [])
    latest = runs[0]
    ended = session.scalar(select(CrawlRun).where(CrawlRun.portal_id == portal.id, CrawlRun.status.in_(ENDED))
                           .order_by(CrawlRun.id.desc()).limit(1))
    success = session.scalar(select(CrawlRun).where(CrawlRun.portal_id == portal.id, CrawlRun.status == "finished")
                             .order_by(CrawlRun.id.desc()).limit(1))
    streak = failed_streak(session, portal.id, latest.id)
    judged = ended or latest  # a running or cancelled run says little: judge the last one that ended
    usual, usual_runs = _usual_items(session, judged)
    monitors = _monitors(judged.stats)
    reasons = []
    if streak:
        reasons.append(f"{len(streak)} failed run(s) in a row since {local_iso(streak[-1].started_at)}: "
                       f"{streak[0].message or 'no reason recorded'}")
    if success is None:
        reasons.append("no crawl has finished yet")
    reasons += _warnings(session, judged, settings, usual, monitors)
    verdict = FAILING if len(streak) >= settings.down_after_failed_runs else WARNING if reasons else OK
    coverage = coverage_shares(judged.stats, settings.coverage_floors)
    return PortalHealth(
        site=key, name=name, verdict=verdict, reasons=reasons,
        last_success_at=local_iso(success.finished_at) if success and success.finished_at else None,
        consecutive_failures=len(streak), latest_run=_summary(latest), usual_items=usual, usual_runs=usual_runs,
        coverage=coverage and {field: round(share, 3) for field, share in coverage.items()}, monitors=monitors)


def portal_health(session: Session, settings: DetectionSettings, registry: dict[str, str],
                  sites: list[str] | None = None) -> list[PortalHealth]:
    """Health of every watched portal (registry key → name, plus the archive's portals), or of `sites`, by key."""
    archived = {p.key: p for p in session.scalars(select(Portal))}
    names = {**registry, **{key: p.name for key, p in archived.items()}}
    keys = sorted(names) if sites is None else sites
    return [_portal_health(session, archived.get(key), key, names.get(key, key), settings) for key in keys]


def run_history(session: Session, site: str, limit: int = HISTORY_RUNS) -> list[RunRecord]:
    """The portal's newest `limit` runs, newest first, each with its errors (empty: never crawled)."""
    return [_record(row) for row in portal_runs(session, site, limit)]


def _record(row: dict) -> RunRecord:
    stats = row["stats"]
    codes = {key.rsplit("/", 1)[-1]: value for key, value in stats.items()
             if key.startswith("downloader/response_status_count/")}
    http = {code: value for code, value in codes.items() if code.isdigit() and int(code) >= 400}
    prefix = "downloader/exception_type_count/"
    exceptions: dict[str, int] = {}
    for key, value in stats.items():  # two modules' TimeoutError share a short name: their counts add up
        if key.startswith(prefix):
            short = key[len(prefix):].rsplit(".", 1)[-1]
            exceptions[short] = exceptions.get(short, 0) + value
    return RunRecord(id=row["id"], status=row["status"], mode=row["mode"], started_at=row["started_at"],
                     finished_at=row["finished_at"], finish_reason=stats.get("finish_reason"), pages=row["pages"],
                     items=row["items"], errors=row["errors"], message=row["message"],
                     articles_new=row["articles_new"], fetch_failed=stats.get("portalwatch/fetch_failed", 0),
                     extract_failed=stats.get("portalwatch/extract_failed", 0), http_errors=dict(sorted(http.items())),
                     exceptions=dict(sorted(exceptions.items())),
                     failed_monitors=[m for m in _monitors(stats) if not m.passed])
