#!/usr/bin/env python
"""Accuracy gate: every family profile against real and replica pages, side by side with the generic fallback.

trafilatura's "evaluation as CI gate" applied to our per-family profiles (the Fundus pattern:
per-publisher tests over page captures). Two kinds of pages, reported and gated separately per
family, because a profile proven only on pages written by the same hands proves little:

* REPLICA pages, ``tests/fixtures/<family>/<name>.<ext>`` with an expected ``<name>.json`` beside
  (our replica's own HTML). Article pages go to ``PROFILES[<family>].extract_html`` and to the
  generic fallback (crawler.profiles.fallback: trafilatura + htmldate), as before.
* REAL pages, ``tests/fixtures/real/<family>/<name>.html.gz`` (or ``<name>.api.json.gz`` for a
  family read through a JSON API, DNN) with a hand-written ``<name>.json`` beside
  (tests/fixtures/real/README.md). They go through the spider's own code path: the gunzipped bytes
  become the Scrapy response the spider would have received (saved_response), are re-read in the
  charset their bytes are in (crawler.charset.read_as_encoded) and handed to
  crawler.extract.read_article / read_listing, the calls PortalSpider makes. So a real article is
  scored as the spider would store it, the fallback's rescue included (reported per page).

In the printed table each real score carries ``(n/m)``: n of the m pages scored on the field state
a non-empty expected value (``evidence``); an empty expected value (null, []) is matched by an
extractor that finds nothing, so it proves only that nothing is invented.

Listing pages (replica: the ``*listing*`` files; real: ``"kind": "listing"``) are scored too,
through read_listing; the fallback reads no listings.

Scores (each a mean over the pages of one family and kind where the field applies):

* ``title``, ``published_at``, ``views``, ``author``: exact equality of the JSON values as the
  extractor emits them (no normalisation). ``published_at`` is the ISO string, so a date found
  without its time ("2024-05-10" for "2024-05-10T16:21:00+07:00") counts as wrong.
* ``body_f1``: bag-of-tokens F1 of ``body_text``. Tokens are ``clean_text(text).split()``: NFC,
  case- and diacritic-sensitive, punctuation stays attached to its word, paragraph breaks are
  ignored. Counts matter (multiset intersection). Both empty = 1.0, one empty = 0.0.
* ``references_f1``: set F1 of document references, only on pages whose expected JSON has a
  ``"references"`` key (a list of canonical strings). The extractor's ``references`` may be a list
  of strings or of objects with a ``"canonical"`` key. Both empty = 1.0.
* ``listing_links_f1``, ``next_pages_f1``: set F1 of the listing's article URLs against
  ``"articles"`` and of its next-page URLs against ``"next_pages"``.

A replica page whose content is a JSON document (``<name>.api.json``) is given to the profile as
``profile.extract(Selector(text=..., type="json"), url)``; the fallback cannot read it.

Speed (replica article pages only): each extractor runs ``--repeat`` times per page (interleaved,
after one warm-up run); the per-page median is taken, then the median over pages. Only the RATIO
fallback/profile measured in the same run is gated (``speedup_min``): absolute milliseconds on a
shared machine are noise.

Floors (bench/accuracy_floors.json) are per kind and family:
``{"replica": {family: {field: floor}}, "real": {family: {field: floor}}, "speedup_min": 5.0}``.
The gate fails when any field of any family falls below its floor, and when a floored field is
measured on no page any more (deleting a key from the expected JSONs must not disable its floor); a
measured field with no floor yet is reported, not failed. Floors track reality: the test suite
(tests/test_accuracy_gate.py) requires every floor to equal the measured score rounded down to 4
decimals, so a floor edited below the measurement fails the suite, an improvement fails it until
``--update-floors`` ratchets the floor, and a regression fails the gate; accepting a lower score takes a
visible edit of the floors file in the same change. Floors may only rise: ``--update-floors`` raises each floor to the
measured score (rounded down to 4 decimals), never lowers one, and creates floors for newly
measured families and fields. ``speedup_min`` is a requirement, not a measurement, and is never
changed by it. A floors file in the older form (one global ``"profile"`` block) is read as that
block copied to every family's replica floors.

Usage (from the repository root)::

    python bench/accuracy.py                  # tables + failures; exit 1 when below a floor
    python bench/accuracy.py --json           # the scores as JSON (exit status as above)
    python bench/accuracy.py --update-floors  # ratchet floors up to the measured scores
    python bench/accuracy.py --real-index     # the markdown table of real pages (README)
    python bench/accuracy.py --write-real-index  # rewrite that table in tests/fixtures/real/README.md
    python bench/accuracy.py --repeat 9 --show-fallback-failures
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vntext.textnorm import clean_text  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
REAL_DIR = "real"  # tests/fixtures/real/<family>/: real saved pages, not replica output
FLOORS_PATH = ROOT / "bench" / "accuracy_floors.json"
EXACT_FIELDS = ("title", "published_at", "views", "author")
ARTICLE_FIELDS = (*EXACT_FIELDS, "body_f1", "references_f1")
LISTING_FIELDS = ("listing_links_f1", "next_pages_f1")
FIELDS = (*ARTICLE_FIELDS, *LISTING_FIELDS)
KINDS = ("replica", "real")
SPEED_KEY = "speedup_min"
REAL_SUFFIXES = (".html.gz", ".api.json.gz")
INDEX_BEGIN, INDEX_END = "<!-- real-index:begin -->", "<!-- real-index:end -->"


# ---- scoring (pure) ---------------------------------------------------------------------------
def tokens(text: str | None) -> list[str]:
    return clean_text(text).split()


def token_f1(expected: str | None, got: str | None) -> float:
    """Bag-of-tokens F1 (see module docstring)."""
    exp, out = Counter(tokens(expected)), Counter(tokens(got))
    if not exp and not out:
        return 1.0
    if not exp or not out:
        return 0.0
    overlap = sum((exp & out).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(out.values()), overlap / sum(exp.values())
    return 2 * precision * recall / (precision + recall)


def set_f1(expected: Iterable[str], got: Iterable[str]) -> float:
    exp, out = set(expected), set(got)
    if not exp and not out:
        return 1.0
    overlap = len(exp & out)
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(out), overlap / len(exp)
    return 2 * precision * recall / (precision + recall)


def reference_keys(values: Iterable[Any] | None) -> set[str]:
    """Canonical strings of a references list: strings, or objects with a "canonical" key."""
    keys = set()
    for value in values or ():
        if isinstance(value, Mapping):
            value = value.get("canonical")
        if isinstance(value, str) and value:
            keys.add(value)
    return keys


def score_page(expected: Mapping, got: Mapping) -> dict[str, float]:
    """Field → score in [0, 1] for one page; fields the expected JSON does not state are absent.

    An article is scored on the article fields; a listing (``got`` holds "articles" and
    "next_pages", as read_listing returns them) on the listing fields its expected JSON states."""
    scores: dict[str, float] = {}
    for name in EXACT_FIELDS:
        if name in expected:
            scores[name] = 1.0 if got.get(name) == expected[name] else 0.0
    if "body_text" in expected:
        scores["body_f1"] = token_f1(expected["body_text"], got.get("body_text"))
    if "references" in expected:
        scores["references_f1"] = set_f1(reference_keys(expected["references"]), reference_keys(got.get("references")))
    if "articles" in expected:
        scores["listing_links_f1"] = set_f1(expected["articles"] or (), got.get("articles") or ())
    if "next_pages" in expected:
        scores["next_pages_f1"] = set_f1(expected["next_pages"] or (), got.get("next_pages") or ())
    return scores


def page_failures(expected: Mapping, got: Mapping, scores: Mapping[str, float]) -> list[dict]:
    """What a developer needs to see for each field below 1.0."""
    failures = []
    for name, score in scores.items():
        if score >= 1.0:
            continue
        if name == "body_f1":
            exp, out = Counter(tokens(expected.get("body_text"))), Counter(tokens(got.get("body_text")))
            failures.append({"field": name, "score": round(score, 4),
                             "missing": sorted((exp - out).elements())[:15],
                             "extra": sorted((out - exp).elements())[:15]})
        elif name == "references_f1":
            exp, out = reference_keys(expected.get("references")), reference_keys(got.get("references"))
            failures.append({"field": name, "score": round(score, 4),
                             "missing": sorted(exp - out), "extra": sorted(out - exp)})
        elif name in LISTING_FIELDS:
            key = "articles" if name == "listing_links_f1" else "next_pages"
            exp, out = list(expected.get(key) or ()), list(got.get(key) or ())
            failures.append({"field": name, "score": round(score, 4),
                             "missing": [u for u in exp if u not in out][:10],
                             "extra": [u for u in out if u not in exp][:10]})
        else:
            failures.append({"field": name, "expected": expected.get(name), "got": got.get(name)})
    return failures


def mean_scores(pages: Iterable[Mapping[str, float]]) -> dict[str, float | None]:
    collected: dict[str, list[float]] = {}
    for scores in pages:
        for name, value in scores.items():
            collected.setdefault(name, []).append(value)
    return {name: (statistics.fmean(collected[name]) if name in collected else None) for name in FIELDS}


# The expected key each scored field reads.
EXPECTED_KEYS = {"title": "title", "published_at": "published_at", "views": "views", "author": "author",
                 "body_f1": "body_text", "references_f1": "references", "listing_links_f1": "articles",
                 "next_pages_f1": "next_pages"}


def evidence(expected: Mapping) -> dict[str, bool]:
    """Field → whether the page's expected value is non-empty, for every field the page is scored on.

    An empty expected value (null, [], "") is matched by an extractor that finds nothing, so it
    proves no extraction: the gate counts the pages that do state something (README of real/)."""
    return {name: expected[EXPECTED_KEYS[name]] not in (None, "", [], {})
            for name in score_page(expected, {})}


# ---- floors (pure) ----------------------------------------------------------------------------
def _round_down(value: float) -> float:
    return math.floor(value * 10_000 + 1e-9) / 10_000


def _copy(data: Mapping) -> dict:
    return json.loads(json.dumps(data))  # deep copy, JSON types only


def migrate_floors(floors: Mapping, families: Iterable[str]) -> dict:
    """Floors in the per-kind, per-family form. The older form held one global "profile" block for
    every replica page: each family's replica floor starts at that block's floor for the field (or
    higher, when a family already had one); real pages had no floors."""
    new = _copy(floors)
    legacy = new.pop("profile", None)
    replica = new.setdefault("replica", {})
    new.setdefault("real", {})
    for family in families if legacy else ():
        own = replica.setdefault(family, {})
        for name, floor in legacy.items():
            own[name] = max(own.get(name, floor), floor)
    ordered = {kind: new.pop(kind) for kind in KINDS}
    return {**ordered, **new}


def measured_scores(result: Mapping) -> dict[str, dict[str, dict[str, float | None]]]:
    """kind → family → field → the profile's score, for every family and kind with pages."""
    measured: dict[str, dict] = {kind: {} for kind in KINDS}
    for family, kinds in result.get("families", {}).items():
        for kind in KINDS:
            bucket = kinds.get(kind)
            if bucket and bucket["pages"]:
                measured[kind][family] = bucket["profile"]["scores"]
    return measured


