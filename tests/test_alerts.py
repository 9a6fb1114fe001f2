"""Alerts: rules, the outbox, a REAL SMTP server (aiosmtpd on 127.0.0.1), digests, failures, crashes.

Every mail is parsed back with the standard `email` package; every test checks that each
Message-ID arrived the number of times expected — no alert duplicated or lost.
"""
import json
import socket
import threading
from collections import Counter
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from db.engine import session_factory
from db.models import AlertOutbox, Article, Document, DocumentMention, Event, Portal, ViewSample
from db.schema import upgrade
from monitor import alerts
from monitor.alerts import outbox as alerts_outbox
from monitor.alerts.outbox import message_id
from monitor.events import KINDS
from monitor.rules import RulesError, load_rules, parse_rules
from tests.conftest import FIXTURES

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SENTENCE = ("Nghị quyết số 23-NQ/TU ngày 16/11/2023 của Ban Thường vụ Thành ủy về xây dựng, phát triển "
            "quận Bắc Từ Liêm đến năm 2030.")


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    def __init__(self):
        self.messages = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        return "250 OK"

    def ids(self) -> Counter:
        return Counter(m["Message-ID"] for m in self.messages)


def start_smtp(port: int | None = None):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller, sink


@pytest.fixture
def smtp():
    controller, sink = start_smtp()
    sink.port = controller.port
    yield sink
    controller.stop()


def ruleset(port: int, body: str = "", recipients='["ban@example.vn"]', **delivery) -> object:
    extra = "".join(f'{k} = {json.dumps(v)}\n' for k, v in delivery.items())
    text = f"""recipients = {recipients}

[smtp]
host = "127.0.0.1"
port = {port}
security = "plain"
from = "portalwatch <canh-bao@example.vn>"

[delivery]
backoff = "1m"
max_backoff = "1h"
max_attempts = 3
{extra}
{body}"""
    return parse_rules(text, "test.toml", env={})


NQ_RULE = """
[[rule]]
name = "nghi-quyet"
kinds = ["new_document"]
doc_types = ["NQ", "CT", "CTr"]
issuers = ["TW", "TU", "HĐND", "UBND"]
"""

DIGEST_RULE = """
[[rule]]
name = "ban-tin"
mode = "digest"
digest_at = "07:00"
"""


def seed(db_url, created=vn(2023, 11, 17, 10, 0)):
    """One portal, the seed article, its 23-NQ/TU document, and a few events of other kinds."""
    upgrade(db_url)
    Session = session_factory(db_url)
    with Session() as s, s.begin():
        portal = Portal(key="bactuliem", name="Quận Bắc Từ Liêm (cổng 2024)", base_url="http://127.0.0.1:1/",
                        profile="dnn")
        s.add(portal)
        s.flush()
        art = Article(portal_id=portal.id, external_id="1", url="http://127.0.0.1:1/tin/1",
                      title="Gần 300 đại biểu dự Hội nghị trực tuyến quán triệt Nghị quyết 23-NQ/TU",
                      summary="", body_text="Sáng 17/11, quận tổ chức hội nghị về quản lý đất đai. " + SENTENCE,
                      published_at=vn(2023, 11, 17, 8, 0), views=120, content_hash="x",
                      first_seen_at=created, last_fetched_at=created)
        other = Article(portal_id=portal.id, external_id="2", url="http://127.0.0.1:1/tin/2",
                        title="Lịch tiếp công dân tháng 12", body_text="Lịch tiếp dân của lãnh đạo quận.",
                        views=40, content_hash="y", first_seen_at=created, last_fetched_at=created)
        s.add_all([art, other])
        s.flush()
        doc = Document(canonical="23-NQ/TU", system="party", type="NQ", type_name="Nghị quyết", number="23",
                       issuer="TU", issued_on=date(2023, 11, 16), first_seen_at=created, first_article_id=art.id)
        s.add(doc)
        s.flush()
        s.add(DocumentMention(document_id=doc.id, article_id=art.id, sentence=SENTENCE, first_seen_at=created))
        s.add_all([ViewSample(article_id=art.id, first_at=created - timedelta(hours=5),
                              last_at=created - timedelta(hours=5), views=20),
                   ViewSample(article_id=art.id, first_at=created, last_at=created, views=120)])
        article_payload = {"title": art.title, "url": art.url, "external_id": "1",
                           "published_at": "2023-11-17T08:00:00+07:00", "views": 120}
        other_payload = {"title": other.title, "url": other.url, "external_id": "2", "published_at": None, "views": 40}
        events = [
            Event(key="new_document:1", kind="new_document", portal_id=portal.id, article_id=art.id,
                  document_id=doc.id, occurred_at=created, created_at=created, payload={
                      "canonical": "23-NQ/TU", "system": "party", "type": "NQ", "type_name": "Nghị quyết",
                      "number": "23", "year": None, "issuer": "TU", "issued_on": "2023-11-16", "sentence": SENTENCE,
                      "article": article_payload}),
            Event(key="edited:1", kind="edited", portal_id=portal.id, article_id=other.id, occurred_at=created,
                  created_at=created, payload={"article": other_payload, "version": 2, "changes": {
                      "title": {"old": "Lịch tiếp công dân tháng 11", "new": "Lịch tiếp công dân tháng 12"}}}),
            Event(key="views_spike:1", kind="views_spike", portal_id=portal.id, article_id=art.id, occurred_at=created,
                  created_at=created, payload={"article": article_payload, "views_before": 20,
                                               "views_after": 120, "delta": 100, "percent": 500.0, "per_hour": 20.0,
                                               "baseline_per_hour": 2.0}),
            Event(key="source_down:1:1", kind="source_down", portal_id=portal.id, occurred_at=created,
                  created_at=created, payload={"since": "2023-11-16T22:00:00+07:00", "failed_runs": 3,
                                               "errors": ["HTTP 503", "HTTP 503", "timeout"]}),
            Event(key="new_article:2", kind="new_article", portal_id=portal.id, article_id=other.id,
                  occurred_at=created, created_at=created, payload={"article": other_payload, "baseline": True}),
        ]
        s.add_all(events)
    with Session() as s:
        return {e.kind: e.id for e in s.scalars(select(Event))}


