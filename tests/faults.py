"""Fault scenarios on the replica, measured: one home for tests/test_faults.py and bench/noise.py.

It lives under tests/ because it is test harness, not product: it drives the replica, the
monitor and a mail sink together (crawler/ may not import monitor/), and bench/ already
borrows from tests/ (bench/huge_body_bench.py). Both callers get the same numbers.

One Cầu Giấy replica portal and one baseline archive serve every scenario: the baseline is
crawled twice (the second run is the coverage reference for extraction_degraded) while the
newest articles of one category are held off the listings. Each scenario then works on a copy
of that archive: it switches its fault on, lists the held-back articles again (new articles
read under the fault), crawls `runs` times with the scheduler's own code (crawl, detect), and
queues the events with the shipped default rules (recipients and server aside), delivers them to
a local SMTP sink at once and again at the next digest hour. It measures what the issue's
"Done when" asks: articles readable vs stored, duplicates, false events, false mails, lost
alerts, whether each crawl ended within its bound, and what an archived article lost.
"""
from __future__ import annotations

import shutil
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select, update

from crawler.replica import DEFAULT_PORTALS, Fault, Replica
from crawler.replica.portals import PortalStats
from crawler.settings import LOOPBACK_OVERRIDES
from db.engine import get_engine, session_factory
from db.models import AlertOutbox, Article, ArticleVersion, CrawlRun, Event, utcnow
from monitor.mailer import SmtpSink
from monitor.scheduler import Monitor

SITE = "caugiay"
HELD_CATEGORY = "tin-tuc-su-kien"      # its newest articles appear during the fault
HELD_BACK = 4
LISTING = r"^/kinh-te-tai-chinh(/trang-\d+\.htm)?$"  # the other category's listing walk
ARTICLES = r"-\d{8,}\.htm$"            # the Hanoi platform's article pages (listing pages are /trang-N.htm)
CRAWL_LIMIT = 60                       # CLOSESPIDER_TIMEOUT of the scenarios' crawls, seconds
CLOSE_GRACE = 30                       # what closing may add (the last batch, the run's record)
CONFIG = """
[schedule]
interval = "1h"
sites = ["{site}"]

[crawl]
safety_depth = 1
refetch = [["*", "{refetch}"]]

[detection]
views_spike_per_hour = 40
views_spike_ratio = 3.0
views_milestones = [600]
removed_after_404 = 2
removed_after_missing_runs = 3
down_after_failed_runs = 3
stale_after = "30d"
"""


@dataclass(frozen=True)
class Scenario:
    name: str
    arm: Callable[["FaultBench", "Monitor"], None]  # switches the fault on (after the baseline)
    expected: tuple[str, ...] = ()   # the health event(s) the fault should raise, once each
    runs: int = 1                    # crawls under the fault (3 where it matters across runs)
    readable: bool = True            # the held-back articles can be read under the fault
    polite: bool = False             # real-portal politeness settings (one request in flight per host)


@dataclass
class Result:
    scenario: str
    readable: int = 0
    stored: int = 0
    duplicates: int = 0
    false_events: Counter = field(default_factory=Counter)
    missing_events: Counter = field(default_factory=Counter)
    false_mails: int = 0
    lost_alerts: int = 0
    ended: bool = True
    seconds: float = 0.0
    damaged: list[str] = field(default_factory=list)   # archived articles lost or overwritten, misread new ones
    max_in_flight: int = 0
    runs: list[str] = field(default_factory=list)      # each fault run's status and message


def portal_spec(site: str):
    return next(spec for spec in DEFAULT_PORTALS if spec.key == site)


