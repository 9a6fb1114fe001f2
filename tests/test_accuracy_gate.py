"""The accuracy gate (bench/accuracy.py): its scoring, its per-family floors for real and replica
pages, the real-page loader (the spider's code path) and fixture format, and the current fixtures
against their floors."""
import gzip
import importlib.util
import inspect
import json
import unicodedata
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GATE_PATH = ROOT / "bench" / "accuracy.py"
FIXTURES = ROOT / "tests" / "fixtures"
REAL = FIXTURES / "real"


def _load_gate():
    spec = importlib.util.spec_from_file_location("bench_accuracy", GATE_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


gate = _load_gate()


@pytest.fixture(scope="module")
def result():
    """One evaluation of every fixture page. Accuracy only: the speed ratio is the bench script's
    business (`python bench/accuracy.py` prints and enforces it); a timed unit test would be noise."""
    return gate.evaluate(repeat=1)


# ---- the gate on the current fixtures ----------------------------------------------------------
def test_every_fixture_page_is_evaluated(result):
    articles, listings, real = gate.article_pages(), gate.listing_pages(), gate.real_pages()
    assert articles, "no article fixtures found"
    assert listings, "no replica listing fixtures found"
    assert not any("listing" in p.path.name for p in articles)
    assert all(p.kind == "listing" for p in listings)
    from crawler.profiles import PROFILES

    expected = sorted(p.name for p in articles + listings + real if p.family in PROFILES)
    assert sorted(result["pages"]) == expected
    for family in PROFILES:  # every family has both kinds reported, real ones possibly empty
        assert set(result["families"][family]) == {"replica", "real"}
        assert result["families"][family]["replica"]["articles"] > 0


def test_profiles_meet_accuracy_floors(result):
    floors = gate.load_floors()
    accuracy_only = {kind: floors[kind] for kind in gate.KINDS}
    failures = {f"{kind} {family}": kinds[kind]["profile"]["failures"]
                for family, kinds in result["families"].items() for kind in gate.KINDS}
    assert gate.check_floors(result, accuracy_only) == [], failures


def test_floors_file_states_the_issue_requirements():
    floors = json.loads(gate.FLOORS_PATH.read_text(encoding="utf-8"))
    assert "profile" not in floors, "the floors file is per kind and family (see bench/accuracy.py)"
    from crawler.profiles import PROFILES

    for family in PROFILES:  # every replica family at least at the old global floors
        own = floors["replica"][family]
        assert own["title"] >= 1.0 and own["published_at"] >= 1.0 and own["views"] >= 1.0
        assert own["author"] >= 1.0 and own["references_f1"] >= 1.0
        assert own["body_f1"] >= 0.98
        assert own["listing_links_f1"] >= 1.0 and own["next_pages_f1"] >= 1.0
    assert isinstance(floors["real"], dict)
    for family, own in floors["real"].items():
        assert family in PROFILES and all(0.0 <= value <= 1.0 for value in own.values())
    assert floors["speedup_min"] >= 5.0


def test_every_floor_equals_the_measured_score(result):
    """Floors track reality (README "Accuracy gate"): each floor is the measured score rounded down to
    4 decimals. A floor edited below the measurement fails here; an improvement fails here until
    `python bench/accuracy.py --update-floors` ratchets the floor; a regression fails the gate. So a
    lower score is accepted only by a visible edit of bench/accuracy_floors.json that review sees.
    The speed floor (speedup_min) is a requirement, not a measurement, and is not compared."""
    floors = gate.load_floors()
    measured = gate.measured_scores(result)
    off = []
    for kind in gate.KINDS:
        for family, own in floors.get(kind, {}).items():
            for name, floor in own.items():
                value = measured[kind].get(family, {}).get(name)
                if value is None or floor != gate._round_down(value):
                    off.append(f"{kind} {family} {name}: floor {floor}, measured "
                               f"{'nothing' if value is None else gate._round_down(value)}")
    assert off == [], off


def test_a_floored_field_with_no_measurement_fails_the_gate():
    """Deleting a key from the expected JSONs (or the pages of a family) must not disable its floor."""
    def bucket(scores):
        return {"pages": 1 if scores else 0, "profile": {"scores": {name: scores.get(name) for name in gate.FIELDS}}}

    result = {"families": {"hanoi": {"replica": bucket({"title": 1.0}), "real": bucket({"title": 1.0})},
                           "dnn": {"replica": bucket({"title": 1.0}), "real": bucket({})}}}
    assert gate.check_floors(result, {"real": {"hanoi": {"title": 1.0}}}) == []
    problems = gate.check_floors(result, {"real": {"hanoi": {"title": 1.0, "views": 1.0}},
                                          "replica": {"dnn": {"title": 1.0}}, })
    assert len(problems) == 1 and problems[0].startswith("real hanoi views: no page measures this field"), problems
    problems = gate.check_floors(result, {"real": {"dnn": {"body_f1": 0.9}}})
    assert len(problems) == 1 and problems[0].startswith("real dnn body_f1: no page measures this field"), problems


def test_every_measured_family_has_floors(result):
    """Real pages land from several branches; after merging, `python bench/accuracy.py
    --update-floors` gives each newly measured family and field, real or replica, its floor (the
    gate script itself only reports a missing floor)."""
    floors = gate.load_floors()
    missing = [note for note in gate.floor_notes(result, floors) if "no floor yet" in note]
    assert missing == []


def test_a_broken_profile_fails_the_gate_naming_the_field():
    from crawler.profiles import PROFILES

    class Broken:
        def __init__(self, inner):
            self.inner = inner

        def extract_html(self, html, url, **kwargs):
            return self.spoil(self.inner.extract_html(html, url, **kwargs))

        def extract(self, sel, url, **kwargs):  # JSON API pages (DNN)
            return self.spoil(self.inner.extract(sel, url, **kwargs))

        @staticmethod
        def spoil(article):
            article.title = article.title.upper()
            article.paragraphs = article.paragraphs[:-1]
            return article

    pages = gate.article_pages()
    broken = {name: Broken(p) for name, p in PROFILES.items()}
    result = gate.evaluate(pages, profiles=broken, repeat=1)
    problems = gate.check_floors(result, gate.load_floors())
    assert any(p.startswith("replica ") and " title = 0.0000 is below its floor" in p for p in problems), problems
    assert "replica hanoi title = 0.0000 is below its floor 1.0000" in problems
    assert result["profile"]["failures"]
    first = next(iter(result["profile"]["failures"].values()))
    assert {"field": "title"} .items() <= first[0].items() and "expected" in first[0] and "got" in first[0]


def test_a_crashing_profile_scores_zero_and_is_reported():
    class Crashing:
        def extract_html(self, html, url, **kwargs):
            raise RuntimeError("selector exploded")

        extract = extract_html

    pages = gate.article_pages()[:1]
    result = gate.evaluate(pages, profiles={pages[0].family: Crashing()}, repeat=1)
    assert result["profile"]["scores"]["title"] == 0.0
    assert "selector exploded" in json.dumps(result["profile"]["failures"])


# ---- scoring functions -------------------------------------------------------------------------
def test_token_f1():
    assert gate.token_f1("a b c", "a b c") == 1.0
    assert gate.token_f1("", "") == 1.0
    assert gate.token_f1("a b", "") == 0.0 and gate.token_f1("", "a b") == 0.0
    assert gate.token_f1("a b c d", "a b") == pytest.approx(2 / 3)  # P 1, R 1/2
    assert gate.token_f1("a b", "a b c d") == pytest.approx(2 / 3)  # P 1/2, R 1
    assert gate.token_f1("a a b", "a b b") == pytest.approx(2 / 3)  # a bag, not a set
    assert gate.token_f1("Đảng ủy", "đảng ủy") == 0.5  # case-sensitive
    assert gate.token_f1("Đảng\n\nủy", "Đảng ủy") == 1.0  # paragraph breaks are white space
    assert gate.token_f1("Ho\u0300a", "Hòa") == 1.0  # NFC before comparing
    assert gate.token_f1("x y", "z w") == 0.0


def test_set_f1_and_reference_keys():
    assert gate.set_f1([], []) == 1.0
    assert gate.set_f1(["a"], []) == 0.0 and gate.set_f1([], ["a"]) == 0.0
    assert gate.set_f1(["a", "b"], ["a", "b"]) == 1.0
    assert gate.set_f1(["a", "b"], ["a"]) == pytest.approx(2 / 3)
    assert gate.set_f1(["a", "b"], ["a", "c"]) == 0.5
    assert gate.set_f1(["a", "a", "b"], ["b", "a"]) == 1.0
    refs = [{"canonical": "80/QĐ-UBND", "kind": "QĐ"}, "479/KH-UBND", {"no": "canonical"}, None]
    assert gate.reference_keys(refs) == {"80/QĐ-UBND", "479/KH-UBND"}
    assert gate.reference_keys(None) == set()


def test_score_page_compares_json_values_as_is():
    expected = {"title": "T", "published_at": "2024-05-10T16:21:00+07:00", "views": 503, "author": "A",
                "body_text": "x y z"}
    got = {"title": "T", "published_at": "2024-05-10", "views": 503, "author": "", "body_text": "x y z"}
    scores = gate.score_page(expected, got)
    assert scores == {"title": 1.0, "published_at": 0.0, "views": 1.0, "author": 0.0, "body_f1": 1.0}
    assert "references_f1" not in scores  # skipped when the expected JSON has no "references"
    expected["references"] = ["80/QĐ-UBND"]
    assert gate.score_page(expected, {**got, "references": [{"canonical": "80/QĐ-UBND"}]})["references_f1"] == 1.0
    assert gate.score_page(expected, got)["references_f1"] == 0.0
    assert gate.score_page({"views": 5}, {"views": "5"})["views"] == 0.0


# ---- floors may only rise ----------------------------------------------------------------------
def test_raise_floors_never_lowers():
    floors = {"replica": {"hanoi": {"title": 1.0, "body_f1": 0.98, "author": 0.5}}, "real": {}, "speedup_min": 5.0}
    original = json.loads(json.dumps(floors))
    measured = {"replica": {"hanoi": {"title": 0.75, "body_f1": 0.99345, "author": 0.5, "views": 1.0,
                                      "references_f1": None},
                            "dnn": {"title": 1.0, "listing_links_f1": 0.5}},
                "real": {"hanoi": {"title": 0.8333, "next_pages_f1": None}}}
    raised = gate.raise_floors(floors, measured)
    hanoi = raised["replica"]["hanoi"]
    assert hanoi["title"] == 1.0  # measured lower: floor kept
    assert hanoi["body_f1"] == 0.9934  # measured higher: raised (rounded down)
    assert hanoi["author"] == 0.5
    assert hanoi["views"] == 1.0  # newly measured field gets a floor
    assert "references_f1" not in hanoi  # not measured: no floor invented
    assert raised["replica"]["dnn"] == {"title": 1.0, "listing_links_f1": 0.5}  # a newly measured family
    assert raised["real"] == {"hanoi": {"title": 0.8333}}  # real pages get their own floors
    assert raised["speedup_min"] == 5.0  # the speed requirement is never ratcheted
    assert floors == original  # input untouched
    for name, old in floors["replica"]["hanoi"].items():
        assert hanoi[name] >= old
    zeros = {kind: {family: {name: 0.0 for name in own} for family, own in raised[kind].items()} for kind in gate.KINDS}
    assert gate.raise_floors(raised, zeros) == raised


def test_migrate_floors_copies_the_global_floors_to_every_replica_family():
    legacy = {"profile": {"title": 1.0, "body_f1": 0.98}, "speedup_min": 5.0}
    migrated = gate.migrate_floors(legacy, ["hanoi", "dnn"])
    assert migrated == {"replica": {"hanoi": {"title": 1.0, "body_f1": 0.98}, "dnn": {"title": 1.0, "body_f1": 0.98}},
                        "real": {}, "speedup_min": 5.0}
    # a family floor already above the global one stays; a per-family file is left as it is
    mixed = {"profile": {"body_f1": 0.98}, "replica": {"hanoi": {"body_f1": 0.995}}}
    assert gate.migrate_floors(mixed, ["hanoi"])["replica"]["hanoi"]["body_f1"] == 0.995
    assert gate.migrate_floors(migrated, ["hanoi", "tandan"]) == migrated
    assert legacy == {"profile": {"title": 1.0, "body_f1": 0.98}, "speedup_min": 5.0}


def test_load_floors_reads_an_old_global_file_per_family(tmp_path):
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"profile": {"title": 1.0}, "speedup_min": 5.0}))
    from crawler.profiles import PROFILES

    floors = gate.load_floors(path)
    assert set(floors["replica"]) == set(PROFILES) and floors["real"] == {}
    assert all(own == {"title": 1.0} for own in floors["replica"].values())


