"""`portalwatch demo`: the bundled replica portals crawled twice, 12 replica hours apart, into an
archive of its own; the events detected, and the alerts they raise mailed to a local SMTP sink.

The demo never touches the user's archive nor writes into their home: unless --db names an
archive, it works in a demo folder in the system's temporary folder (`portalwatch-demo-<uid>` in
$TMPDIR or /tmp: archive, crawl logs, mail) that it empties at each run, so a second run starts
from nothing and prints the same events as the first."""
from __future__ import annotations

import os
import shlex
from urllib.parse import quote
import shutil
import tempfile
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from rich.table import Table

from crawler.registry import get_site
from crawler.settings import LOOPBACK_OVERRIDES
from db.engine import describe, parse_url, session_factory
from db.queries import portal_summaries
from monitor.cli.common import at_least_one, console, db_option, err, load_config, open_archive
from monitor.cli.crawl import progress_printer, report_failures
from monitor.events import Edited, NewDocument, load_payload

FEATURED_DOCUMENT = "23-NQ/TU"  # the seed article's resolution: its event and its alert mail are shown in full
# The correction the demo makes to the seed article 12 h on (_correct_seed): "trên gần 300" loses its "trên",
# and the paragraph gains a sentence.
SEED_STRUCK = "với trên gần 300 đại biểu"
SEED_ADDED = ("Dự tại điểm cầu Quận ủy có các đồng chí Ủy viên Ban Thường vụ Quận ủy, lãnh đạo HĐND, UBND và "
              "Ủy ban MTTQ Việt Nam Quận.")


def add_demo(sub) -> None:
    p = sub.add_parser("demo", parents=[db_option()],
                       help="start the bundled replica and crawl it into a demo archive (or the one --db names)")
    p.add_argument("--config", metavar="FILE", help="monitor configuration (detection thresholds)")
    p.add_argument("--parallel", type=at_least_one, default=3, help="portals crawled at once (default 3)")
    p.set_defaults(func=cmd_demo)


@dataclass
class DemoRun:
    """What the two crawls did, for the report printed after them."""

    outcomes: list = field(default_factory=list)
    seconds: float = 0.0
    first_events: list = field(default_factory=list)
    summaries: dict = field(default_factory=dict)
    later: list = field(default_factory=list)
    later_events: list = field(default_factory=list)


def demo_folder() -> Path:
    """Where the demo keeps what it writes: throw-away data, so the temporary folder, one per user."""
    return Path(tempfile.gettempdir()) / f"portalwatch-demo-{os.getuid()}"


def _fresh_demo_folder(keep_archive: bool) -> Path:
    """The demo folder emptied (only its mail folder if the archive is one --db named, which may live there)."""
    folder = demo_folder()
    stale = folder / "mail" if keep_archive else folder
    if stale.exists():  # not ignore_errors: a demo on a half-emptied folder would report false events
        shutil.rmtree(stale)
    folder.mkdir(parents=True, exist_ok=True)  # the mail sink makes its Maildir inside
    return folder


def cmd_demo(args) -> int:
    folder = _fresh_demo_folder(keep_archive=args.db_given)
    if not args.db_given:  # $PORTALWATCH_DB names the user's own archive: the demo keeps out of it too
        args.db = f"sqlite:///{folder / 'archive.sqlite3'}"
    url = open_archive(args)
    config = load_config(args.config)
    console.print("[bold]portalwatch demo[/bold]: a replica of real portals on 127.0.0.1, crawled into an archive",
                  soft_wrap=True)
    run = _crawl_twice(url, args.parallel, config.detection)
    _print_first_crawl(run)
    _print_events(run)
    _demo_alerts(url, run.first_events + run.later_events, folder / "mail")
    console.print(f"Archive: {describe(url)}", soft_wrap=True, highlight=False)
    db = f"--db {shlex.quote(parse_url(url).render_as_string(hide_password=True))}"  # a password stays off screen
    sites = ",".join(o.site for o in run.outcomes)  # the registry's other portals were never crawled here
    console.print(f'Try: portalwatch search "Bắc Từ Liêm" --json {db} · portalwatch events --kind new_document {db} · '
                  f'portalwatch docs {FEATURED_DOCUMENT} {db} · portalwatch alerts list {db} · '
                  f'portalwatch health --site {sites} {db}',
                  soft_wrap=True, highlight=False, markup=False)
    tracker = "http://127.0.0.1:8080/docs/" + quote(FEATURED_DOCUMENT, safe="")
    console.print(f"Web: portalwatch web {db} → {tracker}", soft_wrap=True, highlight=False, markup=False)
    return report_failures(run.outcomes + run.later)


