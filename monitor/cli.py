"""The `portalwatch` command."""
from __future__ import annotations

import argparse
import json
import re
from datetime import datetime
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from crawler.profiles import PROFILES
from crawler.registry import RegistryError, get_site, load_sites
from crawler.settings import LOOPBACK_OVERRIDES
from db.engine import describe, resolve_db_url, session_factory
from db.queries import article_json, portal_summaries
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
    from collections import Counter
    from datetime import timedelta

    from crawler.replica import Replica
    from monitor.config import CrawlSettings
    from monitor.detect import detect_pending

    url = resolve_db_url(args.db)
    upgrade(url)
    config = _config(args)
    console.print("[bold]portalwatch demo[/bold]: a replica of real portals on 127.0.0.1, crawled into the archive",
                  soft_wrap=True)
    with Replica() as replica:
        sites = [get_site(key).at(base) for key, base in replica.base_urls.items()]
        for site in sites:
            console.print(f"  replica {site.key:<10} {site.base_url}  ({site.profile})")
        # The replica's clock is simulated: every known article is due again at the next pass.
        recheck_all = CrawlSettings(refetch=((None, timedelta(0)),))
        started = time.perf_counter()
        outcomes = crawl_sites(url, sites, settings=LOOPBACK_OVERRIDES, parallel=args.parallel,
                               on_progress=_progress_printer(), crawl_settings=recheck_all)
        seconds = time.perf_counter() - started
        first_events = detect_pending(session_factory(url), config.detection)
        with session_factory(url)() as session:
            summaries = {row["site"]: row for row in portal_summaries(session, [s.key for s in sites])}

        # The replica's clock moves half a day: new postings, growing readership, one silent edit.
        replica.advance(hours=12)
        edited = replica.visible("caugiay")[3]
        replica.edit("caugiay", edited.external_id, title=edited.title + " (cập nhật)")
        console.print("\nReplica clock +12 h, one article edited; incremental crawl:")
        later = crawl_sites(url, sites, settings=LOOPBACK_OVERRIDES, parallel=args.parallel,
                            on_progress=_progress_printer(), mode="incremental", crawl_settings=recheck_all)
        later_events = detect_pending(session_factory(url), config.detection)
    table = Table(title="Archive after the first crawl")
    for column in ("portal", "articles", "new", "newest title"):
        table.add_column(column, overflow="fold")
    for o in outcomes:
        row = summaries.get(o.site, {})
        table.add_row(o.site, str(row.get("articles", 0)), str(o.articles_new), row.get("newest_title", ""))
    console.print(table)
    pages = sum(o.pages for o in outcomes)
    console.print(f"First crawl: {pages} pages in {seconds:.1f} s: {pages / seconds:.0f} pages/s with process start-up, "
                  + ", ".join(f"{o.site} {o.pages / o.crawl_seconds:.0f}" for o in outcomes if o.crawl_seconds)
                  + " pages/s per crawler once started", soft_wrap=True)
    second_pages = sum(o.pages for o in later)
    console.print(f"Crawl 12 h later: {second_pages} pages (listings walked until known articles, and every known "
                  f"article re-checked with a conditional GET: the replica's counters moved, so most pages came back)",
                  soft_wrap=True)
    counts = Counter(e.kind for e in first_events)
    console.print("Events of the first crawl: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())), soft_wrap=True)
    for e in first_events:
        if e.kind == "new_document" and e.payload.get("canonical") == "23-NQ/TU":
            console.print(f"  new_document {e.payload['canonical']} ({e.payload['type_name']}, {e.payload['issuer']}, "
                          f"ngày {e.payload['issued_on']}): {e.payload['article']['title'][:90]}…", soft_wrap=True)
    console.print("Events 12 h later:", soft_wrap=True)
    for e in later_events:
        detail = e.payload.get("title") or e.payload.get("canonical") or ""
        if e.kind == "edited":
            detail += f"  changed: {', '.join(e.payload['changes'])}"
        console.print(f"  {e.kind:<16} {detail[:110]}", soft_wrap=True, highlight=False)
    _demo_alerts(url, first_events + later_events)
    console.print(f"Archive: {describe(url)}", soft_wrap=True, highlight=False)
    console.print('Try: portalwatch search "Bắc Từ Liêm" --json · portalwatch events --kind new_document · '
                  'portalwatch alerts list')
    return _report_failures(outcomes + later)


def _demo_alerts(url: str, events) -> None:
    """The demo's alerts: the shipped default rules, delivered over SMTP to a sink the demo starts on 127.0.0.1."""
    import mailbox
    from dataclasses import replace
    from datetime import timedelta
    from email import message_from_bytes, policy

    from db.engine import default_archive_path
    from db.models import utcnow
    from monitor import alerts
    from monitor.mailer import SmtpSink
    from monitor.rules import load_rules

    parsed = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    maildir = (Path(parsed).parent if parsed else default_archive_path().parent) / "demo-mail"
    rules = load_rules(env={})  # the shipped rules, whatever the environment says
    with SmtpSink(maildir) as sink:
        rules = replace(rules, recipients=("ban.tuyen.giao@example.vn",),
                        smtp=replace(rules.smtp, host="127.0.0.1", port=sink.port, security="plain", username=""))
        Session = session_factory(url)
        queued = alerts.enqueue(Session, rules, event_ids=[e.id for e in events])
        now = utcnow()
        immediate = alerts.deliver(Session, rules, now=now)
        # The alert clock jumps to the next 07:00 (Asia/Ho_Chi_Minh): the daily digest goes out too.
        digest_at = rules.rules[-1].next_digest(now)
        digest = alerts.deliver(Session, rules, now=digest_at + timedelta(seconds=1))
    console.print(f"\nAlerts (shipped default rules): {queued} queued; {immediate.messages} immediate mail(s) and, "
                  f"at {digest_at:%d/%m %H:%M}, {digest.messages} digest, sent over SMTP to a local sink on 127.0.0.1",
                  soft_wrap=True, highlight=False)
    console.print(f"Mail folder (Maildir, readable with mutt -f or any mail client): {maildir}", soft_wrap=True,
                  highlight=False)
    for error in dict.fromkeys(immediate.errors + digest.errors):
        err.print(f"  alert not sent: {error}", soft_wrap=True, highlight=False, markup=False)
    for message in mailbox.Maildir(str(maildir), create=False):
        mail = message_from_bytes(message.as_bytes(), policy=policy.default)
        if "23-NQ/TU" in str(mail["Subject"]):
            text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
            console.print(f"\nSubject: {mail['Subject']}\nTo: {mail['To']}\nMessage-ID: {mail['Message-ID']}\n\n{text}",
                          soft_wrap=True, highlight=False, markup=False)
            break


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
    from monitor.detect import detect_pending

    config = _config(args)
    settings = dict(LOOPBACK_OVERRIDES) if args.fast else {}
    mode = "full" if args.full else "incremental"
    err.print(f"crawling {', '.join(keys)} into {describe(url)} ({mode})")
    outcomes = crawl_sites(url, sites, settings=settings, parallel=args.parallel, on_progress=_progress_printer(),
                           mode=mode, crawl_settings=config.crawl)
    for o in outcomes:
        console.print(f"{o.site}: {o.status}, {o.pages} pages, {o.articles_seen} articles ({o.articles_new} new), "
                      f"{o.errors} errors in {o.seconds:.1f} s")
    found = detect_pending(session_factory(url), config.detection)
    console.print(f"{len(found)} new event(s); see `portalwatch events`")
    return _report_failures(outcomes)


def cmd_search(args) -> int:
    from rich.markup import escape

    from db.search import QueryError, parse_day, search, snippet

    try:
        if args.limit < 1 or args.page < 1:
            raise QueryError("--limit and --page must be at least 1")
        date_from = parse_day(args.date_from) if args.date_from else None
        date_to = parse_day(args.date_to) if args.date_to else None
        url = resolve_db_url(args.db)
        upgrade(url)
        with session_factory(url)() as session:
            found = search(session, args.text, site=args.site, date_from=date_from, date_to=date_to,
                           category=args.category, doc_type=args.doc_type, doc_number=args.doc_number,
                           order=args.order, limit=args.limit, offset=(args.page - 1) * args.limit,
                           include_removed=args.include_removed)
            results = [article_json(hit.article, hit.site) | {
                "score": round(hit.score, 6) if hit.score is not None else None,
                "exact": hit.exact, "snippet": snippet(hit.article, found.query)} for hit in found.items]
    except QueryError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]", highlight=False)
        return 2
    if args.json:
        _dump(results)
        return 0
    if not results:
        console.print("no article matches" if found.offset == 0 else f"no article on page {args.page}")
        return 0
    total = f"{found.total} match{'es' if found.total != 1 else ''}" if found.total_exact \
        else f"more than {found.total} matches"
    console.print(f"{total}, {found.offset + 1}–{found.offset + len(results)} by {args.order}:", highlight=False)
    for r in results:
        console.print(f"[bold]{escape(r['title'])}[/bold]\n  {r['site']} · {r['published_at']} · {r['views']} lượt xem · "
                      f"{escape(r['url'])}\n  {escape(r['snippet'])}", highlight=False)
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

    from vntext.docfiles import references_from_filename
    from vntext.docrefs import find_references
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