def _result(**families):
    """A result with the given kind → scores per family (only what check_floors reads)."""
    out = {"families": {}, "speed_ratio": 10.0}
    for family, kinds in families.items():
        out["families"][family] = {kind: {"pages": int(kind in kinds), "profile": {"scores": kinds.get(kind, {})}}
                                   for kind in gate.KINDS}
    return out


def test_check_floors_per_family_and_kind():
    floors = {"replica": {"hanoi": {"title": 1.0, "body_f1": 0.98}, "dnn": {"title": 1.0}},
              "real": {"hanoi": {"title": 0.8, "views": 0.5}, "tandan": {"title": 1.0}}, "speedup_min": 5.0}
    result = _result(hanoi={"replica": {"title": 1.0, "body_f1": 0.97}, "real": {"title": 0.6, "views": None}},
                     dnn={"replica": {"title": 1.0, "author": 0.5}})
    problems = gate.check_floors(result, floors)
    # A floored field no page measures fails too (it used to be skipped: deleting the key from the
    # expected JSONs disabled its floor).
    unmeasured = [problem for problem in problems if "no page measures this field" in problem]
    assert [problem for problem in problems if problem not in unmeasured] == [
        "replica hanoi body_f1 = 0.9700 is below its floor 0.9800", "real hanoi title = 0.6000 is below its floor 0.8000"]
    assert [problem.split(":")[0] for problem in unmeasured] == ["real hanoi views", "real tandan title"]
    notes = gate.floor_notes(result, floors)
    assert "replica dnn: no floor yet for author (run --update-floors)" in notes  # reported, not failed
    assert "real tandan: floors set but no real page of the family was measured" in notes
    result["speed_ratio"] = 3.0
    assert gate.check_floors(result, floors)[-1] == "profile is only 3.0x faster than the fallback; floor speedup_min = 5.0x"
    result["families"]["hanoi"]["real"]["profile"]["scores"]["title"] = 0.8
    result["families"]["hanoi"]["replica"]["profile"]["scores"]["body_f1"] = 0.98
    result["speed_ratio"] = 5.0
    assert gate.check_floors(result, floors) == unmeasured
    result["families"]["hanoi"]["real"]["profile"]["scores"]["views"] = 0.5
    result["families"]["tandan"] = _result(tandan={"real": {"title": 1.0}})["families"]["tandan"]
    assert gate.check_floors(result, floors) == []


