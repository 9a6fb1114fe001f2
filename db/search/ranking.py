"""Scoring a matching article from its text: the field where each term occurs, phrase and proximity, exact
diacritics and title length (the rules and the reasons are in db/search/__init__.py). Pure Python over the
original title, summary and body prefix, so both engines rank the same candidates identically."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from vntext.textnorm import tone_key
from db.search.query import ParsedQuery, Term

FIELD_WEIGHTS = (1.0, 0.6, 0.3)  # title, summary (sapo), body
FOLDED_ONLY = 0.25     # credit of an accented term found only without its diacritics (any exact match beats it)
OUT_OF_ORDER = 0.9     # proximity of terms close together but not the query's words adjacent and in order
COVERAGE, PROXIMITY, DENSITY = 0.5, 0.4, 0.1  # the score's parts (they sum to 1: the score is in 0…1)
MAX_OCCURRENCES = 64   # occurrences of a term read per field (a body naming a word 500 times costs 64)

_NEW_STYLE = re.compile(r"(?<!q)([òóỏõọùúủũụ])([aey])(?![^\W\d_])")
_ASCII_TOKEN = re.compile(rb"[a-z0-9]+")


def _ascii_fold(text: str) -> bytes:
    """The folded text as ASCII bytes, fast (10 µs for a title and summary, against 60 µs for a per-character
    translate): đ/ð → d, NFD, every non-ASCII character dropped (the marks, and letters of other scripts, whose
    terms are then counted as found in the body only), lower case. For Vietnamese, tokens equal vntext's fold."""
    for letter in "đĐðÐ":
        if letter in text:
            text = text.replace(letter, "d")
    return unicodedata.normalize("NFD", text).encode("ascii", "ignore").lower()


def _old_style(word: str) -> str:
    """The old tone placement of a lower-case, new-style word (hòa → hoà, ủy → uỷ), as tone_key's inverse."""
    def move(m: re.Match) -> str:
        base, mark = unicodedata.normalize("NFD", m[1])[0], unicodedata.normalize("NFD", m[1])[1:]
        if base + m[2] not in ("oa", "oe", "uy"):
            return m[0]
        return base + unicodedata.normalize("NFC", m[2] + mark)
    return _NEW_STYLE.sub(move, word)


def _exact_pattern(term: Term) -> re.Pattern | None:
    """The term with its diacritics, in lower-case NFC text, either tone placement; None for a term typed
    without diacritics (its folded match is all there is)."""
    if not term.accented:
        return None
    words = []
    for word in term.original.split():
        new = tone_key(word).lower()
        words.append("(?:" + "|".join(map(re.escape, sorted({new, _old_style(new)}))) + ")")
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])")


@dataclass
class FieldMatch:
    found: list[bool]       # per term: it occurs in the field (folded)
    exact: list[bool]       # per term: it occurs with its diacritics (for an unaccented term: it occurs)
    span: int | None        # tokens in the smallest stretch holding every term (None: not all occur)
    in_order: bool          # the query's tokens occur adjacent and in order (a phrase)
    tokens: int             # tokens in the field


UNREAD = object()  # a field not read yet (its matches bounded, not known)