def _config(args):
    from monitor.config import ConfigError, load_config

    try:
        return load_config(getattr(args, "config", None))
    except ConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        raise SystemExit(2)


def _start_replica_clock(replica, speed: float):
    """Move the replica's clock `speed` seconds per real second, in the background."""
    import threading

    def tick():
        while not stop.wait(1.0):
            replica.advance(seconds=speed)

    stop = threading.Event()
    threading.Thread(target=tick, name="replica-clock", daemon=True).start()
    return stop


def cmd_run(args) -> int:
    from monitor.scheduler import LeaseHeld, Monitor

    url = resolve_db_url(args.db)
    _config(args)  # validate before anything starts
    replica = clock = None
    base_urls, settings = {}, {}
    if args.replica:
        from crawler.replica import Replica

        replica = Replica().start()
        base_urls, settings = replica.base_urls, dict(LOOPBACK_OVERRIDES)
        for key, base in base_urls.items():
            err.print(f"replica {key:<10} {base}")
        if args.replica_speed:
            clock = _start_replica_clock(replica, args.replica_speed)
    try:
        monitor = Monitor(url, args.config, base_urls=base_urls, crawl_settings=settings)
        while args.once:
            try:
                monitor.run_once_leased()
                return 0
            except LeaseHeld as exc:
                if not args.wait:
                    err.print(f"[red]{exc}[/red]\n(use --wait to wait for it)")
                    return 3
                err.print(f"{exc}; waiting…")
                time.sleep(2)
        while True:
            try:
                err.print(f"scheduler on {describe(url)}: {len(monitor.config.sites)} portal(s); Ctrl-C or SIGTERM stops")
                monitor.serve_forever()
                return 0
            except LeaseHeld as exc:
                if not args.wait:
                    err.print(f"[red]{exc}[/red]\n(use --wait to wait for it)")
                    return 3
                err.print(f"{exc}; waiting…")
                time.sleep(10)
    finally:
        if clock:
            clock.set()
        if replica:
            replica.stop()


