"""Starting crawls: one Scrapy process per portal, watched through the archive's crawl_runs.

A separate process per crawl survives any number of runs (a Twisted reactor cannot be
restarted, scrapy#2941) and keeps a crashing crawl from taking the caller down. The monitor
never looks inside the spider: it creates the run row, starts `scrapy crawl portal`, and
reads the row the crawler keeps current.
"""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy import select
from sqlalchemy.engine import make_url

from crawler.registry import Site
from db.article_state import MOVED_FROM, MOVED_TO
from db.clock import SETTING as CLOCK_SETTING, STAT as CLOCK_STAT
from db.engine import default_archive_path, session_factory
from db.models import CrawlRun, utcnow
from db.refetch import refetch_setting
from db.store import ArchiveWriter

# Set by the scheduler on SIGTERM/SIGINT: running crawls are asked to stop, queued ones never start.
STOP = threading.Event()

# Site key -> the offset of its observation clock from the system clock (db/clock.py).
ClockSource = Callable[[str], timedelta]


def system_clock(site: str) -> timedelta:
    return timedelta(0)


# The clock source of crawls started without one: process-wide like STOP, because a scheduled job's
# arguments are pickled into the job store and a replica cannot be. A running scheduler sets it
# (Monitor.start, reset by Monitor.stop).
clock_source: ClockSource = system_clock


@dataclass
class CrawlOutcome:
    site: str
    run_id: int
    status: str = "queued"
    pages: int = 0
    articles_seen: int = 0
    articles_new: int = 0
    errors: int = 0
    message: str = ""
    clock_offset: float = 0.0   # seconds: the observation clock of this crawl (db/clock.py)
    seconds: float = 0.0        # the whole process, start-up included
    crawl_seconds: float = 0.0  # from the spider opening to its closing, as the crawler recorded it
    log_path: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "finished"


def _stop_with_parent() -> None:
    """In the crawl process (Linux): SIGTERM when the process that started it dies, even by SIGKILL.

    Scrapy then closes the spider gracefully: the last batch is stored and the run recorded as
    cancelled, instead of an orphan crawling on after its scheduler is gone. Linux sends this
    signal when the *thread* that forked the child exits, so every crawl is forked by
    `_spawner`, a thread that lives as long as the process.
    """
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


_spawn_requests: queue.Queue = queue.Queue()
_spawner_lock = threading.Lock()
_spawner_thread: threading.Thread | None = None


def _spawner() -> None:
    """Forks every crawl process; never returns, so a child's death signal means its parent process died."""
    while True:
        args, kwargs, reply = _spawn_requests.get()
        try:
            reply.put(subprocess.Popen(*args, **kwargs))
        except BaseException as exc:  # handed back to the caller, who raises it
            reply.put(exc)


def _popen(*args, **kwargs) -> subprocess.Popen:
    """subprocess.Popen, forked by the process-long spawner thread rather than the calling thread.

    A scheduler's worker thread may exit while its crawl runs on (pool shut down, job raised):
    its crawls must not take that for their parent's death and get a SIGTERM besides the one
    `_stop` sends — Scrapy forces an unclean shutdown on the second, losing the last batch.
    """
    global _spawner_thread
    with _spawner_lock:
        if _spawner_thread is None or not _spawner_thread.is_alive():
            _spawner_thread = threading.Thread(target=_spawner, name="crawl-spawner", daemon=True)
            _spawner_thread.start()
    reply: queue.Queue = queue.Queue(maxsize=1)
    _spawn_requests.put((args, kwargs, reply))
    result = reply.get()
    if isinstance(result, BaseException):
        raise result
    return result


