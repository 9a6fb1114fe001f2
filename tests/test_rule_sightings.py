"""A newly added or changed rule does not flood: of the events detected before the archive first
saw the rule in its current form, only items published within `[baseline] recent` are mailed as
the rule says; the rest go into one "rule added" summary per rule and recipient (a real SMTP server)."""
import json
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.engine import session_factory
from db.models import AlertOutbox, CrawlRun, Portal, RuleSighting
from db.schema import upgrade
from monitor import alerts
from monitor.alerts.sightings import RESERVED, fingerprint
from monitor.cli import main
from monitor.config import DetectionSettings
from monitor.detect import detect_pending
from tests.test_alerts import parts, ruleset, smtp, vn  # noqa: F401 (smtp: a fixture)
from tests.test_baseline import NAMES, TYPES, add_cited, catalogue

CRAWLED = vn(2025, 3, 10, 8, 0)   # a regular crawl (the portal's first one was long before)
DETECTED = CRAWLED + timedelta(hours=2)
# The archive's first ruleset: a rule that matches none of the cited documents.
OUTAGES = '\n[[rule]]\nname = "su-co"\nkinds = ["source_down"]\n'
NQ = """
[[rule]]
name = "nghi-quyet"
kinds = ["new_document"]
doc_types = ["NQ", "CT", "CTr"]
"""
TWO = '["ban@example.vn", "vp@example.vn"]'


def cited_since_first_crawl(db_url, documents, recent=4, undated=2, crawled=CRAWLED, portal_key="caugiay",
                            start=0, detected=None):
    """Articles of a regular crawl of a portal (its first crawl, long before, found nothing), each citing
    its own Party document: `recent` published within the day before the crawl, `undated` without a
    date, the rest 4 days and more back. Returns the detected events."""
    upgrade(db_url)
    Session = session_factory(db_url)
    with Session() as s, s.begin():
        portal = s.scalar(select(Portal).where(Portal.key == portal_key))
        if portal is None:
            portal = Portal(key=portal_key, name="Phường Cầu Giấy", base_url="http://127.0.0.1:2/", profile="dnn")
            s.add(portal)
            s.flush()
            first = crawled - timedelta(days=60)
            s.add(CrawlRun(portal_id=portal.id, status="finished", started_at=first, finished_at=first))
        s.add(CrawlRun(portal_id=portal.id, status="finished", started_at=crawled,
                       finished_at=crawled + timedelta(hours=1)))
        for n in range(documents):
            i = start + n
            published = (None if n < undated else crawled - timedelta(hours=n) if n < undated + recent
                         else crawled - timedelta(days=4 + n))
            add_cited(s, portal.id, i, TYPES[i % 3], published, crawled + timedelta(minutes=30))
    return detect_pending(Session, DetectionSettings(), now=detected or crawled + timedelta(hours=2))


def sightings(db_url) -> dict:
    with session_factory(db_url)() as s:
        return {r.name: (r.fingerprint, r.first_seen_at, r.version, r.holds_back)
                for r in s.scalars(select(RuleSighting)) if not r.name.startswith(RESERVED)}