def cmd_status(args) -> int:
    from sqlalchemy import select, text

    from vntext.dates import VN_TZ
    from db.engine import get_engine
    from db.models import CrawlRun, Portal
    from monitor.lease import Lease

    url = resolve_db_url(args.db)
    upgrade(url)
    config = _config(args)
    Session = session_factory(url)
    lease = Lease(Session).current()
    next_runs = {}
    with get_engine(url).connect() as connection:
        try:
            for job_id, next_run in connection.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")):
                if next_run is not None:
                    next_runs[job_id.removeprefix("crawl:")] = datetime.fromtimestamp(next_run, VN_TZ)
        except Exception:  # no scheduler has run on this archive yet
            connection.rollback()
    rows = []
    with Session() as session:
        for site in config.sites:
            last = session.scalar(select(CrawlRun).join(Portal).where(Portal.key == site).order_by(CrawlRun.id.desc()).limit(1))
            rows.append({
                "site": site, "schedule": config.schedule_for(site).describe(),
                "last_run": last and {"id": last.id, "status": last.status, "mode": last.mode,
                                      "started_at": last.started_at.astimezone(VN_TZ).isoformat(timespec="seconds"),
                                      "pages": last.pages, "articles_new": last.articles_new, "message": last.message},
                "next_run": next_runs[site].isoformat(timespec="seconds") if site in next_runs else None,
            })
    holder = lease and {"holder": lease.holder, "alive": lease.alive(),
                        "heartbeat_at": lease.heartbeat_at.astimezone(VN_TZ).isoformat(timespec="seconds")}
    if args.json:
        _dump({"archive": describe(url), "config": config.source, "lease": holder, "portals": rows})
        return 0
    if holder and holder["alive"]:
        console.print(f"scheduler: running ({holder['holder']}, heartbeat {holder['heartbeat_at']})")
    else:
        console.print("scheduler: none holds the lease" + (" (last holder stopped without releasing it)" if holder else ""))
    table = Table(title=f"{describe(url)} · {config.source}")
    for column in ("portal", "schedule", "last run", "next run"):
        table.add_column(column, overflow="fold")
    for r in rows:
        last = r["last_run"]
        table.add_row(r["site"], r["schedule"],
                      f"{last['started_at']} {last['status']} ({last['pages']} pages, {last['articles_new']} new)" if last else "never",
                      r["next_run"] or "-")
    console.print(table)
    return 0


