"""The baseline policy: a portal's first crawl mails only what was published recently; its back
catalogue goes into one "portal added" summary per portal and recipient (a real SMTP server)."""
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.engine import session_factory
from db.models import AlertOutbox, Article, CrawlRun, Document, DocumentMention, Portal
from db.schema import upgrade
from monitor import alerts
from monitor.config import DetectionSettings
from monitor.detect import detect_pending
from monitor.rules import RulesError, parse_rules
from tests.test_alerts import DIGEST_RULE, NQ_RULE, parts, ruleset, smtp, vn  # noqa: F401 (smtp: a fixture)

RUN_START = vn(2025, 3, 10, 8, 0)
RUN_END = RUN_START + timedelta(hours=1)
TYPES = ("NQ", "CT", "CTr")
NAMES = {"NQ": "Nghị quyết", "CT": "Chỉ thị", "CTr": "Chương trình"}


def catalogue(db_url, documents=300, recent=4, undated=2, runs=(("finished", RUN_START),)):
    """A portal whose first crawl stored `documents` articles, each citing its own Party document
    (NQ, CT, CTr in turn): `recent` of them published within the last day before the crawl,
    `undated` without a date, the rest 4 days and more back, one a day. Returns the detected events."""
    upgrade(db_url)
    Session = session_factory(db_url)
    with Session() as s, s.begin():
        portal = Portal(key="bactuliem", name="Quận Bắc Từ Liêm", base_url="http://127.0.0.1:1/", profile="dnn")
        s.add(portal)
        s.flush()
        windows = []
        for status, start in runs:
            s.add(CrawlRun(portal_id=portal.id, status=status, started_at=start, finished_at=start + timedelta(hours=1)))
            windows.append(start + timedelta(minutes=30))
        for i in range(documents):
            published = (None if i < undated else RUN_START - timedelta(hours=i) if i < undated + recent
                         else RUN_START - timedelta(days=4 + i))
            seen = windows[i % len(windows)]
            add_cited(s, portal.id, i, TYPES[i % 3], published, seen)
    return detect_pending(Session, DetectionSettings(), now=max(start for _, start in runs) + timedelta(hours=2))


def add_cited(s, portal_id: int, i: int, type_: str, published, seen) -> None:
    canonical = f"{100 + i}-{type_}/TU"
    sentence = f"Thực hiện {NAMES[type_]} số {canonical} của Ban Thường vụ Thành ủy."
    art = Article(portal_id=portal_id, external_id=str(i), url=f"http://127.0.0.1:1/tin/{i}", title=f"Tin số {i}",
                  body_text=sentence, published_at=published, content_hash=str(i), first_seen_at=seen,
                  last_fetched_at=seen)
    s.add(art)
    s.flush()
    doc = Document(canonical=canonical, system="party", type=type_, type_name=NAMES[type_], number=str(100 + i),
                   issuer="TU", issued_on=date(2025, 1, 1), first_seen_at=seen, first_article_id=art.id)
    s.add(doc)
    s.flush()
    s.add(DocumentMention(document_id=doc.id, article_id=art.id, sentence=sentence, first_seen_at=seen))


