#!/usr/bin/env python
"""Accuracy gate: every family profile against its fixtures, side by side with the generic fallback.

trafilatura's "evaluation as CI gate" applied to our per-family profiles
(the Fundus pattern: per-publisher tests over page captures): for every article fixture ``tests/fixtures/<family>/<name>.<ext>``
(name without ``listing``) that has an expected ``<name>.json`` beside it, run

  (a) the page's own profile ``PROFILES[<family>]`` and
  (b) the generic fallback (crawler.profiles.fallback: trafilatura + htmldate)

on the same HTML and URL (the expected JSON's ``"url"``), score both per field, time both, print
a side-by-side table and the profile's per-page failures, and exit non-zero when a profile score
falls below its floor in ``bench/accuracy_floors.json``.

Scores (each a mean over the pages where the field applies):

* ``title``, ``published_at``, ``views``, ``author``: exact equality of the JSON values as the
  extractor emits them (no normalisation). ``published_at`` is the ISO string, so a date found
  without its time ("2024-05-10" for "2024-05-10T16:21:00+07:00") counts as wrong.
* ``body_f1``: bag-of-tokens F1 of ``body_text``. Tokens are ``clean_text(text).split()``: NFC,
  case- and diacritic-sensitive, punctuation stays attached to its word, paragraph breaks are
  ignored. Counts matter (multiset intersection). Both empty = 1.0, one empty = 0.0.
* ``references_f1``: set F1 of document references, only on pages whose expected JSON has a
  ``"references"`` key (a list of canonical strings). The extractor's ``references`` may be a list
  of strings or of objects with a ``"canonical"`` key. Both empty = 1.0.

A page whose content is a JSON document rather than HTML (a family read through an API, e.g.
DNN: save it as ``<name>.api.json`` next to the expected ``<name>.json``) is given to the profile
as ``profile.extract(Selector(text=..., type="json"), url)``; the fallback cannot read it and is
not run on it (reported as skipped), so such pages count for accuracy but not for speed.

Speed: each extractor runs ``--repeat`` times per page (interleaved, after one warm-up run);
the per-page median is taken, then the median over pages. Only the RATIO fallback/profile
measured in the same run is gated (``speedup_min``): absolute milliseconds on a shared machine
are noise.

Floors may only rise. ``--update-floors`` raises each accuracy floor to the measured score
(rounded down to 4 decimals) and never lowers one; a measured field with no floor yet gets
one. ``speedup_min`` is a requirement, not a measurement, and is never changed by it (a ratio
measured on a noisy machine would make the next run flaky). Lowering a floor is a deliberate,
reviewed edit of the JSON file.

Usage (from the repository root)::

    python bench/accuracy.py                  # table + failures; exit 1 when below a floor
    python bench/accuracy.py --json           # the scores as JSON (exit status as above)
    python bench/accuracy.py --update-floors  # ratchet floors up to the measured scores
    python bench/accuracy.py --repeat 9 --show-fallback-failures
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vntext.textnorm import clean_text  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
FLOORS_PATH = ROOT / "bench" / "accuracy_floors.json"
EXACT_FIELDS = ("title", "published_at", "views", "author")
FIELDS = (*EXACT_FIELDS, "body_f1", "references_f1")
SPEED_KEY = "speedup_min"


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
    """Field → score in [0, 1] for one page; fields the expected JSON does not state are absent."""
    scores: dict[str, float] = {}
    for name in EXACT_FIELDS:
        if name in expected:
            scores[name] = 1.0 if got.get(name) == expected[name] else 0.0
    if "body_text" in expected:
        scores["body_f1"] = token_f1(expected["body_text"], got.get("body_text"))
    if "references" in expected:
        scores["references_f1"] = set_f1(reference_keys(expected["references"]), reference_keys(got.get("references")))
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
        else:
            failures.append({"field": name, "expected": expected.get(name), "got": got.get(name)})
    return failures


def mean_scores(pages: Iterable[Mapping[str, float]]) -> dict[str, float | None]:
    collected: dict[str, list[float]] = {}
    for scores in pages:
        for name, value in scores.items():
            collected.setdefault(name, []).append(value)
    return {name: (statistics.fmean(collected[name]) if name in collected else None) for name in FIELDS}


# ---- floors (pure) ----------------------------------------------------------------------------
def _round_down(value: float) -> float:
    return math.floor(value * 10_000 + 1e-9) / 10_000


def raise_floors(floors: Mapping, measured: Mapping[str, float | None]) -> dict:
    """New floors: each accuracy floor becomes max(old, measured); never lower; speed untouched."""
    new = json.loads(json.dumps(floors))  # deep copy, JSON types only
    profile_floors = new.setdefault("profile", {})
    for name, value in measured.items():
        if value is None:
            continue
        old = profile_floors.get(name)
        candidate = _round_down(value)
        profile_floors[name] = candidate if old is None else max(old, candidate)
    return new


def check_floors(result: Mapping, floors: Mapping) -> list[str]:
    """Human-readable violations (empty when the gate passes)."""
    problems = []
    measured = result["profile"]["scores"]
    for name, floor in floors.get("profile", {}).items():
        value = measured.get(name)
        if value is None:
            continue  # no fixture states this field (e.g. no "references" yet)
        if value + 1e-9 < floor:
            problems.append(f"profile {name} = {value:.4f} is below its floor {floor:.4f}")
    speed_floor = floors.get(SPEED_KEY)
    ratio = result.get("speed_ratio")
    if speed_floor is not None:
        if ratio is None:
            problems.append(f"speed ratio not measured (no page ran with both extractors); floor {speed_floor}x")
        elif ratio + 1e-9 < speed_floor:
            problems.append(f"profile is only {ratio:.1f}x faster than the fallback; floor {SPEED_KEY} = {speed_floor}x")
    return problems


def load_floors(path: Path = FLOORS_PATH) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


# ---- running ----------------------------------------------------------------------------------
@dataclass
class Page:
    family: str
    path: Path
    expected: dict
    content: str

    @property
    def name(self) -> str:
        return f"{self.family}/{self.path.name.split('.')[0]}"

    @property
    def is_html(self) -> bool:
        """A JSON API document (e.g. a DNN service response) is not something the fallback can read."""
        return not self.content.lstrip().startswith(("{", "["))


def article_pages(fixtures: Path = FIXTURES) -> list[Page]:
    """Every <family>/<name>.<ext> (not a listing page) with an expected <family>/<name>.json beside it."""
    pages = []
    for path in sorted(fixtures.glob("*/*")):
        if not path.is_file() or "listing" in path.name:
            continue
        expected_path = path.with_name(path.name.split(".")[0] + ".json")
        if expected_path == path or not expected_path.exists():
            continue
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        if "url" not in expected:
            continue
        pages.append(Page(path.parent.name, path, expected, path.read_text(encoding="utf-8")))
    return pages


@dataclass
class ExtractorRun:
    scores: list[dict] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    failures: dict[str, list[dict]] = field(default_factory=dict)


def _json_extractor(profile) -> Callable[[str, str], Any]:
    from parsel import Selector

    return lambda content, url: profile.extract(Selector(text=content, type="json"), url)


def _run(extract: Callable[[str, str], Any], page: Page) -> tuple[dict | None, str | None]:
    try:
        return extract(page.content, page.expected["url"]).to_json(), None
    except Exception as exc:  # a crash is a failure on every field, reported, never hidden
        return None, f"{type(exc).__name__}: {exc}"


def _time(extract: Callable[[str, str], Any], page: Page) -> float:
    start = time.perf_counter()
    try:
        extract(page.content, page.expected["url"])
    except Exception:
        pass
    return (time.perf_counter() - start) * 1000


def evaluate(pages: list[Page] | None = None, profiles: Mapping | None = None, fallback=None,
             repeat: int = 5) -> dict:
    """Score and time both extractors on every page; the result is JSON-serialisable."""
    if pages is None:
        pages = article_pages()
    if profiles is None:
        from crawler.profiles import PROFILES as profiles
    if fallback is None:
        from crawler.profiles.fallback import FALLBACK as fallback
    runs = {"profile": ExtractorRun(), "fallback": ExtractorRun()}
    skipped, evaluated, speed_pairs = [], [], []
    for page in pages:
        profile = profiles.get(page.family)
        if profile is None:
            skipped.append(f"{page.name}: no profile named {page.family!r} in PROFILES")
            continue
        evaluated.append(page.name)
        if page.is_html:
            extractors = {"profile": profile.extract_html, "fallback": fallback.extract_html}
        else:
            extractors = {"profile": _json_extractor(profile)}
            skipped.append(f"{page.name}: a JSON document, fallback not run (accuracy only, no speed pair)")
        for kind, extract in extractors.items():
            got, error = _run(extract, page)  # also the warm-up run
            if got is None:
                scores = {name: 0.0 for name in score_page(page.expected, {})}
                runs[kind].failures[page.name] = [{"field": "*", "expected": "an article", "got": error}]
            else:
                scores = score_page(page.expected, got)
                if failures := page_failures(page.expected, got, scores):
                    runs[kind].failures[page.name] = failures
            runs[kind].scores.append(scores)
        times: dict[str, list[float]] = {kind: [] for kind in extractors}
        for _ in range(max(1, repeat)):
            for kind, extract in extractors.items():  # interleaved: both see the same machine load
                times[kind].append(_time(extract, page))
        for kind, samples in times.items():
            runs[kind].ms.append(statistics.median(samples))
        if len(times) == 2:
            speed_pairs.append((runs["profile"].ms[-1], runs["fallback"].ms[-1]))
    result: dict[str, Any] = {"pages": evaluated, "skipped": skipped, "repeat": repeat}
    for kind, run in runs.items():
        result[kind] = {
            "pages": len(run.scores),
            "scores": mean_scores(run.scores),
            "ms_per_page": statistics.median(run.ms) if run.ms else None,
            "failures": run.failures,
        }
    if speed_pairs:
        profile_ms = statistics.median(p for p, _ in speed_pairs)
        fallback_ms = statistics.median(f for _, f in speed_pairs)
        result["speed_ratio"] = fallback_ms / profile_ms if profile_ms > 0 else None
    else:
        result["speed_ratio"] = None
    return result


# ---- reporting --------------------------------------------------------------------------------
def _fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:6.3f}"


def _short(value: Any, width: int = 90) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def render(result: Mapping, floors: Mapping, show_fallback_failures: bool = False) -> str:
    lines = [f"Accuracy gate: {len(result['pages'])} article page(s), {result['repeat']} timed repetition(s) each",
             "", f"{'field':<16}{'profile':>9}{'fallback':>10}{'floor':>8}", "-" * 43]
    profile_floors = floors.get("profile", {})
    for name in FIELDS:
        floor = profile_floors.get(name)
        lines.append(f"{name:<16}{_fmt(result['profile']['scores'].get(name)):>9}"
                     f"{_fmt(result['fallback']['scores'].get(name)):>10}"
                     f"{('' if floor is None else f'{floor:.3f}'):>8}")
    p_ms, f_ms, ratio = result["profile"]["ms_per_page"], result["fallback"]["ms_per_page"], result["speed_ratio"]
    lines.append("-" * 43)
    lines.append(f"{'ms/page (med.)':<16}{('n/a' if p_ms is None else f'{p_ms:.2f}'):>9}"
                 f"{('n/a' if f_ms is None else f'{f_ms:.2f}'):>10}")
    speed_floor = floors.get(SPEED_KEY)
    lines.append(f"speed ratio fallback/profile: {'n/a' if ratio is None else f'{ratio:.1f}x'}"
                 f"{'' if speed_floor is None else f' (floor {speed_floor}x)'}")
    for note in result["skipped"]:
        lines.append(f"skipped: {note}")
    sections = [("profile", result["profile"]["failures"])]
    if show_fallback_failures:
        sections.append(("fallback", result["fallback"]["failures"]))
    for kind, failures in sections:
        lines.append("")
        if not failures:
            lines.append(f"{kind}: no per-page failures")
            continue
        lines.append(f"{kind} failures:")
        for page, items in failures.items():
            for item in items:
                if "missing" in item:
                    lines.append(f"  {page}  {item['field']} = {item['score']}  missing {_short(item['missing'])}"
                                 f"  extra {_short(item['extra'])}")
                else:
                    lines.append(f"  {page}  {item['field']}: expected {_short(item['expected'])}  got {_short(item['got'])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the scores as JSON instead of the table")
    parser.add_argument("--update-floors", action="store_true",
                        help="raise accuracy floors to the measured scores (never lowers one)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per page and extractor (default 5)")
    parser.add_argument("--floors", type=Path, default=FLOORS_PATH, help="floors file (default bench/accuracy_floors.json)")
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="fixtures directory (default tests/fixtures)")
    parser.add_argument("--show-fallback-failures", action="store_true", help="also list the fallback's per-page misses")
    args = parser.parse_args(argv)

    floors = load_floors(args.floors)
    result = evaluate(article_pages(args.fixtures), repeat=args.repeat)
    if not result["pages"]:
        print(f"accuracy gate: no article fixtures under {args.fixtures}", file=sys.stderr)
        return 2
    if args.update_floors:
        raised = raise_floors(floors, result["profile"]["scores"])
        if raised != floors:
            args.floors.write_text(json.dumps(raised, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"floors {'raised' if raised != floors else 'unchanged'}: {args.floors}", file=sys.stderr)
        floors = raised
    problems = check_floors(result, floors)
    if args.json:
        print(json.dumps({**result, "floors": floors, "violations": problems}, indent=2, ensure_ascii=False))
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