def raise_floors(floors: Mapping, measured: Mapping[str, Mapping[str, Mapping[str, float | None]]]) -> dict:
    """New floors: each floor becomes max(old, measured); never lower; a newly measured family or
    field gets one; an unmeasured field gets none; speed untouched."""
    new = _copy(floors)
    for kind, families in measured.items():
        for family, scores in families.items():
            for name, value in scores.items():
                if value is None:
                    continue
                own = new.setdefault(kind, {}).setdefault(family, {})
                old, candidate = own.get(name), _round_down(value)
                own[name] = candidate if old is None else max(old, candidate)
    return new


def check_floors(result: Mapping, floors: Mapping) -> list[str]:
    """Human-readable violations (empty when the gate passes)."""
    problems = []
    measured = measured_scores(result)
    for kind in KINDS:
        for family, own in floors.get(kind, {}).items():
            scores = measured[kind].get(family, {})
            for name, floor in own.items():
                value = scores.get(name)
                if value is None:
                    # A floor whose field no page measures any more (its key deleted from the expected
                    # JSONs, its pages removed) would otherwise be disabled silently.
                    problems.append(f"{kind} {family} {name}: no page measures this field; its floor "
                                    f"{floor:.4f} cannot be checked (restore the pages or remove the floor "
                                    "visibly in bench/accuracy_floors.json)")
                    continue
                if value + 1e-9 < floor:
                    problems.append(f"{kind} {family} {name} = {value:.4f} is below its floor {floor:.4f}")
    speed_floor = floors.get(SPEED_KEY)
    ratio = result.get("speed_ratio")
    if speed_floor is not None:
        if ratio is None:
            problems.append(f"speed ratio not measured (no page ran with both extractors); floor {speed_floor}x")
        elif ratio + 1e-9 < speed_floor:
            problems.append(f"profile is only {ratio:.1f}x faster than the fallback; floor {SPEED_KEY} = {speed_floor}x")
    return problems