def test_a_rule_added_over_300_cited_documents_sends_one_summary_per_recipient_and_the_recent_ones(db_url, smtp,
                                                                                                   capsys):
    """The issue's figure, for a rule: at most one summary mail plus the immediate mails inside the window."""
    events = cited_since_first_crawl(db_url, 300)
    Session = session_factory(db_url)
    since = CRAWLED - timedelta(days=1)
    assert alerts.enqueue(Session, ruleset(smtp.port, OUTAGES, recipients=TWO), since=since, now=DETECTED) == 0
    assert set(sightings(db_url)) == {"su-co"}
    rules = ruleset(smtp.port, OUTAGES + NQ, recipients=TWO)  # the rule is added
    now = DETECTED + timedelta(hours=1)
    assert alerts.enqueue(Session, rules, since=since, now=now) == 2 * 300
    # a claim limit cuts through the first summary (it goes out whole); the second waits for the next pass
    first, second = (alerts.deliver(Session, rules, now=now, limit=50) for _ in range(2))
    assert (first.sent, first.messages, second.sent, second.messages) == (8 + 296, 8 + 1, 296, 1)
    assert not first.errors + second.errors
    for recipient in ("ban@example.vn", "vp@example.vn"):
        mails = [m for m in smtp.messages if m["To"] == recipient]
        summaries = [m for m in mails if "Quy tắc mới" in m["Subject"]]
        immediate = sorted(m["Subject"] for m in mails if "Quy tắc" not in m["Subject"])
        assert len(summaries) == 1 and len(mails) == 5, [m["Subject"] for m in mails]
        assert immediate == sorted(f"[portalwatch] {NAMES[TYPES[i % 3]]} mới: {100 + i}-{TYPES[i % 3]}/TU — "
                                   "Phường Cầu Giấy" for i in range(2, 6))
        assert summaries[0]["Subject"] == "[portalwatch] Quy tắc mới: nghi-quyet — 296 mục đã có từ trước"
        assert summaries[0]["Message-ID"].startswith("<rule-added-")
        text, html = parts(summaries[0])
        for needle in ('Quy tắc "nghi-quyet" vừa được thêm', "296 mục cũ", "Nghị quyết: 99", "Chỉ thị: 99",
                       "Chương trình: 98", "3 ngày", "Nghị quyết mới: 106-NQ/TU — Phường Cầu Giấy",
                       "Ngày đăng: 28/02/2025 08:00", "… và 196 mục khác"):
            assert needle in text, needle
        assert "106-NQ/TU" in html and "Quy tắc mới" in html
    assert set(smtp.ids().values()) == {1}
    assert alerts.deliver(Session, rules, now=now + timedelta(days=2)).messages == 0 and len(smtp.messages) == 10
    assert main(["alerts", "list", "--json", "--limit", "1000", "--db", db_url]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert Counter(r["mode"] for r in listed) == {"rule_added": 592, "immediate": 8}
    assert {r["rule"] for r in listed} == {"nghi-quyet"} and len(events) == 600


def test_a_changed_rule_summarises_what_its_new_keyword_finds(db_url, smtp):
    cited_since_first_crawl(db_url, 12, recent=2, undated=0)
    Session = session_factory(db_url)
    since = CRAWLED - timedelta(days=1)
    before = '\n[[rule]]\nname = "thanh-uy"\nkeywords = ["đất đai"]\n'
    assert alerts.enqueue(Session, ruleset(smtp.port, before), since=since, now=DETECTED) == 0
    seen = sightings(db_url)["thanh-uy"]
    rules = ruleset(smtp.port, before.replace('["đất đai"]', '["đất đai", "Thành ủy"]'))
    now = DETECTED + timedelta(hours=3)
    alerts.enqueue(Session, rules, since=since, now=now)
    changed = sightings(db_url)["thanh-uy"]
    assert changed[0] != seen[0] and changed[1] == now and changed[2:] == (2, True)
    alerts.deliver(Session, rules, now=now)
    subjects = sorted(m["Subject"] for m in smtp.messages)
    # 12 new_document and 12 new_article events cite "Thành ủy"; 2 articles of each are recent
    assert subjects == sorted(["[portalwatch] Quy tắc đã thay đổi: thanh-uy — 20 mục đã có từ trước",
                               *(f"[portalwatch] {NAMES[TYPES[i % 3]]} mới: {100 + i}-{TYPES[i % 3]}/TU — "
                                 "Phường Cầu Giấy" for i in (0, 1)),
                               "[portalwatch] Bài viết mới: Tin số 0 — Phường Cầu Giấy",
                               "[portalwatch] Bài viết mới: Tin số 1 — Phường Cầu Giấy"])
    text, _html = parts(next(m for m in smtp.messages if "Quy tắc" in m["Subject"]))
    assert 'Quy tắc "thanh-uy" vừa được thay đổi' in text and "Bài viết mới: 10" in text


def test_on_the_replica_recent_is_measured_from_when_the_item_was_observed(db_url, smtp):
    """The replica's crawls observe 2025 while detection and enqueue run on a system clock 600 days
    on: the items published within the day before they were observed are recent all the same."""
    system = CRAWLED + timedelta(days=600)
    cited_since_first_crawl(db_url, 10, recent=4, undated=2, detected=system)
    Session = session_factory(db_url)
    since = system - timedelta(days=1)
    alerts.enqueue(Session, ruleset(smtp.port, OUTAGES), since=since, now=system + timedelta(minutes=5))
    assert alerts.enqueue(Session, ruleset(smtp.port, OUTAGES + NQ), since=since, now=system + timedelta(hours=1)) == 10
    with Session() as s:
        assert Counter(s.scalars(select(AlertOutbox.mode))) == {"immediate": 4, "rule_added": 6}


def test_recipients_from_the_environment_are_no_change_and_a_recipient_new_to_a_rule_is_held_alone(db_url, smtp):
    """A scheduler mails ban@ (its PORTALWATCH_ALERT_TO), an operator's shell vp@: the rule keeps its
    first form whoever enqueues; vp@, who never had the rule, gets its back catalogue as one summary."""
    cited_since_first_crawl(db_url, 6, recent=0, undated=0)
    Session = session_factory(db_url)
    since = CRAWLED - timedelta(days=1)
    alerts.enqueue(Session, ruleset(smtp.port, OUTAGES), since=since, now=DETECTED)
    scheduler, shell = (ruleset(smtp.port, OUTAGES + NQ, recipients=to) for to in ('["ban@example.vn"]',
                                                                                  '["vp@example.vn"]'))
    assert alerts.enqueue(Session, scheduler, since=since, now=DETECTED + timedelta(hours=1)) == 6
    seen = sightings(db_url)["nghi-quyet"]
    for n, rules in enumerate((shell, scheduler, shell, scheduler), start=2):
        alerts.enqueue(Session, rules, since=since, now=DETECTED + timedelta(hours=n))
    assert sightings(db_url)["nghi-quyet"] == seen and seen[2] == 1
    with Session() as s:
        rows = Counter(s.execute(select(AlertOutbox.recipient, AlertOutbox.mode)).all())
    assert rows == {("ban@example.vn", "rule_added"): 6, ("vp@example.vn", "rule_added"): 6}
    alerts.deliver(Session, shell, now=DETECTED + timedelta(hours=7))
    assert [m["Subject"] for m in smtp.messages] == ["[portalwatch] Quy tắc mới: nghi-quyet — 6 mục đã có từ trước"] * 2


def test_a_changed_rule_mails_this_cycles_events_to_old_and_new_recipients_and_holds_only_the_older(db_url, smtp):
    """vp@ is added to the NQ rule after a crawl found a new citation in a 5-day-old article: that
    citation is news to both (immediate); what came before the previous pass is vp@'s summary only."""
    cited_since_first_crawl(db_url, 3, recent=0, undated=0)
    Session = session_factory(db_url)
    since = CRAWLED - timedelta(days=1)
    own = NQ + 'recipients = ["ban@example.vn"]\n'
    alerts.enqueue(Session, ruleset(smtp.port, OUTAGES), since=since, now=DETECTED)
    assert alerts.enqueue(Session, ruleset(smtp.port, OUTAGES + own), since=since, now=DETECTED + timedelta(hours=1)) == 3
    cited_since_first_crawl(db_url, 1, recent=0, undated=0, crawled=CRAWLED + timedelta(days=1), start=3)
    rules = ruleset(smtp.port, OUTAGES + own.replace('["ban@example.vn"]', TWO))
    assert alerts.enqueue(Session, rules, since=since, now=CRAWLED + timedelta(days=1, hours=3)) == 1 + 1 + 3
    with Session() as s:
        rows = Counter(s.execute(select(AlertOutbox.recipient, AlertOutbox.mode)).all())
    assert rows == {("ban@example.vn", "rule_added"): 3, ("ban@example.vn", "immediate"): 1,
                    ("vp@example.vn", "rule_added"): 3, ("vp@example.vn", "immediate"): 1}


def test_a_rule_recorded_before_recipient_sightings_keeps_its_recipients_as_old_as_itself(db_url, smtp):
    """An archive whose rules were recorded without (rule, recipient) rows: a rule of its first
    ruleset holds nothing for its current recipients; a recipient added afterwards is held alone."""
    cited_since_first_crawl(db_url, 6, recent=0, undated=0)
    Session = session_factory(db_url)
    rules = ruleset(smtp.port, OUTAGES + NQ)
    with Session() as s, s.begin():
        for rule in rules.rules:
            s.add(RuleSighting(name=rule.name, fingerprint=fingerprint(rules, rule),
                               first_seen_at=DETECTED - timedelta(days=1), version=1, holds_back=False))
    since = CRAWLED - timedelta(days=1)
    assert alerts.enqueue(Session, rules, since=since, now=DETECTED + timedelta(hours=1)) == 6
    alerts.enqueue(Session, ruleset(smtp.port, OUTAGES + NQ, recipients=TWO), since=since,
                   now=DETECTED + timedelta(hours=2))
    with Session() as s:
        rows = Counter(s.execute(select(AlertOutbox.recipient, AlertOutbox.mode)).all())
    assert rows == {("ban@example.vn", "immediate"): 6, ("vp@example.vn", "rule_added"): 6}


def test_an_unchanged_rule_after_a_restart_queues_nothing_again_and_later_events_flow(db_url, smtp):
    cited_since_first_crawl(db_url, 9, recent=0, undated=0)
    Session = session_factory(db_url)
    since = CRAWLED - timedelta(days=1)
    alerts.enqueue(Session, ruleset(smtp.port, OUTAGES), since=since, now=DETECTED)
    added = DETECTED + timedelta(minutes=5)
    assert alerts.enqueue(Session, ruleset(smtp.port, OUTAGES + NQ), since=since, now=added) == 9
    seen = sightings(db_url)
    # a restart: the same file read again, a later pass over the same events
    assert alerts.enqueue(Session, ruleset(smtp.port, OUTAGES + NQ), since=since, now=added + timedelta(hours=1)) == 0
    assert sightings(db_url) == seen and seen["nghi-quyet"][1:] == (added, 1, True)
    # a later crawl finds an article citing an old document: news since the rule was seen, mailed at once
    later = cited_since_first_crawl(db_url, 1, recent=0, undated=0, crawled=CRAWLED + timedelta(days=1), start=9)
    rules = ruleset(smtp.port, OUTAGES + NQ)
    later_now = CRAWLED + timedelta(days=1, hours=3)
    assert alerts.enqueue(Session, rules, event_ids=[e.id for e in later], now=later_now) == 1
    alerts.deliver(Session, rules, now=later_now)
    assert sorted(m["Subject"] for m in smtp.messages) == [
        "[portalwatch] Nghị quyết mới: 109-NQ/TU — Phường Cầu Giấy",
        "[portalwatch] Quy tắc mới: nghi-quyet — 9 mục đã có từ trước"]


COSMETIC = ("""
[[rule]]
name = "dat-dai"
keywords = ["Thành ủy", "đất đai"]
recipients = ["ban@example.vn", "vp@example.vn"]
quiet_hours = "22:00-06:30"
""", """
# reordered, diacritics dropped, another quiet time, another place in the file
[[rule]]
name = "dat-dai"
recipients = ["vp@example.vn", "ban@example.vn"]
keywords = ["dat dai", "thanh uy"]
quiet_hours = "23:00-06:00"
""")


@pytest.mark.parametrize("change", ['keywords = ["Thành ủy"]', 'recipients = ["ban@example.vn"]',
                                    'kinds = ["new_document"]', "min_percent = 60", 'mode = "digest"',
                                    "include_baseline = true"])
def test_what_decides_matches_and_targets_is_a_change(change):
    key = change.split(" =")[0]
    lines = [line for line in COSMETIC[0].splitlines() if not line.startswith(key + " =")]
    old, new = ruleset(25, COSMETIC[0]), ruleset(25, "\n".join(lines + [change]))
    assert fingerprint(old, old.rules[0]) != fingerprint(new, new.rules[0])


def test_a_cosmetic_change_is_not_a_change(db_url, smtp):
    cited_since_first_crawl(db_url, 3, recent=0, undated=0)
    Session = session_factory(db_url)
    since = CRAWLED - timedelta(days=1)
    alerts.enqueue(Session, ruleset(smtp.port, OUTAGES), since=since, now=DETECTED)
    first = ruleset(smtp.port, OUTAGES + COSMETIC[0])
    alerts.enqueue(Session, first, since=since, now=DETECTED + timedelta(minutes=1))
    seen = sightings(db_url)
    # a later crawl, then the rules file rewritten cosmetically: its events are news, mailed one by one
    later = cited_since_first_crawl(db_url, 2, recent=0, undated=0, crawled=CRAWLED + timedelta(hours=6), start=3)
    rewritten = ruleset(smtp.port, COSMETIC[1] + OUTAGES)
    assert fingerprint(first, first.rule("dat-dai")) == fingerprint(rewritten, rewritten.rule("dat-dai"))
    now = CRAWLED + timedelta(hours=9)
    assert alerts.enqueue(Session, rewritten, event_ids=[e.id for e in later], now=now) == 2 * 4
    assert sightings(db_url) == seen
    with Session() as s:
        assert Counter(s.scalars(select(AlertOutbox.mode))) == {"rule_added": 2 * 6, "immediate": 2 * 4}


def test_two_enqueues_racing_record_one_sighting_and_one_summary(db_url, smtp):
    cited_since_first_crawl(db_url, 60, recent=0, undated=0)
    Session = session_factory(db_url)
    since = CRAWLED - timedelta(days=1)
    alerts.enqueue(Session, ruleset(smtp.port, OUTAGES, recipients=TWO), since=since, now=DETECTED)
    rules = ruleset(smtp.port, OUTAGES + NQ, recipients=TWO)
    start, written, errors = threading.Barrier(2), [], []

    def enqueue(offset):
        try:
            start.wait()
            written.append(alerts.enqueue(Session, rules, since=since, now=DETECTED + timedelta(seconds=offset)))
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=enqueue, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and sorted(written) == [0, 120]
    assert len(sightings(db_url)) == 2
    with Session() as s:
        assert s.scalar(select(func.count(func.distinct(AlertOutbox.message_id)))) == 2
    alerts.deliver(Session, rules, now=DETECTED + timedelta(minutes=1))
    assert sorted(m["To"] for m in smtp.messages) == ["ban@example.vn", "vp@example.vn"]
    assert all(m["Subject"] == "[portalwatch] Quy tắc mới: nghi-quyet — 60 mục đã có từ trước" for m in smtp.messages)


def test_an_event_held_by_a_first_crawl_and_a_new_rule_is_in_the_portal_summary_only(db_url, smtp):
    """A new portal's back catalogue is the portal's whatever the rules: one "portal added" mail; what
    the new rule finds elsewhere, one "rule added" mail."""
    catalogue(db_url, documents=9, recent=0, undated=0)  # bactuliem's first crawl
    cited_since_first_crawl(db_url, 6, recent=0, undated=0, start=9)  # caugiay's regular crawl
    Session = session_factory(db_url)
    since = CRAWLED - timedelta(days=1)
    alerts.enqueue(Session, ruleset(smtp.port, OUTAGES), since=since, now=DETECTED)
    rules = ruleset(smtp.port, OUTAGES + NQ)
    now = DETECTED + timedelta(hours=1)
    assert alerts.enqueue(Session, rules, since=since, now=now) == 15
    alerts.deliver(Session, rules, now=now)
    assert sorted(m["Subject"] for m in smtp.messages) == [
        "[portalwatch] Cổng mới được theo dõi: Quận Bắc Từ Liêm — 9 mục đã đăng từ trước",
        "[portalwatch] Quy tắc mới: nghi-quyet — 6 mục đã có từ trước"]
