"""Crawling now: crawl (registered portals), replica (serve the bundled replica portals)."""
from __future__ import annotations

import time

from crawler.registry import get_site, load_sites
from crawler.settings import LOOPBACK_OVERRIDES
from db.engine import describe, session_factory
from monitor.cli.common import CliError, at_least_one, console, db_option, err, load_config
from monitor.crawling import CrawlOutcome, crawl_sites


def progress_printer():
    """Prints a line per portal whenever its crawl moves on (works in a terminal and in logs)."""
    last: dict[str, tuple] = {}

    def show(outcomes: list[CrawlOutcome]) -> None:
        for o in outcomes:
            state = (o.status, o.pages, o.articles_seen)
            if state != last.get(o.site) and o.status != "queued":
                last[o.site] = state
                err.print(f"  {o.site:<12} {o.status:<9} pages {o.pages:>5}  articles {o.articles_seen:>5} (new {o.articles_new})")
    return show


def report_failures(outcomes: list[CrawlOutcome]) -> int:
    """One line per failed crawl; the exit code: 1 if any failed."""
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        err.print(f"[red]crawl of {o.site} failed[/red]: {o.message or 'no reason recorded'} (log: {o.log_path})")
    return 1 if failed else 0


def add_crawl(sub) -> None:
    p = sub.add_parser("crawl", parents=[db_option()], help="crawl registered portals now")
    p.add_argument("sites", nargs="*", metavar="SITE")
    p.add_argument("--all", action="store_true", help="every registered portal")
    p.add_argument("--parallel", type=at_least_one, default=2, help="portals crawled at once (default 2)")
    p.add_argument("--fast", action="store_true", help="no politeness delays (only for a local replica)")
    p.add_argument("--full", action="store_true",
                   help="walk every listing page and fetch every article (default: incremental, stop at known articles)")
    p.add_argument("--config", metavar="FILE", help="monitor configuration (TOML; default: $PORTALWATCH_CONFIG or built-in)")
    p.set_defaults(func=cmd_crawl)


def cmd_crawl(args) -> int:
    from monitor.detect import detect_pending

    keys = sorted(load_sites()) if args.all else args.sites
    if not keys:
        raise CliError("name at least one site, or --all (see `portalwatch sites`)")
    sites = [get_site(key) for key in keys]  # an unknown key: RegistryError, reported by main
    config = load_config(args.config)
    settings = dict(LOOPBACK_OVERRIDES) if args.fast else {}
    mode = "full" if args.full else "incremental"
    err.print(f"crawling {', '.join(keys)} into {describe(args.db)} ({mode})")
    outcomes = crawl_sites(args.db, sites, settings=settings, parallel=args.parallel, on_progress=progress_printer(),
                           mode=mode, crawl_settings=config.crawl)
    for o in outcomes:
        console.print(f"{o.site}: {o.status}, {o.pages} pages, {o.articles_seen} articles ({o.articles_new} new), "
                      f"{o.errors} errors in {o.seconds:.1f} s")
    found = detect_pending(session_factory(args.db), config.detection)
    console.print(f"{len(found)} new event(s); see `portalwatch events`")
    return report_failures(outcomes)


def add_replica(sub) -> None:
    p = sub.add_parser("replica", parents=[db_option()], help="serve the bundled replica portals until Ctrl-C")
    p.set_defaults(func=cmd_replica)


def cmd_replica(args) -> int:
    from crawler.replica import Replica

    with Replica() as replica:
        for key, base in replica.base_urls.items():
            console.print(f"{key:<10} {base}")
        console.print("serving until Ctrl-C (the clock stands still; tests and the demo move it from Python)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0