def floor_notes(result: Mapping, floors: Mapping) -> list[str]:
    """What the gate does not fail on but a reviewer should see: measured fields with no floor yet
    (the lead adds them with --update-floors), and floors of a family and kind with no pages."""
    notes = []
    measured = measured_scores(result)
    for kind in KINDS:
        own_floors = floors.get(kind, {})
        for family, scores in measured[kind].items():
            missing = [name for name, value in scores.items() if value is not None
                       and name not in own_floors.get(family, {})]
            if missing:
                notes.append(f"{kind} {family}: no floor yet for {', '.join(missing)} (run --update-floors)")
        for family in own_floors:
            if family not in measured[kind]:
                notes.append(f"{kind} {family}: floors set but no {kind} page of the family was measured")
    return notes


def load_floors(path: Path = FLOORS_PATH, families: Iterable[str] | None = None) -> dict:
    """The floors file, in the per-family form (an older global file is migrated on reading)."""
    floors = json.loads(Path(path).read_text(encoding="utf-8"))
    if "profile" in floors:
        if families is None:
            from crawler.profiles import PROFILES

            families = PROFILES
        floors = migrate_floors(floors, families)
    return floors


# ---- pages ------------------------------------------------------------------------------------
@dataclass
class Page:
    family: str
    path: Path
    expected: dict
    content: str = ""  # replica pages: the text
    origin: str = "replica"  # or "real"
    body: bytes | None = None  # real pages: the saved bytes, gunzipped

    @property
    def name(self) -> str:
        stem = page_stem(self.path.name)
        return f"{self.family}/{stem}" if self.origin == "replica" else f"real/{self.family}/{stem}"

    @property
    def kind(self) -> str:
        if self.expected.get("kind") in ("article", "listing"):
            return self.expected["kind"]
        return "listing" if "listing" in self.path.name or "articles" in self.expected else "article"

    @property
    def is_html(self) -> bool:
        """A JSON API document (e.g. a DNN service response) is not something the fallback can read."""
        if self.body is not None:
            return not self.path.name.endswith(".api.json.gz")
        return not self.content.lstrip().startswith(("{", "["))

    @property
    def raw(self) -> bytes:
        return self.body if self.body is not None else self.content.encode("utf-8")


