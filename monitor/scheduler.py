"""`portalwatch run`: one long-running APScheduler 3.x scheduler acting on one archive.

- Per-portal jobs from the configuration (interval or cron, Asia/Ho_Chi_Minh, jitter), coalesced,
  never overlapping for one portal (max_instances=1), kept in a persistent job store in the
  archive database, with a misfire grace time so a run missed during downtime happens once at
  start-up.
- A lease row makes sure only one scheduler acts on an archive (monitor/lease.py).
- Each crawl runs in its own process (monitor/crawling.py): a Twisted reactor cannot restart,
  so crawling inside the scheduler's process would die on the second run (scrapy#2941).
- After each crawl, detection turns what the run wrote into events (monitor/detect.py), and the
  alert rules (monitor/rules/, $PORTALWATCH_RULES or the shipped defaults) queue and send
  alerts for them through the outbox (monitor/alerts/). A one-minute job sends what becomes
  due later: digests at their time, alerts held by quiet hours, retries after backoff.
- SIGTERM/SIGINT stop the scheduler, ask running crawls to stop, and record them as cancelled.
"""
from __future__ import annotations

import json
import logging
import signal
import threading
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from vntext.dates import VN_TZ
from crawler.registry import get_site
from db.engine import get_engine, session_factory
from db.schema import upgrade
from monitor import crawling
from monitor.config import Config, load_config
from monitor.detect import detect_pending
from monitor.lease import Heartbeat, Lease

log = logging.getLogger("portalwatch.scheduler")
JOB_PREFIX = "crawl:"


class LeaseHeld(RuntimeError):
    pass


def run_portal(db_url: str, site_key: str, config_path: str | None, base_url: str | None = None,
               settings_json: str = "{}", mode: str = "incremental", rules_path: str | None = None,
               clock: crawling.ClockSource | None = None) -> None:
    """One scheduled crawl of one portal, then detection, then alerts. A module-level function: the job store pickles a reference."""
    config = load_config(config_path)
    site = get_site(site_key)
    if base_url:
        site = site.at(base_url)
    settings = json.loads(settings_json)
    crawling.crawl_sites(db_url, [site], settings=settings, mode=mode, crawl_settings=config.crawl, clock=clock)
    created = detect_pending(session_factory(db_url), config.detection)
    send_alerts(db_url, [e.id for e in created], rules_path)


def send_alerts(db_url: str, event_ids=None, rules_path: str | None = None) -> None:
    """Queue alerts for these events (None: the catch-up window) and send what is due; never raises.

    The outbox keeps whatever could not be sent; a broken rules file or mail server must not stop crawling.
    """
    from monitor import alerts

    try:
        report = alerts.process(db_url, event_ids, rules_path)
    except Exception:
        log.exception("alerts: queueing or delivery failed (the outbox keeps what was queued)")
        return
    if report and (report.sent or report.errors):
        log.info("alerts: %d sent in %d message(s), %d to retry, %d failed", report.sent, report.messages,
                 report.retrying, report.failed)


