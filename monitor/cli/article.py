"""Commands on archived articles: show (one article, its history and diff) and top (most read, fastest growing)."""
from __future__ import annotations

from rich.table import Table
from rich.text import Text

from crawler.registry import load_sites
from db.article_view import ArticleNotFound, article_view, parse_range, resolve_article
from db.engine import session_factory
from db.queries import archived_portal_keys
from db.top import FIELDS, ORDERS, top_articles
from monitor.cli.common import (MAX_LIMIT, CliError, between_one_and, check_sites, console, db_option, dump_json,
                                open_archive, output_options, write_csv)
from monitor.cli.sparkline import sparkline

DELETED, INSERTED = "red strike", "green underline"


# ---- show ---------------------------------------------------------------------------------------------
def add_show(sub) -> None:
    p = sub.add_parser("show", parents=[db_option()],
                       help="one archived article: its versions and a word-level diff, views, attachments, documents")
    p.add_argument("article", metavar="ID", help="the article's id (as `search --json` prints it) or its URL")
    p.add_argument("--diff", metavar="A..B", help="compare versions A and B (default: the last two)")
    p.add_argument("--json", action="store_true", help="print the article object with versions, diff, view_samples, "
                                                       "attachments and documents")
    p.set_defaults(func=cmd_show)


def cmd_show(args) -> int:
    try:
        wanted = parse_range(args.diff) if args.diff else None
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    with session_factory(open_archive(args))() as session:
        try:
            data = article_view(session, resolve_article(session, args.article), diff=wanted)
        except ArticleNotFound as exc:
            raise CliError(str(exc)) from exc
    if args.json:
        dump_json(data)
        return 0
    _print_article(data)
    return 0


def _print_article(a: dict) -> None:
    console.print(Text(a["title"], style="bold"))
    facts = [a["site"], a["published_at"] or "no date", a["author"], a["category"]]
    console.print(Text(" · ".join(f for f in facts if f)), highlight=False)
    console.print(Text(a["url"]), highlight=False, soft_wrap=True)
    state = f"id {a['id']} · first seen {a['first_seen_at']} · last fetched {a['last_fetched_at']}"
    if a["removed_at"]:
        state += f" · removed {a['removed_at']}"
    console.print(Text(state, style="dim"), highlight=False)
    _print_views(a)
    _print_versions(a)
    if a["diff"]:
        _print_diff(a["diff"])
    _print_attachments(a["attachments"])
    _print_documents(a["documents"])


def _print_views(a: dict) -> None:
    samples = a["view_samples"]
    if not samples:
        console.print("\nViews: no reading (the portal shows no counter)" if a["views"] is None else
                      f"\nViews: {a['views']}", highlight=False)
        return
    series = samples[-1]["series"]
    resets = f", {series - 1} counter reset(s)" if series > 1 else ""
    console.print(f"\nViews: {a['views']}  {sparkline(samples)}  ({samples[0]['views']} → {samples[-1]['views']}, "
                  f"{samples[0]['first_at']} … {samples[-1]['last_at']}, {len(samples)} run(s) of readings{resets})",
                  highlight=False, soft_wrap=True)


def _print_versions(a: dict) -> None:
    table = Table(title="Versions", title_justify="left")
    for column in ("#", "fetched", "title", "changed"):
        table.add_column(column, overflow="fold")
    for v in a["versions"]:
        table.add_row(str(v["version"]), v["fetched_at"], Text(v["title"]), ", ".join(v["changed"]) or "—")
    console.print(table)


def _print_diff(diff: dict) -> None:
    console.print(Text(f"Diff v{diff['from']} → v{diff['to']} ({diff['from_fetched_at']} → {diff['to_fetched_at']}); "
                       "[-deleted-] {+inserted+}", style="bold"), highlight=False)
    if not diff["fields"]:
        console.print("  no change")
    for name, change in diff["fields"].items():
        if "segments" in change:
            console.print(Text(f"{name} (−{change['deleted_words']} +{change['inserted_words']} words):",
                               style="bold"), highlight=False)
            for line in changed_lines(change["segments"]):
                console.print(line, highlight=False, soft_wrap=True)
        elif name == "attachments":
            for item in change["removed"]:
                console.print(Text(f"attachments: [-{item['file_name'] or item['url']}-]", style=DELETED))
            for item in change["added"]:
                console.print(Text(f"attachments: {{+{item['file_name'] or item['url']}+}}", style=INSERTED))
        else:
            console.print(Text(f"{name}: {change['old'] or '—'} → {change['new'] or '—'}"), highlight=False)


