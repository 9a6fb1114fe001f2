"""Detection: turn what a crawl run wrote into events, each with a unique key.

Runs after every crawl run (and catches up on runs it never saw). Articles are records and
views a time series, so a moved counter is never an edit, and one transient error is never
an outage: `source_down` needs N failed runs in a row. Re-running detection on the same runs
adds nothing, because every event's key names what it is about (an article, a version, a
sample, a tombstone, a streak of failed runs).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vntext.dates import VN_TZ
from db.article_state import ArticleStateWriter
from db.models import (
    Article, ArticleVersion, CrawlRun, Document, DocumentMention, Event, Portal, Tombstone, ViewSample, utcnow,
)
from monitor.config import DetectionSettings

FINAL = ("finished", "failed", "cancelled")


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(VN_TZ).isoformat() if value else None


class Detector:
    def __init__(self, session: Session, settings: DetectionSettings, now: datetime | None = None):
        self.session = session
        self.settings = settings
        self.now = now or utcnow()
        self.created: list[Event] = []

    # ---- bookkeeping ------------------------------------------------------------------------
    def emit(self, key: str, kind: str, portal_id: int, occurred_at: datetime, *, article_id=None, document_id=None,
             **payload) -> None:
        if self.session.scalar(select(Event.id).where(Event.key == key)) is not None:
            return
        event = Event(key=key, kind=kind, portal_id=portal_id, article_id=article_id, document_id=document_id,
                      occurred_at=occurred_at, created_at=self.now, payload=payload)
        try:
            with self.session.begin_nested():
                self.session.add(event)
        except IntegrityError:  # another detector wrote the same key first
            return
        self.created.append(event)

    @staticmethod
    def _article_payload(article: Article) -> dict:
        return {"title": article.title, "url": article.url, "external_id": article.external_id,
                "published_at": _iso(article.published_at), "views": article.views}

    # ---- one run ----------------------------------------------------------------------------
    def run(self, run: CrawlRun) -> None:
        start, end = run.started_at, run.finished_at or self.now
        portal = self.session.get(Portal, run.portal_id)
        first_run = self.session.scalar(select(func.min(CrawlRun.id)).where(
            CrawlRun.portal_id == run.portal_id, CrawlRun.status == "finished")) == run.id
        self.source_health(run)
        if run.status in FINAL:  # what a failed or interrupted crawl stored is real too
            self.new_articles(portal, start, end, baseline=first_run)
            self.new_documents(portal, start, end)
            self.edits(portal, start, end)
            self.views(portal, start, end)
            if run.status == "finished":  # removal rules need a whole run's checks and listings
                self.apply_removal_rules(portal, end)
            self.removals(portal, start, end)
        if run.status == "finished":  # judgements that need a whole run
            self.coverage(run)
            self.staleness(portal, run)

    def new_articles(self, portal: Portal, start, end, baseline: bool) -> None:
        for article in self.session.scalars(select(Article).where(
                Article.portal_id == portal.id, Article.first_seen_at >= start, Article.first_seen_at <= end)):
            self.emit(f"new_article:{article.id}", "new_article", portal.id, article.first_seen_at,
                      article_id=article.id, baseline=baseline, **self._article_payload(article))

    def new_documents(self, portal: Portal, start, end) -> None:
        rows = self.session.execute(
            select(Document, Article).join(Article, Article.id == Document.first_article_id).where(
                Article.portal_id == portal.id, Document.first_seen_at >= start, Document.first_seen_at <= end))
        for document, article in rows:
            mention = self.session.scalar(select(DocumentMention).where(
                DocumentMention.document_id == document.id, DocumentMention.article_id == article.id))
            self.emit(f"new_document:{document.id}", "new_document", portal.id, document.first_seen_at,
                      article_id=article.id, document_id=document.id,
                      canonical=document.canonical, system=document.system, type=document.type,
                      type_name=document.type_name, number=document.number, year=document.year,
                      issuer=document.issuer, issued_on=document.issued_on.isoformat() if document.issued_on else None,
                      sentence=mention.sentence if mention else "", article=self._article_payload(article))

    def edits(self, portal: Portal, start, end) -> None:
        rows = self.session.execute(select(ArticleVersion, Article).join(Article).where(
            Article.portal_id == portal.id, ArticleVersion.version > 1,
            ArticleVersion.fetched_at >= start, ArticleVersion.fetched_at <= end))
        for version, article in rows:
            self.emit(f"edited:{version.id}", "edited", portal.id, version.fetched_at, article_id=article.id,
                      version=version.version, changes=version.changes, **self._article_payload(article))

    def views(self, portal: Portal, start, end) -> None:
        s = self.settings
        touched = self.session.scalars(select(ViewSample.article_id).join(Article).where(
            Article.portal_id == portal.id, ViewSample.first_at >= start, ViewSample.first_at <= end).distinct())
        for article_id in list(touched):
            samples = self.session.scalars(select(ViewSample).where(ViewSample.article_id == article_id)
                                           .order_by(ViewSample.first_at.desc()).limit(3)).all()
            if len(samples) < 2:
                continue
            current, previous = samples[0], samples[1]
            if not (start <= current.first_at <= end):
                continue
            article = self.session.get(Article, article_id)
            hours = max((current.first_at - previous.last_at).total_seconds() / 3600, 1 / 60)
            delta = current.views - previous.views
            velocity = delta / hours
            # The relative threshold needs the article's previous velocity: a third sample.
            baseline = None
            if len(samples) == 3:
                before = samples[2]
                base_hours = max((previous.first_at - before.last_at).total_seconds() / 3600, 1 / 60)
                baseline = max(previous.views - before.views, 0) / base_hours
            if baseline is not None and velocity >= s.views_spike_per_hour and velocity >= s.views_spike_ratio * baseline:
                self.emit(f"views_spike:{article_id}:{current.id}", "views_spike", portal.id, current.first_at,
                          article_id=article_id, views_before=previous.views, views_after=current.views, delta=delta,
                          percent=round(100 * delta / previous.views, 1) if previous.views else None,
                          per_hour=round(velocity, 1), baseline_per_hour=round(baseline, 1),
                          **{k: v for k, v in self._article_payload(article).items() if k != "views"})
            for milestone in s.views_milestones:
                if previous.views < milestone <= current.views:
                    self.emit(f"views_milestone:{article_id}:{milestone}", "views_milestone", portal.id,
                              current.first_at, article_id=article_id, milestone=milestone,
                              views_before=previous.views, views_after=current.views,
                              **{k: v for k, v in self._article_payload(article).items() if k != "views"})

    def apply_removal_rules(self, portal: Portal, at: datetime) -> None:
        """404/410 on N consecutive checks, or missing from its listing window for N runs: a tombstone."""
        self.session.flush()  # the writer works on the session's connection, below the ORM
        ArticleStateWriter(self.session.connection()).apply_removal_rules(
            portal.id, at, gone_after=self.settings.removed_after_404,
            missing_after=self.settings.removed_after_missing_runs)

    def removals(self, portal: Portal, start, end) -> None:
        rows = self.session.execute(select(Tombstone, Article).join(Article).where(Article.portal_id == portal.id))
        for tomb, article in rows:
            if start <= tomb.removed_at <= end:
                self.emit(f"removed:{tomb.id}", "removed", portal.id, tomb.removed_at, article_id=article.id,
                          reason=tomb.reason, **self._article_payload(article))
            if tomb.restored_at and start <= tomb.restored_at <= end:
                self.emit(f"restored:{tomb.id}", "restored", portal.id, tomb.restored_at, article_id=article.id,
                          removed_at=_iso(tomb.removed_at), **self._article_payload(article))

    def source_health(self, run: CrawlRun) -> None:
        n = self.settings.down_after_failed_runs
        runs = self.session.scalars(select(CrawlRun).where(
            CrawlRun.portal_id == run.portal_id, CrawlRun.status.in_(("finished", "failed")), CrawlRun.id <= run.id)
            .order_by(CrawlRun.id.desc()).limit(200)).all()
        streak = []
        for earlier in runs[1:] if run.status == "finished" else runs:
            if earlier.status != "failed":
                break
            streak.append(earlier)
        if len(streak) < n:
            return
        first = streak[-1]
        if run.status == "failed":
            self.emit(f"source_down:{run.portal_id}:{first.id}", "source_down", run.portal_id, run.finished_at or self.now,
                      since=_iso(first.started_at), failed_runs=len(streak),
                      errors=[r.message for r in reversed(streak[:5])])
        else:
            self.emit(f"source_up:{run.portal_id}:{first.id}", "source_up", run.portal_id, run.finished_at or self.now,
                      down_since=_iso(first.started_at), failed_runs=len(streak))

    def coverage(self, run: CrawlRun) -> None:
        """A field the portal used to give (previous run above its floor) is now mostly missing."""
        def shares(stats: dict) -> dict | None:
            items = (stats or {}).get("portalwatch/items", 0)
            if items < 5:  # too few pages to judge a layout by
                return None
            return {f: stats.get(f"portalwatch/coverage/{f}", 0) / items for f in self.settings.coverage_floors}

        now = shares(run.stats)
        previous_run = self.session.scalar(select(CrawlRun).where(
            CrawlRun.portal_id == run.portal_id, CrawlRun.status == "finished", CrawlRun.id < run.id,
            CrawlRun.articles_seen >= 5).order_by(CrawlRun.id.desc()).limit(1))
        before = shares(previous_run.stats) if previous_run else None
        if now is None or before is None:
            return
        low = {}
        for field, floor in self.settings.coverage_floors.items():
            if now[field] < floor <= before[field]:
                low[field] = {"coverage": round(now[field], 3), "before": round(before[field], 3), "floor": floor}
        if low:
            self.emit(f"extraction_degraded:{run.id}", "extraction_degraded", run.portal_id, run.finished_at or self.now,
                      run_id=run.id, items=run.stats.get("portalwatch/items", 0), fields=low)

    def staleness(self, portal: Portal, run: CrawlRun) -> None:
        newest = self.session.scalar(select(Article).where(Article.portal_id == portal.id)
                                     .order_by(Article.first_seen_at.desc()).limit(1))
        # Judged at the run's start: the run that finds an article never calls its portal stale.
        if newest is not None and newest.first_seen_at < run.started_at - self.settings.stale_after:
            self.emit(f"source_stale:{portal.id}:{newest.id}", "source_stale", portal.id, run.finished_at or self.now,
                      last_new_article=_iso(newest.first_seen_at), title=newest.title, url=newest.url)


def detect_pending(session_factory, settings: DetectionSettings, now: datetime | None = None) -> list[Event]:
    """Detect on every ended run not yet detected, oldest first; each run in its own transaction."""
    created: list[Event] = []
    with session_factory() as session:
        # A run that ended after it was detected (closed as interrupted, then its crawl process
        # stored a last batch and closed it itself) is detected again; keys keep events single.
        pending = session.scalars(select(CrawlRun.id).where(
            CrawlRun.status.in_(FINAL),
            CrawlRun.detected_at.is_(None) | (CrawlRun.detected_at < CrawlRun.finished_at)).order_by(CrawlRun.id)).all()
    for run_id in pending:
        with session_factory() as session, session.begin():
            run = session.get(CrawlRun, run_id)
            detector = Detector(session, settings, now)
            detector.run(run)
            session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(detected_at=detector.now))
            created.extend(detector.created)
    return created
