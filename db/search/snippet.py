"""The extract of an article shown under a search hit."""
from __future__ import annotations

import heapq
import re
import unicodedata

from db.models import Article
from db.search.bounds import BODY_CHARS
from db.search.query import ParsedQuery, Term
from db.search.textmatch import one_char_folds


def snippet(article: Article, query: ParsedQuery, width: int = 160) -> str:
    """A short extract of the summary or body where most query terms occur close together (matched folded):
    the first place where the most distinct terms start within 2/3 of the width, the summary before the body
    when they are as good there.

    Linear in the text: each term is found in one scan, the matches are merged in order and a sliding window
    counts the terms within reach. Only the first BODY_CHARS characters of either text are read (what the index
    holds; db/search/bounds.py), so a 20 MB body costs what a long article costs.
    """
    span = width * 2 // 3
    best = None  # (distinct terms, text, start, whether the stored text goes on past the text)
    for source in (article.summary or "", article.body_text or ""):
        text = unicodedata.normalize("NFC", source[:BODY_CHARS])
        found = _densest(text, query, span)
        if found and (best is None or found[0] > best[0]):
            best = (found[0], text, found[1], len(source) > BODY_CHARS)
        if best and best[0] == len(query.terms):
            break
    if best is None:
        text = " ".join((article.summary or article.body_text or "")[:BODY_CHARS].split())
        return text[:width] + ("…" if len(text) > width else "")
    _, text, at, cut = best
    start = max(0, at - width // 4)
    if start:
        space = text.rfind(" ", max(0, start - 19), start)  # a word start at most 19 back
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + width)
    piece = " ".join(text[start:end].split())
    return ("…" if start else "") + piece + ("…" if end < len(text) or cut else "")


def _pattern(term: Term) -> re.Pattern:
    """The term's tokens in folded text: whole tokens, separated by anything that is not a letter or digit."""
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, term.tokens)) + r"(?![^\W_])")


def _densest(text: str, query: ParsedQuery, span: int) -> tuple[int, int] | None:
    """(distinct terms, offset) of the first match starting the window of `span` characters that holds the most
    distinct terms; None when no term occurs. One character of folded text per character of `text`, so offsets
    map back."""
    folded = text.translate(one_char_folds())
    hits = list(heapq.merge(*([(m.start(), number) for m in _pattern(term).finditer(folded)]
                              for number, term in enumerate(query.terms))))
    counts = [0] * len(query.terms)
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