def cmd_events(args) -> int:
    from sqlalchemy import select

    from vntext.dates import VN_TZ
    from db.models import Event, Portal
    from monitor.config import parse_duration

    url = resolve_db_url(args.db)
    upgrade(url)
    query = select(Event, Portal.key).join(Portal).order_by(Event.id)
    if args.since:
        try:
            since = datetime.now(VN_TZ) - parse_duration(args.since)
        except ValueError:
            try:
                since = datetime.fromisoformat(args.since)
                since = since if since.tzinfo else since.replace(tzinfo=VN_TZ)
            except ValueError:
                err.print(f"[red]--since takes a duration (2d, 6h) or an ISO date/time, not {args.since!r}[/red]")
                return 2
        query = query.where(Event.created_at >= since)
    if args.kind:
        query = query.where(Event.kind.in_([k for part in args.kind for k in part.split(",")]))
    if args.site:
        query = query.where(Portal.key == args.site)
    with session_factory(url)() as session:
        found = [{"id": e.id, "key": e.key, "kind": e.kind, "site": site, "article_id": e.article_id,
                  "document_id": e.document_id,
                  "occurred_at": e.occurred_at.astimezone(VN_TZ).isoformat(timespec="seconds"),
                  "created_at": e.created_at.astimezone(VN_TZ).isoformat(timespec="seconds"), "payload": e.payload}
                 for e, site in session.execute(query)]
    if args.json:
        _dump(found)
        return 0
    if not found:
        console.print("no events")
    for e in found:
        p = e["payload"]
        what = p.get("canonical") or p.get("title") or ", ".join(f"{k}={v}" for k, v in list(p.items())[:3])
        console.print(f"{e['created_at']}  {e['site']:<10} {e['kind']:<20} {what}", highlight=False, soft_wrap=True)
    return 0


def cmd_reparse(args) -> int:
    from db.reparse import reparse_site

    url = resolve_db_url(args.db)
    profile = args.profile
    if profile is None:
        try:
            profile = get_site(args.site).profile
        except RegistryError:
            profile = None  # archived but no longer registered: the profile recorded with the portal
    try:
        result = reparse_site(url, args.site, profile=profile, dry_run=args.dry_run)
    except LookupError as exc:
        err.print(f"[red]{exc.args[0] if exc.args else exc}[/red]")
        return 2
    if args.json:
        _dump(result.as_dict() | {"dry_run": args.dry_run})
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