def page_stem(filename: str) -> str:
    for suffix in REAL_SUFFIXES:
        if filename.endswith(suffix):
            return filename[: -len(suffix)]
    return filename.split(".")[0]


def _replica_files(fixtures: Path):
    for path in sorted(fixtures.glob("*/*")):
        if not path.is_file() or path.parent.name == REAL_DIR:
            continue
        expected_path = path.with_name(path.name.split(".")[0] + ".json")
        if expected_path == path or not expected_path.exists():
            continue
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        if "url" in expected:
            yield path, expected


def article_pages(fixtures: Path = FIXTURES) -> list[Page]:
    """Every replica <family>/<name>.<ext> (not a listing page) with an expected <family>/<name>.json beside it."""
    return [Page(path.parent.name, path, expected, path.read_text(encoding="utf-8"))
            for path, expected in _replica_files(fixtures) if "listing" not in path.name]


def listing_pages(fixtures: Path = FIXTURES) -> list[Page]:
    """Every replica <family>/<name>listing<...>.<ext> whose expected JSON lists "articles" or "next_pages"."""
    return [Page(path.parent.name, path, expected, path.read_text(encoding="utf-8"))
            for path, expected in _replica_files(fixtures)
            if "listing" in path.name and ("articles" in expected or "next_pages" in expected)]


def real_pages(root: Path = FIXTURES / REAL_DIR) -> list[Page]:
    """Every real/<family>/<name>.html.gz or <name>.api.json.gz with its <name>.json beside it
    (a page without its JSON, or the reverse, is reported by real_metadata_problems)."""
    pages = []
    for path in sorted(p for p in Path(root).glob("*/*") if p.name.endswith(REAL_SUFFIXES)):
        expected_path = path.with_name(page_stem(path.name) + ".json")
        if not expected_path.exists():
            continue
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        pages.append(Page(path.parent.name, path, expected, origin="real", body=gzip.decompress(path.read_bytes())))
    return pages


def all_pages(fixtures: Path = FIXTURES) -> list[Page]:
    return article_pages(fixtures) + listing_pages(fixtures) + real_pages(fixtures / REAL_DIR)


# ---- the spider's code path for a saved page --------------------------------------------------
def saved_response(body: bytes, url: str, *, json_api: bool = False):
    """The Scrapy response the spider would have received with these bytes from `url`, no network.

    A saved page has lost its HTTP headers. A JSON API answer gets "application/json;
    charset=utf-8" (what the DNN service sends). An HTML page gets "text/html" without a charset,
    so that its own BOM or <meta> declaration decides, as with a server that names none; a page
    that declares nothing gets "text/html; charset=utf-8", the servers' usual default. The
    response class comes from Scrapy's own choice by headers (responsetypes), as for a download;
    the spider then lets the bytes decide the charset (crawler.charset.read_as_encoded)."""
    from scrapy.http import Headers
    from scrapy.responsetypes import responsetypes
    from w3lib.encoding import html_body_declared_encoding, read_bom

    if json_api:
        content_type = "application/json; charset=utf-8"
    elif read_bom(body)[0] or html_body_declared_encoding(body):
        content_type = "text/html"
    else:
        content_type = "text/html; charset=utf-8"
    headers = Headers({"Content-Type": content_type})
    response_class = responsetypes.from_args(headers=headers, url=url, body=body)
    return response_class(url=url, body=body, headers=headers, status=200)


def spider_response(page: Page, profile):
    """`page` as PortalSpider holds it after PortalSpider._readable: fetched from the profile's
    fetch_url for an article (DNN's API; the page's own URL elsewhere), re-read in its bytes' charset."""
    from crawler.charset import read_as_encoded

    url = page.expected["url"]
    if page.kind == "article" and hasattr(profile, "fetch_url") and profile.article_id(url):
        url = profile.fetch_url(url)
    response = read_as_encoded(saved_response(page.raw, url, json_api=not page.is_html))
    if response is None:  # the spider records a failed fetch and stores nothing
        raise ValueError("bytes fit neither the declared charset nor windows-1258")
    return response


def spider_read(page: Page, profile, response=None) -> dict:
    """What the spider makes of `page`: the listing's URLs (crawler.extract.read_listing) or the
    article it reads (crawler.extract.read_article, the fallback's rescue included) as JSON, with
    "unstorable": why the spider would not store it (crawler.extract.unstorable; empty: it would)."""
    from crawler.extract import read_article, read_listing, unstorable

    response = response if response is not None else spider_response(page, profile)
    if page.kind == "listing":
        articles, next_pages = read_listing(response, profile)
        return {"articles": articles, "next_pages": next_pages}
    article = read_article(response, page.expected["url"], profile)
    # Scored all the same (a saved page may have lost its tail in the saving), but reported.
    return {**article.to_json(), "unstorable": unstorable(response, article)}


