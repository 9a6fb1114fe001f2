#!/usr/bin/env python
"""Writes the judged query sets (bench/relevance/<archive>.json) from the archives' ground truth.

    python bench/relevance_make.py            # both archives: bench (50,000 + replica) and small (2,000 + replica)

Everything here is read from the generators' texts (bench/relevance_truth.py), never from an archive, an
extractor or a search: the rules are in bench/relevance/README.md. Deterministic: the same code writes the
same files. Run once, commit, and never re-tune a set to a ranker's output.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relevance_truth import ARCHIVES, Truth, truth, words  # noqa: E402
from crawler.replica import vocabulary  # noqa: E402
from vntext.textnorm import fold  # noqa: E402

OUT = Path(__file__).resolve().parent / "relevance"
SEED_KEY = "bactuliem:r56"  # the seed article (its number = the portal's history + future: appended last)
KNOWN = {"bench": (130, 40), "small": (40, 20)}      # known-item queries: (synthetic targets, replica targets)
TOPICAL = {"bench": (8, 10, 6, 8), "small": (4, 4, 3, 4)}  # topics, topic+portal, type+topic, document numbers
_PUNCT = ".,;:!?()\"'“”‘’…"


def padded(tokens: list[str]) -> str:
    """Tokens as " a b c ": a token sequence occurs contiguously in it iff its padded form is a substring."""
    return " " + " ".join(tokens) + " "


def contains(haystack: str, needle: list[str]) -> bool:
    """Whether the token sequence `needle` occurs contiguously in the padded token text `haystack`."""
    return padded(needle) in haystack


class Index:
    """Folded tokens of every live (not removed) article, by field, and an inverted index of title+summary."""

    def __init__(self, articles: list[Truth]):
        self.live = [a for a in articles if not a.removed]
        self.fields = [tuple(padded(words(text)) for text in (a.title, a.summary, a.first_paragraph, a.body))
                       for a in self.live]
        self.postings: dict[str, set[int]] = {}
        for n, (title, summary, _, _) in enumerate(self.fields):
            for token in set(title.split()) | set(summary.split()):
                self.postings.setdefault(token, set()).add(n)
        self.position = {a.key: n for n, a in enumerate(self.live)}

    def holders(self, tokens: list[str]) -> set[int]:
        """Articles whose title+summary hold every token (any order, anywhere)."""
        sets = sorted((self.postings.get(t, set()) for t in set(tokens)), key=len)
        return set.intersection(*sets) if sets else set()

    def phrase_holders(self, tokens: list[str]) -> list[int]:
        return [n for n in self.holders(tokens)
                if contains(self.fields[n][0], tokens) or contains(self.fields[n][1], tokens)]

    def field_grade(self, n: int, phrase: list[str]) -> int:
        """3: the phrase is in the title; 2: in the summary or the first paragraph; 1: in the body; 0: absent."""
        title, summary, first, body = self.fields[n]
        if contains(title, phrase):
            return 3
        if contains(summary, phrase) or contains(first, phrase):
            return 2
        return 1 if contains(body, phrase) else 0


def _clean(word: str) -> str:
    return word.strip(_PUNCT + "-–")


def _span_query(rnd: random.Random, article: Truth) -> dict | None:
    field = "summary" if article.summary and rnd.random() < 0.5 else "title"
    text_words = [w for w in map(_clean, getattr(article, field).split()) if w]
    if field == "summary" and article.first_paragraph.startswith(article.summary) and \
            len(article.first_paragraph) > len(article.summary):
        text_words = text_words[:-1]  # a sapo cut at 320 characters (the generator's): its last word may be cut too
    size = rnd.randint(3, 8)
    if len(text_words) < size:
        return None
    start = rnd.randrange(len(text_words) - size + 1)
    span = text_words[start:start + size]
    variant = rnd.choices(["exact", "drop", "swap"], [6, 2, 2])[0]
    if variant == "drop":
        span.pop(rnd.randrange(1, size - 1))  # an inner word: the query still starts and ends like the text
    elif variant == "swap":
        i = rnd.randrange(size - 1)
        span[i], span[i + 1] = span[i + 1], span[i]
    query = " ".join(span)
    folded = rnd.random() < 0.5
    return {"query": fold(query) if folded else query, "target": article.key, "field": field,
            "variant": variant, "folded": folded}


def known_items(index: Index, name: str, rnd: random.Random) -> list[dict]:
    """Known-item queries: a span that identifies its article (no other live article's title+summary holds
    all of its words)."""
    wanted = dict(zip(("synthetic", "replica"), KNOWN[name]))
    out: list[dict] = []
    for origin, count in wanted.items():
        pool = [a for a in index.live if a.origin == origin and a.key != SEED_KEY]
        rnd.shuffle(pool)
        made = 0
        for article in pool:
            if made == count:
                break
            for _attempt in range(6):
                item = _span_query(rnd, article)
                if item is None:
                    continue
                tokens = words(item["query"])
                if len(tokens) >= 2 and index.holders(tokens) == {index.position[article.key]}:
                    out.append({"id": f"k{len(out) + 1:03d}", **item})
                    made += 1
                    break
    return out


def issue_queries(index: Index) -> list[dict]:
    """Issue 14's queries for the seed, kept whatever the rule says; the checks are recorded with them."""
    out = []
    for n, (query, required) in enumerate([("Hội nghị trực tuyến", True), ("hoi nghi truc tuyen", True),
                                           ("quan triet chuong trinh hanh dong nghi quyet tw 8", False)]):
        tokens = words(query)
        out.append({"id": f"issue{n + 1}", "query": query, "target": SEED_KEY, "field": "title", "variant": "issue",
                    "folded": query == fold(query), "required_first": required,
                    "phrase_holders_title_summary": len(index.phrase_holders(tokens)),
                    "word_holders_title_summary": len(index.holders(tokens))})
    return out


