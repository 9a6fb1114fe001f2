"""Event kinds: one definition per kind, a recorded event of each, the mails they make, and the
migration that gave stored payloads their shape."""
import ast
import json
import tomllib
from dataclasses import MISSING, fields
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from db.engine import get_engine, session_factory
from db.clock import STAT as CLOCK_STAT
from db.models import CrawlRun, Event, Portal
from db.schema import alembic_config, upgrade
from db.store import ArchiveWriter
from monitor.alerts.outbox import Claimed
from monitor.alerts.render import render_digest, render_immediate
from monitor.events import ARTICLE, IMMEDIATE, KINDS, ArticleRef, NewArticle, Payload, PayloadError, load_payload
from monitor.rules import DEFAULT_RULES, parse_rules
from tests.conftest import FIXTURES, REPO

RECORDED = FIXTURES / "events" / "recorded"
NOW = datetime(2026, 12, 3, 1, 0, tzinfo=timezone.utc)


def recorded(kind: str) -> dict:
    return json.loads((RECORDED / f"{kind}.json").read_text(encoding="utf-8"))


def concrete_kinds() -> set[type[Payload]]:
    found, todo = set(), [Payload]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if "KIND" in vars(sub):
                found.add(sub)
    return found


# ---- one definition per kind ------------------------------------------------------------------------
def test_every_kind_has_one_definition_a_detector_and_a_recorded_event():
    assert set(KINDS.values()) == concrete_kinds(), "a kind class is defined but not registered in KINDS"
    assert all(name == cls.KIND for name, cls in KINDS.items())
    tree = ast.parse((REPO / "monitor" / "detect.py").read_text(encoding="utf-8"))
    built = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert {cls.__name__ for cls in KINDS.values()} <= built, "a kind that detection never emits"
    assert {p.stem for p in RECORDED.glob("*.json")} == set(KINDS), "a kind without a recorded event, or vice versa"
    for cls in KINDS.values():
        assert cls.NAME and not cls.NAME.isascii(), cls  # Vietnamese
        assert cls.ABOUT in ("article", "portal") and cls.SEVERITY in ("immediate", "digest")
        # every field is given by detection; a default would also mean a field shadowed an inherited name
        assert all(f.default is MISSING and f.default_factory is MISSING for f in fields(cls)), cls


def test_the_shipped_rules_send_immediately_exactly_the_immediate_kinds():
    rules = tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))["rule"]
    immediate = {k for r in rules if r.get("mode", "immediate") == "immediate" for k in r.get("kinds", [])}
    assert immediate == {k for k, cls in KINDS.items() if cls.SEVERITY == IMMEDIATE}
    assert any(r.get("mode") == "digest" and not r.get("kinds") for r in rules)  # the rest: the daily digest


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_recorded_payloads_load_as_their_kind(kind):
    event = recorded(kind)
    payload = load_payload(kind, event["payload"])
    assert type(payload) is KINDS[kind] and payload.to_json() == event["payload"]
    assert (event["article_id"] is not None) == (payload.ABOUT == ARTICLE)
    if payload.ABOUT == ARTICLE or kind == "source_stale":
        assert payload.title.strip() and payload.url.startswith("http")


@pytest.mark.parametrize("kind, field", [("source_down", "since"), ("source_up", "down_since")])
def test_recorded_outages_are_told_on_the_clock_of_their_event(kind, field):
    """When a portal went down is an observed time, like the event's own (db/clock.py): the recorded
    source_down once said "down since" 2026-12-02 about an event that occurred on 2025-10-15."""
    event = recorded(kind)
    since, occurred = datetime.fromisoformat(event["payload"][field]), datetime.fromisoformat(event["occurred_at"])
    assert timedelta(0) < occurred - since < timedelta(days=1)


def test_a_wrong_payload_fails_where_it_is_built():
    article = ArticleRef(title="Bài", url="http://127.0.0.1/1", external_id="1", published_at=None, views=None)
    with pytest.raises(TypeError):
        NewArticle(article=article)  # baseline missing
    with pytest.raises(PayloadError, match="baseline"):
        NewArticle(article=article, baseline="yes")
    with pytest.raises(PayloadError, match="unexpected keyword argument 'title'"):
        load_payload("new_article", {"title": "Bài", "baseline": False, "article": article.__dict__})
    with pytest.raises(PayloadError, match="unknown event kind"):
        load_payload("new_thing", {})