# ---- running ----------------------------------------------------------------------------------
@dataclass
class ExtractorRun:
    scores: list[dict] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    failures: dict[str, list[dict]] = field(default_factory=dict)

    def record(self, page: Page, got: Mapping | None, error: str | None) -> None:
        if got is None:  # a crash is a failure on every field, reported, never hidden
            scores = {name: 0.0 for name in score_page(page.expected, {})}
            self.failures[page.name] = [{"field": "*", "expected": f"a{'n' * (page.kind == 'article')} {page.kind}",
                                         "got": error}]
        else:
            scores = score_page(page.expected, got)
            if failures := page_failures(page.expected, got, scores):
                self.failures[page.name] = failures
        self.scores.append(scores)

    def summary(self) -> dict:
        return {"pages": len(self.scores), "scores": mean_scores(self.scores), "failures": self.failures}


@dataclass
class Bucket:
    """The pages of one family and one kind (replica or real)."""
    profile: ExtractorRun = field(default_factory=ExtractorRun)
    fallback: ExtractorRun = field(default_factory=ExtractorRun)
    articles: int = 0
    listings: int = 0
    notes: list[str] = field(default_factory=list)
    stated: Counter = field(default_factory=Counter)  # field -> pages scored on it
    proven: Counter = field(default_factory=Counter)  # field -> of those, pages with a non-empty expected value

    def count(self, page: Page) -> None:
        for name, non_empty in evidence(page.expected).items():
            self.stated[name] += 1
            self.proven[name] += non_empty

    def summary(self) -> dict:
        return {"pages": self.articles + self.listings, "articles": self.articles, "listings": self.listings,
                "profile": self.profile.summary(), "fallback": self.fallback.summary(), "notes": self.notes,
                "evidence": {name: [self.proven[name], self.stated[name]] for name in FIELDS if self.stated[name]}}


def _json_extractor(profile) -> Callable[[str, str], Any]:
    from parsel import Selector

    return lambda content, url: profile.extract(Selector(text=content, type="json"), url)


def _run(extract: Callable[[str, str], Any], page: Page) -> tuple[dict | None, str | None]:
    try:
        return extract(page.content, page.expected["url"]).to_json(), None
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"


def _time(extract: Callable[[str, str], Any], page: Page) -> float:
    start = time.perf_counter()
    try:
        extract(page.content, page.expected["url"])
    except Exception:
        pass
    return (time.perf_counter() - start) * 1000


def _replica_article(page: Page, profile, fallback, bucket: Bucket, repeat: int, skipped: list[str]):
    """Scored and timed as before issue 12: profile.extract_html against the fallback; returns the
    (profile ms, fallback ms) pair of the page, None for a JSON page the fallback cannot read."""
    if page.is_html:
        extractors = {"profile": profile.extract_html, "fallback": fallback.extract_html}
    else:
        extractors = {"profile": _json_extractor(profile)}
        skipped.append(f"{page.name}: a JSON document, fallback not run (accuracy only, no speed pair)")
    runs = {"profile": bucket.profile, "fallback": bucket.fallback}
    for kind, extract in extractors.items():
        runs[kind].record(page, *_run(extract, page))  # also the warm-up run
    times: dict[str, list[float]] = {kind: [] for kind in extractors}
    for _ in range(max(1, repeat)):
        for kind, extract in extractors.items():  # interleaved: both see the same machine load
            times[kind].append(_time(extract, page))
    for kind, samples in times.items():
        runs[kind].ms.append(statistics.median(samples))
    return (bucket.profile.ms[-1], bucket.fallback.ms[-1]) if len(times) == 2 else None


def _spider_path(page: Page, profile, fallback, bucket: Bucket) -> None:
    """A real page, or any listing page: through the spider's calls; the fallback beside it on
    HTML articles, given the same re-read response."""
    response = got = error = None
    try:
        response = spider_response(page, profile)
        got = spider_read(page, profile, response)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    bucket.profile.record(page, got, error)
    if got and got.get("unstorable"):
        bucket.notes.append(f"{page.name}: the spider would not store this article: {', '.join(got['unstorable'])}")
    if got and got.get("extracted_by") == "fallback":
        bucket.notes.append(f"{page.name}: the profile found no article; the generic fallback read it "
                            "(the spider would store the fallback's record)")
    if page.kind != "article" or not page.is_html or response is None:
        return
    try:
        bucket.fallback.record(page, fallback.extract(response.selector, page.expected["url"]).to_json(), None)
    except Exception as exc:
        bucket.fallback.record(page, None, f"{type(exc).__name__}: {exc}")


