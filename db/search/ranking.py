"""Scoring a matching article from its text: the field where each term occurs, phrase and proximity, exact
diacritics and title length (the rules and the reasons are in db/search/__init__.py). Pure Python over the
original title, summary and body prefix, so both engines rank the same candidates identically."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from vntext.textnorm import tone_key
from db.search.query import ParsedQuery, Term
from db.search.textmatch import one_char_folds

FIELD_WEIGHTS = (1.0, 0.6, 0.3)  # title, summary (sapo), body
FOLDED_ONLY = 0.25     # credit of an accented term found only without its diacritics (any exact match beats it)
OUT_OF_ORDER = 0.9     # proximity of terms close together but not the query's words adjacent and in order
COVERAGE, PROXIMITY, DENSITY = 0.5, 0.4, 0.1  # the score's parts (they sum to 1: the score is in 0…1)
MAX_OCCURRENCES = 64   # occurrences of a term read per field (a body naming a word 500 times costs 64)

_TOKEN = re.compile(r"[^\W_]+")


def _folded_regex(tokens: tuple[str, ...]) -> re.Pattern:
    """Whole folded tokens in folded text, separated by anything that is not a letter or digit."""
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, tokens)) + r"(?![^\W_])")


def _exact_words(term: Term) -> tuple[str, ...] | None:
    """The term's words as typed, lower case, new tone placement (hoà = hòa); None for a term typed without
    diacritics (its folded match is all there is)."""
    return tuple(_TOKEN.findall(tone_key(term.original).lower())) if term.accented else None


@dataclass
class FieldMatch:
    found: list[bool]       # per term: it occurs in the field (folded)
    exact: list[bool]       # per term: it occurs with its diacritics (always True for an unaccented term)
    span: int | None        # characters of the smallest stretch holding every term (None: not all occur)
    in_order: bool          # the query's tokens occur adjacent and in order (a phrase)
    tokens: int             # tokens in the field


@dataclass(frozen=True)
class Score:
    value: float            # 0…1, rounded (the same float on every engine)
    exact: float | None     # share of accented terms found with their diacritics; None when there is none


class Scorer:
    """Scores texts against one query; built once per search."""

    def __init__(self, query: ParsedQuery):
        self.terms = query.terms
        self.patterns = [_folded_regex(t.tokens) for t in query.terms]
        self.exact_words = [_exact_words(t) for t in query.terms]
        every = tuple(tok for t in query.terms for tok in t.tokens)
        self.phrase = _folded_regex(every)
        self.length = len(" ".join(every))  # characters of the query's tokens written adjacent
        self.token_count = len(every)

    def field(self, text: str | None) -> FieldMatch | None:
        if not text:
            return None
        if not text.isascii() and not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        folded = text.translate(one_char_folds())  # one character per character: offsets map back
        found, exact, hits = [], [], []
        for number, pattern in enumerate(self.patterns):
            spans = []
            for m in pattern.finditer(folded):
                spans.append((m.start(), m.end()))
                if len(spans) >= MAX_OCCURRENCES:
                    break
            words = self.exact_words[number]
            found.append(bool(spans))
            exact.append(bool(spans) and (words is None or any(
                tuple(_TOKEN.findall(tone_key(text[s:e]).lower())) == words for s, e in spans)))
            hits += [(s, e, number) for s, e in spans]
        span = _smallest_span(sorted(hits), len(self.terms)) if all(found) else None
        in_order = span is not None and self.phrase.search(folded) is not None
        return FieldMatch(found, exact, span, in_order, len(_TOKEN.findall(folded)))

    def score(self, title: str | None, summary: str | None, body: str | None, *, body_read: bool) -> Score:
        """The score from the fields read. When the body was not read (`body_read` False), a term missing from
        title and summary is counted as in the body without its diacritics (every match holds every term):
        a lower bound; :meth:`upper` is the matching upper bound."""
        return self._score((self.field(title), self.field(summary), self.field(body) if body_read else None),
                           optimistic=False, body_read=body_read)

    def upper(self, title: str | None, summary: str | None) -> float:
        """The best score the article can reach once its body is read."""
        return self._score((self.field(title), self.field(summary), None), optimistic=True, body_read=False).value

    def _score(self, fields, *, optimistic: bool, body_read: bool) -> Score:
        n = len(self.terms)
        credit = [0.0] * n
        proximity = 0.0
        for weight, match in zip(FIELD_WEIGHTS, fields):
            if match is None:
                continue
            factors = [1.0 if match.exact[i] else FOLDED_ONLY for i in range(n)]
            for i in range(n):
                if match.found[i]:
                    credit[i] = max(credit[i], weight * factors[i])
            if match.span is not None:
                closeness = 1.0 if match.in_order else OUT_OF_ORDER * min(1.0, self.length / max(match.span, 1))
                proximity = max(proximity, weight * closeness * sum(factors) / n)
        if not body_read:  # every term is somewhere in the text: assumed in the body
            body = FIELD_WEIGHTS[2]
            for i in range(n):
                assumed = body if optimistic or self.exact_words[i] is None else body * FOLDED_ONLY
                credit[i] = max(credit[i], assumed)
            proximity = max(proximity, body if optimistic else 0.0)
        title = fields[0]
        density = 0.0
        if title is not None and title.span is not None:
            density = min(1.0, self.token_count / max(title.tokens, 1)) * sum(
                1.0 if e else FOLDED_ONLY for e in title.exact) / n
        value = COVERAGE * sum(credit) / n + PROXIMITY * proximity + DENSITY * density
        return Score(round(min(1.0, value), 6), self._exactness(fields))

    def _exactness(self, fields) -> float | None:
        accented = [i for i, words in enumerate(self.exact_words) if words is not None]
        if not accented:
            return None
        found = sum(1 for i in accented if any(f is not None and f.exact[i] for f in fields))
        return found / len(accented)


def _smallest_span(hits: list[tuple[int, int, int]], terms: int) -> int | None:
    """Characters of the smallest stretch of text holding an occurrence of every term (hits: (start, end, term)
    sorted by start); a sliding window over the occurrences, linear in their number."""
    counts = [0] * terms
    distinct = 0
    best = None
    left = 0
    for right in range(len(hits)):
        term = hits[right][2]
        counts[term] += 1
        distinct += counts[term] == 1
        while distinct == terms:
            end = max(h[1] for h in hits[left:right + 1])
            if best is None or end - hits[left][0] < best:
                best = end - hits[left][0]
            counts[hits[left][2]] -= 1
            distinct -= counts[hits[left][2]] == 0
            left += 1
    return best