# ---- mails from recorded events --------------------------------------------------------------------
@pytest.fixture
def archive(tmp_path):
    """Every recorded event stored again (without its article rows: a mail needs only the event)."""
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    upgrade(url)
    ids = {}
    with session_factory(url)() as s, s.begin():
        portals = {}
        for kind in KINDS:
            event = recorded(kind)
            if event["site"] not in portals:
                portals[event["site"]] = Portal(key=event["site"], name=event["portal_name"],
                                                base_url="http://127.0.0.1:1/", profile="")
                s.add(portals[event["site"]])
                s.flush()
            row = Event(key=event["key"], kind=kind, portal_id=portals[event["site"]].id,
                        occurred_at=datetime.fromisoformat(event["occurred_at"]),
                        created_at=datetime.fromisoformat(event["created_at"]), payload=event["payload"])
            s.add(row)
            s.flush()
            ids[kind] = row.id
    rules = parse_rules('recipients = ["ban@example.vn"]\n[[rule]]\nname = "moi-su-kien"\n', "t.toml", env={})
    return session_factory(url), rules, ids


def claimed(event_id: int, mode: str = "immediate") -> Claimed:
    return Claimed(id=event_id, event_id=event_id, channel="email", recipient="ban@example.vn", rule="moi-su-kien",
                   mode=mode, attempts=1, message_id=f"<event-{event_id}@portalwatch>")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_renders_its_immediate_mail(archive, kind):
    Session, rules, ids = archive
    with Session() as session:
        mail = render_immediate(session, rules, claimed(ids[kind]), NOW)
    ctx, text, html = mail["context"], mail["text"], mail["html"]
    definition = KINDS[kind]
    assert mail["subject"].startswith("[portalwatch] ") and not mail["subject"].isascii()
    assert ctx["headline"] in mail["subject"] and ctx["headline"] in text
    assert ctx["kind_name"] == definition.NAME and ctx["facts"], kind
    for label, value in ctx["facts"]:
        assert label.strip() and value.strip() and f"{label}: {value}" in text
    if definition.ABOUT == ARTICLE or kind == "source_stale":
        assert ctx["title"].strip() and f"Bài viết: {ctx['title']}" in text and ctx["url"] in text
    for part in (mail["subject"], text, html):
        assert "None" not in part and "{{" not in part
    assert 'quy tắc "moi-su-kien"' in text and "mọi sự kiện" in text
    assert mail["json"]["payload"] == recorded(kind)["payload"]
    if kind == "extraction_degraded":  # the recorded layout change lost the view counter
        assert "Trường Lượt xem: 0% bài có (trước đó 100%, ngưỡng 80%)" in text


def test_a_digest_of_every_kind(archive):
    Session, rules, ids = archive
    with Session() as session:
        mail = render_digest(session, rules, [claimed(i, "digest") for i in ids.values()], NOW)
    text, html = mail["text"], mail["html"]
    assert mail["subject"].startswith(f"[portalwatch] Bản tin ngày 03/12/2026: {len(KINDS)} sự kiện")
    for cls in KINDS.values():
        assert f"{cls.NAME} (1):" in text and cls.NAME in html
    items = [item for portal in mail["context"]["portals"] for group in portal["kinds"].values()
             for item in group["items"]]
    assert len(items) == len(KINDS)
    for item in items:
        assert f"- {item['headline']}" in text
    assert "None" not in text and "None" not in html


