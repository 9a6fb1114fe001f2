"""`portalwatch docs`: the resolution tracker — which portals relayed an official document, when, and
which portals of the same scope have not yet (db/tracker.py reads it; the scopes come from the registry)."""
from __future__ import annotations

from itertools import chain

from rich.markup import escape
from rich.table import Table

from crawler.registry import scopes as registry_scopes
from db.engine import session_factory
from monitor.cli.common import (MAX_LIMIT, MAX_PAGE, CliError, between_one_and, console, db_option, dump_json,
                                open_archive, output_options, tracker_since, write_csv)
from vntext.textnorm import clean_text

LIST_CSV = ("canonical", "type", "type_name", "issuer", "issued_on", "first_seen_at", "first_mentioned_at",
            "mention_count", "portals")
LIST_LIMIT, MENTION_LIMIT = 50, 100  # documents per page; one document's mentions per page (the API's defaults)
# `docs NUMBER --json/--csv` without --limit and --page prints every mention (as it always did), read this many
# per statement: a mention row is small (no body), so a page costs well under a megabyte.
EVERY_PAGE = 1000
MENTION_CSV = ("status", "canonical", "site", "portal_name", "article_id", "url", "title", "published_at",
               "sentence", "source", "first_seen_at", "removed")


def add_docs(sub) -> None:
    p = sub.add_parser("docs", parents=[db_option()],
                       help="the resolution tracker: official documents, the articles and portals that relay them")
    p.add_argument("number", nargs="?", metavar="NUMBER",
                   help="one document (23-NQ/TU, typed loosely: 23-nq/tu, \"Nghị quyết số 23-NQ/TU\"): its timeline "
                        "and coverage; without it, the list of documents")
    p.add_argument("--type", dest="doc_type", metavar="TYPE", help="list only documents of this type (NQ, CT, CTr, QĐ, KH …)")
    p.add_argument("--issuer", metavar="ISSUER", help="list only documents of this issuer (TU, HĐND, UBND …; "
                                                      "UBND also matches NQ-UBND)")
    p.add_argument("--since", metavar="2d|ISO", help="list only documents first mentioned since (a duration back on the "
                                                     "first mentioning portal's clock, or a date/time)")
    p.add_argument("--scope", metavar="SCOPE[,SCOPE]", help="with NUMBER: read coverage in these scopes (see `portalwatch "
                                                          "sites`) instead of those of the portals that mention it")
    p.add_argument("--limit", type=between_one_and(MAX_LIMIT), default=None,
                   help="documents per page (default 50); with NUMBER: mentions per page (default 100)")
    p.add_argument("--page", type=between_one_and(MAX_PAGE), default=None,
                   help="page number, from 1 (with NUMBER: of its mentions, oldest first; with --json/--csv and "
                        "neither --limit nor --page, every mention)")
    output_options(p, json_help="print document objects (with mentions; NUMBER: and coverage)",
                   csv_help="print CSV: a row per document; NUMBER: a row per mention (status relayed) and per portal "
                            "not yet relaying (not_yet)")
    p.set_defaults(func=cmd_docs)


def cmd_docs(args) -> int:
    from db.tracker import QueryError, document_numbers, document_type, issuer_code

    try:
        if args.number is not None:
            if args.doc_type or args.issuer or args.since:
                raise CliError("--type, --issuer and --since filter the list of documents: leave them out with NUMBER")
            document_numbers(args.number)  # not a number at all: bad input, before the archive is opened
            args.every = args.limit is None and args.page is None and (args.json or args.csv)
            args.limit, args.page = args.limit or MENTION_LIMIT, args.page or 1
            return _one_document(args)
        if args.scope:
            raise CliError("--scope reads the coverage of one document: give its NUMBER")
        filters = {"doc_type": document_type(args.doc_type) if args.doc_type else None,
                   "issuer": issuer_code(args.issuer) if args.issuer else None, "since": tracker_since(args.since)}
    except QueryError as exc:
        raise CliError(str(exc)) from exc
    args.limit, args.page = args.limit or LIST_LIMIT, args.page or 1
    return _documents(args, filters)


# ---- the list -----------------------------------------------------------------------------------------------
def _documents(args, filters: dict) -> int:
    from db.tracker import list_documents

    with session_factory(open_archive(args))() as session:
        page = list_documents(session, **filters, limit=args.limit, offset=(args.page - 1) * args.limit)
    if args.json:
        dump_json(page.documents)
    elif args.csv:
        write_csv(({**doc, "portals": " ".join(doc["portals"])} for doc in page.documents), LIST_CSV)
    elif not page.documents:
        console.print("no document matches" if args.page == 1 else f"no document on page {args.page}")
    else:
        _print_list(page, args)
    return 0


def _print_list(page, args) -> None:
    first = (args.page - 1) * args.limit
    console.print(f"{page.total} document{'s' if page.total != 1 else ''}, {first + 1}–{first + len(page.documents)}, "
                  "most recently first mentioned first (times in Vietnam):", highlight=False)
    table = Table()
    for column in ("number", "type", "issuer", "issued", "first mention", "articles", "portals"):
        table.add_column(column, overflow="fold")
    for doc in page.documents:
        table.add_row(escape(doc["canonical"]), doc["type_name"] or doc["type"] or "", doc["issuer"] or "",
                      doc["issued_on"] or "", _short(doc["first_mentioned_at"]), str(doc["mention_count"]),
                      ", ".join(doc["portals"]))
    console.print(table)


