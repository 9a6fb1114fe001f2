"""Detection: turn what a crawl run wrote into events, each with a unique key.

Runs after every crawl run (and catches up on runs it never saw). Articles are records and
views a time series, so a moved counter is never an edit, and one transient error is never
an outage: `source_down` needs N failed runs in a row. Re-running detection on the same runs
adds nothing, because every event's key names what it is about (an article, a version, a
sample, a tombstone, a streak of failed runs). Every payload is built as its kind's type
(monitor/events), so a wrong field fails here, where it is emitted.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vntext.dates import VN_TZ
from db.article_state import MOVED_FROM, MOVED_TO, ArticleStateWriter, is_move
from db.clock import run_clock
from db.models import (
    Article, ArticleVersion, CrawlRun, Document, DocumentMention, Event, Portal, Tombstone, ViewSample, utcnow,
)
from monitor.config import DetectionSettings
from monitor.runstats import DEGRADED_SHARE, degraded_pages, failed_streak, low_coverage
from monitor.events import (
    ArticleRef, Edited, ExtractionDegraded, NewArticle, NewDocument, Payload, Removed, Restored, SourceDown,
    SourceMoved, SourceStale, SourceUp, ViewsMilestone, ViewsSpike,
)

FINAL = ("finished", "failed", "cancelled")
DEGRADED = "degraded"  # its key in ExtractionDegraded.fields


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(VN_TZ).isoformat() if value else None


class Detector:
    def __init__(self, session: Session, settings: DetectionSettings, now: datetime | None = None):
        self.session = session
        self.settings = settings
        self.now = now or utcnow()
        self.created: list[Event] = []

    # ---- bookkeeping ------------------------------------------------------------------------
    def emit(self, payload: Payload, about: tuple, portal_id: int, occurred_at: datetime, *, article_id=None,
             document_id=None) -> None:
        """Store one event once: its key is the kind and `about`, what makes it this event."""
        key = ":".join([payload.KIND, *map(str, about)])
        if self.session.scalar(select(Event.id).where(Event.key == key)) is not None:
            return
        event = Event(key=key, kind=payload.KIND, portal_id=portal_id, article_id=article_id,
                      document_id=document_id, occurred_at=occurred_at, created_at=self.now,
                      payload=payload.to_json())
        try:
            with self.session.begin_nested():
                self.session.add(event)
        except IntegrityError:  # another detector wrote the same key first
            return
        self.created.append(event)

    @staticmethod
    def _article_ref(article: Article) -> ArticleRef:
        return ArticleRef(title=article.title, url=article.url, external_id=article.external_id,
                          published_at=_iso(article.published_at), views=article.views)

    # ---- one run ----------------------------------------------------------------------------
    def run(self, run: CrawlRun) -> None:
        # What the run observed is stamped with its observation clock (db/clock.py); the run row's own
        # times are the system's: its window is mapped onto the clock its observations were made with.
        clock = run_clock(run.stats)
        start, end = clock.observed(run.started_at), clock.observed(run.finished_at or self.now)
        portal = self.session.get(Portal, run.portal_id)
        first_run = self.session.scalar(select(func.min(CrawlRun.id)).where(
            CrawlRun.portal_id == run.portal_id, CrawlRun.status == "finished")) == run.id
        self.source_health(run, end)
        self.source_moved(run, end)
        if run.status in FINAL:  # what a failed or interrupted crawl stored is real too
            self.new_articles(portal, start, end, baseline=first_run)
            self.new_documents(portal, start, end)
            self.edits(portal, start, end)
            self.views(portal, start, end)
            if run.status == "finished":  # removal rules need a whole run's checks and listings
                self.apply_removal_rules(portal, end)
            self.removals(portal, start, end)
        if run.status == "finished":  # judgements that need a whole run
            self.coverage(run, end)
            self.staleness(portal, start, end)

    # Each kind is emitted in an order of the portal's own (external ids, document numbers), not in
    # the order rows were stored, which follows crawl timing: the same crawls give the same event ids
    # (the demo prints a Message-ID made of one, and two demo runs print the same).
    def new_articles(self, portal: Portal, start, end, baseline: bool) -> None:
        for article in self.session.scalars(select(Article).where(
                Article.portal_id == portal.id, Article.first_seen_at >= start, Article.first_seen_at <= end)
                .order_by(Article.external_id)):
            self.emit(NewArticle(article=self._article_ref(article), baseline=baseline), (article.id,), portal.id,
                      article.first_seen_at, article_id=article.id)

    def new_documents(self, portal: Portal, start, end) -> None:
        rows = self.session.execute(
            select(Document, Article).join(Article, Article.id == Document.first_article_id).where(
                Article.portal_id == portal.id, Document.first_seen_at >= start, Document.first_seen_at <= end)
            .order_by(Document.canonical))
        for document, article in rows:
            mention = self.session.scalar(select(DocumentMention).where(
                DocumentMention.document_id == document.id, DocumentMention.article_id == article.id))
            payload = NewDocument(
                article=self._article_ref(article), canonical=document.canonical, system=document.system,
                type=document.type, type_name=document.type_name, number=document.number, year=document.year,
                issuer=document.issuer, issued_on=document.issued_on.isoformat() if document.issued_on else None,
                sentence=mention.sentence if mention else "")
            self.emit(payload, (document.id,), portal.id, document.first_seen_at, article_id=article.id,
                      document_id=document.id)

    def edits(self, portal: Portal, start, end) -> None:
        rows = self.session.execute(select(ArticleVersion, Article).join(Article).where(
            Article.portal_id == portal.id, ArticleVersion.version > 1,
            ArticleVersion.fetched_at >= start, ArticleVersion.fetched_at <= end)
            .order_by(Article.external_id, ArticleVersion.version))
        for version, article in rows:
            self.emit(Edited(article=self._article_ref(article), version=version.version, changes=version.changes),
                      (version.id,), portal.id, version.fetched_at, article_id=article.id)

    def views(self, portal: Portal, start, end) -> None:
        """Spikes and milestones from an article's latest view samples.

        A counter that goes backwards (a portal resetting its counters, e.g. a CMS migration) starts a
        new series: the reading that went down is judged against nothing, and the next judgement's
        baseline comes from the new series only (a baseline across the reset read as 0 views an hour,
        so any growth after a reset was a "spike"). Milestones are per article for ever: one passed
        in an earlier series is not emitted again (the event's key is the article and the milestone).
        """
        s = self.settings
        touched = self.session.scalars(select(Article.id).where(Article.portal_id == portal.id, Article.id.in_(
            select(ViewSample.article_id).where(ViewSample.first_at >= start, ViewSample.first_at <= end)))
            .order_by(Article.external_id))
        for article_id in list(touched):
            samples = self.session.scalars(select(ViewSample).where(ViewSample.article_id == article_id)
                                           .order_by(ViewSample.first_at.desc()).limit(3)).all()
            if len(samples) < 2:
                continue
            current, previous = samples[0], samples[1]
            if not (start <= current.first_at <= end) or current.views < previous.views:
                continue  # not this run's reading, or a counter reset: a new series starts here
            article = self.session.get(Article, article_id)
            hours = max((current.first_at - previous.last_at).total_seconds() / 3600, 1 / 60)
            delta = current.views - previous.views
            velocity = delta / hours
            # The relative threshold needs the article's previous velocity: a third sample.
            baseline = None
            if len(samples) == 3 and samples[2].views <= previous.views:  # the same series
                before = samples[2]
                base_hours = max((previous.first_at - before.last_at).total_seconds() / 3600, 1 / 60)
                baseline = max(previous.views - before.views, 0) / base_hours
            if baseline is not None and velocity >= s.views_spike_per_hour and velocity >= s.views_spike_ratio * baseline:
                spike = ViewsSpike(
                    article=self._article_ref(article), views_before=previous.views, views_after=current.views,
                    delta=delta, percent=round(100 * delta / previous.views, 1) if previous.views else None,
                    per_hour=round(velocity, 1), baseline_per_hour=round(baseline, 1))
                self.emit(spike, (article_id, current.id), portal.id, current.first_at, article_id=article_id)
            for milestone in s.views_milestones:
                if previous.views < milestone <= current.views:
                    passed = ViewsMilestone(article=self._article_ref(article), milestone=milestone,
                                            views_before=previous.views, views_after=current.views)
                    self.emit(passed, (article_id, milestone), portal.id, current.first_at, article_id=article_id)

    def apply_removal_rules(self, portal: Portal, at: datetime) -> None:
        """404/410 on N consecutive checks, or missing from its listing window for N runs: a tombstone."""
        self.session.flush()  # the writer works on the session's connection, below the ORM
        ArticleStateWriter(self.session.connection()).apply_removal_rules(
            portal.id, at, gone_after=self.settings.removed_after_404,
            missing_after=self.settings.removed_after_missing_runs)
        for loaded in [obj for obj in self.session.identity_map.values() if isinstance(obj, Article)]:
            self.session.expire(loaded)  # articles loaded before the write must not keep their old state

    def removals(self, portal: Portal, start, end) -> None:
        rows = self.session.execute(select(Tombstone, Article).join(Article).where(Article.portal_id == portal.id)
                                    .order_by(Article.external_id, Tombstone.id))
        for tomb, article in rows:
            if start <= tomb.removed_at <= end:
                self.emit(Removed(article=self._article_ref(article), cause=tomb.cause.value, reason=tomb.reason), (tomb.id,), portal.id,
                          tomb.removed_at, article_id=article.id)
            if tomb.restored_at and start <= tomb.restored_at <= end:
                self.emit(Restored(article=self._article_ref(article), removed_at=_iso(tomb.removed_at)), (tomb.id,),
                          portal.id, tomb.restored_at, article_id=article.id)

    def source_health(self, run: CrawlRun, end: datetime) -> None:
        n = self.settings.down_after_failed_runs
        # A finished run ends the streak before it (source_up); a failed one is its newest member.
        streak = failed_streak(self.session, run.portal_id, run.id - 1 if run.status == "finished" else run.id)
        if len(streak) < n:
            return
        first = streak[-1]
        since = _iso(run_clock(first.stats).observed(first.started_at))  # on the clock `end` is on
        if run.status == "failed":
            down = SourceDown(since=since, failed_runs=len(streak), errors=[r.message for r in reversed(streak[:5])])
            self.emit(down, (run.portal_id, first.id), run.portal_id, end)
        else:
            up = SourceUp(down_since=since, failed_runs=len(streak))
            self.emit(up, (run.portal_id, first.id), run.portal_id, end)

    def source_moved(self, run: CrawlRun, end: datetime) -> None:
        """The portal was found at another scheme or host (db/store.py register_portal records it in the
        stats of the run it queued) and answered there (a run finished): one event for the portal, whose
        articles moved with it. A move recorded by a run that failed or was cancelled is told by the
        next finished run, from the first address left to the last one taken."""
        if run.status != "finished":
            return
        last_finished = self.session.scalar(select(func.max(CrawlRun.id)).where(
            CrawlRun.portal_id == run.portal_id, CrawlRun.status == "finished", CrawlRun.id < run.id))
        since = self.session.scalars(select(CrawlRun).where(
            CrawlRun.portal_id == run.portal_id, CrawlRun.id > (last_finished or 0), CrawlRun.id <= run.id)
            .order_by(CrawlRun.id)).all()
        moves = [r for r in since if (r.stats or {}).get(MOVED_FROM)]
        if moves:
            old_base, new_base = moves[0].stats[MOVED_FROM], moves[-1].stats.get(MOVED_TO) or ""
            if is_move(old_base, new_base):  # moved away and back meanwhile: no move
                self.emit(SourceMoved(old_base=old_base, new_base=new_base), (run.portal_id, moves[0].id),
                          run.portal_id, end)

    def coverage(self, run: CrawlRun, end: datetime) -> None:
        """A field the portal used to give (previous run above its floor) is now mostly missing, or
        many of the run's pages were read worse than their stored version (db/batch_plan.py: such
        fetches made no version, so the layout change shows here and not as edits)."""
        items = (run.stats or {}).get("portalwatch/items", 0)
        low = low_coverage(self.session, run, self.settings.coverage_floors)
        if degraded := degraded_pages(run.stats):
            # Told as one more "field": the share of pages read as well as their stored version.
            low[DEGRADED] = {"coverage": round(1 - degraded / items, 3), "before": 1.0,
                             "floor": round(1 - DEGRADED_SHARE, 3), "pages": degraded}
        if low:
            event = ExtractionDegraded(run_id=run.id, items=items, fields=low)
            self.emit(event, (run.id,), run.portal_id, end)

    def staleness(self, portal: Portal, start: datetime, end: datetime) -> None:
        newest = self.session.scalar(select(Article).where(Article.portal_id == portal.id)
                                     .order_by(Article.first_seen_at.desc()).limit(1))
        # Judged at the run's start: the run that finds an article never calls its portal stale.
        if newest is not None and newest.first_seen_at < start - self.settings.stale_after:
            stale = SourceStale(last_new_article=_iso(newest.first_seen_at), article=self._article_ref(newest))
            self.emit(stale, (portal.id, newest.id), portal.id, end)


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