def outbox(db_url):
    with session_factory(db_url)() as s:
        return s.scalars(select(AlertOutbox).order_by(AlertOutbox.id)).all()


def parts(msg):
    return tuple(msg.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))


# ---- rules ---------------------------------------------------------------------------------------
def fake(kind="new_document", portal="bactuliem", docs=(), title="", body="", views=None, **fields):
    """An event as rules see it: the recorded payload of its kind, with the given title, views and fields."""
    from vntext.textnorm import fold

    data = json.loads((FIXTURES / "events" / "recorded" / f"{kind}.json").read_text(encoding="utf-8"))["payload"]
    if "article" in data:
        data["article"] |= {"title": title, "views": views}
    payload = KINDS[kind].from_json(data | fields)
    return SimpleNamespace(kind=kind, payload=payload, portal_key=portal, portal_name=portal, documents=list(docs),
                           folded_texts=lambda: [("tiêu đề", fold(title)), ("nội dung", fold(body))])


def doc(type_, issuer, canonical="x"):
    return SimpleNamespace(type=type_, issuer=issuer, canonical=canonical, type_name=None)


def one_rule(body: str):
    return parse_rules("[[rule]]\nname = \"r\"\n" + body, "t.toml", env={}).rules[0]


def test_rules_match_document_type_issuer_portal_and_kind():
    rule = one_rule('kinds = ["new_document"]\ndoc_types = ["nq", "CT", "ctr"]\nissuers = ["TW", "TU", "HDND", "UBND"]')
    assert rule.doc_types == {"NQ", "CT", "CTr"} and "HĐND" in rule.issuers
    assert rule.match(fake(docs=[doc("NQ", "TU", "23-NQ/TU")]))
    assert rule.match(fake(docs=[doc("CTr", "HĐND")]))
    assert rule.match(fake(docs=[doc("NQ", "UBND")]))       # 15/2023/NQ-UBND: issuer UBND
    assert rule.match(fake(docs=[doc("NQ", "QU-UBND")]))    # the issuer's last hyphen part
    assert rule.match(fake(docs=[doc("QĐ", "UBND")])) is None    # wrong type
    assert rule.match(fake(docs=[doc("NQ", "HU")])) is None      # issuer not listed
    assert rule.match(fake(docs=[doc("NQ", "UBND-KT")])) is None  # last part KT
    assert rule.match(fake(kind="edited", docs=[doc("NQ", "TU")])) is None
    reasons = rule.match(fake(docs=[doc("NQ", "TU", "23-NQ/TU")]))
    assert any("23-NQ/TU" in r and "NQ" in r for r in reasons) and any("TU" in r for r in reasons)
    portal_rule = one_rule('portals = ["caugiay"]')
    assert portal_rule.match(fake(portal="caugiay")) and portal_rule.match(fake(portal="bactuliem")) is None