def test_a_digest_finds_its_top_movers_on_the_observation_clock(tmp_path):
    """View readings are stamped with the portal's observation clock (db/clock.py): the digest's movers
    window is read on it (before: on the system clock's now, empty for a replica years away)."""
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    writer = ArchiveWriter(url)
    portal = writer.ensure_portal("caugiay", "Phường Cầu Giấy", "http://127.0.0.1:1", "hanoi")
    observed = datetime(2025, 10, 15, 1, 0, tzinfo=timezone.utc)  # the replica's time, far from NOW
    for hour, views in ((0, 100), (6, 400)):
        writer.write_articles(portal, [{"external_id": "1", "url": "http://127.0.0.1:1/tin/1", "title": "Tin nóng",
                                        "body_text": "Thân bài.", "views": views,
                                        "fetched_at": observed + timedelta(hours=hour)}])
    with session_factory(url)() as s, s.begin():
        offset = (observed + timedelta(hours=7) - NOW).total_seconds()  # the portal's clock now reads +7 h
        s.add(CrawlRun(portal_id=portal, status="finished", started_at=NOW - timedelta(minutes=5), finished_at=NOW,
                       stats={CLOCK_STAT: offset}))
        s.add(Event(key="new_article:1", kind="new_article", portal_id=portal, created_at=NOW,
                    occurred_at=observed + timedelta(hours=6), payload=recorded("new_article")["payload"]))
    rules = parse_rules('recipients = ["ban@example.vn"]\n[[rule]]\nname = "moi-su-kien"\n', "t.toml", env={})
    with session_factory(url)() as session:
        event_id = session.scalar(select(Event.id))
        mail = render_digest(session, rules, [claimed(event_id, "digest")], NOW)
    [entry] = mail["context"]["portals"]
    assert [(m["title"], m["delta"]) for m in entry["movers"]] == [("Tin nóng", "300")]


# ---- revision 0008: stored payloads rewritten to the typed shape --------------------------------------
ART = {"title": "Gần 300 đại biểu", "url": "http://127.0.0.1:1/tin/1", "external_id": "a1",
       "published_at": "2023-11-17T08:00:00+07:00", "views": 120}
NO_VIEWS = {k: v for k, v in ART.items() if k != "views"}
OLD = {  # as monitor/detect.py wrote them before revision 0008
    "new_article": ART | {"baseline": True},
    "new_document": {"canonical": "23-NQ/TU", "system": "party", "type": "NQ", "type_name": "Nghị quyết",
                     "number": "23", "year": None, "issuer": "TU", "issued_on": "2023-11-16",
                     "sentence": "Nghị quyết số 23-NQ/TU", "article": ART},
    "edited": ART | {"version": 2, "changes": {"title": {"old": "A", "new": "B"}}},
    "views_spike": NO_VIEWS | {"views_before": 20, "views_after": 120, "delta": 100, "percent": 500.0,
                               "per_hour": 20.0, "baseline_per_hour": 2.0},
    "views_milestone": NO_VIEWS | {"milestone": 100, "views_before": 20, "views_after": 120},
    "removed": ART | {"reason": "answered 404/410 on 2 consecutive checks"},
    "restored": ART | {"removed_at": "2023-11-18T08:00:00+07:00"},
    "source_down": {"since": "2023-11-16T22:00:00+07:00", "failed_runs": 3, "errors": ["HTTP 503"]},
    "source_up": {"down_since": "2023-11-16T22:00:00+07:00", "failed_runs": 3},
    "extraction_degraded": {"run_id": 4, "items": 20, "fields": {"views": {"coverage": 0.0, "before": 1.0,
                                                                           "floor": 0.5}}},
    "source_stale": {"last_new_article": "2023-11-17T08:00:00+07:00", "title": ART["title"], "url": ART["url"]},
}


def _alembic(db_url, action, revision):
    config = alembic_config()
    with get_engine(db_url).begin() as connection:
        config.attributes["connection"] = connection
        action(config, revision)


NEWER_THAN_0008 = {"source_moved"}  # kinds born with the typed shape: no old payload to rewrite