def _crawl_twice(url: str, parallel: int, detection) -> DemoRun:
    from crawler.replica import Replica
    from monitor.config import CrawlSettings
    from monitor.crawling import crawl_sites
    from monitor.detect import detect_pending

    run = DemoRun()
    with Replica() as replica:
        sites = [get_site(key).at(base) for key, base in replica.base_urls.items()]
        for site in sites:
            console.print(f"  replica {site.key:<10} {site.base_url}  ({site.profile})")
        # The replica's clock is simulated: every known article is due again at the next pass.
        recheck_all = CrawlSettings(refetch=((None, timedelta(0)),))
        started = time.perf_counter()
        # Observations are stamped with the replica's clock (db/clock.py): spike rates are per simulated hour.
        run.outcomes = crawl_sites(url, sites, settings=LOOPBACK_OVERRIDES, parallel=parallel,
                                   on_progress=progress_printer(), crawl_settings=recheck_all,
                                   clock=replica.clock_offset)
        run.seconds = time.perf_counter() - started
        run.first_events = detect_pending(session_factory(url), detection)
        with session_factory(url)() as session:
            run.summaries = {row["site"]: row for row in portal_summaries(session, [s.key for s in sites])}

        # The replica's clock moves half a day: new postings, growing readership, two silent edits.
        replica.advance(hours=12)
        edited = replica.visible("caugiay")[3]
        replica.edit("caugiay", edited.external_id, title=edited.title + " (cập nhật)")
        _correct_seed(replica)
        console.print("\nReplica clock +12 h, two articles edited; incremental crawl:")
        run.later = crawl_sites(url, sites, settings=LOOPBACK_OVERRIDES, parallel=parallel,
                                on_progress=progress_printer(), mode="incremental", crawl_settings=recheck_all,
                                clock=replica.clock_offset)
        run.later_events = detect_pending(session_factory(url), detection)
    return run


def _correct_seed(replica) -> None:
    """The seed article's body corrected as its editors would: a word struck from its second paragraph and a
    sentence added to it. Its title and document numbers stay (the tracker's truth is the unedited replica),
    so its page in the web UI shows a word diff (tests/test_browser.py)."""
    from crawler.replica.content import load_seed

    seed = replica.find("bactuliem", load_seed()["title"])
    blocks = list(seed.blocks)
    text = blocks[1][1]
    if SEED_STRUCK not in text:
        raise RuntimeError("the seed's second paragraph changed: update the demo's correction (SEED_STRUCK)")
    blocks[1] = ("p", text.replace(SEED_STRUCK, SEED_STRUCK.replace("trên ", "")) + " " + SEED_ADDED)
    replica.edit("bactuliem", seed.external_id, blocks=blocks)


def _print_first_crawl(run: DemoRun) -> None:
    table = Table(title="Archive after the first crawl")
    for column in ("portal", "articles", "new", "newest title"):
        table.add_column(column, overflow="fold")
    for o in run.outcomes:
        row = run.summaries.get(o.site, {})
        table.add_row(o.site, str(row.get("articles", 0)), str(o.articles_new), row.get("newest_title", ""))
    console.print(table)
    pages = sum(o.pages for o in run.outcomes)
    console.print(f"First crawl: {pages} pages in {run.seconds:.1f} s: {pages / run.seconds:.0f} pages/s with process "
                  "start-up, "
                  + ", ".join(f"{o.site} {o.pages / o.crawl_seconds:.0f}" for o in run.outcomes if o.crawl_seconds)
                  + " pages/s per crawler once started", soft_wrap=True)
    second_pages = sum(o.pages for o in run.later)
    console.print(f"Crawl 12 h later: {second_pages} pages (listings walked until known articles, and every known "
                  f"article re-checked with a conditional GET: the replica's counters moved, so most pages came back)",
                  soft_wrap=True)