def norm(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


class FaultBench:
    """The shared replica and baseline archive; `run(scenario)` plays one scenario on a copy."""

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.replica = Replica(specs=(portal_spec(SITE),)).start()
        self.base_url = self.replica.base_urls[SITE]
        self.other = Replica(specs=(portal_spec("hoangliet"),)).start()  # a server that is not the portal
        self.held_back = [a.external_id for a in self.replica.visible(SITE, HELD_CATEGORY)[:HELD_BACK]]
        self.reset_replica()
        self.baseline = self.workdir / "baseline.sqlite3"
        monitor = self.monitor(f"sqlite:///{self.baseline}")
        monitor.run_once()
        monitor.run_once()  # the coverage reference of extraction_degraded
        get_engine(monitor.db_url).dispose()

    def close(self) -> None:
        self.replica.stop()
        self.other.stop()

    def reset_replica(self) -> None:
        """The replica as the baseline saw it: at its address, clock and counters, no fault."""
        portal = self.replica.portals[SITE]
        if portal.base_url != self.base_url:
            portal.public_host = None
            self.replica.move(SITE, port=int(self.base_url.rsplit(":", 1)[1]))
        self.replica.elapsed = timedelta(0)
        self.replica.clear_faults(SITE)
        portal.robots = portal.family.robots
        portal.unlisted = set(self.held_back)
        portal.pinned.clear()
        portal.views_reset_at = None
        portal.stats = PortalStats()

    def monitor(self, url: str, *, polite: bool = False, refetch: str = "1s") -> Monitor:
        config = self.workdir / f"config-{refetch}.toml"
        config.write_text(CONFIG.format(site=SITE, refetch=refetch), encoding="utf-8")
        settings = {"CLOSESPIDER_TIMEOUT": CRAWL_LIMIT} | ({} if polite else LOOPBACK_OVERRIDES)
        return Monitor(url, str(config), base_urls=dict(self.replica.base_urls), crawl_settings=settings,
                       clock=self.replica.clock_offset)  # observations on the replica's clock (db/clock.py)

    # ---- one scenario -------------------------------------------------------------------------
    def run(self, scenario: Scenario) -> Result:
        folder = self.workdir / scenario.name
        folder.mkdir()
        shutil.copy(self.baseline, folder / "archive.sqlite3")
        url = f"sqlite:///{folder / 'archive.sqlite3'}"
        # Re-checks every run (a broken fetch of an archived page must not overwrite it), except on
        # real-portal settings, where a 1 s delay per request keeps the run to what is new.
        monitor = self.monitor(url, polite=scenario.polite, refetch="30d" if scenario.polite else "1s")
        Session = session_factory(url)
        if scenario.polite:
            with Session.begin() as session:
                session.execute(update(Article).values(next_check_at=utcnow() + timedelta(days=30)))
        before, first_event, first_run = archived_rows(Session), _max_id(Session, Event), _max_id(Session, CrawlRun)
        self.reset_replica()
        try:
            self.replica.portals[SITE].unlisted.clear()  # the held-back articles appear, under the fault
            scenario.arm(self, monitor)
            result = Result(scenario.name)
            started = time.monotonic()
            for _ in range(scenario.runs):
                monitor.run_once()
            result.seconds = round(time.monotonic() - started, 1)
            result.max_in_flight = self.replica.stats(SITE).max_in_flight
            rightful = self._judge(scenario, result, Session, before, first_event, first_run)
        finally:
            self.reset_replica()
        result.false_mails, result.lost_alerts = deliver_and_count(url, first_event, rightful, folder / "mail")
        get_engine(url).dispose()
        return result

    def _judge(self, scenario: Scenario, result: Result, Session, before: dict, first_event: int,
               first_run: int) -> set[int]:
        """Fills `result` from the archive; returns the ids of the events the scenario rightly raised."""
        truth = {a.external_id: norm(a.title) for a in self.replica.visible(SITE)}
        readable = set(truth) if scenario.readable else set(before)
        after = archived_rows(Session)
        result.readable, result.stored = len(readable), len(after)
        # One replica article is one (title, publication time): titles alone repeat (weekly notices).
        stored = Counter((norm(row["title"]), row["published"]) for row in after.values())
        result.duplicates = sum(n - 1 for n in stored.values() if n > 1)
        result.damaged = [f"{key}: {what}" for key, what in _damage(before, after, truth)]
        with Session() as session:
            events = events_since(session, first_event, set(after) - set(before))
            runs = session.scalars(select(CrawlRun).where(CrawlRun.id > first_run).order_by(CrawlRun.id)).all()
        kinds = Counter(kind for _, kind, news in events if not news)
        expected = Counter(scenario.expected)
        result.false_events, result.missing_events = kinds - expected, expected - kinds
        wanted = {event_id for event_id, kind, news in events if news or kind in expected}
        bound = CRAWL_LIMIT + CLOSE_GRACE
        result.ended = len(runs) == scenario.runs and all(
            r.status not in ("queued", "running") and r.finished_at
            and (r.finished_at - r.started_at).total_seconds() <= bound for r in runs)
        result.runs = [f"{r.status}: {r.message}" for r in runs]
        return wanted


NEWS = ("new_article", "new_document")


def events_since(session, first_event: int, new_ids: set[str]) -> list[tuple[int, str, bool]]:
    """(id, kind, is news) of each event since `first_event`: an article stored for the first time is
    rightly one new_article and a new_document per document it is the first to cite (whether it was
    read right is judged apart, as `damaged`)."""
    rows = session.execute(select(Event.id, Event.kind, Article.external_id)
                           .outerjoin(Article, Article.id == Event.article_id).where(Event.id > first_event)).all()
    return [(event_id, kind, kind in NEWS and external_id in new_ids) for event_id, kind, external_id in rows]


def _max_id(Session, model) -> int:
    with Session() as session:
        return session.scalar(select(func.max(model.id))) or 0


def archived_rows(Session) -> dict[str, dict]:
    """Per stored article: its current text and its versions (number, content hash)."""
    with Session() as session:
        articles = session.scalars(select(Article)).all()
        versions: dict[int, list] = {}
        for v in session.scalars(select(ArticleVersion).order_by(ArticleVersion.version)):
            versions.setdefault(v.article_id, []).append((v.version, v.content_hash))
        return {a.external_id: {"title": a.title, "body": a.body_text, "published": a.published_at,
                                "versions": versions.get(a.id, [])}
                for a in articles}


def _damage(before: dict, after: dict, truth: dict[str, str]):
    """What a fault did to the archive: archived articles lost or changed, new ones misread."""
    for key, old in before.items():
        new = after.get(key)
        if new is None:
            yield key, "lost"
        elif new["versions"] != old["versions"]:
            yield key, f"versions {old['versions']} -> {new['versions']}"
        elif (new["title"], new["body"]) != (old["title"], old["body"]):
            yield key, "text overwritten without a version"
    for key in set(after) - set(before):
        row = after[key]
        if key not in truth:
            yield key, "not an article of the portal"
        elif norm(row["title"]) != truth[key] or "\ufffd" in row["body"] or not row["body"]:
            yield key, f"misread: {row['title'][:60]!r}"


def deliver_and_count(url: str, first_event: int, rightful: set[int], maildir: Path) -> tuple[int, int]:
    """Queue the scenario's events with the shipped rules, deliver now and at the next digest hour to a
    local sink; (false mails, lost alerts): mails carrying an event the fault should not have raised,
    and rows that are due but unsent or whose Message-ID never reached the sink."""
    from monitor import alerts
    from monitor.rules import load_rules

    Session = session_factory(url)
    with Session() as session:
        event_ids = session.scalars(select(Event.id).where(Event.id > first_event)).all()
    rules = load_rules(env={})  # the shipped rules, whatever the environment says
    with SmtpSink(maildir) as sink:
        rules = replace(rules, recipients=("ban.tuyen.giao@example.vn",),
                        smtp=replace(rules.smtp, host="127.0.0.1", port=sink.port, security="plain", username=""))
        alerts.enqueue(Session, rules, event_ids=event_ids)
        now = utcnow()
        alerts.deliver(Session, rules, now=now)
        digest_at = max(rule.next_digest(now) for rule in rules.rules if rule.mode == "digest")
        alerts.deliver(Session, rules, now=digest_at + timedelta(seconds=1))
        arrived = Counter(message["Message-ID"] for message in sink.maildir)
    with Session() as session:
        rows = session.execute(select(AlertOutbox.status, AlertOutbox.message_id, AlertOutbox.event_id)
                               .where(AlertOutbox.event_id > first_event)).all()
    false_mails = len({mid for status, mid, event_id in rows if status == "sent" and event_id not in rightful})
    lost = sum(1 for status, mid, _ in rows if status != "sent" or mid not in arrived)
    return false_mails, lost


# ---- the scenarios ------------------------------------------------------------------------------
def _fault(**fields) -> Callable:
    return lambda bench, monitor: bench.replica.set_fault(SITE, Fault(**fields))


def _robots(bench, monitor) -> None:
    bench.replica.set_robots(SITE, "User-agent: *\nDisallow: /kinh-te-tai-chinh$\nDisallow: /kinh-te-tai-chinh/trang-\n")


def _empty_listing(bench, monitor) -> None:
    for article in bench.replica.visible(SITE, "kinh-te-tai-chinh"):
        bench.replica.unlist(SITE, article.external_id)


def _two_urls(bench, monitor) -> None:
    """Every listing link carries a tracking query: the held-back articles are first met under it,
    the archived ones are re-checked under their first URL. One article, two URLs."""
    bench.replica.set_fault(SITE, Fault(path=r"^/[a-z-]+(/trang-\d+\.htm)?$", rewrite=('.htm"', '.htm?utm_source=zalo"')))


def _offsite(host: str | None) -> Callable:
    """Article pages redirect to another server of this machine (the Hoàng Liệt replica), by its
    address (another port) or by another host name for it: a page of the same CMS family."""
    def arm(bench, monitor) -> None:
        other = bench.other.portals["hoangliet"]
        article = bench.other.visible("hoangliet")[0]
        base = other.base_url.replace("127.0.0.1", host) if host else other.base_url
        bench.replica.set_fault(SITE, Fault(path=ARTICLES, redirect=base + other.family.article_path(other, article)))
    return arm


def _move(host: str | None) -> Callable:
    """The portal restarts at a new address: another port only (silent: the same site), or another
    host name as well (one source_moved, its articles' URLs moved, nothing else)."""
    def arm(bench, monitor) -> None:
        monitor.base_urls[SITE] = bench.replica.move(SITE, host=host)
    return arm


def _reset_counters(advance_hours: int = 0) -> Callable:
    def arm(bench, monitor) -> None:
        bench.replica.reset_views(SITE)
        bench.replica.advance(hours=advance_hours)
    return arm


TEN_MB = 10 * 1024 * 1024
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("listing 503 ×3", _fault(path=LISTING, status=503), runs=3),
    Scenario("listing robots.txt ×3", _robots, runs=3),
    Scenario("listing redirect loop ×3", _fault(path=r"^/kinh-te-tai-chinh$", redirect="/kinh-te-tai-chinh"), runs=3),
    Scenario("empty listing ×3", _empty_listing, runs=3),
    Scenario("portal 503 ×3", _fault(status=503), expected=("source_down",), runs=3, readable=False),
    Scenario("article pages 503", _fault(path=ARTICLES, status=503), readable=False),
    Scenario("429 Retry-After (polite)", _fault(path=ARTICLES, status=429, retry_after=2, remaining=2), polite=True),
    Scenario("connection reset before answer", _fault(path=ARTICLES, reset="before", remaining=3)),
    Scenario("connection reset mid-answer", _fault(path=ARTICLES, reset="mid", remaining=3)),
    Scenario("truncated pages", _fault(path=ARTICLES, truncate=True), readable=False),
    Scenario("template change", _fault(path=r"\.htm$", rewrite=('class="detail-content afcbc-body" data-role="content"',
                                                               'class="post-body"')), expected=("extraction_degraded",)),
    Scenario("windows-1258 declared UTF-8", _fault(path=ARTICLES, charset=("utf-8", "windows-1258"))),
    Scenario("UTF-8 declared windows-1258", _fault(path=ARTICLES, charset=("windows-1258", "utf-8"))),
    Scenario("one broken UTF-8 character", _fault(cut="Đường dây nó")),  # in every page's header: listings too
    Scenario("UTF-8 with BOM", _fault(path=ARTICLES, charset=("utf-8", "utf-8-sig"))),
    Scenario("NFD text", _fault(path=ARTICLES, nfd=True)),
    Scenario("10 MB page", _fault(path=ARTICLES, pad_to=TEN_MB, remaining=2)),
    Scenario("off-site redirect (other port)", _offsite(None), runs=2, readable=False),
    Scenario("off-site redirect (other host)", _offsite("localhost"), runs=2, readable=False),
    Scenario("one article under two URLs", _two_urls),
    Scenario("counter reset", _reset_counters(), runs=2),
    Scenario("counter reset, clock moves 24 h", _reset_counters(24)),
    Scenario("portal moves port", _move(None)),
    Scenario("portal moves host", _move("localhost"), expected=("source_moved",)),
)
