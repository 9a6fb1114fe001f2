"""The scheduler and what it found: run, status, events."""
from __future__ import annotations

import time

from rich.table import Table

from crawler.settings import LOOPBACK_OVERRIDES
from db.engine import describe, session_factory
from db.queries import last_runs, list_events, scheduled_runs
from monitor.events import label_of
from monitor.cli.common import (CliError, config_option, console, db_option, dump_json, err, load_config,
                                open_archive, output_options, parse_since, write_csv)


# ---- run ------------------------------------------------------------------------------------------
def add_run(sub) -> None:
    p = sub.add_parser("run", parents=[db_option(), config_option()],
                       help="run the scheduler: crawl on schedule, detect events")
    p.add_argument("--once", action="store_true", help="crawl every configured portal once, detect, and exit")
    p.add_argument("--wait", action="store_true", help="if another scheduler holds the archive, wait for it")
    p.add_argument("--replica", action="store_true", help="watch the bundled replica portals instead of the real ones")
    p.add_argument("--replica-speed", type=float, default=0.0, metavar="SECONDS",
                   help="with --replica: replica seconds that pass per real second (e.g. 3600)")
    p.set_defaults(func=cmd_run)


def _start_replica_clock(replica, speed: float):
    """Move the replica's clock `speed` seconds per real second, in the background."""
    import threading

    def tick():
        while not stop.wait(1.0):
            replica.advance(seconds=speed)

    stop = threading.Event()
    threading.Thread(target=tick, name="replica-clock", daemon=True).start()
    return stop


def _while_lease_held(action, *, wait: bool, pause: float) -> None:
    """Run `action`; while another scheduler holds the lease, give up (exit code 3) or, with --wait, retry."""
    from monitor.scheduler import LeaseHeld

    while True:
        try:
            return action()
        except LeaseHeld as exc:
            if not wait:
                raise CliError(f"{exc}\n(use --wait to wait for it)", code=3) from exc
            err.print(f"{exc}; waiting…")
            time.sleep(pause)


def cmd_run(args) -> int:
    from monitor.scheduler import Monitor

    load_config(args.config)  # validate before anything starts
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
        monitor = Monitor(args.db, args.config, base_urls=base_urls, crawl_settings=settings,
                          clock=replica.clock_offset if replica else None)
        if args.once:
            _while_lease_held(monitor.run_once_leased, wait=args.wait, pause=2)
            return 0

        def serve():
            err.print(f"scheduler on {describe(args.db)}: {len(monitor.config.sites)} portal(s); Ctrl-C or SIGTERM stops")
            monitor.serve_forever()

        _while_lease_held(serve, wait=args.wait, pause=10)
        return 0
    finally:
        if clock:
            clock.set()
        if replica:
            replica.stop()


# ---- status ---------------------------------------------------------------------------------------
def add_status(sub) -> None:
    p = sub.add_parser("status", parents=[db_option(), config_option()],
                       help="schedule, last and next run per portal, the lease")
    output_options(p, json_help="print the status object (archive, config, lease, portals)",
                   csv_help="print CSV: a row per portal (last_run JSON-encoded)")
    p.set_defaults(func=cmd_status)


STATUS_CSV = ("site", "schedule", "last_run", "next_run")
EVENTS_CSV = ("id", "key", "kind", "site", "article_id", "document_id", "occurred_at", "created_at", "payload")


def _status(url: str, config) -> dict:
    """The status object of the JSON interface: the archive, the configuration, the lease, each portal."""
    from vntext.dates import VN_TZ
    from monitor.lease import Lease
    from monitor.scheduler import JOB_PREFIX

    Session = session_factory(url)
    lease = Lease(Session).current()
    with Session() as session:
        next_runs = scheduled_runs(session)
        last = last_runs(session, list(config.sites))
    portals = [{"site": site, "schedule": config.schedule_for(site).describe(), "last_run": last[site],
                "next_run": next_runs[JOB_PREFIX + site].isoformat(timespec="seconds")
                if JOB_PREFIX + site in next_runs else None}
               for site in config.sites]
    holder = lease and {"holder": lease.holder, "alive": lease.alive(),
                        "heartbeat_at": lease.heartbeat_at.astimezone(VN_TZ).isoformat(timespec="seconds")}
    return {"archive": describe(url), "config": config.source, "lease": holder, "portals": portals}


def cmd_status(args) -> int:
    url = open_archive(args)
    status = _status(url, load_config(args.config))
    if args.json:
        dump_json(status)
        return 0
    if args.csv:
        write_csv(status["portals"], STATUS_CSV)
        return 0
    holder = status["lease"]
    if holder and holder["alive"]:
        console.print(f"scheduler: running ({holder['holder']}, heartbeat {holder['heartbeat_at']})")
    else:
        console.print("scheduler: none holds the lease" + (" (last holder stopped without releasing it)" if holder else ""))
    table = Table(title=f"{status['archive']} · {status['config']}")
    for column in ("portal", "schedule", "last run", "next run"):
        table.add_column(column, overflow="fold")
    for r in status["portals"]:
        last = r["last_run"]
        table.add_row(r["site"], r["schedule"],
                      f"{last['started_at']} {last['status']} ({last['pages']} pages, {last['articles_new']} new)" if last else "never",
                      r["next_run"] or "-")
    console.print(table)
    return 0


# ---- events ---------------------------------------------------------------------------------------
def add_events(sub) -> None:
    p = sub.add_parser("events", parents=[db_option()], help="events detected in the archive")
    p.add_argument("--since", help="a duration back from now (2d, 6h) or an ISO date/time")
    p.add_argument("--kind", action="append", help="event kind(s), repeatable or comma-separated")
    p.add_argument("--site", help="only this portal")
    output_options(p, json_help="print a JSON list of event objects",
                   csv_help="print CSV: a row per event (payload JSON-encoded)")
    p.set_defaults(func=cmd_events)


def cmd_events(args) -> int:
    url = open_archive(args)
    since = parse_since(args.since)
    kinds = [k for part in args.kind for k in part.split(",")] if args.kind else None
    with session_factory(url)() as session:
        found = list_events(session, since=since, kinds=kinds, site=args.site)
    if args.json:
        dump_json(found)
        return 0
    if args.csv:
        write_csv(found, EVENTS_CSV)
        return 0
    if not found:
        console.print("no events")
    for e in found:
        what = label_of(e["kind"], e["payload"])
        console.print(f"{e['created_at']}  {e['site']:<10} {e['kind']:<20} {what}", highlight=False, soft_wrap=True)
    return 0