def log_dir_for(db_url: str) -> Path:
    """Crawl logs sit beside a SQLite archive, else in the default data directory."""
    parsed = make_url(db_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).resolve().parent / "logs"
    return default_archive_path().parent / "logs"


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def crawl_sites(
    db_url: str,
    sites: list[Site],
    *,
    settings: dict | None = None,
    parallel: int = 2,
    on_progress: Callable[[list[CrawlOutcome]], None] | None = None,
    poll: float = 0.25,
    mode: str = "full",
    crawl_settings=None,
    clock: ClockSource | None = None,
) -> list[CrawlOutcome]:
    """Crawl each site in its own process (at most `parallel` at once); return every outcome.

    A portal that is down or a crawler that crashes is recorded as a failed run with its
    reason; the other portals are crawled all the same. `clock` gives each portal's observation
    clock (default: clock_source, the system clock unless a Monitor set the replica's).
    """
    if parallel < 1:  # no crawl would ever start, and the loop below would wait for them forever
        raise ValueError(f"parallel must be at least 1, not {parallel}")
    writer = ArchiveWriter(db_url)
    Session = session_factory(db_url)
    log_dir = log_dir_for(db_url)
    log_dir.mkdir(parents=True, exist_ok=True)
    outcomes = _queue_runs(writer, sites, mode, log_dir, clock or clock_source)
    overrides = _scrapy_settings(db_url, settings, crawl_settings)
    watchdog = Watchdog.from_settings(overrides)
    pending = list(zip(sites, outcomes))
    running: dict[int, tuple[subprocess.Popen, CrawlOutcome, float]] = {}
    stopping = False
    while pending or running:
        if STOP.is_set() and not stopping:  # once: a second SIGTERM makes Scrapy drop its last batch
            stopping = True
            _stop(writer, pending, running)
        while pending and len(running) < parallel:
            site, outcome = pending.pop(0)
            running[outcome.run_id] = (_start_crawl(site, outcome, mode, overrides), outcome, time.monotonic())
        time.sleep(poll)
        watchdog.check(running)
        _refresh(Session, outcomes)
        _reap(writer, Session, running, watchdog)
        if on_progress:
            on_progress(outcomes)
    return outcomes


def _queue_runs(writer: ArchiveWriter, sites: list[Site], mode: str, log_dir: Path,
                clock: ClockSource) -> list[CrawlOutcome]:
    """A queued run row per site (its portal registered first), with the offset of its observation
    clock fixed now (the crawl process stamps with it; detection reads it from the run's stats)."""
    outcomes = []
    for site in sites:
        portal_id, moved_from = writer.register_portal(site.key, site.name, site.base_url, site.profile)
        offset = _forward_offset(writer, portal_id, clock(site.key)).total_seconds()
        stats = {CLOCK_STAT: offset}
        if moved_from:  # the portal answers at another scheme or host: this run tells (monitor/detect.py)
            stats.update({MOVED_FROM: moved_from, MOVED_TO: site.base_url})
        with writer.Session.begin() as session:
            run = CrawlRun(portal_id=portal_id, status="queued", started_at=utcnow(), message="", mode=mode,
                           stats=stats)
            session.add(run)
            session.flush()
            outcomes.append(CrawlOutcome(site=site.key, run_id=run.id, log_path=str(log_dir / f"run-{run.id}.log"),
                                         clock_offset=offset))
    return outcomes


def _forward_offset(writer: ArchiveWriter, portal_id: int, offset: timedelta) -> timedelta:
    """The clock's offset, raised when it would read earlier than the portal's latest observation.

    A portal's observations only go forward: the writer ignores a fetch older than the article's
    last one (a replayed batch), so a crawl observed in the past would store nothing at all. That
    happens to an archive written on another clock — one written before the observation clock
    existed, crawled again with the replica's (tests/test_archive_upgrade.py), or a system clock
    stepped back. The crawl is then observed from just after the latest fetch or removal. The
    replica's clock never needs it (Replica.clock_offset keeps real time running under the simulated
    one); a floor with a margin (1 s at first) raised some of its crawls and not the next, whose
    restoring fetch then came before the removal it undid.
    """
    latest = writer.latest_observation(portal_id)
    floor = latest + timedelta(microseconds=1) - utcnow() if latest is not None else None
    return max(offset, floor) if floor is not None else offset


def _scrapy_settings(db_url: str, settings: dict | None, crawl_settings) -> dict:
    """The Scrapy settings every crawl process gets on its command line."""
    overrides = {"PORTALWATCH_DB": db_url, **(settings or {})}
    if crawl_settings is not None:  # monitor.config.CrawlSettings: incremental walking and re-fetching
        overrides["PORTALWATCH_SAFETY_DEPTH"] = crawl_settings.safety_depth
        overrides["PORTALWATCH_MAX_LISTING_PAGES"] = crawl_settings.max_listing_pages
        overrides["PORTALWATCH_REFETCH"] = refetch_setting(crawl_settings.refetch)
    return overrides


def _start_crawl(site: Site, outcome: CrawlOutcome, mode: str, overrides: dict) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "scrapy", "crawl", "portal",
        "-a", f"site={site.key}", "-a", f"base_url={site.base_url}", "-a", f"run_id={outcome.run_id}",
        "-a", f"mode={mode}",
        "-s", f"LOG_FILE={outcome.log_path}", "-s", f"{CLOCK_SETTING}={outcome.clock_offset!r}",
    ]
    for name, value in overrides.items():
        command += ["-s", f"{name}={value}"]
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings")
    with open(outcome.log_path + ".stderr", "w") as stderr:  # the child keeps its own copy
        # A session of its own: a terminal's Ctrl-C goes to the parent alone, which stops its
        # crawls itself (or dies, and the death signal stops them) — never a signal from each.
        return _popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                      stderr=stderr, preexec_fn=_stop_with_parent, start_new_session=True)


