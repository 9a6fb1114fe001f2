"""Alerts: the outbox (alerts list, deliver, retry, send-test) and the rules (rules check)."""
from __future__ import annotations

from rich.table import Table

from db.engine import describe, session_factory
from db.queries import newest_events
from monitor.cli.common import (CliError, console, db_option, dump_json, err, load_rules, open_archive, output_options,
                                parse_since, rules_option, write_csv)

ALERTS_CSV = ("id", "event_id", "kind", "site", "what", "channel", "recipient", "rule", "mode", "status", "attempts",
              "next_attempt_at", "last_error", "message_id", "created_at", "sent_at")  # monitor.alerts.outbox_rows


def add_alerts(sub) -> None:
    p = sub.add_parser("alerts", help="the alert outbox: list, deliver, retry, send a test mail")
    asub = p.add_subparsers(dest="alerts_command", required=True)
    a = asub.add_parser("list", parents=[db_option()], help="alerts in the outbox, newest first")
    a.add_argument("--status", choices=("pending", "sending", "sent", "failed"))
    a.add_argument("--limit", type=int, default=200)
    output_options(a, json_help="print a JSON list of outbox rows", csv_help="print CSV: a row per outbox row")
    a.set_defaults(func=cmd_alerts_list)
    a = asub.add_parser("deliver", parents=[db_option(), rules_option()],
                        help="queue alerts for recent events, send what is due")
    a.add_argument("--since", help="events since a duration back (2d, 6h) or an ISO date/time (default: 1 day)")
    a.set_defaults(func=cmd_alerts_deliver)
    a = asub.add_parser("retry", parents=[db_option(), rules_option()], help="queue failed alerts again and send them")
    a.set_defaults(func=cmd_alerts_retry)
    a = asub.add_parser("send-test", parents=[db_option(), rules_option()],
                        help="send a test mail with the rules' SMTP settings")
    a.add_argument("address")
    a.set_defaults(func=cmd_alerts_send_test)


def cmd_alerts_list(args) -> int:
    from monitor.alerts import outbox_rows

    rows = outbox_rows(session_factory(open_archive(args)), args.status, args.limit)
    if args.json:
        dump_json(rows)
        return 0
    if args.csv:
        write_csv(rows, ALERTS_CSV)
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

    url = open_archive(args)
    rules = load_rules(args.rules)
    if not alerts.has_recipients(rules):
        return _report_delivery(None)
    Session = session_factory(url)
    queued = alerts.enqueue(Session, rules, since=parse_since(args.since))
    console.print(f"{queued} alert(s) queued")
    return _report_delivery(alerts.deliver(Session, rules))


def cmd_alerts_retry(args) -> int:
    from monitor import alerts

    url = open_archive(args)
    rules = load_rules(args.rules)
    Session = session_factory(url)
    console.print(f"{alerts.retry_failed(Session)} failed alert(s) queued again")
    return _report_delivery(alerts.deliver(Session, rules))


def cmd_alerts_send_test(args) -> int:
    from monitor.alerts import sample_message
    from monitor.mailer import DeliveryError, SmtpTransport

    if any(ord(c) < 32 or c == "\x7f" for c in args.address):  # a line break would start a header of its own
        raise CliError(f"not a mail address: {args.address!r} (it holds a line break or another control character)")
    rules = load_rules(args.rules)
    transport = SmtpTransport(rules.smtp)
    try:
        transport.send(sample_message(rules, args.address))
    except DeliveryError as exc:
        raise CliError(f"not sent: {exc}", code=1) from exc
    finally:
        transport.close()
    console.print(f"test mail sent to {args.address} through {rules.smtp.describe()}", highlight=False)
    return 0


# ---- rules check ------------------------------------------------------------------------------------
def add_rules(sub) -> None:
    p = sub.add_parser("rules", help="alert rules")
    rsub = p.add_subparsers(dest="rules_command", required=True)
    r = rsub.add_parser("check", parents=[db_option()],
                        help="validate a rules file; show what each rule matches in the archive")
    r.add_argument("file", metavar="FILE")
    r.add_argument("--since", help="only events since a duration back (7d) or an ISO date/time")
    r.add_argument("--limit", type=int, default=20000, help="newest events examined (default 20000)")
    r.add_argument("--examples", type=int, default=3, help="examples shown per rule (default 3)")
    r.set_defaults(func=cmd_rules_check)


def _password_source(smtp) -> str:
    import os

    from monitor.mailer import PASSWORD_ENV

    if not smtp.username:
        return "not needed"
    if os.environ.get(PASSWORD_ENV):
        return f"from ${PASSWORD_ENV}"
    return f"from {smtp.password_file}" if smtp.password_file else "MISSING"


def _match_rules(session, rules, events) -> tuple[dict, dict]:
    """Per rule name: the (event view, reasons) it matches; and how many events it would be the one to send."""
    from monitor.events import event_views

    matches = {rule.name: [] for rule in rules.rules}
    winners = {rule.name: 0 for rule in rules.rules}
    for view in event_views(session, events):
        for rule in rules.rules:
            reasons = rule.match(view)
            if reasons is not None:
                matches[rule.name].append((view, reasons))
        for rule, _ in {id(v[0]): v for v in rules.targets(view).values()}.values():
            winners[rule.name] += 1
    return matches, winners


def _print_rule(rules, rule, found: list, winners: int, examples: int) -> None:
    from vntext.dates import VN_TZ

    recipients = rules.recipients_of(rule)
    console.print(f"\n[bold]{rule.name}[/bold]: {rule.describe()}", highlight=False, soft_wrap=True)
    console.print(f"  recipients: {', '.join(recipients) if recipients else 'NONE (nothing will be sent)'}",
                  highlight=False, soft_wrap=True)
    console.print(f"  {len(found)} matching event{'s' if len(found) != 1 else ''}"
                  + (f" ({winners} would be sent by this rule; an immediate rule wins over a digest)"
                     if recipients else ""), highlight=False, soft_wrap=True)
    for view, reasons in found[:examples]:
        console.print(f"    #{view.event.id} {view.event.created_at.astimezone(VN_TZ):%d/%m/%Y %H:%M} "
                      f"{view.portal_key} {view.kind}: {view.headline()[:100]}", highlight=False, soft_wrap=True,
                      markup=False)
        console.print(f"      matched: {'; '.join(reasons)}", highlight=False, soft_wrap=True, markup=False)


def cmd_rules_check(args) -> int:
    """Validate a rules file, then show what each rule matches among the archive's events."""
    rules = load_rules(args.file)
    console.print(f"{args.file}: valid, {len(rules.rules)} rule(s); SMTP {rules.smtp.describe()}, "
                  f"password {_password_source(rules.smtp)}", highlight=False, soft_wrap=True)
    url = open_archive(args)
    since = parse_since(args.since)
    with session_factory(url)() as session:
        events = newest_events(session, since=since, limit=args.limit)
        matches, winners = _match_rules(session, rules, events)
        console.print(f"Archive {describe(url)}: {len(events)} event(s) examined"
                      + (f" since {since:%d/%m/%Y %H:%M}" if since else ""), highlight=False, soft_wrap=True)
        for rule in rules.rules:
            _print_rule(rules, rule, matches[rule.name], winners[rule.name], args.examples)
    return 0