def test_migration_0008_gives_old_payloads_the_typed_shape_and_back(db_url):
    assert set(OLD) == set(KINDS) - NEWER_THAN_0008
    _alembic(db_url, command.upgrade, "0006")
    portals = sa.table("portals", *(sa.column(c) for c in ("id", "key", "name", "base_url", "profile")),
                       sa.column("created_at", sa.DateTime))
    articles = sa.table("articles", *(sa.column(c) for c in (
        "id", "portal_id", "external_id", "url", "title", "summary", "body_text", "author", "category",
        "published_has_time", "content_hash", "extracted_by")), *(sa.column(c, sa.DateTime) for c in (
            "published_at", "first_seen_at", "last_fetched_at")))
    events = sa.table("events", sa.column("id"), sa.column("key"), sa.column("kind"), sa.column("portal_id"),
                      sa.column("occurred_at", sa.DateTime), sa.column("created_at", sa.DateTime),
                      sa.column("payload", sa.JSON))
    naive = datetime(2023, 11, 17, 1, 0)  # UTC, as the archive stores it
    with get_engine(db_url).begin() as connection:
        connection.execute(sa.insert(portals).values(id=1, key="bactuliem", name="Quận Bắc Từ Liêm",
                                                     base_url="http://127.0.0.1:1/", profile="dnn", created_at=naive))
        connection.execute(sa.insert(articles).values(
            id=7, portal_id=1, external_id="a1", url=ART["url"], title=ART["title"], summary="", body_text="",
            author="", category="", published_has_time=True, content_hash="0" * 64, extracted_by="dnn",
            published_at=naive, first_seen_at=naive, last_fetched_at=naive))
        for n, (kind, payload) in enumerate(OLD.items(), 1):
            key = "source_stale:1:7" if kind == "source_stale" else f"{kind}:{n}"
            connection.execute(sa.insert(events).values(id=n, key=key, kind=kind, portal_id=1, occurred_at=naive,
                                                        created_at=naive, payload=payload))
    _alembic(db_url, command.upgrade, "head")
    with session_factory(db_url)() as session:
        stored = {e.kind: e.payload for e in session.scalars(select(Event))}
    loaded = {kind: load_payload(kind, payload) for kind, payload in stored.items()}  # every row fits its type
    assert loaded["new_article"].article == ArticleRef(**ART) and loaded["new_article"].baseline is True
    assert loaded["edited"].article.external_id == "a1" and loaded["edited"].changes == OLD["edited"]["changes"]
    assert loaded["views_spike"].article.views == 120 and loaded["views_spike"].delta == 100
    assert loaded["new_document"].to_json() == OLD["new_document"]
    stale = loaded["source_stale"].article
    assert (stale.title, stale.external_id, stale.views) == (ART["title"], "a1", None)
    assert stale.published_at == "2023-11-17T08:00:00+07:00"
    assert stored["source_down"] == OLD["source_down"] and stored["extraction_degraded"] == OLD["extraction_degraded"]
    _alembic(db_url, command.downgrade, "0006")
    with get_engine(db_url).connect() as connection:
        back = {row.kind: row.payload for row in connection.execute(sa.select(events.c.kind, events.c.payload))}
    assert back == OLD
    _alembic(db_url, command.upgrade, "head")  # and forward again, for the next test's archive



# ---- rows that no definition describes --------------------------------------------------------------
def test_an_event_that_does_not_fit_its_kind_is_passed_over_not_fatal(archive, caplog):
    """An old release's row (a kind this version does not know, a payload missing a field) stays in
    the table and is listed as it is; queueing alerts passes over it and goes on with the others."""
    from monitor.alerts import enqueue, outbox_rows
    from monitor.events import label_of

    Session, rules, ids = archive
    with Session() as s, s.begin():
        portal_id = s.scalar(select(Portal.id).limit(1))
        odd = [Event(key="new_thing:1", kind="new_thing", portal_id=portal_id, occurred_at=NOW, created_at=NOW,
                     payload={"title": "Một sự kiện lạ"}),
               Event(key="new_article:999999", kind="new_article", portal_id=portal_id, occurred_at=NOW,
                     created_at=NOW, payload={"article": recorded("new_article")["payload"]["article"]})]
        s.add_all(odd)
        s.flush()
        odd_ids = [e.id for e in odd]
    queued = enqueue(Session, rules, event_ids=[*ids.values(), *odd_ids], now=NOW)
    assert queued == len(ids)  # every recorded kind, none of the odd rows
    assert {"new_thing", "new_article"} <= {r.args[1] for r in caplog.records if "skipped" in r.getMessage()}
    listed = outbox_rows(Session)
    assert len(listed) == len(ids) and all(row["what"] for row in listed)
    assert label_of("new_thing", {"title": "Một sự kiện lạ"}) == "title=Một sự kiện lạ"
    with Session() as s:
        assert s.scalar(select(sa.func.count()).select_from(Event).where(Event.id.in_(odd_ids))) == 2  # kept