def test_rules_match_keywords_without_diacritics_and_d_bar():
    rule = one_rule('keywords = ["dat dai", "Đảng ủy"]')
    assert rule.match(fake(title="Quản lý ĐẤT ĐAI trên địa bàn"))
    assert rule.match(fake(body="Hội nghị của đảng uỷ phường"))   # old tone placement, case, đ
    assert rule.match(fake(body="Dang uy phuong hop"))             # no diacritics at all
    assert rule.match(fake(title="Đạt được kết quả")) is None       # "đạt" is not "đất đai"
    assert rule.match(fake(title="datdai")) is None                 # whole words only
    assert "dat dai" in rule.match(fake(title="đất đai"))[0]
    accented = one_rule('keywords = ["đường"]')
    assert accented.match(fake(body="duong Pham Van Dong")) and accented.match(fake(body="Đường phố"))


def test_rules_match_view_thresholds_and_baseline():
    rule = one_rule('kinds = ["views_spike"]\nmin_delta = 100\nmin_percent = 50')
    assert rule.match(fake(kind="views_spike", delta=100, percent=500.0))
    assert rule.match(fake(kind="views_spike", delta=99, percent=500.0)) is None
    assert rule.match(fake(kind="views_spike", delta=300, percent=10.0)) is None
    views = one_rule("min_views = 1000")
    assert views.match(fake(kind="new_article", views=1500)) and views.match(fake(kind="new_article", views=None)) is None
    everything = one_rule("")
    assert everything.match(fake(kind="new_article", baseline=True)) is None  # first crawl is no news
    assert everything.match(fake(kind="new_article", baseline=False))
    assert one_rule("include_baseline = true").match(fake(kind="new_article", baseline=True))


def test_quiet_hours_and_digest_times_use_vietnam_time():
    rule = one_rule('quiet_hours = "22:00-06:30"\nmode = "digest"\ndigest = "weekly"\ndigest_day = "friday"\ndigest_at = "17:30"')
    assert rule.quiet_until(vn(2023, 11, 17, 23, 15)) == vn(2023, 11, 18, 6, 30)
    assert rule.quiet_until(vn(2023, 11, 18, 5, 0)) == vn(2023, 11, 18, 6, 30)
    assert rule.quiet_until(vn(2023, 11, 18, 6, 30)) is None and rule.quiet_until(vn(2023, 11, 17, 12, 0)) is None
    assert rule.next_digest(vn(2023, 11, 17, 10, 0)) == vn(2023, 11, 17, 17, 30)   # a Friday
    assert rule.next_digest(vn(2023, 11, 17, 17, 30)) == vn(2023, 11, 24, 17, 30)
    daily = one_rule('mode = "digest"\ndigest_at = "07:00"')
    assert daily.next_digest(vn(2023, 11, 17, 10, 0)) == vn(2023, 11, 18, 7, 0)


@pytest.mark.parametrize("body, expected", [
    ('doc_types = ["NQ", "XYZ"]', "t.toml:4: rule[1] (r).doc_types: unknown document type 'XYZ'"),
    ('issuers = ["ủy ban"]', "t.toml:4: rule[1] (r).issuers: not an issuer abbreviation"),
    ('kinds = ["new_doc"]', "t.toml:4: rule[1] (r).kinds: unknown event kind 'new_doc'"),
    ('portals = ["nowhere"]', "t.toml:4: rule[1] (r).portals: unknown portal 'nowhere'"),
    ('quiet_hours = "22h-6h"', "t.toml:4: rule[1] (r).quiet_hours: expected a local time HH:MM"),
    ('mode = "sometimes"', "t.toml:4: rule[1] (r).mode: expected immediate or digest"),
    ('min_views = "many"', "t.toml:4: rule[1] (r).min_views: expected a non-negative integer"),
    ('recipients = ["not-an-address"]', "t.toml:4: rule[1] (r).recipients: not an email address or http(s) URL"),
    ('colour = "red"', "t.toml:4: rule[1] (r).colour: unknown field"),
])
def test_rules_errors_name_line_and_field(body, expected):
    text = f'[smtp]\nhost = "127.0.0.1"\n[[rule]]\n{body}\nname = "r"\n'
    text = text.replace('[[rule]]\n', '[[rule]]\n', 1)
    # the field sits on line 4 (after [smtp], host, [[rule]])
    with pytest.raises(RulesError) as info:
        parse_rules(text, "t.toml", env={})
    assert str(info.value).startswith(expected), str(info.value)


def test_rules_refuse_a_password_and_bad_smtp_settings():
    with pytest.raises(RulesError, match=r"t.toml:3: smtp.password: the password is never written"):
        parse_rules('[smtp]\nhost = "x"\npassword = "hunter2"\n', "t.toml", env={})
    with pytest.raises(RulesError, match=r"t.toml:2: smtp.security: expected starttls, ssl or plain"):
        parse_rules('[smtp]\nsecurity = "tls"\n', "t.toml", env={})
    assert parse_rules('[smtp]\nsecurity = "ssl"\n', "t.toml", env={}).smtp.port == 465