def judge(index: Index, facets: list[list[str]], portal: str | None = None) -> dict[str, list[str]]:
    """Graded judgments, grade → keys: the minimum over the query's facets of where the facet is (3 title, 2
    summary or first paragraph, 1 body; a facet is a list of alternative phrases, the best one counts); with
    `portal`, only that portal's articles can be relevant."""
    phrases = [[words(p) for p in facet] for facet in facets]
    judged: dict[str, list[str]] = {"3": [], "2": [], "1": []}
    for n, article in enumerate(index.live):
        if portal is not None and article.portal != portal:
            continue
        grade = min(max(index.field_grade(n, p) for p in facet) for facet in phrases)
        if grade:
            judged[str(grade)].append(article.key)
    return judged


def grouped(keys: list[str]) -> dict[str, list]:
    """Keys grouped by portal, external ids as numbers where they are ("p001": [100000007, …]): the bench set
    holds ~150,000 judgments, and this halves the file."""
    groups: dict[str, list] = {}
    for key in keys:
        portal, external = key.split(":", 1)
        groups.setdefault(portal, []).append(int(external) if external.isdigit() else external)
    return groups


def _topical(qid: str, kind: str, texts: list[str], facets: list[list[str]], judged: dict, portal=None) -> dict:
    return {"id": qid, "kind": kind, "queries": texts, "facets": facets, "portal": portal,
            "judged": {grade: grouped(keys) for grade, keys in judged.items()}}


DOC_TYPES = ["Kế hoạch", "Quyết định", "Chỉ thị", "Nghị quyết", "Thông báo"]
TW8 = ["tw 8 khoa xiii", "trung uong 8 khoa xiii", "lan thu 8 ban chap hanh tw dang khoa xiii",
       "lan thu 8 ban chap hanh trung uong dang khoa xiii", "hoi nghi trung uong 8 khoa xiii"]


def _typed(rnd: random.Random, text: str) -> list[str]:
    """The query as typed with diacritics and, for half of them, also folded."""
    return [text, fold(text)] if rnd.random() < 0.5 else [text]


def topical(index: Index, name: str, rnd: random.Random) -> list[dict]:
    n_topics, n_portal, n_typed, n_numbers = TOPICAL[name]
    topics = list(dict.fromkeys(vocabulary.TOPICS + vocabulary.POLICE_TOPICS))
    out: list[dict] = []

    def add(kind, texts, facets, portal=None):
        judged = judge(index, facets, portal)
        if judged["3"] or judged["2"]:
            out.append(_topical(f"t{len(out) + 1:03d}", kind, texts, facets, judged, portal))

    for topic in rnd.sample(topics, n_topics):
        add("topic", _typed(rnd, topic), [[topic]])
    units = {a.portal: a.unit for a in index.live if a.origin == "synthetic"}
    for portal in rnd.sample(sorted(units), n_portal):
        topic = rnd.choice(topics)
        add("topic+portal", _typed(rnd, f"{topic} {units[portal]}"), [[topic], [units[portal]]], portal)
    for _ in range(n_typed):
        doc_type, topic = rnd.choice(DOC_TYPES), rnd.choice(topics)
        add("type+topic", _typed(rnd, f"{doc_type} {topic}"), [[doc_type], [topic]])
    from bench.synthetic import DOC_KINDS

    numbers = ["23-NQ/TU", "30-CT/TU"]
    while len(numbers) < n_numbers:
        fmt = rnd.choice(DOC_KINDS)[4]
        number = fmt.format(n=rnd.randint(1, 200), year=rnd.randint(2019, 2026))
        if number not in numbers:
            numbers.append(number)
    for number in numbers:
        add("document number", _typed(rnd, number), [[number]])
    add("named resolution", ["nghị quyết trung ương 8 khóa XIII", "nghi quyet trung uong 8 khoa xiii"], [TW8])
    # the resolution the seed relays by number and subject (its relays on caugiay and hoangliet name both)
    add("named resolution", ["Nghị quyết 23-NQ/TU khuyến học", "nghi quyet 23-nq/tu khuyen hoc"],
        [["23-NQ/TU"], ["khuyến học"]])
    return out


def make(name: str) -> dict:
    index = Index(truth(name))
    rnd = random.Random(f"relevance:{name}")
    return {"archive": name, "config": ARCHIVES[name], "seed_article": SEED_KEY,
            "known_item": issue_queries(index) + known_items(index, name, rnd),
            "topical": topical(index, name, rnd)}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name in ARCHIVES:
        data = make(name)
        path = OUT / f"{name}.json"
        # one line per query: diffs stay readable, the file small
        lines = [f'{{"archive": {json.dumps(name)}, "config": {json.dumps(data["config"])}, '
                 f'"seed_article": {json.dumps(SEED_KEY)},']
        for part in ("known_item", "topical"):
            items = [json.dumps(item, ensure_ascii=False) for item in data[part]]
            lines.append(f' "{part}": [\n  ' + ",\n  ".join(items) + "\n ]" + ("," if part == "known_item" else ""))
        path.write_text("\n".join(lines) + "\n}\n", encoding="utf-8")
        print(f"{path}: {len(data['known_item'])} known-item, {len(data['topical'])} topical needs "
              f"({sum(len(t['queries']) for t in data['topical'])} queries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