def evaluate(pages: list[Page] | None = None, profiles: Mapping | None = None, fallback=None,
             repeat: int = 5) -> dict:
    """Score both extractors on every page (replica article pages also timed); JSON-serialisable."""
    if pages is None:
        pages = all_pages()
    if profiles is None:
        from crawler.profiles import PROFILES as profiles
    if fallback is None:
        from crawler.profiles.fallback import FALLBACK as fallback
    families = list(dict.fromkeys([*profiles, *(p.family for p in pages if p.family in profiles)]))
    buckets = {(family, kind): Bucket() for family in families for kind in KINDS}
    skipped, evaluated, speed_pairs = [], [], []
    for page in pages:
        profile = profiles.get(page.family)
        if profile is None:
            skipped.append(f"{page.name}: no profile named {page.family!r} in PROFILES")
            continue
        evaluated.append(page.name)
        bucket = buckets[page.family, page.origin]
        bucket.count(page)
        if page.kind == "listing":
            bucket.listings += 1
        else:
            bucket.articles += 1
        if page.origin == "replica" and page.kind == "article":
            if pair := _replica_article(page, profile, fallback, bucket, repeat, skipped):
                speed_pairs.append(pair)
        else:
            _spider_path(page, profile, fallback, bucket)
    result: dict[str, Any] = {"pages": evaluated, "skipped": skipped, "repeat": repeat}
    replica = [bucket for (_, kind), bucket in buckets.items() if kind == "replica"]
    for extractor in ("profile", "fallback"):  # the keys of old: every replica page together
        runs = [getattr(bucket, extractor) for bucket in replica]
        ms = [value for run in runs for value in run.ms]
        result[extractor] = {"pages": sum(len(run.scores) for run in runs),
                             "scores": mean_scores(s for run in runs for s in run.scores),
                             "ms_per_page": statistics.median(ms) if ms else None,
                             "failures": {k: v for run in runs for k, v in run.failures.items()}}
    result["speed_ratio"] = None
    result["speed_pages"] = "replica HTML article pages"
    if speed_pairs:
        profile_ms = statistics.median(p for p, _ in speed_pairs)
        fallback_ms = statistics.median(f for _, f in speed_pairs)
        result["speed_ratio"] = fallback_ms / profile_ms if profile_ms > 0 else None
    result["families"] = {family: {kind: buckets[family, kind].summary() for kind in KINDS} for family in families}
    return result


# ---- real pages: their metadata and the README's index ----------------------------------------
CAPTURE_PATTERNS = {
    "captured": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "found_in": re.compile(r"^github:[A-Za-z0-9][\w.-]*/[\w.-]+$"),
    "commit": re.compile(r"^[0-9a-f]{40}$"),
}


def real_files(root: Path = FIXTURES / REAL_DIR) -> list[Path]:
    """The pages and expected JSONs under real/<family>/ (README and other files aside)."""
    return sorted(p for p in Path(root).glob("*/*") if p.name.endswith((*REAL_SUFFIXES, ".json"))
                  and not p.name.endswith(".api.json"))


def real_strays(root: Path = FIXTURES / REAL_DIR) -> list[Path]:
    """Files under real/ that are neither README.md nor a page or expected JSON of real/<family>/
    (e.g. a page one folder too deep, or saved without gzip): the gate would never see them."""
    known = set(real_files(root))
    return sorted(p for p in Path(root).rglob("*") if p.is_file() and p not in known
                  and p.relative_to(root) != Path("README.md"))


def _families() -> list[str]:
    from crawler.profiles import PROFILES

    return list(PROFILES)


def real_file_problems(path: Path, families: Iterable[str] | None = None) -> list[str]:
    """What is wrong with one file of real/<family>/ against the fixture format (README.md there)."""
    families = list(_families() if families is None else families)
    problems = [] if path.parent.name in families else [f"{path.parent.name!r} is not a PROFILES key {families}"]
    stem = page_stem(path.name) if path.name.endswith(REAL_SUFFIXES) else path.name[: -len(".json")]
    if not re.fullmatch(r"[A-Za-z0-9.-]+_[\w.-]+", stem):
        problems.append(f"name {stem!r} is not <site>_<short-name>")
    if path.name.endswith(REAL_SUFFIXES):
        if not path.with_name(stem + ".json").exists():
            problems.append(f"no expected {stem}.json beside the page")
        try:
            if not gzip.decompress(path.read_bytes()):
                problems.append("the page is empty")
        except (OSError, EOFError) as exc:
            problems.append(f"not gzip: {exc}")
        return problems
    if not any(path.with_name(stem + suffix).exists() for suffix in REAL_SUFFIXES):
        problems.append(f"no page {stem}.html.gz or {stem}.api.json.gz beside the expected JSON")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return [*problems, f"not UTF-8 JSON: {exc}"]
    return problems + expected_json_problems(data)