def test_the_shipped_default_rules():
    rules = load_rules(env={})
    immediate, digest = rules.rules
    assert immediate.mode == "immediate" and immediate.kinds == {"new_document"}
    assert immediate.doc_types == {"NQ", "CT", "CTr"} and immediate.issuers == {"TW", "TU", "HĐND", "UBND"}
    assert digest.mode == "digest" and digest.digest == "daily" and not digest.kinds
    assert rules.recipients == () and rules.baseline.recent == timedelta(days=3)
    env = {"PORTALWATCH_ALERT_TO": "a@example.vn, https://chat.example.vn/hook", "PORTALWATCH_SMTP_PORT": "2525"}
    rules = load_rules(env=env)
    assert rules.recipients == ("a@example.vn", "https://chat.example.vn/hook") and rules.smtp.port == 2525
    # an immediate rule wins over the digest rule for the same recipient
    view = fake(docs=[doc("NQ", "TU", "23-NQ/TU")])
    targets = rules.targets(view)
    assert {k: v[0].name for k, v in targets.items()} == {
        ("email", "a@example.vn"): immediate.name, ("webhook", "https://chat.example.vn/hook"): immediate.name}
    assert {v[0].name for v in rules.targets(fake(kind="edited")).values()} == {digest.name}


# ---- immediate mail through a real SMTP server ---------------------------------------------------
def test_immediate_mail_is_delivered_once_with_vietnamese_intact(db_url, smtp):
    ids = seed(db_url)
    rules = ruleset(smtp.port, NQ_RULE + DIGEST_RULE)
    Session = session_factory(db_url)
    now = vn(2023, 11, 17, 10, 5)
    assert alerts.enqueue(Session, rules, since=vn(2023, 11, 17), now=now) == 4  # baseline new_article: none
    assert alerts.enqueue(Session, rules, since=vn(2023, 11, 17), now=now) == 0  # idempotent
    report = alerts.deliver(Session, rules, now=now)
    assert report.sent == 1 and report.messages == 1 and not report.errors
    assert len(smtp.messages) == 1
    msg = smtp.messages[0]
    assert msg["Subject"] == "[portalwatch] Nghị quyết mới: 23-NQ/TU — Quận Bắc Từ Liêm"
    assert msg["From"] == "portalwatch <canh-bao@example.vn>" and msg["To"] == "ban@example.vn"
    assert smtp.envelopes[0] == ("canh-bao@example.vn", ["ban@example.vn"])
    expected_id = message_id(ids["new_document"], "ban@example.vn")
    assert msg["Message-ID"] == expected_id and expected_id.startswith(f"<event-{ids['new_document']}.")
    assert msg.get_content_type() == "multipart/alternative"
    text, html = parts(msg)
    for needle in ("Nghị quyết mới: 23-NQ/TU", "Loại văn bản: Nghị quyết (NQ)", "Cơ quan ban hành: TU",
                   "Ngày ban hành: 16/11/2023", SENTENCE, "http://127.0.0.1:1/tin/1",
                   "Gần 300 đại biểu dự Hội nghị trực tuyến", 'quy tắc "nghi-quyet"', "loại văn bản: NQ (Nghị quyết)"):
        assert needle in text, needle
    assert "16/11/2023" in html and "23-NQ/TU" in html and "Nghị quyết" in html and 'href="http://127.0.0.1:1/tin/1"' in html
    assert "Vì sao bạn nhận được thư này" in html
    rows = {r.event_id: r for r in outbox(db_url)}
    assert rows[ids["new_document"]].status == "sent" and rows[ids["new_document"]].attempts == 1
    assert {r.mode for r in rows.values() if r.event_id != ids["new_document"]} == {"digest"}
    assert ids["new_article"] not in rows
    # nothing more to send now; running again sends nothing twice
    assert alerts.deliver(Session, rules, now=now + timedelta(minutes=10)).sent == 0
    assert smtp.ids() == Counter({expected_id: 1})


