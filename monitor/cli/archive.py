"""Commands on archived and saved pages: search, parse, refs, sites, reparse."""
from __future__ import annotations

import re
from pathlib import Path

from rich.table import Table
from rich.text import Text

from crawler.extract import extract_page
from crawler.profiles.fallback import FALLBACK
from crawler.registry import RegistryError, get_site, load_sites
from db.engine import session_factory
from monitor.cli.common import (MAX_LIMIT, MAX_PAGE, CliError, between_one_and, console, db_option, dump_json, err,
                                open_archive, output_options, write_csv)
from monitor.formats import ARTICLE_FIELDS


# ---- search ---------------------------------------------------------------------------------------
def add_search(sub) -> None:
    p = sub.add_parser("search", parents=[db_option()], help="search archived articles")
    p.add_argument("text", help=TEXT_HELP)
    add_search_filters(p)
    p.add_argument("--order", choices=("relevance", "date"), default="relevance",
                   help="relevance (default; exact diacritics first) or date (newest first)")
    p.add_argument("--limit", type=between_one_and(MAX_LIMIT), default=20, help="results per page (default 20)")
    p.add_argument("--page", type=between_one_and(MAX_PAGE), default=1, help="page number, from 1")
    output_options(p, json_help="print a JSON list of article objects (plus score, exact, snippet, snippet_marks, "
                   "title_marks)",
                   csv_help="print CSV: a row per article, the columns of --json")
    p.set_defaults(func=cmd_search)


TEXT_HELP = ('words (all must match, diacritics optional: "hoi dong" finds "Hội đồng"); "quoted phrases"; '
             'document numbers like 23-NQ/TU')
SEARCH_CSV = (*ARTICLE_FIELDS, "score", "exact", "snippet", "snippet_marks", "title_marks")  # new columns last


def add_search_filters(p) -> None:
    """The filters of `search`, shared with `export`."""
    p.add_argument("--site", help="only this portal")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="published on or after DATE (dd/mm/yyyy or yyyy-mm-dd)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="published on or before DATE (dd/mm/yyyy or yyyy-mm-dd)")
    p.add_argument("--category", help="only categories with these words (case and diacritics ignored)")
    p.add_argument("--doc-type", metavar="TYPE", help="only articles citing a document of this type (NQ, CT, CTr, QĐ, KH …)")
    p.add_argument("--doc-number", metavar="NUMBER", help="only articles citing this document (23-NQ/TU, 123/QĐ-UBND …)")
    p.add_argument("--include-removed", action="store_true", help="also articles removed from their portal")


def search_filters(args) -> dict:
    """The search filters given on the command line, as db.search.search and db.export take them (raises
    QueryError for a date that is none)."""
    from db.search import parse_day

    return dict(site=args.site, date_from=parse_day(args.date_from) if args.date_from else None,
                date_to=parse_day(args.date_to) if args.date_to else None, category=args.category,
                doc_type=args.doc_type, doc_number=args.doc_number, include_removed=args.include_removed)


def _search(args):
    """The page of hits as article objects plus score, exact, snippet and the marks of the snippet and the title;
    and the search's totals."""
    from db.search import QueryError, hit_json, search

    try:
        filters = search_filters(args)
        with session_factory(open_archive(args))() as session:
            found = search(session, args.text, **filters, order=args.order, limit=args.limit,
                           offset=(args.page - 1) * args.limit)
            results = [hit_json(hit, found.query) for hit in found.items]
    except QueryError as exc:
        raise CliError(str(exc)) from exc
    return results, found


MARK_STYLE = "bold yellow"  # the query's matches in a title and a snippet


def _marked(text: str | None, marks: list[list[int]], style: str = "") -> Text:
    """`text` as a rich Text (never read as markup: a title holding "[bold]" prints as typed) with its marks
    styled."""
    shown = Text(text or "", style=style)
    for start, end in marks:
        shown.stylize(MARK_STYLE, start, end)
    return shown


def cmd_search(args) -> int:
    results, found = _search(args)
    if args.json:
        dump_json(results)
        return 0
    if args.csv:
        write_csv(results, SEARCH_CSV)
        return 0
    if not results:
        console.print("no article matches" if found.offset == 0 else f"no article on page {args.page}")
        return 0
    total = f"{found.total} match{'es' if found.total != 1 else ''}" if found.total_exact \
        else f"more than {found.total} matches"
    console.print(f"{total}, {found.offset + 1}–{found.offset + len(results)} by {args.order}:", highlight=False)
    for r in results:
        console.print(Text.assemble(
            _marked(r["title"], r["title_marks"], "bold"),
            f"\n  {r['site']} · {r['published_at']} · {r['views']} lượt xem · {r['url']}\n  ",
            _marked(r["snippet"], r["snippet_marks"])), highlight=False)
    return 0