def expected_json_problems(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["not a JSON object"]
    problems = []
    url = data.get("url")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        problems.append(f"url {url!r} is not an absolute http(s) URL")
    kind = data.get("kind")
    if kind not in ("article", "listing"):
        problems.append(f"kind {kind!r} is not 'article' or 'listing'")
    capture = data.get("capture")
    if not isinstance(capture, dict):
        return [*problems, "no capture object"]
    for key, pattern in CAPTURE_PATTERNS.items():
        if not isinstance(capture.get(key), str) or not pattern.match(capture[key]):
            problems.append(f"capture.{key} {capture.get(key)!r} does not match {pattern.pattern}")
    try:
        date.fromisoformat(str(capture.get("captured")))
    except ValueError:
        problems.append(f"capture.captured {capture.get('captured')!r} is no date")
    for key in ("path", "licence"):
        if not isinstance(capture.get(key), str) or not capture[key].strip():
            problems.append(f"capture.{key} is missing or empty")
    if kind == "listing":
        for key in ("articles", "next_pages"):
            links = data.get(key, [])
            if not isinstance(links, list) or not all(isinstance(u, str) and urlsplit(u).hostname for u in links):
                problems.append(f"{key} must be a list of absolute URLs")
        if "articles" not in data:
            problems.append("a listing states its 'articles'")
    elif kind == "article":
        problems.extend(_article_field_problems(data))
    return problems


def _article_field_problems(data: Mapping) -> list[str]:
    problems = []
    if "published_at" in data and data["published_at"] is not None:
        value = data["published_at"]
        if not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?\+07:00", value)):
            problems.append(f"published_at {value!r} is not ISO with +07:00")
    if "views" in data and not (data["views"] is None or type(data["views"]) is int):
        problems.append(f"views {data['views']!r} is not an int or null")
    for key in ("title", "body_text"):
        if key in data and not isinstance(data[key], str):
            problems.append(f"{key} is not a string")
    if "author" in data and not (data["author"] is None or isinstance(data["author"], str)):
        problems.append("author is not a string or null")
    if "references" in data and not (isinstance(data["references"], list)
                                     and all(isinstance(r, str) for r in data["references"])):
        problems.append("references is not a list of canonical strings")
    return problems


def real_index(root: Path = FIXTURES / REAL_DIR, families: Iterable[str] | None = None) -> str:
    """The markdown table of real pages per family, from their expected JSONs (README.md there)."""
    by_family: dict[str, list[dict]] = {}
    for path in sorted(Path(root).glob("*/*.json")):
        if path.name.endswith(".api.json"):
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError):
            data = {}
        by_family.setdefault(path.parent.name, []).append(data if isinstance(data, dict) else {})
    rows = ["| family | real pages | sources |", "|---|---|---|"]
    for family in dict.fromkeys([*(_families() if families is None else families), *sorted(by_family)]):
        entries = by_family.get(family)
        if not entries:
            rows.append(f"| {family} | none yet | |")
            continue
        kinds = Counter(str(e.get("kind", "?")) for e in entries)
        count = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(kinds.items()))
        captures = [e.get("capture") if isinstance(e.get("capture"), dict) else {} for e in entries]
        sources = [("sites", {urlsplit(str(e.get("url", ""))).hostname or "?" for e in entries}),
                   ("captured", {str(c.get("captured", "?"))[:4] for c in captures}),
                   ("layouts", {str(e["layout"]) for e in entries if e.get("layout")}),
                   ("found in", {str(c.get("found_in", "?")) for c in captures})]
        cell = "; ".join(f"{label}: {', '.join(sorted(values))}" for label, values in sources if values)
        rows.append(f"| {family} | {count} | {cell} |")
    return "\n".join(rows)


def readme_index(readme: Path) -> str | None:
    """The table between the real-index markers of `readme` (None when the markers are missing)."""
    text = readme.read_text(encoding="utf-8")
    if INDEX_BEGIN not in text or INDEX_END not in text:
        return None
    return text.split(INDEX_BEGIN, 1)[1].split(INDEX_END, 1)[0].strip("\n")


def write_readme_index(readme: Path, table: str) -> bool:
    """Put `table` between the markers; True when the file changed."""
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(INDEX_BEGIN, 1)
    new = f"{head}{INDEX_BEGIN}\n{table}\n{INDEX_END}{rest.split(INDEX_END, 1)[1]}"
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


# ---- reporting --------------------------------------------------------------------------------
def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _short(value: Any, width: int = 90) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def _count(bucket: Mapping) -> str:
    if not bucket["pages"]:
        return "none yet"
    return f"{bucket['articles']} article(s), {bucket['listings']} listing(s)"


def _family_table(family: str, kinds: Mapping, floors: Mapping) -> list[str]:
    """The family's scores; a real score carries "(n/m)": n of the m pages scored on the field state a
    non-empty expected value (an empty one proves only that nothing is invented)."""
    lines = [f"== {family}: replica {_count(kinds['replica'])}; real {_count(kinds['real'])}",
             f"{'field':<18}{'replica':>8}{'fallback':>9}{'floor':>7}  |{'real (proof)':>15}{'fallback':>9}{'floor':>7}"]
    for name in FIELDS:
        cells, shown = [], False
        for kind in KINDS:
            bucket, floor = kinds[kind], floors.get(kind, {}).get(family, {}).get(name)
            value, other = bucket["profile"]["scores"].get(name), bucket["fallback"]["scores"].get(name)
            shown = shown or value is not None
            score = _fmt(value) if bucket["pages"] else "-"
            if kind == "real":
                proven, stated = bucket.get("evidence", {}).get(name, (0, 0))
                score = f"{score} ({proven}/{stated})" if stated else score
            cells.append(f"{score:>{15 if kind == 'real' else 8}}{_fmt(other) if bucket['pages'] else '-':>9}"
                         f"{'-' if floor is None else f'{floor:.3f}':>7}")
        if shown:
            lines.append(f"{name:<18}{cells[0]}  |{cells[1]}")
    return lines