def _rules(args):
    from monitor.rules import RulesError, load_rules

    try:
        return load_rules(getattr(args, "rules", None))
    except RulesError as exc:
        err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        raise SystemExit(2)


def _since(value: str | None):
    from vntext.dates import VN_TZ
    from monitor.config import parse_duration

    if not value:
        return None
    try:
        return datetime.now(VN_TZ) - parse_duration(value)
    except ValueError:
        try:
            since = datetime.fromisoformat(value)
        except ValueError:
            err.print(f"[red]--since takes a duration (2d, 6h) or an ISO date/time, not {value!r}[/red]")
            raise SystemExit(2)
        return since if since.tzinfo else since.replace(tzinfo=VN_TZ)


def cmd_rules_check(args) -> int:
    """Validate a rules file, then show what each rule matches among the archive's events."""
    import os

    from sqlalchemy import select

    from vntext.dates import VN_TZ
    from db.models import Event
    from monitor.alerts import EventView
    from monitor.mailer import PASSWORD_ENV
    from monitor.rules import RulesError, load_rules

    try:
        rules = load_rules(args.file)
    except RulesError as exc:
        err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        return 2
    password = ("not needed" if not rules.smtp.username else f"from ${PASSWORD_ENV}" if os.environ.get(PASSWORD_ENV)
                else f"from {rules.smtp.password_file}" if rules.smtp.password_file else "MISSING")
    console.print(f"{args.file}: valid, {len(rules.rules)} rule(s); SMTP {rules.smtp.describe()}, password {password}",
                  highlight=False, soft_wrap=True)
    url = resolve_db_url(args.db)
    upgrade(url)
    since = _since(args.since)
    matches = {rule.name: [] for rule in rules.rules}
    winners = {rule.name: 0 for rule in rules.rules}
    total = 0
    with session_factory(url)() as session:
        query = select(Event).order_by(Event.id.desc())
        if since:
            query = query.where(Event.created_at >= since)
        portals: dict = {}
        for event in session.scalars(query.limit(args.limit)):
            total += 1
            view = EventView(session, event, portals)
            for rule in rules.rules:
                reasons = rule.match(view)
                if reasons is not None:
                    matches[rule.name].append((view, reasons))
            for rule, _ in {id(v[0]): v for v in rules.targets(view).values()}.values():
                winners[rule.name] += 1
        console.print(f"Archive {describe(url)}: {total} event(s) examined"
                      + (f" since {since:%d/%m/%Y %H:%M}" if since else ""), highlight=False, soft_wrap=True)
        for rule in rules.rules:
            found = matches[rule.name]
            recipients = rules.recipients_of(rule)
            console.print(f"\n[bold]{rule.name}[/bold]: {rule.describe()}", highlight=False, soft_wrap=True)
            console.print(f"  recipients: {', '.join(recipients) if recipients else 'NONE (nothing will be sent)'}",
                          highlight=False, soft_wrap=True)
            console.print(f"  {len(found)} matching event{'s' if len(found) != 1 else ''}"
                          + (f" ({winners[rule.name]} would be sent by this rule; an immediate rule wins over a digest)"
                             if recipients else ""), highlight=False, soft_wrap=True)
            for view, reasons in found[: args.examples]:
                console.print(f"    #{view.event.id} {view.event.created_at.astimezone(VN_TZ):%d/%m/%Y %H:%M} "
                              f"{view.portal_key} {view.kind}: {view.headline()[:100]}", highlight=False, soft_wrap=True,
                              markup=False)
                console.print(f"      matched: {'; '.join(reasons)}", highlight=False, soft_wrap=True, markup=False)
    return 0


def cmd_alerts_list(args) -> int:
    from monitor.alerts import outbox_rows

    url = resolve_db_url(args.db)
    upgrade(url)
    rows = outbox_rows(session_factory(url), args.status, args.limit)
    if args.json:
        _dump(rows)
        return 0
    if not rows:
        console.print("no alerts" + (f" with status {args.status}" if args.status else ""))
        return 0
    table = Table()
    for column in ("id", "status", "tries", "recipient", "rule", "event", "next / sent", "last error"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), r["status"], str(r["attempts"]), r["recipient"], f"{r['rule']} ({r['mode']})",
                      f"{r['site']} {r['kind']} {r['what'][:60]}",
                      (r["sent_at"] if r["status"] == "sent" else r["next_attempt_at"]) or "", r["last_error"][:120])
    console.print(table)
    return 0


