"""The query language: what a person types becomes terms (folded words and phrases), rendered as an FTS5
MATCH expression (SQLite) or a ``to_tsquery`` text (PostgreSQL). Nothing typed reaches either engine's own
syntax: tokens are quoted for FTS5 and bound as quoted lexemes for ``to_tsquery``."""
from __future__ import annotations

import re
from dataclasses import dataclass

from vntext.textnorm import clean_text, fold

MAX_TERMS = 32  # words (or phrases) in one query
MAX_TYPED = 4 * MAX_TERMS  # tokens of the typed phrase the ranking compares titles with (repeats included)

_TOKEN = re.compile(r"[^\W_]+")
_QUOTED = re.compile(r'"([^"]*)"')


def tokens(value: str | None) -> list[str]:
    """The search tokens of a text: runs of letters and digits of its folded form."""
    return _TOKEN.findall(fold(value))


def number_pairs(words: tuple[str, ...] | list[str]) -> list[str]:
    """The PostgreSQL index's number pairs of a run of folded tokens (pg_index.PG_NUMBER_PAIRS, the same rule):
    "n<a>x<b>" for each two adjacent ASCII tokens one of which has a digit ("23", "nq", "tu" → ["n23xnq"])."""
    pairs: list[str] = []
    for first, second in zip(words, words[1:]):
        if first.isascii() and second.isascii() and not (first.isalpha() and second.isalpha()):
            pair = f"n{first}x{second}"
            if pair not in pairs:
                pairs.append(pair)
    return pairs


def _fts5_phrase(text_value: str) -> str:
    """A term as an FTS5 string: its own letters and digits, đ → d (as the SQLite index's _d). FTS5 folds it
    with the tokenizer that folded the indexed text, so query and index agree by construction."""
    for letter in "đĐðÐ":
        text_value = text_value.replace(letter, "d")
    return '"' + text_value + '"'


class QueryError(ValueError):
    """A query or filter that cannot be searched; the message is meant for the person who typed it."""


@dataclass(frozen=True)
class Term:
    """One thing that must match: a word (one token) or a phrase (several, adjacent and in order)."""

    tokens: tuple[str, ...]  # folded (PostgreSQL lexemes, matching in Python)
    original: str            # its letters and digits as typed (NFC): the exact-diacritics check, SQLite's FTS5
    quoted: bool = False

    @property
    def fts5(self) -> str:
        return _fts5_phrase(self.original or " ".join(self.tokens))

    @property
    def accented(self) -> bool:
        """Whether typing it with diacritics says something the folded form does not."""
        return fold(self.original) != self.original.lower()


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...]
    # Every token as typed, in order, repeats kept ("nghị quyết hội nghị trung ương" → nghi quyet hoi nghi trung
    # uong): the phrase a title may say word for word. `terms` drops repeats (each must match once), which would
    # make that phrase unrecognisable. Empty when built from terms alone: the terms' tokens are then the phrase.
    typed: tuple[str, ...] = ()

    @property
    def phrase(self) -> tuple[str, ...]:
        """The query's tokens as one phrase, in the order typed."""
        return self.typed or tuple(tok for term in self.terms for tok in term.tokens)

    def fts5(self, extra: list[str] = ()) -> str:
        """The FTS5 MATCH expression: every term a quoted string (a phrase when it has several tokens) looked
        for in the text columns, and the filters' own conditions on the meta column."""
        terms = " AND ".join(t.fts5 for t in self.terms)
        return " AND ".join(["{title summary body} : (" + terms + ")", *extra])

    def tsquery(self, extra: list[str] = ()) -> str:
        """The ``to_tsquery('simple', …)`` text: quoted lexemes of the text (weights A/B/C) joined by & (terms)
        and <-> (phrases), and the filters' own conditions on the meta lexemes (weight D)."""
        parts = []
        for term in self.terms:
            lexemes = [f"'{tok}':ABC" for tok in term.tokens]  # letters and digits only: no quote inside
            if len(lexemes) > 1:
                # the phrase's number pairs (rare meta lexemes, see pg_index.PG_NUMBER_PAIRS) first, then the phrase
                parts += [f"'{pair}':D" for pair in number_pairs(term.tokens)]
            parts.append(lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")")
        return " & ".join([*parts, *extra])

    @property
    def accented_terms(self) -> list[Term]:
        return [t for t in self.terms if t.accented]


def parse_query(value: str | None) -> ParsedQuery:
    """Split a query into terms; raises QueryError when nothing searchable is left."""
    query = clean_text(value).replace("\u201c", '"').replace("\u201d", '"').replace("\u201e", '"')
    pieces: list[tuple[str, bool]] = []
    position = 0
    for match in _QUOTED.finditer(query):
        pieces.append((query[position:match.start()], False))
        pieces.append((match.group(1), True))
        position = match.end()
    pieces.append((query[position:].replace('"', " "), False))  # an unbalanced quote is just a character
    terms: list[Term] = []
    typed: list[str] = []
    for piece, quoted in pieces:
        words = [piece] if quoted else piece.split()
        for word in words:
            toks = tuple(tokens(word))
            typed += toks
            if toks:
                original = " ".join(_TOKEN.findall(word))
                term = Term(toks, original, quoted)
                if term not in terms:
                    terms.append(term)
    if not terms:
        raise QueryError(f"nothing to search for in {value!r}: type at least one word or number")
    if len(terms) > MAX_TERMS:
        raise QueryError(f"too many words in the query ({len(terms)}; at most {MAX_TERMS})")
    return ParsedQuery(tuple(terms), tuple(typed[:MAX_TYPED]))