# ---- one document -------------------------------------------------------------------------------------------
def _one_document(args) -> int:
    from db.tracker import document_tracker, find_document, later_mentions
    from monitor.web.cursor import mentions_cursor  # the API's cursor: --json is the API's object for the page

    known = registry_scopes()
    wanted = [s.strip() for s in args.scope.split(",") if s.strip()] if args.scope else None
    with session_factory(open_archive(args))() as session:
        if wanted:
            from db.tracker import archived_portal_keys

            groups = set(known.values()) | set(archived_portal_keys(session))
            unknown = [s for s in wanted if s not in groups]
            if unknown:
                raise CliError(f"unknown scope {unknown[0]!r} (known: {', '.join(sorted(set(known.values())))})")
        canonical, found = find_document(session, args.number)
        limit = EVERY_PAGE if args.every else args.limit
        doc = document_tracker(session, canonical, known, scope=wanted, limit=limit,
                               offset=(args.page - 1) * args.limit) if found else None
        if doc is None:
            raise CliError(f"no article in the archive mentions {_as_typed(args.number, canonical)}", code=1)
        rest = iter(())
        if args.every:  # the following pages, read as they are printed, the session still open
            rest, doc["next"] = later_mentions(session, canonical, doc["next"], limit=EVERY_PAGE), None
        mentions_cursor(doc)  # `next` as the API gives it: the same object for the same page
        if args.json:
            doc["mentions"].extend(rest)
            dump_json(doc)
        elif args.csv:
            write_csv(_mention_rows(doc, rest, not_yet=args.page == 1), MENTION_CSV)
        else:
            _print_document(doc, args)
    return 0


def _mention_rows(doc: dict, rest, *, not_yet: bool):
    """--csv of one document: a row per mention (status relayed), then, on the first page only, one per portal
    not yet relaying it (they are the document's, not the page's)."""
    canonical = doc["canonical"]
    for mention in chain(doc["mentions"], rest):
        yield {"status": "relayed", "canonical": canonical, **mention}
    if not_yet:
        for portal in doc["coverage"]["not_yet"]:
            yield {"status": "not_yet", "canonical": canonical, "site": portal["site"], "portal_name": portal["name"]}


def _print_document(doc: dict, args) -> None:
    coverage = doc["coverage"]
    kind = " ".join(filter(None, [doc["type_name"], f"of {doc['issuer']}" if doc["issuer"] else None,
                                  f"issued {doc['issued_on']}" if doc["issued_on"] else None]))
    console.print(f"[bold]{escape(doc['canonical'])}[/bold] {escape(kind)}", highlight=False)
    if not doc["mention_count"]:  # its articles' references were re-read without it: the document row stays
        console.print(f"first seen {_short(doc['first_seen_at'])} (time in Vietnam); no article mentions it yet",
                      highlight=False)
        return
    first = (args.page - 1) * args.limit
    shown = "" if first == 0 and doc["next"] is None else \
        f"; {first + 1}–{first + len(doc['mentions'])} shown" if doc["mentions"] else f"; none on page {args.page}"
    console.print(f"first mentioned {_short(doc['first_mentioned_at'])}, {coverage['days_since_first_mention']} day(s) "
                  f"ago on that portal's clock; first seen {_short(doc['first_seen_at'])}; {doc['mention_count']} "
                  f"article(s) on {len(doc['portals'])} portal(s){shown}, oldest first (times in Vietnam):",
                  highlight=False)
    table = Table()
    for column in ("published", "portal", "id", "article", "sentence"):
        table.add_column(column, overflow="fold")
    for m in doc["mentions"]:
        sentence = m["sentence"] if len(m["sentence"]) <= 200 else m["sentence"][:199] + "…"
        table.add_row(_short(m["published_at"]) or "undated", m["site"], str(m["article_id"]),
                      escape(m["title"]) + (" [red](removed)[/red]" if m["removed"] else ""),
                      escape(sentence) + (" [dim](attachment)[/dim]" if m["source"] == "attachment" else ""))
    if doc["mentions"]:
        console.print(table)
    if doc["next"] is not None:
        console.print(f"more: --page {args.page + 1}", highlight=False)
    members = len(coverage["relayed"]) + len(coverage["not_yet"])
    console.print(f"coverage in {', '.join(coverage['scopes']) or 'no scope'}: {len(coverage['relayed'])} of {members} watched "
                  f"portal(s) relayed it", highlight=False)
    for r in coverage["relayed"]:
        console.print(f"  relayed  {r['site']:<12} {escape(r['name'])} — first {_short(r['first_published_at'])}, "
                      f"{r['mentions']} article(s)", highlight=False)
    for p in coverage["not_yet"]:
        console.print(f"  [yellow]not yet[/yellow]  {p['site']:<12} {escape(p['name'])} (last crawled "
                      f"{_short(p['last_crawled_at']) or 'never'})", highlight=False)
    if coverage["unwatched"]:
        console.print(f"  not watched by this archive: {', '.join(coverage['unwatched'])}", highlight=False)


def _as_typed(typed: str, canonical: str) -> str:
    """The number as the person typed it when it is the canonical form but for case: vntext.docrefs keys
    issuers in upper case (05/CT-TTG), while some are mixed case by law (TTg, the Prime Minister)."""
    typed = clean_text(typed)
    return typed if typed.upper() == canonical.upper() and typed != typed.lower() else canonical


def _short(iso: str | None) -> str:
    """A local ISO time as people read it in a table: 2024-05-10 16:21 (a date alone stays one)."""
    return iso[:16].replace("T", " ") if iso else ""