def test_edit_views_and_source_mails_explain_themselves(db_url, smtp):
    seed(db_url)
    rules = ruleset(smtp.port, '[[rule]]\nname = "moi-thu"\nkinds = ["edited", "views_spike", "source_down"]\n')
    Session = session_factory(db_url)
    now = vn(2023, 11, 17, 10, 5)
    alerts.enqueue(Session, rules, since=vn(2023, 11, 17), now=now)
    assert alerts.deliver(Session, rules, now=now).sent == 3
    by_subject = {m["Subject"]: parts(m)[0] for m in smtp.messages}
    edited = by_subject["[portalwatch] Bài viết được sửa: Lịch tiếp công dân tháng 12 — Quận Bắc Từ Liêm"]
    assert "Tiêu đề:" in edited and "cũ:  Lịch tiếp công dân tháng 11" in edited and "mới: Lịch tiếp công dân tháng 12" in edited
    spike = next(t for s, t in by_subject.items() if "Lượt xem tăng vọt (+100)" in s)
    assert "Lượt xem trước: 20" in spike and "Lượt xem hiện tại: 120" in spike and "+100 (500%)" in spike
    down = next(t for s, t in by_subject.items() if "Cổng không truy cập được từ 16/11/2023 22:00" in s)
    assert "Số lần thu thập thất bại liên tiếp: 3" in down and "- HTTP 503" in down and "- timeout" in down
    assert len(smtp.ids()) == 3 and set(smtp.ids().values()) == {1}


def test_quiet_hours_hold_immediate_alerts_until_they_end(db_url, smtp):
    seed(db_url)
    rules = ruleset(smtp.port, NQ_RULE + 'quiet_hours = "22:00-06:30"\n')
    Session = session_factory(db_url)
    night = vn(2023, 11, 17, 23, 0)
    assert alerts.enqueue(Session, rules, since=vn(2023, 11, 17), now=night) == 1
    assert outbox(db_url)[0].next_attempt_at == vn(2023, 11, 18, 6, 30)
    assert alerts.deliver(Session, rules, now=vn(2023, 11, 18, 3, 0)).sent == 0 and not smtp.messages
    assert alerts.deliver(Session, rules, now=vn(2023, 11, 18, 6, 30)).sent == 1
    assert len(smtp.messages) == 1 and "23-NQ/TU" in smtp.messages[0]["Subject"]


def test_daily_digest_arrives_at_its_time_grouped_by_portal_and_kind(db_url, smtp):
    ids = seed(db_url)
    rules = ruleset(smtp.port, NQ_RULE + DIGEST_RULE)
    Session = session_factory(db_url)
    alerts.enqueue(Session, rules, since=vn(2023, 11, 17), now=vn(2023, 11, 17, 10, 5))
    alerts.deliver(Session, rules, now=vn(2023, 11, 17, 10, 5))     # the immediate one
    assert alerts.deliver(Session, rules, now=vn(2023, 11, 18, 6, 59)).sent == 0
    assert len(smtp.messages) == 1
    report = alerts.deliver(Session, rules, now=vn(2023, 11, 18, 7, 0))
    assert report.sent == 3 and report.messages == 1
    digest = smtp.messages[1]
    assert digest["Subject"] == "[portalwatch] Bản tin ngày 18/11/2023: 3 sự kiện — Quận Bắc Từ Liêm"
    assert digest["Message-ID"].startswith("<digest-20231118.")
    text, html = parts(digest)
    assert "== Quận Bắc Từ Liêm (cổng 2024) ==" in text
    for group in ("Bài viết được sửa (1):", "Lượt xem tăng vọt (1):", "Cổng không truy cập được (1):"):
        assert group in text, group
    assert "Tiêu đề: Lịch tiếp công dân tháng 11 → Lịch tiếp công dân tháng 12" in text
    assert "Bài tăng lượt xem nhiều nhất:" in text and "+100 (hiện 120): Gần 300 đại biểu" in text
    assert "Bài tăng lượt xem nhiều nhất" in html and "<h3" in html
    assert 'quy tắc "ban-tin"' in text
    assert all(r.status == "sent" for r in outbox(db_url))
    assert set(smtp.ids().values()) == {1} and len(smtp.ids()) == 2
    assert alerts.deliver(Session, rules, now=vn(2023, 11, 19, 7, 0)).sent == 0
    assert ids  # every seeded event accounted for above


