"""The `portalwatch` command: one module per command group, each adding its own subcommands.

common.py holds what they share; archive.py (search, parse, refs, sites, reparse), export.py (export), article.py (show, top), crawl.py
(crawl, replica), demo.py, schedule.py (run, status, events), documents.py (docs), health.py, alerts.py (alerts …, rules
check) and web.py (web: monitor/web)
hold the commands; errors.py turns expected failures into one line. What a command reads from the
archive comes from db's query layer (db.queries, db.tracker, db.article_view, db.top).
"""
from __future__ import annotations

import argparse

from db.engine import resolve_db_url
from monitor.cli import alerts, archive, article, crawl, demo, documents, export, health, schedule, web
from monitor.cli.common import Parser
from monitor.cli.errors import run_command

# In the order `portalwatch --help` lists them.
SUBCOMMANDS = (
    demo.add_demo, crawl.add_crawl, archive.add_search, export.add_export, article.add_show, article.add_top, archive.add_parse, archive.add_refs,
    archive.add_sites, schedule.add_run, schedule.add_status, health.add_health, schedule.add_events, documents.add_docs,
    crawl.add_replica, archive.add_reparse,
    alerts.add_alerts, alerts.add_rules, web.add_web,
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="portalwatch", description="The `portalwatch` command.")
    parser.add_argument("--db", metavar="URL", help="archive URL (default: $PORTALWATCH_DB or the SQLite file)")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.db_given = args.db is not None  # the demo keeps out of every archive but one named with --db
    args.db = resolve_db_url(args.db)  # --db (before or after the command), else $PORTALWATCH_DB, else the SQLite file
    return run_command(args)
