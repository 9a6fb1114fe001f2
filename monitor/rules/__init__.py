"""Alert subscriptions: who gets which events, how, and when. A TOML file, validated.

`--rules FILE`, else $PORTALWATCH_RULES, else the shipped monitor/default_rules.toml. An error
names the file, the line and the field, e.g. `rules.toml:14: rule[2].doc_types: unknown
document type 'NQQ' (known: BB, BC, …)`.

    recipients = ["ban.tuyen.giao@example.vn"]   # for every rule that names none of its own
    # ($PORTALWATCH_ALERT_TO, comma-separated, adds to this list)

    [smtp]
    host = "smtp.example.vn"
    port = 587
    security = "starttls"          # starttls | ssl | plain
    from = "portalwatch <canh-bao@example.vn>"
    username = "canh-bao"          # password: $PORTALWATCH_SMTP_PASSWORD or password_file, never here
    password_file = "~/.config/portalwatch/smtp-password"

    [delivery]
    max_attempts = 8               # then status = failed (listed, retried by `portalwatch alerts retry`)
    backoff = "1m"                 # first retry after …, doubling, at most max_backoff
    max_backoff = "6h"

    [baseline]
    recent = "3d"                  # a portal's first crawl mails only items published this recently
                                   # (Vietnam time; undated = old); the rest: one "portal added"
                                   # summary per portal and recipient, counted by document type

    [[rule]]
    name = "nghi-quyet-moi"
    kinds = ["new_document"]
    doc_types = ["NQ", "CT", "CTr"]  # Decree 30/2020 and Party (HD 36) codes
    issuers = ["TW", "TU", "HĐND", "UBND"]
    portals = ["bactuliem"]          # registry keys; default: every portal
    keywords = ["đất đai"]           # any of them, diacritics optional ("dat dai" is the same)
    min_views = 1000                 # views thresholds: min_views, min_delta, min_percent
    mode = "immediate"               # or "digest"
    quiet_hours = "22:00-06:30"      # immediate alerts in this window wait for its end
    digest = "daily"                 # digest mode: daily | weekly
    digest_at = "07:00"              # Asia/Ho_Chi_Minh
    digest_day = "monday"            # weekly digests
    recipients = ["https://chat.example.vn/hooks/abc"]   # email addresses and/or webhook URLs

The first crawl of a portal (events that occurred before its first finished run ended) finds
its whole back catalogue: `new_article` events of it match no rule without `include_baseline =
true`, and of the others only those whose article was published within `[baseline] recent` of
their observation (db/clock.py) are queued as their rule says (immediate or digest); the older and undated ones are
queued for one "portal added" summary mail per portal and recipient (monitor/alerts/baseline.py).
A rule newly added or changed (in what decides its matches and targets) holds back, the same
way, the events detected up to the enqueue pass before the archive first saw it (and a recipient
new to a rule, for that recipient): only items published within `recent` of their observation
are queued as it says, the rest for one "rule added" summary per rule and recipient
(monitor/alerts/sightings.py).

An event goes to a recipient at most once (one outbox row per event, channel and recipient):
when several rules match, an immediate rule wins over a digest rule, then the first in the file.

Modules: model (Rule, RuleSet, matching and timing), parse (the file → a RuleSet, with errors).
"""
from monitor.rules.model import DeliverySettings, Rule, RuleSet, RulesError, channel_of
from monitor.rules.parse import ALERT_TO_ENV, DEFAULT_RULES, RULES_ENV, load_rules, parse_rules

__all__ = ["DeliverySettings", "Rule", "RuleSet", "RulesError", "channel_of", "load_rules", "parse_rules",
           "ALERT_TO_ENV", "DEFAULT_RULES", "RULES_ENV"]