# ---- failures: SMTP down, crash between send and mark ---------------------------------------------
def test_smtp_down_then_up_delivers_each_alert_exactly_once(db_url):
    seed(db_url)
    port = free_port()  # nothing listens here yet
    rules = ruleset(port, '[[rule]]\nname = "tat-ca"\nkinds = ["new_document", "edited", "source_down"]\n')
    Session = session_factory(db_url)
    t0 = vn(2023, 11, 17, 10, 5)
    assert alerts.enqueue(Session, rules, since=vn(2023, 11, 17), now=t0) == 3
    report = alerts.deliver(Session, rules, now=t0)
    assert report.sent == 0 and report.retrying == 3
    rows = outbox(db_url)
    assert all(r.status == "pending" and r.attempts == 1 and "connection refused" in r.last_error for r in rows)
    assert all(r.next_attempt_at == t0 + timedelta(minutes=1) for r in rows)
    assert alerts.deliver(Session, rules, now=t0 + timedelta(seconds=30)).retrying == 0  # not due yet
    alerts.deliver(Session, rules, now=t0 + timedelta(minutes=1))
    rows = outbox(db_url)
    assert all(r.attempts == 2 and r.next_attempt_at == t0 + timedelta(minutes=3) for r in rows)  # 1m, then 2m
    report = alerts.deliver(Session, rules, now=t0 + timedelta(minutes=3))
    assert report.failed == 3  # max_attempts = 3: given up, but kept
    rows = outbox(db_url)
    assert all(r.status == "failed" and r.attempts == 3 and r.last_error for r in rows)
    assert [r["status"] for r in alerts.outbox_rows(Session, "failed")] == ["failed"] * 3
    assert alerts.deliver(Session, rules, now=t0 + timedelta(days=1)).sent == 0  # failed rows wait for a retry

    controller, sink = start_smtp(port)  # the server comes back
    try:
        assert alerts.retry_failed(Session, now=t0 + timedelta(days=1)) == 3
        report = alerts.deliver(Session, rules, now=t0 + timedelta(days=1))
        assert report.sent == 3 and report.messages == 3
        assert alerts.deliver(Session, rules, now=t0 + timedelta(days=2)).sent == 0
    finally:
        controller.stop()
    expected = {message_id(r.event_id, "ban@example.vn") for r in outbox(db_url)}
    assert sink.ids() == Counter({mid: 1 for mid in expected})
    assert all(r.status == "sent" and r.sent_at is not None for r in outbox(db_url))


def test_a_crash_between_send_and_mark_sent_resends_with_the_same_message_id(db_url, smtp, monkeypatch):
    ids = seed(db_url)
    rules = ruleset(smtp.port, NQ_RULE)
    Session = session_factory(db_url)
    t0 = vn(2023, 11, 17, 10, 5)
    alerts.enqueue(Session, rules, since=vn(2023, 11, 17), now=t0)
    real_mark_sent = alerts_outbox.mark_sent

    def killed(*args, **kwargs):
        raise SystemExit("killed after the SMTP server accepted the message")

    monkeypatch.setattr(alerts_outbox, "mark_sent", killed)
    with pytest.raises(SystemExit):
        alerts.deliver(Session, rules, now=t0)
    monkeypatch.setattr(alerts_outbox, "mark_sent", real_mark_sent)
    assert len(smtp.messages) == 1
    (row,) = outbox(db_url)
    assert row.status == "sending" and row.attempts == 1  # the outbox does not know it went out
    # while the dead process's lease runs, nobody else sends it
    assert alerts.deliver(Session, rules, now=t0 + timedelta(minutes=4)).sent == 0
    report = alerts.deliver(Session, rules, now=t0 + rules.delivery.lease)
    assert report.sent == 1
    (row,) = outbox(db_url)
    assert row.status == "sent" and row.attempts == 2
    expected = message_id(ids["new_document"], "ban@example.vn")
    assert smtp.ids() == Counter({expected: 2})  # at least once, one identity: clients show it once
    assert parts(smtp.messages[0])[0] == parts(smtp.messages[1])[0]
    assert alerts.deliver(Session, rules, now=t0 + timedelta(hours=1)).sent == 0
    assert len(smtp.messages) == 2