class Scorer:
    """Scores texts against one query; built once per search. Work per field: one fold, one tokenization, one
    pass over the tokens; a term typed with diacritics is looked for as typed only in a field where its folded
    form occurs."""

    def __init__(self, query: ParsedQuery):
        self.terms = [tuple(_ascii_fold(tok) for tok in t.tokens) for t in query.terms]
        self.exact_patterns = [_exact_pattern(t) for t in query.terms]
        self.every = tuple(tok for term in self.terms for tok in term)  # the query as one phrase
        self.wanted = set(self.every)

    def field(self, text: str | None) -> FieldMatch | None:
        if not text:
            return None
        toks = _ASCII_TOKEN.findall(_ascii_fold(text))
        where: dict[bytes, list[int]] = {}
        for position, tok in enumerate(toks):
            if tok in self.wanted:
                where.setdefault(tok, []).append(position)
        found, exact, hits = [], [], []
        lowered = None
        for number, term in enumerate(self.terms):
            starts = [p for p in where.get(term[0], ()) if tuple(toks[p:p + len(term)]) == term][:MAX_OCCURRENCES]
            found.append(bool(starts))
            pattern = self.exact_patterns[number]
            if starts and pattern is not None:
                if lowered is None:
                    lowered = unicodedata.normalize("NFC", text).lower()
                exact.append(pattern.search(lowered) is not None)
            else:
                exact.append(bool(starts))
            hits += [(p, p + len(term), number) for p in starts]
        span = _smallest_span(sorted(hits), len(self.terms)) if all(found) else None
        every = self.every
        in_order = span is not None and any(tuple(toks[p:p + len(every)]) == every for p in where.get(every[0], ()))
        return FieldMatch(found, exact, span, in_order, len(toks))

    def score(self, fields: list) -> float:
        """The score (0…1, rounded: the same float on every engine) from the fields read: `fields` is [title,
        summary, body], each a FieldMatch, None (empty) or UNREAD. A term found in no field read is counted
        where it can least be (every match holds every term): in the body, without its diacritics — a lower
        bound; :meth:`upper` is the matching upper bound."""
        return self._score(fields, optimistic=False)

    def upper(self, fields: list) -> float:
        """The best score the article can reach once its unread fields are read."""
        return self._score(fields, optimistic=True)

    def _score(self, fields: list, *, optimistic: bool) -> float:
        n = len(self.terms)
        credit = [0.0] * n
        proximity = 0.0
        unread = [w for w, f in zip(FIELD_WEIGHTS, fields) if f is UNREAD]
        for weight, match in zip(FIELD_WEIGHTS, fields):
            if match is None or match is UNREAD:
                continue
            factors = [1.0 if e else FOLDED_ONLY for e in match.exact]
            for i in range(n):
                if match.found[i] and weight * factors[i] > credit[i]:
                    credit[i] = weight * factors[i]
            if match.span is not None:
                closeness = 1.0 if match.in_order else OUT_OF_ORDER * min(1.0, len(self.every) / match.span)
                proximity = max(proximity, weight * closeness * sum(factors) / n)
        if unread:  # every term is somewhere in the text: at best in the best unread field, at worst in the body
            best = max(unread)
            for i in range(n):
                assumed = best if optimistic else FIELD_WEIGHTS[2] * (
                    1.0 if self.exact_patterns[i] is None else FOLDED_ONLY)
                credit[i] = max(credit[i], assumed)
            if optimistic:
                proximity = max(proximity, best)
        title = fields[0]
        density = 0.0
        if isinstance(title, FieldMatch) and title.span is not None:
            density = min(1.0, len(self.every) / max(title.tokens, 1)) * sum(
                1.0 if e else FOLDED_ONLY for e in title.exact) / n
        value = COVERAGE * sum(credit) / n + PROXIMITY * proximity + DENSITY * density
        return round(min(1.0, value), 6)

    def exactness(self, fields: list) -> float | None:
        """The share of the accented terms found with their diacritics in the fields read; None without any."""
        accented = [i for i, pattern in enumerate(self.exact_patterns) if pattern is not None]
        if not accented:
            return None
        found = sum(1 for i in accented if any(isinstance(f, FieldMatch) and f.exact[i] for f in fields))
        return found / len(accented)


def _smallest_span(hits: list[tuple[int, int, int]], terms: int) -> int | None:
    """Tokens in the smallest stretch of a field holding an occurrence of every term (hits: (start, end, term)
    token positions sorted by start); a sliding window over the occurrences, linear in their number. The
    stretch ends at the later end of its first and last occurrence (an inner one can end later only when a
    longer phrase term starts before a shorter one: the stretch is then at most that much short)."""
    counts = [0] * terms
    distinct = 0
    best = None
    left = 0
    for right in range(len(hits)):
        term = hits[right][2]
        counts[term] += 1
        distinct += counts[term] == 1
        while distinct == terms:
            span = max(hits[right][1], hits[left][1]) - hits[left][0]
            if best is None or span < best:
                best = span
            counts[hits[left][2]] -= 1
            distinct -= counts[hits[left][2]] == 0
            left += 1
    return best