class Monitor:
    def __init__(self, db_url: str, config_path: str | None = None, *, base_urls: dict[str, str] | None = None,
                 crawl_settings: dict | None = None, lease_ttl: timedelta | None = None,
                 rules_path: str | None = None, clock: crawling.ClockSource | None = None):
        self.db_url = db_url
        # The observation clock of this monitor's crawls (db/clock.py): the system's, or the replica's
        # (`replica.clock_offset`). Scheduled jobs cannot carry it in their pickled arguments: while the
        # scheduler runs it is the process's crawling.clock_source.
        self.clock = clock
        self.config_path = config_path
        self.rules_path = rules_path
        self.config: Config = load_config(config_path)
        self.base_urls = base_urls or {}
        self.crawl_settings = crawl_settings or {}
        upgrade(db_url)
        self.lease = Lease(session_factory(db_url), ttl=lease_ttl or self.config.lease_ttl)
        self.scheduler: BackgroundScheduler | None = None
        self.heartbeat: Heartbeat | None = None
        self.stopped = threading.Event()  # set by SIGTERM/SIGINT or a lost lease: serve_forever stops
        self._stopping = False

    def _job_args(self, site: str) -> list:
        return [self.db_url, site, self.config_path, self.base_urls.get(site), json.dumps(self.crawl_settings)]

    def _take_lease(self) -> None:
        """Acquire the lease and keep it renewed from now on, or raise LeaseHeld."""
        if not self.lease.acquire():
            holder = self.lease.current()
            raise LeaseHeld(
                f"another scheduler holds this archive's lease: {holder.holder}, renewed "
                f"{holder.heartbeat_at.astimezone(VN_TZ):%Y-%m-%d %H:%M:%S}, expires "
                f"{holder.expires_at.astimezone(VN_TZ):%H:%M:%S} (Asia/Ho_Chi_Minh)")
        self._stopping = False
        self.heartbeat = Heartbeat(self.lease, self._lease_lost)
        self.heartbeat.start()

    def _lease_lost(self) -> None:
        """On the heartbeat's thread: stop crawling now; serve_forever (or the caller) stops the rest."""
        log.error("lost the scheduler lease; stopping")
        crawling.STOP.set()
        self.stopped.set()

    def start(self) -> None:
        self._take_lease()
        crawling.STOP.clear()
        crawling.clock_source = self.clock or crawling.system_clock
        self._close_interrupted_runs()
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=get_engine(self.db_url), tablename="apscheduler_jobs"),
                       "process": MemoryJobStore()},  # this process's own housekeeping, not persisted
            executors={"default": ThreadPoolExecutor(max_workers=2)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
            timezone=VN_TZ,
        )
        self.scheduler.start(paused=True)
        existing = {job.id: job for job in self.scheduler.get_jobs()}
        wanted = {JOB_PREFIX + site for site in self.config.sites}
        for job_id, job in existing.items():
            if job_id.startswith(JOB_PREFIX) and job_id not in wanted:
                job.remove()  # a portal dropped from the configuration
        for site in self.config.sites:
            job_id, trigger = JOB_PREFIX + site, self.config.schedule_for(site).trigger()
            if job_id in existing:
                # Keep the stored next run (a run missed during downtime fires once, by misfire
                # handling); take a changed schedule or arguments from the configuration.
                if str(existing[job_id].trigger) != str(trigger):
                    self.scheduler.reschedule_job(job_id, trigger=trigger)
                self.scheduler.modify_job(job_id, args=self._job_args(site))
            else:  # a portal new to this archive: crawl it now, then on its schedule
                self.scheduler.add_job(run_portal, trigger, id=job_id, name=f"crawl {site}", args=self._job_args(site),
                                       next_run_time=datetime.now(VN_TZ))
        self.scheduler.resume()
        log.info("scheduler started for %d portal(s)", len(self.config.sites))

    def _close_interrupted_runs(self) -> None:
        """Runs a killed scheduler left open: record them as cancelled, then detect on what they wrote."""
        from sqlalchemy import update

        from db.models import CrawlRun, utcnow

        now = utcnow()
        with session_factory(self.db_url).begin() as session:
            closed = session.execute(
                update(CrawlRun).where(CrawlRun.status.in_(("queued", "running")), CrawlRun.started_at < now)
                .values(status="cancelled", finished_at=now,
                        message="interrupted: the scheduler stopped before this crawl ended")).rowcount
        if closed:
            log.warning("closed %d crawl run(s) left open by a scheduler that stopped", closed)
        self._release_orphans()
        detect_pending(session_factory(self.db_url), self.config.detection)
        send_alerts(self.db_url, None, self.rules_path)  # events a killed scheduler detected but never queued

    def _release_orphans(self) -> None:
        """Alerts a stopped scheduler left 'sending' are due again once their claim is one lease TTL
        old: a scheduler that lost its lease notices within a third of it, but may still be sending
        what it claimed just before. Waits at most one TTL for the newest claim."""
        from db.models import utcnow
        from monitor.alerts.outbox import newest_claim, release_orphans

        Session, ttl, claim_lease = session_factory(self.db_url), self.lease.ttl, self._claim_lease()
        newest = newest_claim(Session, claim_lease)
        if newest is not None:
            self.stopped.wait(min(max((newest + ttl - utcnow()).total_seconds(), 0.0), ttl.total_seconds()))
        now = utcnow()
        released = release_orphans(Session, now, claimed_before=now - ttl, claim_lease=claim_lease)
        if released:
            log.warning("%d alert(s) left 'sending' by a scheduler that stopped are due again", released)

    def _claim_lease(self) -> timedelta:
        """How long a claim holds an outbox row (the rules' [delivery] lease; its default if they are broken)."""
        from monitor.rules import DeliverySettings, RulesError, load_rules

        try:
            return load_rules(self.rules_path).delivery.lease
        except RulesError:
            return DeliverySettings().lease

    def run_once(self, sites: list[str] | None = None, mode: str = "incremental") -> None:
        """Crawl the given portals (default: all configured) now, then detect — without the scheduler."""
        for site in sites or self.config.sites:
            run_portal(*self._job_args(site), mode=mode, rules_path=self.rules_path, clock=self.clock)

    def run_once_leased(self) -> None:
        """`portalwatch run --once`: a one-shot scheduler, so it holds the lease and closes what a killed one left."""
        self._take_lease()
        try:
            self._close_interrupted_runs()
            self.run_once()
        finally:
            self.heartbeat.stop()
            crawling.STOP.clear()  # set if the lease was lost on the way
            self.lease.release()

    def stop(self) -> None:
        if self._stopping:
            return
        self._stopping = True
        self.stopped.set()
        crawling.STOP.set()  # running crawls are told to stop and recorded as cancelled
        try:
            if self.scheduler is not None and self.scheduler.running:
                self.scheduler.shutdown(wait=True)
        finally:
            crawling.STOP.clear()  # every job has returned: later crawls in this process may run
            crawling.clock_source = crawling.system_clock
            if self.heartbeat is not None:
                self.heartbeat.stop()
            self.lease.release()

    def serve_forever(self) -> None:
        """Run until SIGTERM/SIGINT."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stopped.set())
        self.start()
        try:
            while not self.stopped.wait(1.0):
                pass
        finally:
            self.stop()