# ---- webhook channel ------------------------------------------------------------------------------
class Hook(BaseHTTPRequestHandler):
    answers: list = []
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append((self.headers["Idempotency-Key"], json.loads(body.decode("utf-8"))))
        self.send_response(Hook.answers.pop(0) if Hook.answers else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_channel_goes_through_the_same_outbox(db_url):
    seed(db_url)
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Hook.answers, Hook.received = [500], []
    url = f"http://127.0.0.1:{server.server_port}/hook"
    try:
        rules = ruleset(1, NQ_RULE, recipients=json.dumps([url]))
        Session = session_factory(db_url)
        t0 = vn(2023, 11, 17, 10, 5)
        assert alerts.enqueue(Session, rules, since=vn(2023, 11, 17), now=t0) == 1
        report = alerts.deliver(Session, rules, now=t0)
        assert report.retrying == 1 and "HTTP 500" in outbox(db_url)[0].last_error
        assert alerts.deliver(Session, rules, now=t0 + timedelta(minutes=1)).sent == 1
        assert alerts.deliver(Session, rules, now=t0 + timedelta(hours=1)).sent == 0
    finally:
        server.shutdown()
        server.server_close()
    (row,) = outbox(db_url)
    assert row.channel == "webhook" and row.status == "sent"
    assert len(Hook.received) == 2 and Hook.received[0][0] == Hook.received[1][0] == row.message_id.strip("<>")
    payload = Hook.received[1][1]
    assert payload["subject"] == "[portalwatch] Nghị quyết mới: 23-NQ/TU — Quận Bắc Từ Liêm"
    assert payload["kind"] == "new_document" and payload["payload"]["canonical"] == "23-NQ/TU"
    assert SENTENCE in payload["text"] and payload["rule"] == "nghi-quyet"


# ---- CLI ---------------------------------------------------------------------------------------------
def test_cli_rules_check_and_alerts_list(db_url, tmp_path, capsys, smtp):
    from monitor.cli import main

    seed(db_url)
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(f'recipients = ["ban@example.vn"]\n[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\n'
                          + NQ_RULE + '\n[[rule]]\nname = "dat-dai"\nkeywords = ["dat dai"]\nmode = "digest"\n',
                          encoding="utf-8")
    assert main(["rules", "check", str(rules_file), "--db", db_url]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "nghi-quyet" in out and "1 matching event" in out and "23-NQ/TU" in out
    assert "dat-dai" in out and "2 matching events" in out  # the seed article's new_document and views_spike
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nname = "x"\ndoc_types = ["NQQ"]\n', encoding="utf-8")
    assert main(["rules", "check", str(bad), "--db", db_url]) == 2
    assert "bad.toml:3: rule[1] (x).doc_types: unknown document type 'NQQ'" in " ".join(capsys.readouterr().err.split())

    assert main(["alerts", "deliver", "--since", "2023-11-17", "--db", db_url, "--rules", str(rules_file)]) == 0
    capsys.readouterr()
    assert main(["alerts", "list", "--json", "--db", db_url]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {r["status"] for r in listed} <= {"sent", "pending"}
    assert main(["alerts", "send-test", "thu@example.vn", "--db", db_url, "--rules", str(rules_file)]) == 0
    test_mail = smtp.messages[-1]
    assert test_mail["To"] == "thu@example.vn" and "Thư thử nghiệm" in test_mail["Subject"]


# ---- end to end: the replica's seed article → the scheduler's step → a real SMTP server ------------------
def replica_first_crawl(replica, tmp_path, smtp, monkeypatch, recent: str | None = None):
    """The scheduler's first pass over the replica's bactuliem (crawl → detect → enqueue → deliver),
    with the shipped default rules (their baseline window changed to `recent`)."""
    from crawler.settings import LOOPBACK_OVERRIDES
    from monitor.rules import DEFAULT_RULES
    from monitor.scheduler import Monitor
    from tests.conftest import sqlite_url
    from tests.test_detection import CONFIG

    config = tmp_path / "portalwatch.toml"
    config.write_text(CONFIG.format(sites='"bactuliem"', stale="30d"), encoding="utf-8")
    if recent:
        shipped = DEFAULT_RULES.read_text(encoding="utf-8")
        assert 'recent = "3d"' in shipped
        rules = tmp_path / "rules.toml"
        rules.write_text(shipped.replace('recent = "3d"', f'recent = "{recent}"'), encoding="utf-8")
        monkeypatch.setenv("PORTALWATCH_RULES", str(rules))
    else:
        monkeypatch.delenv("PORTALWATCH_RULES", raising=False)  # the shipped default rules
    monkeypatch.setenv("PORTALWATCH_ALERT_TO", "ban.tuyen.giao@example.vn")
    monkeypatch.setenv("PORTALWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTALWATCH_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("PORTALWATCH_SMTP_SECURITY", "plain")
    db_url = sqlite_url(tmp_path)
    monitor = Monitor(db_url, str(config), base_urls=replica.base_urls, crawl_settings=LOOPBACK_OVERRIDES)
    monitor.run_once()
    return monitor, db_url


def test_replica_crawl_then_default_rules_deliver_the_23_nq_tu_mail(replica, tmp_path, smtp, monkeypatch):
    # The replica's back catalogue dates from 2024: a window this wide makes all of it "recent",
    # so the first crawl's documents are mailed one by one, as a later crawl's would be.
    monitor, db_url = replica_first_crawl(replica, tmp_path, smtp, monkeypatch, recent="1000w")

    mails = [m for m in smtp.messages if "23-NQ/TU" in m["Subject"]]
    assert len(mails) == 1, [m["Subject"] for m in smtp.messages]
    mail = mails[0]
    assert "Bắc Từ Liêm" in mail["Subject"] and mail["Subject"].startswith("[portalwatch] Nghị quyết mới: 23-NQ/TU — ")
    assert mail["To"] == "ban.tuyen.giao@example.vn"
    text, html = parts(mail)
    assert "Nghị quyết số 23-NQ/TU ngày 16/11/2023" in text and "Ngày ban hành: 16/11/2023" in text
    assert "Cơ quan ban hành: TU" in text and replica.base_urls["bactuliem"].rstrip("/") in text
    assert "Nghị quyết số 23-NQ/TU ngày 16/11/2023" in html
    (tmp_path / "23-NQ-TU.txt").write_text(text, encoding="utf-8")
    print("\n----- plain-text part as received -----\n" + text)
    # every immediate alert went out exactly once; the rest waits for the 07:00 digest
    with session_factory(db_url)() as s:
        statuses = Counter(s.scalars(select(AlertOutbox.status)))
        modes = Counter((r.mode, r.status) for r in s.scalars(select(AlertOutbox)))
    assert statuses["failed"] == 0 and statuses["sending"] == 0
    assert modes[("immediate", "sent")] == len(smtp.messages) and set(smtp.ids().values()) == {1}
    assert all(mode == "digest" for mode, status in modes if status == "pending")
    monitor.run_once()  # a second pass sends nothing again
    assert set(smtp.ids().values()) == {1}


def test_replica_first_crawl_with_default_rules_sends_one_summary(replica, tmp_path, smtp, monkeypatch):
    """Everything the replica's bactuliem holds was published long before today: its first crawl
    is one "portal added" mail, not one mail per Nghị quyết / Chỉ thị / Chương trình."""
    monitor, db_url = replica_first_crawl(replica, tmp_path, smtp, monkeypatch)
    assert [m["Subject"].split(" — ")[0] for m in smtp.messages] == [
        "[portalwatch] Cổng mới được theo dõi: Quận Bắc Từ Liêm"]
    text, _html = parts(smtp.messages[0])
    assert "Nghị quyết: " in text and "Văn bản được nhắc đến, theo loại:" in text
    with session_factory(db_url)() as s:
        modes = Counter((r.mode, r.status) for r in s.scalars(select(AlertOutbox)))
    assert set(modes) == {("summary", "sent")}  # nothing left for the digest either
    monitor.run_once()  # a second pass sends nothing again
    assert len(smtp.messages) == 1


def test_a_scheduler_taking_over_leaves_a_claim_younger_than_the_lease_ttl_to_its_sender(db_url, smtp, tmp_path):
    """A scheduler that lost its lease may still be sending what it claimed just before: the new
    holder makes such a row due again only once its claim is a lease TTL old (here 3 s), so a sender
    that finishes within it is not doubled; a claim older than that is the dead one's, sent at once."""
    import time

    from db.models import utcnow
    from monitor.scheduler import Monitor

    ids = seed(db_url)
    Session = session_factory(db_url)
    rules = tmp_path / "rules.toml"
    rules.write_text(f'recipients = ["ban@example.vn"]\n\n[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\n'
                     'security = "plain"\nfrom = "portalwatch <canh-bao@example.vn>"\n\n'
                     '[[rule]]\nname = "tat-ca"\nkinds = ["new_document", "edited"]\n', encoding="utf-8")
    now = utcnow()
    assert alerts.enqueue(Session, load_rules(str(rules)), event_ids=ids.values(), now=now - timedelta(minutes=1)) == 2
    dead, = alerts_outbox.claim(Session, now - timedelta(seconds=10), timedelta(minutes=5), limit=1)
    alive, = alerts_outbox.claim(Session, now, timedelta(minutes=5), limit=1)

    def still_sending():  # the scheduler that lost its lease finishes its mail a second later
        time.sleep(1.0)
        alerts_outbox.mark_sent(Session, [alive], utcnow())

    sender = threading.Thread(target=still_sending)
    sender.start()
    config = tmp_path / "portalwatch.toml"
    config.write_text('[schedule]\ninterval = "1h"\nsites = ["bactuliem"]\n', encoding="utf-8")
    monitor = Monitor(db_url, str(config), lease_ttl=timedelta(seconds=3), rules_path=str(rules))
    monitor._take_lease()
    try:
        monitor._close_interrupted_runs()
    finally:
        monitor.heartbeat.stop()
        monitor.lease.release()
    sender.join(10)
    rows = {row.id: row for row in outbox(db_url)}
    assert (rows[alive.id].status, rows[alive.id].attempts) == ("sent", 1)
    assert (rows[dead.id].status, rows[dead.id].attempts) == ("sent", 2)
    assert [m["Message-ID"] for m in smtp.messages] == [dead.message_id]