def changed_lines(segments: list[dict]) -> list[Text]:
    """The lines (paragraphs) holding a change, marked up; a run of unchanged lines is one "⋯ N unchanged"."""
    lines: list[Text] = [Text("  ")]
    changed = [False]
    for segment in segments:
        parts = segment["text"].split("\n")
        for index, part in enumerate(parts):
            if index:
                lines.append(Text("  "))
                changed.append(False)
            if not part:
                continue
            if segment["op"] == "equal":
                lines[-1].append(part)
            else:
                marks = ("[-", "-]") if segment["op"] == "delete" else ("{+", "+}")
                lines[-1].append(f"{marks[0]}{part}{marks[1]}", style=DELETED if segment["op"] == "delete" else INSERTED)
                changed[-1] = True
    out, skipped = [], 0
    for line, is_changed in zip(lines, changed):
        if is_changed:
            if skipped:
                out.append(Text(f"  ⋯ {skipped} unchanged", style="dim"))
            out.append(line)
            skipped = 0
        elif line.plain.strip():
            skipped += 1
    if skipped and out:
        out.append(Text(f"  ⋯ {skipped} unchanged", style="dim"))
    return out


def _print_attachments(items: list[dict]) -> None:
    if not items:
        return
    table = Table(title="Attachments", title_justify="left")
    for column in ("file", "type", "title", "first seen", "current"):
        table.add_column(column, overflow="fold")
    for f in items:
        table.add_row(Text(f["file_name"] or f["url"]), Text(f["file_type"]), Text(f["title"]), f["first_seen_at"],
                      "yes" if f["current"] else "no")
    console.print(table)


def _print_documents(items: list[dict]) -> None:
    if not items:
        return
    table = Table(title="Documents cited", title_justify="left")
    for column in ("document", "type", "issuer", "first", "sentence"):
        table.add_column(column, overflow="fold")
    for d in items:
        table.add_row(Text(d["canonical"]), d["type_name"] or d["type"] or "", Text(d["issuer"] or ""),
                      "yes" if d["first"] else "", Text(d["sentence"][:160]))
    console.print(table)


# ---- top ------------------------------------------------------------------------------------------------
def add_top(sub) -> None:
    p = sub.add_parser("top", parents=[db_option()], help="the most read or fastest growing articles")
    p.add_argument("--by", choices=ORDERS, default="views",
                   help="views (the latest count of articles published in the window; default) or growth "
                        "(views gained within the window)")
    # A century of days: a larger window reaches before year 1 (OverflowError) and holds no more articles.
    p.add_argument("--days", type=between_one_and(36_500), default=7, help="the window, in days up to now (default 7)")
    p.add_argument("--site", action="append", help="only these portals, repeatable or comma-separated")
    p.add_argument("--limit", type=between_one_and(MAX_LIMIT), default=20, help="how many articles (default 20)")
    output_options(p, json_help="print a JSON list of rows", csv_help="print CSV with a header row")
    p.set_defaults(func=cmd_top)


def cmd_top(args) -> int:
    with session_factory(open_archive(args))() as session:
        sites = [s for part in args.site for s in part.split(",") if s] if args.site else None
        if sites:
            check_sites(sites, set(load_sites()) | set(archived_portal_keys(session)))
        rows = top_articles(session, by=args.by, days=args.days, site=sites, limit=args.limit)
    if args.json:
        dump_json(rows)
        return 0
    if args.csv:
        write_csv(rows, FIELDS)
        return 0
    if not rows:
        console.print(f"no article {'published' if args.by == 'views' else 'with view readings'} in the last "
                      f"{args.days} day(s)" + (f" on {', '.join(sites)}" if sites else ""), highlight=False)
        return 0
    windows = {(r["window_start"], r["window_end"]) for r in rows}
    window = (f"{rows[0]['window_start']} … {rows[0]['window_end']}" if len(windows) == 1
              else f"the {args.days} day(s) up to each portal's latest fetch")
    table = Table(title=f"Top by {args.by}, {window}", title_justify="left")
    for column in ("#", "site", "published", "views", "growth", "title"):
        table.add_column(column, overflow="fold", justify="right" if column in ("#", "views", "growth") else "left")
    for r in rows:
        growth = f"+{r['growth']}" + (" (reset)" if r["resets"] else "")
        table.add_row(str(r["rank"]), r["site"], r["published_at"] or "", "" if r["views"] is None else str(r["views"]),
                      growth, Text(r["title"]).append(f"\nid {r['id']}", style="dim"))
    console.print(table)
    return 0