def test_a_first_crawl_citing_300_documents_sends_one_summary_and_the_recent_ones(db_url, smtp):
    events = catalogue(db_url)
    assert Counter(e.kind for e in events) == {"new_document": 300, "new_article": 300}
    rules = ruleset(smtp.port, NQ_RULE + DIGEST_RULE)
    Session = session_factory(db_url)
    now = RUN_END + timedelta(minutes=5)
    assert alerts.enqueue(Session, rules, event_ids=[e.id for e in events], now=now) == 300
    # a small claim limit cuts through the summary: it still goes out as one mail
    report = alerts.deliver(Session, rules, now=now, limit=20)
    assert not report.errors and report.messages == 5 and report.sent == 300
    subjects = [m["Subject"] for m in smtp.messages]
    immediate = [s for s in subjects if " mới: " in s]
    assert sorted(immediate) == sorted(f"[portalwatch] {NAMES[TYPES[i % 3]]} mới: {100 + i}-{TYPES[i % 3]}/TU — "
                                       "Quận Bắc Từ Liêm" for i in range(2, 6))
    summary = [m for m in smtp.messages if "Cổng mới được theo dõi" in m["Subject"]]
    assert len(summary) == 1 and len(smtp.messages) == 5 and set(smtp.ids().values()) == {1}
    assert summary[0]["Subject"] == "[portalwatch] Cổng mới được theo dõi: Quận Bắc Từ Liêm — 296 mục đã đăng từ trước"
    text, html = parts(summary[0])
    for needle in ("Nghị quyết: 99", "Chỉ thị: 99", "Chương trình: 98", "3 ngày",
                   "Nghị quyết mới: 106-NQ/TU", "Ngày đăng bài: 28/02/2025 08:00", 'quy tắc "nghi-quyet"'):
        assert needle in text, needle
    assert "Nghị quyết" in html and "106-NQ/TU" in html
    # nothing waits for the digest, and nothing is sent twice
    later = alerts.deliver(Session, rules, now=now + timedelta(days=2))
    assert later.messages == 0 and len(smtp.messages) == 5


def test_later_crawls_mail_as_usual_and_a_failed_first_attempt_is_baseline_too(db_url, smtp):
    """A failed run before the first finished one stored back catalogue too; what a later finished
    run finds is news even when published long ago (a new article citing an old document)."""
    events = catalogue(db_url, documents=9, recent=0, undated=0,
                       runs=(("failed", RUN_START - timedelta(days=1)), ("finished", RUN_START),
                             ("finished", RUN_START + timedelta(days=1))))
    rules = ruleset(smtp.port, NQ_RULE)
    Session = session_factory(db_url)
    now = RUN_END + timedelta(days=2)
    alerts.enqueue(Session, rules, event_ids=[e.id for e in events], now=now)
    alerts.deliver(Session, rules, now=now)
    subjects = sorted(m["Subject"] for m in smtp.messages)
    # runs take the articles in turn: 2, 5, 8 come from the third run
    assert subjects == sorted(["[portalwatch] Cổng mới được theo dõi: Quận Bắc Từ Liêm — 6 mục đã đăng từ trước",
                               *(f"[portalwatch] {NAMES[TYPES[i % 3]]} mới: {100 + i}-{TYPES[i % 3]}/TU — "
                                 "Quận Bắc Từ Liêm" for i in (2, 5, 8))])


def test_the_recent_window_is_set_in_the_rules_file(db_url, smtp):
    events = catalogue(db_url, documents=12, recent=0, undated=0)
    rules = ruleset(smtp.port, '[baseline]\nrecent = "6d"\n' + NQ_RULE)
    assert rules.baseline.recent == timedelta(days=6)
    Session = session_factory(db_url)
    now = RUN_END
    alerts.enqueue(Session, rules, event_ids=[e.id for e in events], now=now)
    alerts.deliver(Session, rules, now=now)
    # published 4…15 days before the crawl: two are within 6 days
    assert len(smtp.messages) == 3
    with session_factory(db_url)() as s:
        assert Counter(s.scalars(select(AlertOutbox.mode))) == {"immediate": 2, "summary": 10}


@pytest.mark.parametrize("text, expected", [
    ('[baseline]\nrecent = "3 days"\n', "t.toml:2: baseline.recent: not a duration like '30m', '6h', '1d': '3 days'"),
    ('[baseline]\nrecent = 3\n', "t.toml:2: baseline.recent: not a duration"),
    ('[baseline]\nwindow = "3d"\n', "t.toml:2: baseline.window: unknown field (known: recent)"),
    ('baseline = "3d"\n', "t.toml:1: baseline: expected a table"),
])
def test_baseline_settings_are_validated(text, expected):
    with pytest.raises(RulesError) as info:
        parse_rules(text, "t.toml", env={})
    assert str(info.value).startswith(expected), str(info.value)
