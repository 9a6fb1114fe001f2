"""The `portalwatch` command."""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from crawler.profiles import PROFILES
from crawler.registry import RegistryError, get_site, load_sites
from crawler.settings import LOOPBACK_OVERRIDES
from db.engine import describe, resolve_db_url, session_factory
from db.queries import article_json, portal_summaries, search_articles
from db.schema import upgrade
from monitor.crawling import CrawlOutcome, crawl_sites

console = Console()
err = Console(stderr=True)


def _dump(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _progress_printer():
    """Prints a line per portal whenever its crawl moves on (works in a terminal and in logs)."""
    last: dict[str, tuple] = {}

    def show(outcomes: list[CrawlOutcome]) -> None:
        for o in outcomes:
            state = (o.status, o.pages, o.articles_seen)
            if state != last.get(o.site) and o.status != "queued":
                last[o.site] = state
                err.print(f"  {o.site:<12} {o.status:<9} pages {o.pages:>5}  articles {o.articles_seen:>5} (new {o.articles_new})")
    return show


def _report_failures(outcomes: list[CrawlOutcome]) -> int:
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        err.print(f"[red]crawl of {o.site} failed[/red]: {o.message or 'no reason recorded'} (log: {o.log_path})")
    return 1 if failed else 0


# ---- commands ---------------------------------------------------------------------------------
def cmd_demo(args) -> int:
    from crawler.replica import Replica

    url = resolve_db_url(args.db)
    upgrade(url)
    console.print("[bold]portalwatch demo[/bold]: a replica of real portals on 127.0.0.1, crawled into the archive",
                  soft_wrap=True)
    with Replica() as replica:
        sites = [get_site(key).at(base) for key, base in replica.base_urls.items()]
        for site in sites:
            console.print(f"  replica {site.key:<10} {site.base_url}  ({site.profile})")
        started = time.perf_counter()
        outcomes = crawl_sites(url, sites, settings=LOOPBACK_OVERRIDES, parallel=args.parallel,
                               on_progress=_progress_printer())
        seconds = time.perf_counter() - started
    with session_factory(url)() as session:
        summaries = {row["site"]: row for row in portal_summaries(session, [s.key for s in sites])}
    table = Table(title="Archive after the demo crawl")
    for column in ("portal", "articles", "new", "newest title"):
        table.add_column(column, overflow="fold")
    for o in outcomes:
        row = summaries.get(o.site, {})
        table.add_row(o.site, str(row.get("articles", 0)), str(o.articles_new), row.get("newest_title", ""))
    console.print(table)
    pages = sum(o.pages for o in outcomes)
    console.print(f"Crawled {pages} pages in {seconds:.1f} s: {pages / seconds:.0f} pages/s with process start-up, "
                  + ", ".join(f"{o.site} {o.pages / o.crawl_seconds:.0f}" for o in outcomes if o.crawl_seconds)
                  + " pages/s per crawler once started", soft_wrap=True)
    console.print(f"Archive: {describe(url)}", soft_wrap=True, highlight=False)
    console.print('Try: portalwatch search "Bắc Từ Liêm" --json')
    return _report_failures(outcomes)


def cmd_crawl(args) -> int:
    url = resolve_db_url(args.db)
    registry = load_sites()
    keys = sorted(registry) if args.all else args.sites
    if not keys:
        err.print("name at least one site, or --all (see `portalwatch sites`)")
        return 2
    try:
        sites = [get_site(key) for key in keys]
    except RegistryError as exc:
        err.print(f"[red]{exc}[/red]")
        return 2
    settings = dict(LOOPBACK_OVERRIDES) if args.fast else {}
    err.print(f"crawling {', '.join(keys)} into {describe(url)}")
    outcomes = crawl_sites(url, sites, settings=settings, parallel=args.parallel, on_progress=_progress_printer())
    for o in outcomes:
        console.print(f"{o.site}: {o.status}, {o.pages} pages, {o.articles_seen} articles ({o.articles_new} new), "
                      f"{o.errors} errors in {o.seconds:.1f} s")
    return _report_failures(outcomes)


def cmd_search(args) -> int:
    url = resolve_db_url(args.db)
    upgrade(url)
    with session_factory(url)() as session:
        hits = search_articles(session, args.text, site=args.site, limit=args.limit)
        results = [article_json(article, site) for article, site in hits]
    if args.json:
        _dump(results)
        return 0
    if not results:
        console.print("no article matches")
    for r in results:
        console.print(f"[bold]{r['title']}[/bold]\n  {r['site']} · {r['published_at']} · {r['views']} lượt xem · {r['url']}")
    return 0


def _choose_profile(html: str, url: str):
    """The profile whose article URL shape matches; else the one extracting most; else the fallback."""
    from crawler.profiles.fallback import FALLBACK

    for profile in PROFILES.values():
        if profile.article_id(url):
            return profile

    def score(profile):
        a = profile.extract_html(html, url)
        return sum(bool(v) for v in (a.title, a.body_text, a.published, a.views is not None, a.author))

    best = max(PROFILES.values(), key=score)
    return best if best.extract_html(html, url).problems() == [] and score(best) >= 3 else FALLBACK


def _read_page(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]cannot read {path}: {exc}[/red]")
        return None


def cmd_parse(args) -> int:
    path = Path(args.file)
    if (html := _read_page(path)) is None:
        return 2
    url = args.url or path.resolve().as_uri()
    site = None
    if args.site:
        try:
            site = get_site(args.site)
        except RegistryError as exc:
            err.print(f"[red]{exc}[/red]")
            return 2
    profile = PROFILES[site.profile] if site else _choose_profile(html, url)
    if profile.name == "fallback":
        err.print("no known CMS layout matched this page: extracted by the generic fallback (trafilatura + htmldate)")
    article = profile.extract_html(html, url)
    data = {"site": site.key if site else None, **article.to_json(), "problems": article.problems()}
    if args.json:
        _dump(data)
    else:
        for name, value in data.items():
            if name != "body_html":
                console.print(f"[bold]{name}[/bold]: {value}", highlight=False)
    return 0 if not article.problems() else 1


def cmd_refs(args) -> int:
    from bs4 import BeautifulSoup

    from crawler.docrefs import find_references, references_from_filename
    from crawler.profiles.base import file_type_of

    path = Path(args.file)
    if (text := _read_page(path)) is None:
        return 2
    refs = {}
    if re.search(r"<(html|body|p|div)\b", text, re.I):
        soup = BeautifulSoup(text, "lxml")
        for node in soup(["script", "style"]):
            node.decompose()
        names = [a["href"].rstrip("/").split("/")[-1] for a in soup.find_all("a", href=True) if file_type_of(a["href"])]
        text = soup.get_text("\n")
    else:
        names = []
    for ref in find_references(text):
        refs.setdefault(ref.canonical, ref)
    for name in names:
        for ref in references_from_filename(name):
            refs.setdefault(ref.canonical, ref)
    found = [r.to_json() for r in refs.values()]
    if args.json:
        _dump(found)
        return 0
    table = Table()
    for column in ("canonical", "type", "issuer", "issued on", "sentence"):
        table.add_column(column, overflow="fold")
    for r in found:
        table.add_row(r["canonical"], r["type_name"] or r["type"] or "", r["issuer"] or "", r["issued_on"] or "",
                      r["sentence"][:160])
    console.print(table)
    return 0


def cmd_sites(args) -> int:
    sites = load_sites()
    if args.json:
        _dump([{"key": s.key, "name": s.name, "base_url": s.base_url, "profile": s.profile,
                "listings": list(s.listings), "verified": s.verified, "notes": s.notes} for s in sites.values()])
        return 0
    table = Table()
    for column in ("key", "name", "profile", "base url", "verified"):
        table.add_column(column)
    for s in sites.values():
        table.add_row(s.key, s.name, s.profile, s.base_url, "yes" if s.verified else "no")
    console.print(table)
    return 0


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


# ---- argument parsing ---------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portalwatch", description=__doc__)
    parser.add_argument("--db", metavar="URL", help="archive URL (default: $PORTALWATCH_DB or the SQLite file)")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="SQLAlchemy URL of the archive (default: $PORTALWATCH_DB, else ~/.local/share/portalwatch/archive.sqlite3)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", parents=[common], help="start the bundled replica and crawl it into the archive")
    p.add_argument("--parallel", type=int, default=3, help="portals crawled at once (default 3)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("crawl", parents=[common], help="crawl registered portals now")
    p.add_argument("sites", nargs="*", metavar="SITE")
    p.add_argument("--all", action="store_true", help="every registered portal")
    p.add_argument("--parallel", type=int, default=2, help="portals crawled at once (default 2)")
    p.add_argument("--fast", action="store_true", help="no politeness delays (only for a local replica)")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("search", parents=[common], help="search archived articles")
    p.add_argument("text")
    p.add_argument("--site", help="only this portal")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="print a JSON list of article objects")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("parse", parents=[common], help="extract the article from one saved page")
    p.add_argument("file")
    p.add_argument("--site", help="registry key (chooses the CMS profile)")
    p.add_argument("--url", help="the page's URL (gives the article id; default: file:// URL)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("refs", parents=[common], help="document numbers referenced in a text or HTML file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print a JSON list of reference objects")
    p.set_defaults(func=cmd_refs)

    p = sub.add_parser("sites", parents=[common], help="list registered portals")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("replica", parents=[common], help="serve the bundled replica portals until Ctrl-C")
    p.set_defaults(func=cmd_replica)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RegistryError as exc:
        err.print(f"[red]{exc}[/red]")
        return 2


if __name__ == "__main__":
    sys.exit(main())