def _failure_lines(title: str, failures: Mapping[str, list[dict]]) -> list[str]:
    if not failures:
        return [f"{title}: no per-page failures"]
    lines = [f"{title}:"]
    for page, items in failures.items():
        for item in items:
            if "missing" in item:
                lines.append(f"  {page}  {item['field']} = {item['score']}  missing {_short(item['missing'])}"
                             f"  extra {_short(item['extra'])}")
            else:
                lines.append(f"  {page}  {item['field']}: expected {_short(item['expected'])}  got {_short(item['got'])}")
    return lines


def render(result: Mapping, floors: Mapping, show_fallback_failures: bool = False) -> str:
    families = result["families"]
    totals = {kind: sum(f[kind]["pages"] for f in families.values()) for kind in KINDS}
    lines = [f"Accuracy gate: {totals['replica']} replica page(s), {totals['real']} real page(s); "
             f"{result['repeat']} timed repetition(s) per replica article page",
             "Real pages and all listings go through the spider's code path (saved bytes -> Scrapy response -> "
             "read_as_encoded -> read_article / read_listing); the fallback reads no listings.", ""]
    for family, kinds in families.items():
        lines += [*_family_table(family, kinds, floors), ""]
    p_ms, f_ms, ratio = result["profile"]["ms_per_page"], result["fallback"]["ms_per_page"], result["speed_ratio"]
    speed_floor = floors.get(SPEED_KEY)
    lines.append(f"speed ({result['speed_pages']} only): profile {'n/a' if p_ms is None else f'{p_ms:.2f}'} ms/page, "
                 f"fallback {'n/a' if f_ms is None else f'{f_ms:.2f}'} ms/page (medians); "
                 f"ratio fallback/profile {'n/a' if ratio is None else f'{ratio:.1f}x'}"
                 f"{'' if speed_floor is None else f' (floor {speed_floor}x)'}")
    lines += [f"skipped: {note}" for note in result["skipped"]]
    lines += [f"note: {note}" for note in floor_notes(result, floors)]
    lines += [f"note: {note}" for kinds in families.values() for kind in KINDS for note in kinds[kind]["notes"]]
    for kind in KINDS:
        extractors = ("profile", "fallback") if show_fallback_failures else ("profile",)
        for extractor in extractors:
            failures = {page: items for kinds in families.values() for page, items in
                        kinds[kind][extractor]["failures"].items()}
            lines += ["", *_failure_lines(f"{kind} pages, {extractor} failures", failures)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the scores as JSON instead of the tables")
    parser.add_argument("--update-floors", action="store_true",
                        help="raise floors to the measured scores (never lowers one; adds missing ones)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per page and extractor (default 5)")
    parser.add_argument("--floors", type=Path, default=FLOORS_PATH, help="floors file (default bench/accuracy_floors.json)")
    parser.add_argument("--fixtures", type=Path, default=FIXTURES,
                        help="fixtures directory (default tests/fixtures; real pages under its real/)")
    parser.add_argument("--show-fallback-failures", action="store_true", help="also list the fallback's per-page misses")
    parser.add_argument("--real-index", action="store_true", help="print the markdown table of real pages and exit")
    parser.add_argument("--write-real-index", action="store_true",
                        help="rewrite that table in <fixtures>/real/README.md and exit")
    args = parser.parse_args(argv)

    real_root = args.fixtures / REAL_DIR
    if args.real_index or args.write_real_index:
        table = real_index(real_root)
        if args.write_real_index:
            changed = write_readme_index(real_root / "README.md", table)
            print(f"{real_root / 'README.md'}: {'table rewritten' if changed else 'table unchanged'}", file=sys.stderr)
        else:
            print(table)
        return 0
    on_disk = json.loads(args.floors.read_text(encoding="utf-8"))
    floors = load_floors(args.floors)
    result = evaluate(all_pages(args.fixtures), repeat=args.repeat)
    if not result["pages"]:
        print(f"accuracy gate: no fixtures under {args.fixtures}", file=sys.stderr)
        return 2
    if args.update_floors:
        floors = raise_floors(floors, measured_scores(result))
        if floors != on_disk:
            args.floors.write_text(json.dumps(floors, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"floors {'raised' if floors != on_disk else 'unchanged'}: {args.floors}", file=sys.stderr)
    problems = check_floors(result, floors)
    if args.json:
        print(json.dumps({**result, "floors": floors, "violations": problems, "notes": floor_notes(result, floors)},
                         indent=2, ensure_ascii=False))
    else:
        print(render(result, floors, args.show_fallback_failures))
    if problems:
        print("\nACCURACY GATE FAILED:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    if not args.json:
        print("\naccuracy gate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
