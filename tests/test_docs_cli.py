"""`portalwatch docs`, the resolution tracker, on the demo archive: every replica article that cites a
document, oldest first, with its portal and date, and the portals of the same scope that have not relayed
it — checked against the replica's ground truth (which articles cite which numbers, each portal's scope)."""
import csv
import io
import json
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest

from crawler.registry import scopes as registry_scopes
from crawler.replica import DEFAULT_PORTALS, Replica
from monitor.cli import main
from tests.test_cli import portalwatch

DEMO_HOURS = 12  # the demo moves the replica's clock 12 h on before its second crawl (monitor/cli/demo.py)
SCOPE = {spec.key: spec.scope for spec in DEFAULT_PORTALS}


@pytest.fixture(scope="module")
def truth():
    """Per document number: (published as the page shows it, site, title) of every replica article citing
    it, as the replica stands after the demo; and each portal's clock then. (The title, not the replica's
    own id: a Tân Dân URL carries its slug with the id, which the archive keeps as the article's id.)"""
    replica = Replica()  # content only: nothing served
    replica.advance(hours=DEMO_HOURS)
    cites = defaultdict(list)
    for site, portal in replica.portals.items():
        day_only = portal.family.date_only
        for article in replica.visible(site):
            shown = article.published.date().isoformat() if day_only else article.published.isoformat()[:16]
            for number in article.documents:
                cites[number].append((shown, site, article.title))
    for entries in cites.values():
        entries.sort()
    return cites, {site: replica.now(site) for site in replica.portals}


def docs(demo, *args):
    url, env = demo
    run = portalwatch("docs", *args, "--db", url, env=env)
    assert run.returncode == 0, run.stderr
    return run.stdout


def check_against_truth(doc: dict, expected: list[tuple]) -> None:
    got = [(m["published_at"][:len(shown)], m["site"], m["title"]) for m, (shown, _, _) in
           zip(doc["mentions"], expected)]
    assert len(doc["mentions"]) == len(expected) and got == expected  # every citing article, oldest first
    citing = list(dict.fromkeys(site for _, site, _ in expected))
    assert doc["portals"] == citing and doc["mention_count"] == len(expected)
    coverage = doc["coverage"]
    scopes = sorted({SCOPE[site] for site in citing})
    assert coverage["scopes"] == scopes
    assert [r["site"] for r in coverage["relayed"]] == citing
    assert [p["site"] for p in coverage["not_yet"]] == sorted(k for k in SCOPE if SCOPE[k] in scopes and k not in citing)
    assert coverage["unwatched"] == sorted(k for k, s in registry_scopes().items() if s in scopes and k not in SCOPE)
    for mention in doc["mentions"]:
        assert mention["title"] and mention["url"].startswith("http://127.0.0.1:") and mention["removed"] is False


def test_the_tracker_of_23_nq_tu_lists_its_articles_and_the_portals_that_have_not_relayed_it(demo, truth):
    cites, clocks = truth
    doc = json.loads(docs(demo, "23-NQ/TU", "--json"))
    assert doc["canonical"] == "23-NQ/TU" and (doc["type"], doc["issuer"], doc["issued_on"]) == ("NQ", "TU", "2023-11-16")
    check_against_truth(doc, cites["23-NQ/TU"])
    # The seed article on Bắc Từ Liêm first, then the relays of other Hà Nội portals (crawler/replica/data/
    # relays.toml); the portals of the scope that have not relayed it are the coverage gap.
    sites = [m["site"] for m in doc["mentions"]]
    assert sites[0] == "bactuliem" and len(set(sites)) >= 3 and sites.count("bactuliem") == 1
    gap = sorted(site for site, scope in SCOPE.items() if scope == SCOPE["bactuliem"] and site not in sites)
    assert gap and [p["site"] for p in doc["coverage"]["not_yet"]] == gap
    # One relay was posted after the demo's first crawl: its incremental crawl (12 h on) found it.
    at_start = Replica()
    first_crawl = {(site, a.title) for site in at_start.portals for a in at_start.visible(site) if "23-NQ/TU" in a.documents}
    assert first_crawl < {(m["site"], m["title"]) for m in doc["mentions"]}
    assert "Nghị quyết số 23-NQ/TU ngày 16/11/2023" in doc["mentions"][0]["sentence"]
    # Days since the seed (10 May 2024, 16:21) on Bắc Từ Liêm's clock, 12 h after its 11 May 08:00 start.
    seed_published = doc["mentions"][0]["published_at"]
    assert doc["first_mentioned_at"] == seed_published == "2024-05-10T16:21:00+07:00"
    first = min(c for c in cites["23-NQ/TU"])
    assert doc["coverage"]["days_since_first_mention"] == (clocks["bactuliem"] - _at(first[0])) // timedelta(days=1)
    assert doc["coverage"]["observed_now"].startswith(clocks["bactuliem"].date().isoformat())
    # A not-yet portal's last crawl is on its own clock, as every other date here (it read the system's once:
    # 2026 beside 2024 dates); the demo's second crawl ended within minutes of the replica's +12 h.
    for portal in doc["coverage"]["not_yet"]:
        crawled = datetime.fromisoformat(portal["last_crawled_at"])
        assert abs(crawled - clocks[portal["site"]]) < timedelta(minutes=30), portal
    # typed loosely, the same document
    assert json.loads(docs(demo, "23 nq/tu", "--json"))["mentions"] == doc["mentions"]