# ---- parse and refs: saved pages --------------------------------------------------------------------
def _read_page(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from exc


def add_parse(sub) -> None:
    p = sub.add_parser("parse", parents=[db_option()], help="extract the article from one saved page")
    p.add_argument("file")
    p.add_argument("--site", help="registry key (chooses the CMS profile)")
    p.add_argument("--url", help="the page's URL (gives the article id; default: file:// URL)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_parse)


def cmd_parse(args) -> int:
    path = Path(args.file)
    html = _read_page(path)
    url = args.url or path.resolve().as_uri()
    site = get_site(args.site) if args.site else None  # an unknown key: RegistryError, reported by main
    article = extract_page(html, url, site.profile if site else None)
    if article.extracted_by == FALLBACK.name:
        if site:  # the crawler would do the same with this page of the portal
            err.print(f"the {site.profile} profile found no article on this page: extracted by the generic "
                      "fallback (trafilatura + htmldate), as the crawler would", markup=False)
        else:
            err.print("no known CMS layout matched this page: extracted by the generic fallback "
                      "(trafilatura + htmldate)")
    data = {"site": site.key if site else None, **article.to_json(), "problems": article.problems()}
    if args.json:
        dump_json(data)
    else:
        for name, value in data.items():
            if name != "body_html":
                console.print(f"[bold]{name}[/bold]: {value}", highlight=False)
    return 0 if not article.problems() else 1


def add_refs(sub) -> None:
    p = sub.add_parser("refs", parents=[db_option()], help="document numbers referenced in a text or HTML file")
    p.add_argument("file")
    output_options(p, json_help="print a JSON list of reference objects", csv_help="print CSV: a row per reference")
    p.set_defaults(func=cmd_refs)


REFS_CSV = ("canonical", "system", "type", "type_name", "number", "year", "issuer", "issued_on", "sentence", "source")


def _references(text: str) -> list[dict]:
    """Document references in the text, and in the names of attached files if it is an HTML page."""
    from bs4 import BeautifulSoup

    from vntext.docfiles import references_from_filename
    from vntext.docrefs import find_references
    from crawler.profiles.base import file_type_of

    names = []
    if re.search(r"<(html|body|p|div)\b", text, re.I):
        soup = BeautifulSoup(text, "lxml")
        for node in soup(["script", "style"]):
            node.decompose()
        names = [a["href"].rstrip("/").split("/")[-1] for a in soup.find_all("a", href=True) if file_type_of(a["href"])]
        text = soup.get_text("\n")
    refs = {}
    for ref in find_references(text):
        refs.setdefault(ref.canonical, ref)
    for name in names:
        for ref in references_from_filename(name):
            refs.setdefault(ref.canonical, ref)
    return [r.to_json() for r in refs.values()]


def cmd_refs(args) -> int:
    found = _references(_read_page(Path(args.file)))
    if args.json:
        dump_json(found)
        return 0
    if args.csv:
        write_csv(found, REFS_CSV)
        return 0
    table = Table()
    for column in ("canonical", "type", "issuer", "issued on", "sentence"):
        table.add_column(column, overflow="fold")
    for r in found:
        table.add_row(r["canonical"], r["type_name"] or r["type"] or "", r["issuer"] or "", r["issued_on"] or "",
                      r["sentence"][:160])
    console.print(table)
    return 0


# ---- sites and reparse --------------------------------------------------------------------------------
def add_sites(sub) -> None:
    p = sub.add_parser("sites", parents=[db_option()], help="list registered portals")
    output_options(p, json_help="print a JSON list of site objects",
                   csv_help="print CSV: a row per site (listings joined with \"; \")")
    p.set_defaults(func=cmd_sites)


SITES_CSV = ("key", "name", "base_url", "profile", "listings", "verified", "notes", "scope")


def cmd_sites(args) -> int:
    sites = load_sites()
    if args.json or args.csv:
        rows = [{"key": s.key, "name": s.name, "base_url": s.base_url, "profile": s.profile,
                 "listings": list(s.listings), "verified": s.verified, "notes": s.notes, "scope": s.scope}
                for s in sites.values()]
        dump_json(rows) if args.json else write_csv(rows, SITES_CSV)
        return 0
    table = Table()
    for column in ("key", "name", "profile", "base url", "scope", "verified"):
        table.add_column(column)
    for s in sites.values():
        table.add_row(s.key, s.name, s.profile, s.base_url, s.scope, "yes" if s.verified else "no")
    console.print(table)
    return 0


def add_reparse(sub) -> None:
    p = sub.add_parser("reparse", parents=[db_option()],
                       help="re-extract a portal's stored pages with the current profile and correct its history")
    p.add_argument("site", metavar="SITE")
    p.add_argument("--profile", help="extract with this profile instead of the portal's own")
    p.add_argument("--dry-run", action="store_true", help="count what would change, write nothing")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=cmd_reparse)


def cmd_reparse(args) -> int:
    from crawler.reparse import reparse_site

    profile = args.profile
    if profile is None:
        try:
            profile = get_site(args.site).profile
        except RegistryError:
            profile = None  # archived but no longer registered: the profile recorded with the portal
    try:
        result = reparse_site(args.db, args.site, profile=profile, dry_run=args.dry_run)
    except LookupError as exc:
        raise CliError(str(exc.args[0] if exc.args else exc)) from exc
    if args.json:
        dump_json(result.as_dict() | {"dry_run": args.dry_run})
    else:
        console.print(
            f"{result.site}: {result.pages} page(s) re-extracted with the {result.profile} profile "
            f"({result.articles} article(s)), {result.versions_changed} version(s) changed, "
            f"{result.changes_rewritten} change record(s) rewritten, {result.articles_changed} article(s) updated, "
            f"{result.failures} failure(s)" + (" — dry run, nothing written" if args.dry_run else ""),
            soft_wrap=True, highlight=False)
    for problem in result.problems:
        err.print(f"  cannot re-extract {problem}", soft_wrap=True, highlight=False, markup=False)
    return 1 if result.failures else 0