def _stop(writer: ArchiveWriter, pending: list, running: dict) -> None:
    """STOP is set: queued crawls are recorded as cancelled and dropped; running ones are asked to stop, once."""
    for _site, outcome in pending:
        writer.update_run(outcome.run_id, status="cancelled", finished_at=utcnow(), message="not started: stopping")
        outcome.status, outcome.message = "cancelled", "not started: stopping"
    pending.clear()
    for process, _, _ in running.values():
        if process.poll() is None:
            process.terminate()  # Scrapy closes the spider gracefully; the run is recorded as cancelled


class Watchdog:
    """Kills a crawl process that outlives its wall-clock limit, CLOSESPIDER_TIMEOUT plus
    PORTALWATCH_WATCHDOG_GRACE to close: SIGTERM, then SIGKILL after PORTALWATCH_KILL_GRACE.

    Scrapy's own limit only asks the spider to close, and closing waits for every download in
    flight and the pipeline; a download that never ends (or a wedged process) would hold the
    portal's scheduler job for ever, and the portal would never be crawled again.
    """

    def __init__(self, limit: float | None, kill_grace: float):
        self.limit, self.kill_grace = limit, kill_grace
        self.terminated: dict[int, float] = {}  # run id → when it was sent SIGTERM

    @classmethod
    def from_settings(cls, overrides: dict) -> "Watchdog":
        from scrapy.settings import Settings

        settings = Settings()
        settings.setmodule("crawler.settings")
        settings.setdict(overrides, priority="cmdline")
        timeout = settings.getfloat("CLOSESPIDER_TIMEOUT")  # 0: no limit, no watchdog
        return cls(timeout + settings.getfloat("PORTALWATCH_WATCHDOG_GRACE") if timeout else None,
                   settings.getfloat("PORTALWATCH_KILL_GRACE"))

    def check(self, running: dict) -> None:
        now = time.monotonic()
        for run_id, (process, _outcome, started) in running.items():
            if self.limit is None or now - started <= self.limit or process.poll() is not None:
                continue
            if run_id not in self.terminated:
                self.terminated[run_id] = now
                process.terminate()
            elif now - self.terminated[run_id] > self.kill_grace:
                process.kill()

    def verdict(self, run_id: int, process: subprocess.Popen) -> str | None:
        """The failed run's message when the watchdog ended this process, else None."""
        if run_id not in self.terminated:
            return None
        how = "SIGKILL" if process.returncode == -9 else "SIGTERM"
        return (f"crawl killed by the watchdog ({how}): still running {self.limit:.0f} s after it started "
                f"(CLOSESPIDER_TIMEOUT plus the grace to close)")


def _reap(writer: ArchiveWriter, Session, running: dict, watchdog: Watchdog) -> None:
    """Drop the crawl processes that ended; a run a dead process left open is closed with its reason."""
    for run_id, (process, outcome, started) in list(running.items()):
        if process.poll() is None:
            continue
        del running[run_id]
        outcome.seconds = time.monotonic() - started
        _refresh(Session, [outcome])
        killed = watchdog.verdict(run_id, process)
        if killed:  # whatever the crawler recorded while it was being killed: the run overran its bound
            writer.update_run(run_id, status="failed", finished_at=utcnow(), message=killed)
            outcome.status, outcome.message = "failed", killed
        elif outcome.status in ("queued", "running"):  # the process died before recording its end
            reason = _tail(Path(outcome.log_path + ".stderr")) or _tail(Path(outcome.log_path))
            status = "cancelled" if STOP.is_set() else "failed"
            message = f"crawler process exited with code {process.returncode}: {reason}"
            writer.update_run(run_id, status=status, finished_at=utcnow(), message=message)
            outcome.status, outcome.message = status, message


def _refresh(Session, outcomes: list[CrawlOutcome]) -> None:
    ids = [o.run_id for o in outcomes]
    with Session() as session:
        rows = {r.id: r for r in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(ids)))}
    for outcome in outcomes:
        row = rows[outcome.run_id]
        outcome.status, outcome.pages, outcome.articles_seen = row.status, row.pages, row.articles_seen
        outcome.articles_new, outcome.errors, outcome.message = row.articles_new, row.errors, row.message
        if row.finished_at and row.status in ("finished", "failed"):
            outcome.crawl_seconds = (row.finished_at - row.started_at).total_seconds()