def _report_delivery(report) -> int:
    if report is None:
        console.print("no recipients in the rules: nothing to send")
        return 0
    console.print(f"{report.sent} alert(s) sent in {report.messages} message(s), {report.retrying} to retry, "
                  f"{report.failed} failed", highlight=False)
    for error in dict.fromkeys(report.errors):
        err.print(f"  {error}", highlight=False, markup=False, soft_wrap=True)
    return 1 if report.errors else 0


def cmd_alerts_deliver(args) -> int:
    from monitor import alerts

    url = resolve_db_url(args.db)
    upgrade(url)
    rules = _rules(args)
    if not alerts.has_recipients(rules):
        return _report_delivery(None)
    Session = session_factory(url)
    queued = alerts.enqueue(Session, rules, since=_since(args.since))
    console.print(f"{queued} alert(s) queued")
    return _report_delivery(alerts.deliver(Session, rules))


def cmd_alerts_retry(args) -> int:
    from monitor import alerts

    url = resolve_db_url(args.db)
    upgrade(url)
    rules = _rules(args)
    Session = session_factory(url)
    console.print(f"{alerts.retry_failed(Session)} failed alert(s) queued again")
    return _report_delivery(alerts.deliver(Session, rules))


def cmd_alerts_send_test(args) -> int:
    from monitor.alerts import sample_message
    from monitor.mailer import DeliveryError, SmtpTransport

    rules = _rules(args)
    transport = SmtpTransport(rules.smtp)
    try:
        transport.send(sample_message(rules, args.address))
    except DeliveryError as exc:
        err.print(f"[red]not sent[/red]: {exc}", highlight=False, soft_wrap=True)
        return 1
    finally:
        transport.close()
    console.print(f"test mail sent to {args.address} through {rules.smtp.describe()}", highlight=False)
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
    p.add_argument("--config", metavar="FILE", help="monitor configuration (detection thresholds)")
    p.add_argument("--parallel", type=int, default=3, help="portals crawled at once (default 3)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("crawl", parents=[common], help="crawl registered portals now")
    p.add_argument("sites", nargs="*", metavar="SITE")
    p.add_argument("--all", action="store_true", help="every registered portal")
    p.add_argument("--parallel", type=int, default=2, help="portals crawled at once (default 2)")
    p.add_argument("--fast", action="store_true", help="no politeness delays (only for a local replica)")
    p.add_argument("--full", action="store_true",
                   help="walk every listing page and fetch every article (default: incremental, stop at known articles)")
    p.add_argument("--config", metavar="FILE", help="monitor configuration (TOML; default: $PORTALWATCH_CONFIG or built-in)")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("search", parents=[common], help="search archived articles")
    p.add_argument("text", help='words (all must match, diacritics optional: "hoi dong" finds "Hội đồng"); '
                                '"quoted phrases"; document numbers like 23-NQ/TU')
    p.add_argument("--site", help="only this portal")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="published on or after DATE (dd/mm/yyyy or yyyy-mm-dd)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="published on or before DATE (dd/mm/yyyy or yyyy-mm-dd)")
    p.add_argument("--category", help="only categories with these words (case and diacritics ignored)")
    p.add_argument("--doc-type", metavar="TYPE", help="only articles citing a document of this type (NQ, CT, CTr, QĐ, KH …)")
    p.add_argument("--doc-number", metavar="NUMBER", help="only articles citing this document (23-NQ/TU, 123/QĐ-UBND …)")
    p.add_argument("--order", choices=("relevance", "date"), default="relevance",
                   help="relevance (default; exact diacritics first) or date (newest first)")
    p.add_argument("--limit", type=int, default=20, help="results per page (default 20)")
    p.add_argument("--page", type=int, default=1, help="page number, from 1")
    p.add_argument("--include-removed", action="store_true", help="also articles removed from their portal")
    p.add_argument("--json", action="store_true", help="print a JSON list of article objects (plus score, exact, snippet)")
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

    config = argparse.ArgumentParser(add_help=False)
    config.add_argument("--config", metavar="FILE", help="monitor configuration (TOML; default: $PORTALWATCH_CONFIG or built-in)")

    p = sub.add_parser("run", parents=[common, config], help="run the scheduler: crawl on schedule, detect events")
    p.add_argument("--once", action="store_true", help="crawl every configured portal once, detect, and exit")
    p.add_argument("--wait", action="store_true", help="if another scheduler holds the archive, wait for it")
    p.add_argument("--replica", action="store_true", help="watch the bundled replica portals instead of the real ones")
    p.add_argument("--replica-speed", type=float, default=0.0, metavar="SECONDS",
                   help="with --replica: replica seconds that pass per real second (e.g. 3600)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("status", parents=[common, config], help="schedule, last and next run per portal, the lease")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("events", parents=[common], help="events detected in the archive")
    p.add_argument("--since", help="a duration back from now (2d, 6h) or an ISO date/time")
    p.add_argument("--kind", action="append", help="event kind(s), repeatable or comma-separated")
    p.add_argument("--site", help="only this portal")
    p.add_argument("--json", action="store_true", help="print a JSON list of event objects")
    p.set_defaults(func=cmd_events)

    p = sub.add_parser("replica", parents=[common], help="serve the bundled replica portals until Ctrl-C")
    p.set_defaults(func=cmd_replica)

    p = sub.add_parser("reparse", parents=[common],
                       help="re-extract a portal's stored pages with the current profile and correct its history")
    p.add_argument("site", metavar="SITE")
    p.add_argument("--profile", help="extract with this profile instead of the portal's own")
    p.add_argument("--dry-run", action="store_true", help="count what would change, write nothing")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=cmd_reparse)

    rules_opt = argparse.ArgumentParser(add_help=False)
    rules_opt.add_argument("--rules", metavar="FILE",
                           help="alert rules (TOML; default: $PORTALWATCH_RULES or the shipped default rules)")
    p = sub.add_parser("alerts", help="the alert outbox: list, deliver, retry, send a test mail")
    asub = p.add_subparsers(dest="alerts_command", required=True)
    a = asub.add_parser("list", parents=[common], help="alerts in the outbox, newest first")
    a.add_argument("--status", choices=("pending", "sending", "sent", "failed"))
    a.add_argument("--limit", type=int, default=200)
    a.add_argument("--json", action="store_true", help="print a JSON list of outbox rows")
    a.set_defaults(func=cmd_alerts_list)
    a = asub.add_parser("deliver", parents=[common, rules_opt], help="queue alerts for recent events, send what is due")
    a.add_argument("--since", help="events since a duration back (2d, 6h) or an ISO date/time (default: 1 day)")
    a.set_defaults(func=cmd_alerts_deliver)
    a = asub.add_parser("retry", parents=[common, rules_opt], help="queue failed alerts again and send them")
    a.set_defaults(func=cmd_alerts_retry)
    a = asub.add_parser("send-test", parents=[common, rules_opt], help="send a test mail with the rules' SMTP settings")
    a.add_argument("address")
    a.set_defaults(func=cmd_alerts_send_test)

    p = sub.add_parser("rules", help="alert rules")
    rsub = p.add_subparsers(dest="rules_command", required=True)
    r = rsub.add_parser("check", parents=[common], help="validate a rules file; show what each rule matches in the archive")
    r.add_argument("file", metavar="FILE")
    r.add_argument("--since", help="only events since a duration back (7d) or an ISO date/time")
    r.add_argument("--limit", type=int, default=20000, help="newest events examined (default 20000)")
    r.add_argument("--examples", type=int, default=3, help="examples shown per rule (default 3)")
    r.set_defaults(func=cmd_rules_check)
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
