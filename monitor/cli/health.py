"""`portalwatch health`: each portal's crawler health, from the archive's crawl runs (monitor/health.py)."""
from __future__ import annotations

from rich import box
from rich.markup import escape
from rich.table import Table

from crawler.registry import load_sites
from db.engine import session_factory
from monitor.cli.common import (check_sites, config_option, console, db_option, dump_json, load_config, open_archive,
                                output_options, write_csv)

EXIT_FAILING = 1  # some portal is failing (ok, warning and never crawled exit 0): for cron and CI
STYLES = {"ok": "green", "warning": "yellow", "failing": "bold red", "never crawled": "dim"}  # monitor.health.VERDICTS


def add_health(sub) -> None:
    p = sub.add_parser("health", parents=[db_option(), config_option()],
                       help="crawler health per portal: last success, failures, items, coverage, verdict")
    p.add_argument("--site", action="append", help="only these portals, repeatable or comma-separated")
    output_options(p, json_help="print a JSON list of portal health objects",
                   csv_help="print CSV: a row per portal (reasons joined with \"; \"; latest_run, coverage and "
                            "monitors JSON-encoded)")
    p.set_defaults(func=cmd_health)


HEALTH_CSV = ("site", "name", "verdict", "reasons", "last_success_at", "consecutive_failures", "latest_run",
              "usual_items", "usual_runs", "coverage", "monitors")  # monitor.health.PortalHealth's fields


def cmd_health(args) -> int:
    from monitor.health import FAILING, portal_health  # Spidermon loads with it: not at every command's start

    url = open_archive(args)
    settings = load_config(args.config).detection
    registry = {key: site.name for key, site in load_sites().items()}
    sites = [s for part in args.site for s in part.split(",") if s] if args.site else None
    with session_factory(url)() as session:
        found = portal_health(session, settings, registry)
        known = {row.site for row in found}
        check_sites(sites, known)
        rows = [row for row in found if sites is None or row.site in sites]
    if args.json:
        dump_json([row.to_json() for row in rows])
    elif args.csv:
        write_csv([row.to_json() for row in rows], HEALTH_CSV)
    else:
        _show(rows)
    return EXIT_FAILING if any(row.verdict == FAILING for row in rows) else 0


def _items(row) -> str:
    run = row.latest_run
    if run is None:
        return "-"
    return f"{run.items} / {row.usual_items:g}" if row.usual_items is not None else str(run.items)


def _coverage(row) -> str:
    """Fields under 100% with their share ("views 0%"), else "100%": a full row reads at a glance."""
    if not row.coverage:
        return "-"
    short = [f"{field} {share:.0%}" for field, share in row.coverage.items() if share < 1]
    return ", ".join(short) or "100%"


def _run(row) -> str:
    """The latest run's status, with Scrapy's finish reason when it is not plain "finished"."""
    run = row.latest_run
    if run is None:
        return "-"
    return run.status if run.finish_reason in (None, "finished") else f"{run.status} ({run.finish_reason})"


def _show(rows: list) -> None:
    """A table of the figures, then each portal's reasons on one line of its own (they can be long)."""
    table = Table(title="crawler health (times in Vietnam)", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)
    for column in ("portal", "verdict", "last\nsuccess", "fails", "latest\nrun", "items/\nusual", "pages/\nerrors",
                   "coverage"):  # two-line headings: the table fits 80 columns
        table.add_column(column, overflow="fold")
    for row in rows:
        run = row.latest_run
        table.add_row(row.site, f"[{STYLES[row.verdict]}]{row.verdict}[/]",
                      row.last_success_at[5:16].replace("T", " ") if row.last_success_at else "never",
                      str(row.consecutive_failures), _run(row), _items(row), f"{run.pages}/{run.errors}" if run else "-",
                      _coverage(row))
    console.print(table)
    for row in rows:
        if row.reasons:
            console.print(f"{row.site} [{STYLES[row.verdict]}]{row.verdict}[/]: {escape('; '.join(row.reasons))}",
                          soft_wrap=True, highlight=False)
