"""The accuracy gate (bench/accuracy.py): its scoring, its floors, and the current fixtures against them."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GATE_PATH = ROOT / "bench" / "accuracy.py"


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
def test_every_article_fixture_is_evaluated(result):
    pages = gate.article_pages()
    assert pages, "no article fixtures found"
    assert not any("listing" in p.path.name for p in pages)
    from crawler.profiles import PROFILES

    expected = sorted(p.name for p in pages if p.family in PROFILES)
    assert sorted(result["pages"]) == expected


def test_profiles_meet_accuracy_floors(result):
    floors = gate.load_floors()
    accuracy_only = {"profile": floors["profile"]}
    assert gate.check_floors(result, accuracy_only) == [], result["profile"]["failures"]


def test_floors_file_states_the_issue_requirements():
    floors = gate.load_floors()
    assert floors["profile"]["title"] >= 1.0
    assert floors["profile"]["published_at"] >= 1.0
    assert floors["profile"]["views"] >= 1.0
    assert floors["profile"]["body_f1"] >= 0.98
    assert floors["profile"]["references_f1"] >= 1.0
    assert floors["speedup_min"] >= 5.0


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
    assert any(p.startswith("profile title = 0.0000 is below its floor") for p in problems), problems
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
    floors = {"profile": {"title": 1.0, "body_f1": 0.98, "author": 0.5}, "speedup_min": 5.0}
    measured = {"title": 0.75, "body_f1": 0.99345, "author": 0.5, "views": 1.0, "references_f1": None}
    raised = gate.raise_floors(floors, measured)
    assert raised["profile"]["title"] == 1.0  # measured lower: floor kept
    assert raised["profile"]["body_f1"] == 0.9934  # measured higher: raised (rounded down)
    assert raised["profile"]["author"] == 0.5
    assert raised["profile"]["views"] == 1.0  # newly measured field gets a floor
    assert "references_f1" not in raised["profile"]  # not measured: no floor invented
    assert raised["speedup_min"] == 5.0  # the speed requirement is never ratcheted
    assert floors == {"profile": {"title": 1.0, "body_f1": 0.98, "author": 0.5}, "speedup_min": 5.0}  # input untouched
    for name, old in floors["profile"].items():
        assert raised["profile"][name] >= old
    assert gate.raise_floors(raised, {name: 0.0 for name in raised["profile"]}) == raised


def test_check_floors_messages():
    result = {"profile": {"scores": {"title": 0.5, "body_f1": 0.99, "references_f1": None}}, "speed_ratio": 3.0}
    floors = {"profile": {"title": 1.0, "body_f1": 0.98, "references_f1": 1.0}, "speedup_min": 5.0}
    problems = gate.check_floors(result, floors)
    assert problems == ["profile title = 0.5000 is below its floor 1.0000",
                        "profile is only 3.0x faster than the fallback; floor speedup_min = 5.0x"]


# ---- the script ---------------------------------------------------------------------------------
def test_cli_json_and_update_floors(tmp_path):
    floors_path = tmp_path / "floors.json"
    floors_path.write_text(json.dumps({"profile": {"title": 0.5, "body_f1": 0.5}, "speedup_min": 1.0}))
    run = subprocess.run([sys.executable, str(GATE_PATH), "--json", "--repeat", "1", "--floors", str(floors_path),
                          "--update-floors"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    report = json.loads(run.stdout)
    assert set(report) >= {"profile", "fallback", "speed_ratio", "floors", "violations"}
    raised = json.loads(floors_path.read_text())
    assert raised["profile"]["title"] >= 0.5 and raised["profile"]["body_f1"] >= 0.5
    assert raised["profile"]["title"] == gate._round_down(report["profile"]["scores"]["title"])
    assert raised["speedup_min"] == 1.0
    assert run.returncode == (1 if report["violations"] else 0)


def test_cli_exits_non_zero_naming_the_floor(tmp_path):
    floors_path = tmp_path / "floors.json"
    floors_path.write_text(json.dumps({"profile": {"title": 1.0}, "speedup_min": 1000.0}))
    run = subprocess.run([sys.executable, str(GATE_PATH), "--repeat", "1", "--floors", str(floors_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 1
    assert "speedup_min = 1000.0x" in run.stderr and "ACCURACY GATE FAILED" in run.stderr
    assert "profile" in run.stdout and "fallback" in run.stdout  # the table is still printed


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