def test_a_document_relayed_across_provinces(demo, truth):
    cites, _ = truth
    # The document the most replica portals cite (a national directive, relayed in three provinces).
    number = min(cites, key=lambda n: (-len({site for _, site, _ in cites[n]}), -len(cites[n]), n))
    assert len({site for _, site, _ in cites[number]}) >= 4
    check_against_truth(json.loads(docs(demo, number, "--json")), cites[number])
    rows = list(csv.DictReader(io.StringIO(docs(demo, number, "--csv"))))
    assert [(r["status"], r["site"]) for r in rows] == (
        [("relayed", site) for _, site, _ in cites[number]]
        + [("not_yet", p) for p in sorted(k for k in SCOPE if k not in {s for _, s, _ in cites[number]}
                                          and SCOPE[k] in {SCOPE[s] for _, s, _ in cites[number]})])
    human = docs(demo, number)
    assert number in human and "not yet" in human


def test_the_list_of_documents(demo, truth):
    cites, _ = truth
    listed = json.loads(docs(demo, "--type", "NQ", "--issuer", "TU", "--limit", "1000", "--json"))
    by_number = {d["canonical"]: d for d in listed}
    assert "23-NQ/TU" in by_number and all(d["type"] == "NQ" and d["issuer"] == "TU" for d in listed)
    assert [(m["site"], m["title"]) for m in by_number["23-NQ/TU"]["mentions"]] == [
        (site, title) for _, site, title in cites["23-NQ/TU"]]
    firsts = [d["first_mentioned_at"][:10] for d in listed]
    assert firsts == sorted(firsts, reverse=True)  # most recently first mentioned first
    rows = list(csv.DictReader(io.StringIO(docs(demo, "--csv", "--limit", "5"))))
    assert len(rows) == 5 and set(rows[0]) >= {"canonical", "type", "issuer", "first_mentioned_at", "portals"}
    # Within 2 days of the first mention, on the clock of the portal that made it: the newest only.
    recent = json.loads(docs(demo, "--since", "2d", "--json", "--limit", "1000"))
    assert 0 < len(recent) < len(json.loads(docs(demo, "--json", "--limit", "1000")))


def _at(shown: str):
    from datetime import datetime

    from vntext.dates import VN_TZ

    return datetime.fromisoformat(shown).replace(tzinfo=VN_TZ)


# ---- bad input: one line, exit 2 ----------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["khuyến học"], "not a document number: 'khuyến học'"),
    (["23-NQ/TU", "--type", "NQ"], "leave them out with NUMBER"),
    (["--scope", "hanoi"], "give its NUMBER"),
    (["--type", "XYZ"], "unknown document type 'XYZ'"),
    (["--issuer", "Thành ủy"], "not an issuer abbreviation"),
    (["--since", "hôm qua"], "--since takes a duration"),
    (["--json", "--csv"], "not allowed with argument"),
    (["Nghị quyết 23-NQ/TU và Quyết định 123/QĐ-UBND"], "names 2 document numbers (23-NQ/TU, 123/QĐ-UBND): give one"),
])
def test_bad_input_is_one_line(tmp_path, capsys, args, message):
    try:
        code = main(["docs", *args, "--db", f"sqlite:///{tmp_path / 'x.sqlite3'}"])
    except SystemExit as exit:  # argparse's own usage errors (Parser.error): one line too
        code = exit.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in " ".join(err.split()) and "Traceback" not in err


def test_an_unknown_document_or_scope(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert main(["docs", "99-NQ/TU", "--db", url]) == 1
    assert "no article in the archive mentions 99-NQ/TU" in capsys.readouterr().err
    assert main(["docs", "99-NQ/TU", "--scope", "nowhere", "--db", url]) == 2
    assert "unknown scope 'nowhere'" in capsys.readouterr().err
    assert main(["docs", "--json", "--db", url]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize("typed, echoed", [
    ("05/CT-TTg", "05/CT-TTg"),  # mixed case by law (Thủ tướng): keyed so, whatever the case typed
    ("05/ct-ttg", "05/CT-TTg"),
    ("Quyết định 123/QĐ-UBND của UBND tỉnh", "123/QĐ-UBND"),  # the one number in a phrase
    ("23-nq/tư", "23-NQ/TW"),  # TƯ: how pages write the Central Committee's TW
])
def test_numbers_as_people_type_them_are_looked_up(tmp_path, capsys, typed, echoed):
    assert main(["docs", typed, "--db", f"sqlite:///{tmp_path / 'x.sqlite3'}"]) == 1
    assert capsys.readouterr().err.strip() == f"no article in the archive mentions {echoed}"


def test_a_document_no_article_mentions_any_more(tmp_path, capsys):
    """A document whose mentions are gone (its articles' references re-read): no "None day(s) ago"."""
    from sqlalchemy import delete

    from db.engine import session_factory
    from db.models import DocumentMention
    from db.store import ArchiveWriter

    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    writer = ArchiveWriter(url)
    portal = writer.ensure_portal("wa", "Cổng wa", "https://wa.example.vn", "hanoi")
    now = datetime.now(timezone.utc)
    writer.write_articles(portal, [{
        "external_id": "a1", "url": "https://wa.example.vn/a1", "title": "Bài a1", "published_at": now,
        "published_has_time": True, "fetched_at": now,
        "references": [{"canonical": "23-NQ/TU", "system": "party", "type": "NQ", "type_name": "Nghị quyết",
                        "number": "23", "issuer": "TU", "sentence": "Quán triệt 23-NQ/TU.", "source": "text"}]}])
    with session_factory(url)() as session:
        session.execute(delete(DocumentMention))
        session.commit()
    assert main(["docs", "23-NQ/TU", "--db", url]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "None" not in out and "no article mentions it yet" in out
    assert main(["docs", "23-NQ/TU", "--json", "--db", url]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["mention_count"], doc["first_mentioned_at"], doc["coverage"]["days_since_first_mention"]) == (0, None, None)