def test_check_floors_messages():
    result = _result(hanoi={"replica": {"title": 0.5, "body_f1": 0.99, "references_f1": None}})
    result["speed_ratio"] = 3.0
    floors = {"replica": {"hanoi": {"title": 1.0, "body_f1": 0.98, "references_f1": 1.0}}, "speedup_min": 5.0}
    problems = gate.check_floors(result, floors)
    assert problems == ["replica hanoi title = 0.5000 is below its floor 1.0000",
                        "replica hanoi references_f1: no page measures this field; its floor 1.0000 cannot be "
                        "checked (restore the pages or remove the floor visibly in bench/accuracy_floors.json)",
                        "profile is only 3.0x faster than the fallback; floor speedup_min = 5.0x"]


# ---- the script ---------------------------------------------------------------------------------
def test_cli_json_and_update_floors(tmp_path):
    floors_path = tmp_path / "floors.json"
    # an old global floors file: read per family, written back in the per-family form
    floors_path.write_text(json.dumps({"profile": {"title": 0.5, "body_f1": 0.5}, "speedup_min": 1.0}))
    run = subprocess.run([sys.executable, str(GATE_PATH), "--json", "--repeat", "1", "--floors", str(floors_path),
                          "--update-floors"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    report = json.loads(run.stdout)
    assert set(report) >= {"profile", "fallback", "speed_ratio", "floors", "violations", "families", "notes"}
    raised = json.loads(floors_path.read_text())
    assert "profile" not in raised and set(raised) == {"replica", "real", "speedup_min"}
    hanoi = report["families"]["hanoi"]["replica"]["profile"]["scores"]
    assert raised["replica"]["hanoi"]["title"] >= 0.5 and raised["replica"]["hanoi"]["body_f1"] >= 0.5
    assert raised["replica"]["hanoi"]["title"] == gate._round_down(hanoi["title"])
    assert raised["replica"]["hanoi"]["listing_links_f1"] == gate._round_down(hanoi["listing_links_f1"])
    assert raised["speedup_min"] == 1.0
    assert report["notes"] == []  # every measured field has its floor now
    assert run.returncode == (1 if report["violations"] else 0)


def test_cli_exits_non_zero_naming_the_floor(tmp_path):
    floors_path = tmp_path / "floors.json"
    floors_path.write_text(json.dumps({"profile": {"title": 1.0}, "speedup_min": 1000.0}))
    run = subprocess.run([sys.executable, str(GATE_PATH), "--repeat", "1", "--floors", str(floors_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 1
    assert "speedup_min = 1000.0x" in run.stderr and "ACCURACY GATE FAILED" in run.stderr
    assert "replica" in run.stdout and "fallback" in run.stdout and "== hanoi" in run.stdout  # the tables still print


def test_fixture_discovery_and_json_api_pages(tmp_path):
    """<name>.<ext> pairs with <name>.json; a JSON API page (<name>.api.json) goes to profile.extract."""
    from db.record import ArticleRecord

    family = tmp_path / "fake"
    family.mkdir()
    expected = {"url": "https://x.gov.vn/tin-tuc/a-1", "title": "Tiêu đề", "body_text": "Một hai ba"}
    (family / "a.html").write_text("<html><body><h1>Tiêu đề</h1><p>Một hai ba</p></body></html>", encoding="utf-8")
    (family / "a.json").write_text(json.dumps(expected), encoding="utf-8")
    (family / "b.api.json").write_text(json.dumps({"Name": "Tiêu đề", "FullContent": "<p>Một hai</p>"}), encoding="utf-8")
    (family / "b.json").write_text(json.dumps(expected), encoding="utf-8")
    (family / "listing_page1.html").write_text("<html></html>", encoding="utf-8")
    (family / "listing_page1.json").write_text(json.dumps({"url": "https://x.gov.vn/tin-tuc"}), encoding="utf-8")
    (family / "orphan.html").write_text("<html></html>", encoding="utf-8")  # no expected JSON: not a fixture

    class Stub:
        def extract_html(self, html, url):
            return ArticleRecord(url=url, external_id="", title="Tiêu đề", paragraphs=["Một hai ba"])

        def extract(self, sel, url):
            data = sel.root
            return ArticleRecord(url=url, external_id="", title=data["Name"], paragraphs=["Một hai"])

    pages = gate.article_pages(tmp_path)
    assert [p.name for p in pages] == ["fake/a", "fake/b"]
    assert [p.is_html for p in pages] == [True, False]
    result = gate.evaluate(pages, profiles={"fake": Stub()}, fallback=Stub(), repeat=1)
    assert result["profile"]["pages"] == 2 and result["fallback"]["pages"] == 1
    assert result["profile"]["scores"]["title"] == 1.0
    assert result["profile"]["scores"]["body_f1"] == pytest.approx((1.0 + 0.8) / 2)
    assert any("fake/b" in note for note in result["skipped"])
    assert result["speed_ratio"] is not None  # from the one page both extractors ran on


# ---- listing pages -------------------------------------------------------------------------------
def test_listing_scoring_is_set_f1_of_article_and_next_page_links():
    expected = {"url": "https://x.gov.vn/tin", "articles": ["https://x.gov.vn/a-1", "https://x.gov.vn/a-2"],
                "next_pages": ["https://x.gov.vn/tin?page=2"]}
    got = {"articles": ["https://x.gov.vn/a-2", "https://x.gov.vn/a-1"], "next_pages": ["https://x.gov.vn/tin?page=2"]}
    assert gate.score_page(expected, got) == {"listing_links_f1": 1.0, "next_pages_f1": 1.0}  # order is not scored
    got = {"articles": ["https://x.gov.vn/a-1", "https://x.gov.vn/menu"], "next_pages": []}
    scores = gate.score_page(expected, got)
    assert scores == {"listing_links_f1": 0.5, "next_pages_f1": 0.0}
    failures = gate.page_failures(expected, got, scores)
    assert failures[0] == {"field": "listing_links_f1", "score": 0.5, "missing": ["https://x.gov.vn/a-2"],
                           "extra": ["https://x.gov.vn/menu"]}
    assert failures[1]["missing"] == ["https://x.gov.vn/tin?page=2"] and failures[1]["extra"] == []
    # a last page: no next page expected, none found
    assert gate.score_page({"articles": [], "next_pages": []}, {"articles": [], "next_pages": []}) == {
        "listing_links_f1": 1.0, "next_pages_f1": 1.0}
    assert "listing_links_f1" not in gate.score_page({"title": "T"}, {"title": "T"})  # articles are not listings


def test_replica_listings_are_scored_through_the_spiders_read_listing(result):
    for family, kinds in result["families"].items():
        replica = kinds["replica"]
        assert replica["listings"] >= 1, family
        assert replica["profile"]["scores"]["listing_links_f1"] is not None, family
        assert replica["fallback"]["scores"]["listing_links_f1"] is None  # the fallback reads no listings


# ---- real pages: the loader and the spider's code path --------------------------------------------
CAPTURE = {"captured": "2024-05-10", "captured_from": "synthetic test page", "found_in": "github:example/fake",
           "path": "fake/page.html", "commit": "0" * 40, "licence": "synthetic test data"}


def _place(root: Path, family: str, stem: str, body: bytes, expected: dict, suffix: str = ".html.gz") -> Path:
    """A clearly synthetic 'real' page in a tmp tree, in the fixture format."""
    folder = root / family
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}{suffix}").write_bytes(gzip.compress(body, compresslevel=9, mtime=0))
    (folder / f"{stem}.json").write_text(json.dumps({**expected, "capture": CAPTURE}, ensure_ascii=False, indent=1),
                                         encoding="utf-8")
    return folder / f"{stem}{suffix}"


def _replica_as_real(root: Path, family: str, name: str, suffix: str = ".html.gz") -> dict:
    """A replica fixture and its expected JSON placed as a real page (the bytes as the replica wrote them)."""
    source = next(p for p in (FIXTURES / family).glob(f"{name}.*") if not p.name.endswith(f"{name}.json"))
    expected = json.loads((FIXTURES / family / f"{name}.json").read_text(encoding="utf-8"))
    expected["kind"] = "listing" if "listing" in name else "article"
    _place(root, family, f"replica-{name.replace('_', '-')}_copy", source.read_bytes(), expected, suffix)
    return expected


def test_the_loader_finds_pages_placed_in_a_tmp_tree(tmp_path):
    real = tmp_path / "real"
    body = "<html><head><meta charset='utf-8'></head><body><h1>Tiêu đề</h1></body></html>".encode()
    _place(real, "hanoi", "example_article-1", body, {"url": "https://example.hanoi.gov.vn/a-1.htm", "kind": "article"})
    _place(real, "dnn", "example_api-1", b'{"Id": 1}', {"url": "https://example.gov.vn/tin-tuc/a-1", "kind": "article"},
           suffix=".api.json.gz")
    (real / "hanoi" / "orphan_page.html.gz").write_bytes(gzip.compress(b"<html></html>"))  # no JSON: not a page
    (real / "README.md").write_text("not a page")
    pages = gate.real_pages(real)
    assert [p.name for p in pages] == ["real/dnn/example_api-1", "real/hanoi/example_article-1"]
    assert pages[1].body == body and pages[1].is_html and pages[1].kind == "article" and pages[1].origin == "real"
    assert not pages[0].is_html and pages[0].body == b'{"Id": 1}'
    assert gate.all_pages(tmp_path) == pages  # no replica fixtures in that tree; real/ is not a family
    assert gate.article_pages(tmp_path) == [] and gate.listing_pages(tmp_path) == []


def test_a_real_page_scores_as_its_replica_twin_through_the_spider_path(tmp_path, result):
    """Replica pages dressed as real ones (gzip, capture block) go through saved bytes → Scrapy
    response → read_as_encoded → read_article / read_listing, and score what the replica scores."""
    for family, name in [("hanoi", "caugiay_plain"), ("hanoi", "caugiay_listing_page1"),
                         ("nukeviet", "nhontrach_with_tags"), ("dnn", "congan_listing_page1")]:
        _replica_as_real(tmp_path / "real", family, name)
    _replica_as_real(tmp_path / "real", "dnn", "congan_plain", suffix=".api.json.gz")
    _replica_as_real(tmp_path / "real", "dnn", "congan_listing_api_page1", suffix=".api.json.gz")
    twin = gate.evaluate(gate.real_pages(tmp_path / "real"), repeat=1)
    assert twin["pages"] == sorted(twin["pages"]) and len(twin["pages"]) == 6
    hanoi, dnn = twin["families"]["hanoi"]["real"], twin["families"]["dnn"]["real"]
    assert (hanoi["articles"], hanoi["listings"], dnn["articles"], dnn["listings"]) == (1, 1, 1, 2)
    for kinds in twin["families"].values():
        assert kinds["real"]["profile"]["failures"] == {}
        assert kinds["replica"]["pages"] == 0
    assert hanoi["profile"]["scores"]["body_f1"] == 1.0 and hanoi["profile"]["scores"]["listing_links_f1"] == 1.0
    assert dnn["profile"]["scores"]["title"] == 1.0 and dnn["profile"]["scores"]["next_pages_f1"] == 1.0
    assert hanoi["fallback"]["pages"] == 1 and dnn["fallback"]["pages"] == 0  # the fallback reads HTML articles only
    assert twin["speed_ratio"] is None  # real pages are not timed
    floors = {"real": {"hanoi": {"title": 1.0}}}
    assert gate.check_floors(twin, floors) == []
    assert gate.check_floors(twin, {"real": {"hanoi": {"views": 1.01}}}) == [
        "real hanoi views = 1.0000 is below its floor 1.0100"]


def test_the_spider_and_the_gate_share_the_read_functions(monkeypatch):
    from crawler import extract
    from crawler.spiders.portal import PortalSpider

    assert "read_article(response, url, self.profile" in inspect.getsource(PortalSpider.parse_article)
    assert "read_listing(response, self.profile)" in inspect.getsource(PortalSpider.parse_listing)
    assert "self._readable(response)" in inspect.getsource(PortalSpider.parse_article)
    assert "unstorable(response, article)" in inspect.getsource(PortalSpider.parse_article)
    calls = []
    monkeypatch.setattr(extract, "read_article", lambda response, url, profile, **kw: calls.append(url) or
                        extract.extract_page(response.selector, url, profile))
    page = gate.Page("hanoi", Path("x_a.html.gz"), {"url": "https://x.hanoi.gov.vn/tin/a-280525101315243827.htm",
                                                    "kind": "article", "title": "T"}, origin="real",
                     body=b"<html><body><h1>T</h1></body></html>")
    from crawler.profiles import PROFILES

    gate.spider_read(page, PROFILES["hanoi"])
    assert calls == ["https://x.hanoi.gov.vn/tin/a-280525101315243827.htm"]


ARTICLE = ("<html><head>{meta}<title>Thông báo</title></head><body><h1>Thông báo lịch tiếp công dân</h1>"
           "<p>Người dân được hướng dẫn thủ tục đăng ký hộ tịch tại bộ phận một cửa.</p></body></html>")


@pytest.mark.parametrize("meta, encode, declared", [
    ("<meta charset='windows-1258'>", "cp1258", "windows-1258 declared by <meta>"),
    ("<meta http-equiv='Content-Type' content='text/html; charset=windows-1258'>", "cp1258", "http-equiv"),
    ("", "cp1258", "nothing declared: a server's utf-8 default, the bytes decide"),
    ("<meta charset='utf-8'>", "cp1258", "utf-8 declared, windows-1258 bytes"),
    ("<meta charset='windows-1258'>", "utf-8", "windows-1258 declared, utf-8 bytes"),
    ("", "utf-8", "nothing declared, utf-8 bytes"),
])
def test_the_loader_reads_a_saved_page_in_the_charset_of_its_bytes(tmp_path, meta, encode, declared):
    from crawler.replica.serving import encode_cp1258

    text = ARTICLE.format(meta=meta)
    body = encode_cp1258(text) if encode == "cp1258" else text.encode("utf-8")
    _place(tmp_path, "hanoi", "example_charset", body, {"url": "https://example.hanoi.gov.vn/a.htm", "kind": "article"})
    page = gate.real_pages(tmp_path)[0]
    assert page.body == body  # the saved bytes, exactly
    from crawler.profiles import PROFILES

    response = gate.spider_response(page, PROFILES["hanoi"])
    assert response.selector.type == "html"
    assert "Người dân được hướng dẫn thủ tục" in unicodedata.normalize("NFC", response.text), declared


def test_the_loader_gives_an_api_json_page_as_a_json_response(tmp_path):
    from scrapy.http import JsonResponse

    from crawler.profiles import PROFILES

    body = json.dumps({"Id": 7, "Name": "Tiêu đề", "FullContent": "<p>Một hai ba</p>",
                       "PublishTime": "2024-05-10T16:21:00"}, ensure_ascii=False).encode("utf-8")
    expected = {"url": "https://example.gov.vn/tin-tuc/tieu-de-7", "kind": "article", "title": "Tiêu đề",
                "published_at": "2024-05-10T16:21:00+07:00", "body_text": "Một hai ba"}
    _place(tmp_path, "dnn", "example_api-7", body, expected, suffix=".api.json.gz")
    page = gate.real_pages(tmp_path)[0]
    response = gate.spider_response(page, PROFILES["dnn"])
    assert isinstance(response, JsonResponse) and response.selector.type == "json"
    assert response.url.endswith("/DesktopModules/cmsview/api/NewsContent/getbyid?id=7")  # where the spider fetches it
    got = gate.spider_read(page, PROFILES["dnn"], response)
    assert got["url"] == expected["url"]
    assert gate.score_page(page.expected, got) == {"title": 1.0, "published_at": 1.0, "body_f1": 1.0}


def test_unreadable_bytes_score_zero_as_the_spider_stores_nothing(tmp_path):
    from crawler.replica.serving import encode_cp1258

    body = encode_cp1258(ARTICLE.format(meta="<meta charset='utf-8'>")).replace(b"</p>", b"\x81</p>", 1)
    _place(tmp_path, "hanoi", "example_broken", body, {"url": "https://example.hanoi.gov.vn/a-1.htm",
                                                       "kind": "article", "title": "Thông báo lịch tiếp công dân"})
    result = gate.evaluate(gate.real_pages(tmp_path), repeat=1)
    real = result["families"]["hanoi"]["real"]
    assert real["profile"]["scores"]["title"] == 0.0
    assert "bytes fit neither" in json.dumps(real["profile"]["failures"])


def test_a_page_the_spider_would_not_store_is_reported(tmp_path):
    """A saved page without its closing </html> is scored on what the profile reads, and the report
    says the spider would have dropped it as cut off in transit."""
    html = (FIXTURES / "hanoi" / "caugiay_plain.html").read_text(encoding="utf-8")
    cut = html[: html.lower().rindex("</body>")].encode("utf-8")
    expected = json.loads((FIXTURES / "hanoi" / "caugiay_plain.json").read_text(encoding="utf-8"))
    _place(tmp_path, "hanoi", "caugiay_cut", cut, {"url": expected["url"], "kind": "article", "title": expected["title"]})
    result = gate.evaluate(gate.real_pages(tmp_path), repeat=1)
    real = result["families"]["hanoi"]["real"]
    assert real["profile"]["scores"]["title"] == 1.0
    assert real["notes"] == ["real/hanoi/caugiay_cut: the spider would not store this article: "
                             "page is incomplete (no closing </html>)"]
    assert "real/hanoi/caugiay_cut: the spider would not store" in gate.render(result, {})


def test_an_article_with_no_id_in_its_url_is_unstorable_and_reported(tmp_path):
    """The archive keys articles on external_id: a URL the profile finds no id in (here the Hanoi
    page's address without its number) gives an article the spider must not store, and the gate says so."""
    html = (FIXTURES / "hanoi" / "caugiay_plain.html").read_text(encoding="utf-8").encode("utf-8")
    expected = json.loads((FIXTURES / "hanoi" / "caugiay_plain.json").read_text(encoding="utf-8"))
    url = "https://caugiay.hanoi.gov.vn/tin-tuc/bai-viet-khong-co-so.htm"
    from crawler.profiles import PROFILES

    assert PROFILES["hanoi"].article_id(url) in (None, "")
    _place(tmp_path, "hanoi", "caugiay_noid", html, {"url": url, "kind": "article", "title": expected["title"]})
    result = gate.evaluate(gate.real_pages(tmp_path), repeat=1)
    real = result["families"]["hanoi"]["real"]
    assert real["profile"]["scores"]["title"] == 1.0  # read all the same, but not storable
    assert real["notes"] == ["real/hanoi/caugiay_noid: the spider would not store this article: "
                             "no external_id (the profile found no article id in the URL)"]
    # and with its id the same page is storable
    page = gate.Page("hanoi", tmp_path / "x_a.html.gz", {"url": expected["url"], "kind": "article"},
                     origin="real", body=html)
    assert PROFILES["hanoi"].article_id(expected["url"])
    assert gate.spider_read(page, PROFILES["hanoi"])["unstorable"] == []


def test_real_columns_count_the_pages_that_prove_a_field(result):
    """An empty expected value (null, []) is matched by an extractor that finds nothing: the gate
    counts, per family and field, the pages whose expected value is non-empty ("1.000 (2/7)")."""
    assert gate.evidence({"title": "T", "views": None, "author": "", "references": [], "body_text": "x",
                          "articles": ["https://a.vn/1"], "next_pages": []}) == {
        "title": True, "views": False, "author": False, "body_f1": True, "references_f1": False,
        "listing_links_f1": True, "next_pages_f1": False}
    for family, kinds in result["families"].items():
        real = kinds["real"]
        for name, (proven, stated) in real["evidence"].items():
            assert 0 <= proven <= stated <= real["pages"], (family, name)
    hanoi = result["families"]["hanoi"]["real"]["evidence"]
    assert hanoi["views"][0] == 0 and hanoi["next_pages_f1"][0] == 0  # honest nulls: no proof (real README)
    table = gate.render(result, gate.load_floors())
    assert f"(0/{hanoi['views'][1]})" in table.split("== hanoi", 1)[1].split("\n")[4]


def test_a_repository_licence_for_its_software_only_is_not_the_pages_licence():
    """github:VSSpowerlifting/China-Mil-Watch: MIT covers its software; its CONTENT_AND_DATA_RIGHTS.md
    §3/§6 leave collected official texts under the publisher's terms."""
    captures = [json.loads(p.read_text(encoding="utf-8"))["capture"] for p in REAL.glob("*/*.json")
                if not p.name.endswith(".api.json")]
    held = [c for c in captures if c.get("found_in") == "github:VSSpowerlifting/China-Mil-Watch"]
    assert held
    for capture in held:
        assert capture["licence"].startswith("no licence stated for the page;"), capture["path"]
        assert "CONTENT_AND_DATA_RIGHTS.md" in capture["licence"] and "§3" in capture["licence"]


# ---- real pages: the fixture format ---------------------------------------------------------------
@pytest.mark.parametrize("path", gate.real_files(REAL), ids=lambda p: str(p.relative_to(REAL)))
def test_real_fixture_follows_the_format(path):
    """Every real page has its hand-written expected JSON and vice versa; the JSON names its origin
    (tests/fixtures/real/README.md). Collects nothing until real pages land."""
    assert gate.real_file_problems(path) == []


def test_real_folder_holds_only_pages_and_their_json():
    assert gate.real_strays(REAL) == []


def test_real_pages_load(result):
    pages = gate.real_pages(REAL)
    assert len(pages) == len([p for p in gate.real_files(REAL) if p.name.endswith(gate.REAL_SUFFIXES)])
    assert sum(kinds["real"]["pages"] for kinds in result["families"].values()) == len(pages)


def test_the_format_checker_catches_what_it_should(tmp_path):
    good = _place(tmp_path, "hanoi", "example_good", b"<html></html>",
                  {"url": "https://example.hanoi.gov.vn/a.htm", "kind": "article", "title": "T",
                   "published_at": "2024-05-10T16:21:00+07:00", "views": 3, "author": None, "references": ["80/QĐ-UBND"]})
    assert gate.real_file_problems(good, ["hanoi"]) == []
    assert gate.real_file_problems(good.with_name("example_good.json"), ["hanoi"]) == []
    bad = tmp_path / "hanoi" / "example_bad.json"
    bad.write_text(json.dumps({"url": "/a.htm", "kind": "page", "views": "3",
                               "capture": {**CAPTURE, "commit": "abc", "captured": "2024-13-01", "found_in": "x/y",
                                           "licence": ""}}), encoding="utf-8")
    problems = gate.real_file_problems(bad, ["hanoi"])
    for part in ("no page example_bad.html.gz", "url '/a.htm'", "kind 'page'", "capture.commit", "capture.found_in",
                 "capture.captured '2024-13-01' is no date", "capture.licence"):
        assert any(part in p for p in problems), (part, problems)
    (tmp_path / "hanoi" / "example_orphan.html.gz").write_bytes(b"not gzip")
    problems = gate.real_file_problems(tmp_path / "hanoi" / "example_orphan.html.gz", ["hanoi"])
    assert any("no expected example_orphan.json" in p for p in problems) and any("not gzip" in p for p in problems)
    listing = tmp_path / "joomla" / "example_list.json"
    listing.parent.mkdir()
    listing.write_text(json.dumps({"url": "https://e.gov.vn/", "kind": "listing", "capture": CAPTURE,
                                   "articles": ["/relative"]}), encoding="utf-8")
    problems = gate.real_file_problems(listing, ["hanoi"])
    assert any("not a PROFILES key" in p for p in problems) and any("articles must be" in p for p in problems)
    article = tmp_path / "hanoi" / "example_time.json"
    article.write_text(json.dumps({"url": "https://e.gov.vn/a", "kind": "article", "capture": CAPTURE,
                                   "published_at": "2024-05-10T16:21:00Z"}), encoding="utf-8")
    assert any("+07:00" in p for p in gate.real_file_problems(article, ["hanoi"]))
    assert gate.real_files(tmp_path) == sorted(tmp_path.glob("*/*"))
    assert gate.real_strays(tmp_path) == []
    (tmp_path / "hanoi" / "deeper").mkdir()
    (tmp_path / "hanoi" / "deeper" / "example_x.html.gz").write_bytes(b"")
    (tmp_path / "hanoi" / "example_plain.html").write_bytes(b"")
    (tmp_path / "README.md").write_text("the format")
    assert [p.name for p in gate.real_strays(tmp_path)] == ["example_x.html.gz", "example_plain.html"]


# ---- real pages: the generated index in the README ------------------------------------------------
def test_the_real_pages_readme_table_is_generated():
    """tests/fixtures/real/README.md holds `python bench/accuracy.py --real-index` verbatim;
    `--write-real-index` rewrites it after pages are added."""
    readme = REAL / "README.md"
    assert gate.readme_index(readme) == gate.real_index(REAL)


def test_real_index_counts_kinds_sites_years_and_sources(tmp_path):
    for stem, kind, url, captured, repo in [
            ("a_one", "article", "https://a.hanoi.gov.vn/1.htm", "2019-03-01", "github:o/r1"),
            ("a_two", "article", "https://b.hanoi.gov.vn/2.htm", "2021-07-09", "github:o/r2"),
            ("a_list", "listing", "https://a.hanoi.gov.vn/tin", "2019-03-01", "github:o/r1")]:
        (tmp_path / "hanoi").mkdir(exist_ok=True)
        (tmp_path / "hanoi" / f"{stem}.json").write_text(json.dumps(
            {"url": url, "kind": kind, "capture": {**CAPTURE, "captured": captured, "found_in": repo}}))
    table = gate.real_index(tmp_path, ["hanoi", "dnn"])
    assert table.splitlines() == [
        "| family | real pages | sources |", "|---|---|---|",
        "| hanoi | 2 articles, 1 listing | sites: a.hanoi.gov.vn, b.hanoi.gov.vn; captured: 2019, 2021; "
        "found in: github:o/r1, github:o/r2 |",
        "| dnn | none yet | |"]
    readme = tmp_path / "README.md"
    readme.write_text(f"# Real pages\n\n{gate.INDEX_BEGIN}\nold\n{gate.INDEX_END}\n\nmore text\n")
    assert gate.write_readme_index(readme, table) is True
    assert gate.readme_index(readme) == table and readme.read_text().endswith("\n\nmore text\n")
    assert gate.write_readme_index(readme, table) is False


def test_cli_real_index(tmp_path):
    (tmp_path / "real").mkdir()
    run = subprocess.run([sys.executable, str(GATE_PATH), "--real-index", "--fixtures", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0
    assert run.stdout.strip() == gate.real_index(tmp_path / "real")
    assert "| hanoi | none yet | |" in run.stdout