def _counts(events) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(Counter(e.kind for e in events).items())) or "none"


def _print_events(run: DemoRun) -> None:
    console.print(f"Events of the first crawl: {_counts(run.first_events)}", soft_wrap=True)
    for e in run.first_events:
        doc = load_payload(e.kind, e.payload)
        if isinstance(doc, NewDocument) and doc.canonical == FEATURED_DOCUMENT:
            console.print(f"  new_document {doc.canonical} ({doc.type_name}, {doc.issuer}, "
                          f"ngày {doc.issued_on}): {doc.title[:90]}…", soft_wrap=True)
    console.print(f"Events 12 h later: {_counts(run.later_events)}", soft_wrap=True)
    lines = []
    for e in run.later_events:
        payload = load_payload(e.kind, e.payload)
        detail = payload.label()
        if isinstance(payload, Edited):
            detail += f"  changed: {', '.join(payload.changes)}"
        lines.append(f"  {e.kind:<16} {detail[:110]}")
    for line in sorted(lines):  # the crawls end in any order: sorted, two runs of the demo print the same
        console.print(line, soft_wrap=True, highlight=False, markup=False)


def _demo_alerts(url: str, events, maildir: Path) -> None:
    """The demo's alerts: the shipped default rules, delivered over SMTP to a sink the demo starts on 127.0.0.1."""
    from dataclasses import replace

    from db.models import utcnow
    from monitor import alerts
    from monitor.mailer import SmtpSink
    from monitor.rules import load_rules

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
    mails = _delivered(maildir)
    console.print(f"\nAlerts (shipped default rules): {queued} queued; mailed over SMTP to a local sink on 127.0.0.1: "
                  f"{mails['portal-added']} 'portal added' summaries (each portal's back catalogue, one mail a portal), "
                  f"{mails['rule-added']} 'rule added' summaries, {mails['event']} immediate, "
                  f"{mails['digest']} digest at {digest_at:%d/%m %H:%M}"
                  + (f", {mails['other']} other" if mails["other"] else ""),
                  soft_wrap=True, highlight=False)
    console.print(f"Mail folder (Maildir, readable with mutt -f or any mail client): {maildir}", soft_wrap=True,
                  highlight=False)
    for error in dict.fromkeys(immediate.errors + digest.errors):
        err.print(f"  alert not sent: {error}", soft_wrap=True, highlight=False, markup=False)
    _print_featured_mail(maildir)


def _mails(maildir: Path):
    import mailbox
    from email import message_from_bytes, policy

    for message in mailbox.Maildir(str(maildir), create=False):
        yield message_from_bytes(message.as_bytes(), policy=policy.default)


def _delivered(maildir: Path) -> Counter:
    """Mails in the sink by kind, told by their Message-ID: <event-…>, <portal-added-…>, <rule-added-…>
    or <digest-…>; any other mail is counted as "other", so every mail sent shows in the counts."""
    kinds = (re.match(r"<(event|portal-added|rule-added|digest)-", str(mail["Message-ID"]))
             for mail in _mails(maildir))
    return Counter(kind.group(1) if kind else "other" for kind in kinds)


def _print_featured_mail(maildir: Path) -> None:
    """The mail that tells the recipient about the featured document, as they read it: its own alert
    (on the replica's clock the seed article is two days old at its portal's first crawl, inside the
    baseline's recent window), or, were it older, the portal-added summary."""
    mails = list(_mails(maildir))
    featured = ([m for m in mails if FEATURED_DOCUMENT in str(m["Subject"])]
                or [m for m in mails if str(m["Message-ID"]).startswith("<portal-added-")
                    and FEATURED_DOCUMENT in m.get_body(("plain",)).get_content()])
    for mail in featured[:1]:
        text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
        console.print(f"\nSubject: {mail['Subject']}\nTo: {mail['To']}\nMessage-ID: {mail['Message-ID']}\n\n{text}",
                      soft_wrap=True, highlight=False, markup=False)
