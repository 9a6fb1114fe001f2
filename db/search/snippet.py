"""The extract of an article shown under a search hit, and where the query's terms are in it and in the title."""
from __future__ import annotations

import heapq
import re
import unicodedata
from bisect import bisect_right
from typing import NamedTuple

from db.models import Article
from db.search.bounds import BODY_CHARS
from db.queries import article_json
from db.search.query import ParsedQuery
from db.search.textmatch import match_spans, merge_spans, term_spans

_WORD = re.compile(r"\S+")


class Snippet(NamedTuple):
    """An extract and its marks: (start, end) character offsets into `text` (end exclusive), sorted and
    disjoint, each covering one match of a query term (a whole phrase, a whole word) as the original spells it."""

    text: str
    marks: list[tuple[int, int]]


def snippet(article: Article, query: ParsedQuery, width: int = 160) -> str:
    """The extract of :func:`snippet_marks` without its marks."""
    return snippet_marks(article, query, width).text


def snippet_marks(article: Article, query: ParsedQuery, width: int = 160) -> Snippet:
    """A short extract of the summary or body where most query terms occur close together (matched folded):
    the first place where the most distinct terms start within 2/3 of the width, the summary before the body
    when they are as good there; with the matches that lie wholly inside the extract marked (a match cut by
    either end of the extract is not marked: a mark always covers a whole match).

    Linear in the text: each term is found in one scan, the matches are merged in order and a sliding window
    counts the terms within reach. Only the first BODY_CHARS characters of either text are read (what the index
    holds; db/search/bounds.py), so a 20 MB body costs what a long article costs.
    """
    span = width * 2 // 3
    best = None  # (distinct terms, text, start, whether the stored text goes on past the text, term spans)
    for source in (article.summary or "", article.body_text or ""):
        text = unicodedata.normalize("NFC", source[:BODY_CHARS])
        spans = term_spans(text, query.terms)
        found = _densest(spans, span)
        if found and (best is None or found[0] > best[0]):
            best = (found[0], text, found[1], len(source) > BODY_CHARS, spans)
        if best and best[0] == len(query.terms):
            break
    if best is None:
        text = " ".join((article.summary or article.body_text or "")[:BODY_CHARS].split())
        return Snippet(text[:width] + ("…" if len(text) > width else ""), [])
    _, text, at, cut, spans = best
    start = max(0, at - width // 4)
    if start:
        space = text.rfind(" ", max(0, start - 19), start)  # a word start at most 19 back
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + width)
    inside = merge_spans((s, e) for term in spans for s, e in term if start <= s and e <= end)
    piece, marks = _collapse(text, start, end, inside)
    lead = "…" if start else ""
    return Snippet(lead + piece + ("…" if end < len(text) or cut else ""),
                   [(s + len(lead), e + len(lead)) for s, e in marks])


def title_marks(title: str | None, query: ParsedQuery) -> list[tuple[int, int]]:
    """The marks of the query's matches in a title, as offsets into the title as stored."""
    return match_spans(title, query.terms)


def hit_json(hit, query: ParsedQuery) -> dict:
    """A search hit (run.SearchHit) as the JSON interface gives it, for `search --json` and `/api/search` alike:
    the article object plus "score", "exact", "snippet" (text), "snippet_marks" and "title_marks" ([[start, end],
    …]: character offsets into "snippet" and "title", end exclusive)."""
    text, marks = snippet_marks(hit.article, query)
    return article_json(hit.article, hit.site) | {
        "score": round(hit.score, 6) if hit.score is not None else None, "exact": hit.exact,
        "snippet": text, "snippet_marks": [list(m) for m in marks],
        "title_marks": [list(m) for m in title_marks(hit.article.title, query)]}


def _collapse(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """text[start:end] with its runs of white space made single spaces (stripped at both ends), and the spans
    (within [start, end), each starting and ending on a non-space character) moved into it."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]
    firsts, at = [], 0  # the offset of each word in the collapsed piece
    for s, e in words:
        firsts.append(at)
        at += e - s + 1
    starts = [s for s, _ in words]

    def moved(offset: int) -> int:
        word = bisect_right(starts, offset) - 1
        return firsts[word] + offset - starts[word]

    return " ".join(text[s:e] for s, e in words), [(moved(s), moved(e - 1) + 1) for s, e in spans]


def _densest(spans: list[list[tuple[int, int]]], span: int) -> tuple[int, int] | None:
    """(distinct terms, offset) of the first match starting the window of `span` characters that holds the most
    distinct terms; None when no term occurs. `spans`: each term's matches (term_spans)."""
    hits = list(heapq.merge(*([(start, number) for start, _ in term] for number, term in enumerate(spans))))
    counts = [0] * len(spans)
    distinct = reach = 0
    best = None
    for start, number in hits:
        while reach < len(hits) and hits[reach][0] < start + span:  # each hit enters the window once …
            counts[hits[reach][1]] += 1
            distinct += counts[hits[reach][1]] == 1
            reach += 1
        if best is None or distinct > best[0]:
            best = (distinct, start)
            if distinct == len(counts):
                break
        counts[number] -= 1  # … and leaves it once
        distinct -= counts[number] == 0
    return best
