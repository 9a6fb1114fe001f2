"""How much an incremental pass costs next to a full crawl, and how long detection takes.

    python bench/incremental_bench.py [--articles 2000] [--archive /tmp/pw_synth_100k.sqlite3]

1. A replica portal of N articles (Hanoi platform) is crawled in full, then crawled again
   incrementally with nothing changed on the portal. The replica counts every request it
   answers; the ratio incremental/full is printed (goal ≤ 5 %). Re-fetches due by the decaying
   schedule are counted apart (none are due right after a full crawl, by construction).
2. Detection for one portal's run is timed on a copy of an archive of 100,000 articles with
   view series (bench/synthetic.py makes one): a run that found 50 new articles, an edit and
   new view samples (goal < 1 s).
Both figures come from this one run; the machine is shared, so read them as orders of magnitude.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vntext.dates import VN_TZ  # noqa: E402
from crawler.registry import get_site  # noqa: E402
from crawler.replica import Replica  # noqa: E402
from crawler.replica.content import PortalSpec  # noqa: E402
from crawler.settings import LOOPBACK_OVERRIDES  # noqa: E402
from monitor.config import CrawlSettings, DetectionSettings  # noqa: E402
from monitor.crawling import crawl_sites  # noqa: E402


def incremental_ratio(articles: int, workdir: Path) -> None:
    spec = PortalSpec(key="caugiay", family="hanoi", unit="phường Cầu Giấy",
                      categories={"tin-tuc-su-kien": "Tin tức - Sự kiện", "kinh-te-tai-chinh": "Kinh tế - Tài chính"},
                      start=datetime(2025, 10, 15, 8, 0, tzinfo=VN_TZ), history=articles, future=0, id_prefix="2805")
    url = f"sqlite:///{workdir / 'incremental.sqlite3'}"
    settings = CrawlSettings(max_listing_pages=10_000)
    with Replica((spec,)) as replica:
        site = get_site("caugiay").at(replica.base_urls["caugiay"])
        started = time.perf_counter()
        full = crawl_sites(url, [site], settings=LOOPBACK_OVERRIDES, mode="full", crawl_settings=settings)[0]
        full_seconds = time.perf_counter() - started
        full_requests = replica.stats("caugiay").requests
        assert full.ok, full.message
        started = time.perf_counter()
        incremental = crawl_sites(url, [site], settings=LOOPBACK_OVERRIDES, mode="incremental", crawl_settings=settings)[0]
        inc_seconds = time.perf_counter() - started
        inc_requests = replica.stats("caugiay").requests - full_requests
    print(f"replica portal: {articles} articles ({len(spec.categories)} listings)")
    print(f"full crawl:        {full_requests:6d} requests, {full.articles_seen} articles, {full_seconds:.1f} s")
    print(f"incremental pass:  {inc_requests:6d} requests, {incremental.articles_seen} articles re-fetched "
          f"(due by the decay schedule: {incremental.articles_seen}), {inc_seconds:.1f} s")
    print(f"incremental / full requests: {inc_requests / full_requests:.2%} (goal ≤ 5 %)")


def detection_time(archive: Path, workdir: Path) -> None:
    from sqlalchemy import func, select

    from db.engine import session_factory
    from db.models import Article, ArticleVersion, CrawlRun, Portal, ViewSample, utcnow
    from db.schema import upgrade
    from monitor.detect import detect_pending

    copy = workdir / "detect.sqlite3"
    shutil.copy(archive, copy)
    for suffix in ("-wal", "-shm"):
        if Path(str(archive) + suffix).exists():
            shutil.copy(str(archive) + suffix, str(copy) + suffix)
    url = f"sqlite:///{copy}"
    upgrade(url)
    Session = session_factory(url)
    with Session.begin() as session:
        total = session.scalar(select(func.count()).select_from(Article))
        samples = session.scalar(select(func.count()).select_from(ViewSample))
        portal = session.scalar(select(Portal).limit(1))
        now = utcnow()
        run = CrawlRun(portal_id=portal.id, status="finished", started_at=now - timedelta(minutes=2), finished_at=now,
                       pages=60, articles_seen=60, stats={"portalwatch/items": 60})
        session.add(run)
        session.flush()
        # What the run wrote: 50 new articles, one edit, a new view sample on 50 known articles.
        for i in range(50):
            session.add(Article(portal_id=portal.id, external_id=f"bench-{i}", url=f"https://x/bench-{i}.htm",
                                title=f"Bài mới {i}", summary="", body_text="Nội dung.", content_hash=f"{i:064d}",
                                first_seen_at=now - timedelta(minutes=1), last_fetched_at=now - timedelta(minutes=1)))
        known = session.scalars(select(Article).where(Article.portal_id == portal.id).limit(50)).all()
        for article in known:
            session.add(ViewSample(article_id=article.id, first_at=now - timedelta(seconds=30),
                                   last_at=now - timedelta(seconds=30), views=(article.views or 0) + 5000))
        session.add(ArticleVersion(article_id=known[0].id, version=99, fetched_at=now - timedelta(seconds=30),
                                   title="sửa", summary="", body_text="", author="", category="", attachments=[],
                                   content_hash="0" * 64, changes={"title": {"old": "a", "new": "sửa"}}))
    timings = []
    for _ in range(3):
        with Session.begin() as session:  # the same run, detected again: the cost without new events
            session.get(CrawlRun, run.id).detected_at = None
        started = time.perf_counter()
        created = detect_pending(Session, DetectionSettings(), now=now)
        timings.append(time.perf_counter() - started)
        if len(timings) == 1:
            first_created = len(created)
    print(f"archive: {total:,} articles, {samples:,} view samples")
    print(f"detection of one portal's run: first pass {timings[0] * 1000:.0f} ms ({first_created} events), "
          f"re-runs median {statistics.median(timings[1:]) * 1000:.0f} ms (goal < 1 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--archive", type=Path, help="an archive to time detection on (bench/synthetic.py --articles 100000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        incremental_ratio(args.articles, Path(tmp))
        if args.archive:
            detection_time(args.archive, Path(tmp))
        else:
            print("detection: skipped (no --archive given)")


if __name__ == "__main__":
    main()
