"""Full-text search over the archive: diacritics-insensitive, `đ`-aware, the same on SQLite and PostgreSQL.

API: :func:`search` (→ :class:`SearchResult` of :class:`SearchHit` ``(article, site, score, exact)``),
:func:`parse_query`, :func:`parse_day`, :func:`snippet`; errors are :class:`QueryError` (a ``ValueError``).

Folding
    Both engines search the *folded* text of an article's title, summary and body: lower case, tones and other
    marks removed, ``đ``/``Đ`` → ``d`` (``vntext.textnorm.fold``), so "hoi dong", "Hội đồng" and an
    NFD-encoded "Hội đồng" all find ``hoi dong``. A token is a maximal run of letters and digits, so a document
    number such as ``23-NQ/TU`` is indexed as the three tokens ``23 nq tu`` and searched as that phrase.

Index (SQLite: migration 0005; PostgreSQL: migration 0003; kept up to date by the database — writers need
not call anything)
    * SQLite: ``article_fts``, a *contentless* FTS5 table (``content=''``, ``detail=full`` for phrases,
      ``columnsize=0`` since bm25 is not used; rowid = ``articles.id``) with columns title, summary, body and
      meta (``s<portal id> y<year> m<yearmonth> c<category word>…``, Vietnam time), so site, date and category
      filters prune inside the index. Contentless: the index holds no second copy of the text. The folding is
      SQLite's own: the ``unicode61`` tokenizer with ``remove_diacritics 2`` lowers and strips the marks, and
      ``replace()`` turns đ/Đ (and the look-alikes ð/Ð) into d first — the one letter unicode61 does not fold.
      Queries go through the same tokenizer (terms are passed as typed, đ → d), so query and index fold alike
      by construction; for Vietnamese this is exactly ``fold`` (tested on the whole alphabet, NFC and NFD).
      Triggers on ``articles`` (AFTER INSERT, DELETE, and UPDATE OF the indexed columns when one of them
      really changed — a view-count update never touches the index) only record the change in
      ``article_fts_queue``, with the values the index holds for the article; db.engine brings the index up to
      date with three statements just before each commit of a transaction that wrote (:func:`index_queued`).
      Why not index in the trigger: FTS5 inserts made by a trigger, one row at a time, cost twice as much as one
      statement inserting the batch (measured: 220 against 110 µs per article), and folding in Python cost as
      much again. The triggers are plain SQL, so any SQLite client can write the archive; what it changed is
      indexed at the next commit through db.engine. Table-rebuilding migrations (Alembic batch mode on SQLite)
      drop the triggers with the old table: call :func:`install_sqlite_triggers` after them. Two covering
      indexes on ``articles`` — by id and by published_at, each with removed_at and portal_id — let the search
      rank and sort matches without reading the large article rows.
    * PostgreSQL: SQL functions ``pw_fold(text)`` (IMMUTABLE: NFD, combining marks stripped, đ/Đ → d, lower —
      equal to Python's ``fold`` up to white space) and ``pw_search_tsv(…)``; a column ``articles.search_tsv``
      (``to_tsvector('simple', …)``: the meta lexemes above with weight D, then title/summary/body with
      weights A/B/C; text terms are queried as ``'word':ABC``, filters as ``'s7':D``) set by a BEFORE INSERT /
      BEFORE UPDATE OF the indexed columns trigger (only when one really changed), and a GIN index on it. No
      extension (unaccent, pg_trgm) is needed. Number pairs (migration 0006): the meta lexemes also hold
      ``n<a>x<b>`` for every two adjacent ASCII words one of which has a digit, and a phrase with a number
      (``23-NQ/TU`` → ``23 nq tu``) is looked up by its pairs (``'n23xnq':D``) before the phrase is checked.
      A GIN index knows no word positions, so PostgreSQL checks a phrase on each candidate's tsvector; without
      the pairs the candidates are every article holding 23, nq and tu. The same rule in Python
      (:func:`number_pairs`) and plpgsql is tested to agree; it adds nothing to what a query finds. SQLite needs
      no pairs: FTS5 checks positions in its own doclists (a phrase with a number costs ~45 ms at 1M
      articles there, and the pairs would cost the writer ~100 µs an article in Python).

Query language
    Every word must match (AND). Text in double quotes (also “…”) is a phrase; a word made of several tokens
    (``23-NQ/TU``, ``COVID-19``) is a phrase too. Everything else is literal: FTS syntax (``* - : ( ) ^``,
    ``AND``/``OR``/``NOT``/``NEAR``, an unbalanced quote) is never passed to the engine — tokens are quoted
    for FTS5 and bound as quoted lexemes for ``to_tsquery``. A query with no letter or digit raises
    :class:`QueryError` with a message meant for people. Filters: portal, Vietnam days (both ends inclusive),
    category (its words, folded: "tin noi bat" finds "Tin nổi bật"), document type and document number
    (through document_mentions).

Ranking, and why it is bounded (the p95 target is < 50 ms over 1,000,000 articles on SQLite)
    A folded query like "nghi quyet" matches most of a big archive. FTS5's ``bm25`` was measured and dropped:
    it computes each term's document frequency by scanning the term's whole doclist on every query (about
    2.5 ms per 100,000 articles per common term, so ~50 ms for a two-word query at 1M), and ``ORDER BY rank``
    scores every match (150 ms at 100,000). PostgreSQL's ``ts_rank`` must detoast every candidate's tsvector.
    Instead, relevance is computed among the newest :data:`WINDOW` matches that pass the filters (FTS5 walks
    its doclists newest-first and stops at the LIMIT; when a document number is given and few articles cite it,
    those articles are tested one by one instead). When a query has fewer matches than that — any specific
    query — the ranking covers all of them. Within the window, rows are ordered by:

    1. exactness — the share of the query's accented words found *with the same diacritics* (case and old/new
       tone placement ignored: "Thành uỷ" = "Thành ủy") in the original text, so "Đảng" ranks articles that
       say "Đảng" above those that only say "đăng"; checked on the :data:`RERANK` best rows;
    2. relevance = (1 + share of the terms found in the title + 0.5 · share found in the summary), divided by
       the best in the window, times a freshness factor ``0.5 + 0.5 · 2^(−age / 7 days)`` (age from the newest
       match): news search favours recent articles, but an older one still wins when it matches clearly better
       (in its title). The shares come from FTS5 column filters over the window's rowid range (SQLite) or from
       the titles and summaries read back and matched in Python (PostgreSQL, or a sparse window) — the same
       numbers on both engines;
    3. newest article id first.

    Deeper pages than the window continue with the older matches, newest first (stable paging).
    ``order="date"`` is newest published first (no date last, then by id): sorted in memory when the matches
    fit in the window; otherwise, when matches are dense (≥ 5 % of the window's id span), the date index is
    walked and each row tested against the FTS index; when sparse, all matches are collected and sorted through
    the covering index. ``total`` is exact when the matches fit in the window; otherwise it is a lower bound
    and ``total_exact`` is False ("more than 1000").
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Float, Integer, String, any_, bindparam, column, exists, func, literal_column, select, table
from sqlalchemy.orm import Session

from vntext.dates import VN_TZ
from vntext.textnorm import INVISIBLE_CHARS, clean_text, fold, fold_word, tone_key
from db.models import Article, Document, DocumentMention, Portal

WINDOW = 1000        # matches considered for relevance (newest first) and for an in-memory date sort
RERANK = 200         # best-scored matches checked for exact diacritics
HALF_LIFE_DAYS = 7.0  # freshness: an article this much older than the newest match counts 3/4, much older 1/2
TITLE_WEIGHT = 0.5    # relevance bonus for the query terms found in the title (all of them: +50 %)
COMPACT = 50          # SQLite: title/summary matches come from the index when the window spans < 50 x its size
DOC_DRIVEN = 2000     # a document cited by at most this many articles: test those articles, not every match
MAX_TERMS = 32       # words (or phrases) in one query
FTS_TABLE = "article_fts"
FTS_QUEUE = "article_fts_queue"  # SQLite: articles inserted or changed since the last commit

# ---------------------------------------------------------------------------------------------------------------
# Folding


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str | None]:
    """Per-character fold (``vntext.textnorm.fold_word`` of one character) of the characters below U+3000 that
    are stable under NFC, for matching folded terms in original text character by character (snippets, titles)."""
    table: dict[int, str | None] = {}
    for cp in range(0x3000):
        ch = chr(cp)
        if ch.isspace() or unicodedata.normalize("NFC", ch) != ch:
            continue
        folded = fold_word(ch)
        if folded != ch:
            table[cp] = folded or None
    return table


_TOKEN = re.compile(r"[^\W_]+")


def tokens(value: str | None) -> list[str]:
    """The search tokens of a text: runs of letters and digits of its folded form."""
    return _TOKEN.findall(fold(value))


def pw_tokens(value: str | None, prefix: str) -> str:
    """The folded tokens of a text, each with a prefix ("Tin nổi bật", "c" → "ctin cnoi cbat"): the SQLite
    index's meta column has the category's words so (register_sqlite_functions)."""
    return " ".join(prefix + token for token in tokens(value))


def number_pairs(words: tuple[str, ...] | list[str]) -> list[str]:
    """The PostgreSQL index's number pairs of a run of folded tokens (PG_NUMBER_PAIRS, the same rule): "n<a>x<b>"
    for each two adjacent ASCII tokens one of which has a digit ("23", "nq", "tu" → ["n23xnq"])."""
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


# ---------------------------------------------------------------------------------------------------------------
# Queries


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
                # the phrase's number pairs (rare meta lexemes, see PG_NUMBER_PAIRS) first, then the phrase
                parts += [f"'{pair}':D" for pair in number_pairs(term.tokens)]
            parts.append(lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")")
        return " & ".join([*parts, *extra])

    @property
    def accented_terms(self) -> list[Term]:
        return [t for t in self.terms if t.accented]


_QUOTED = re.compile(r'"([^"]*)"')


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
    for piece, quoted in pieces:
        words = [piece] if quoted else piece.split()
        for word in words:
            toks = tuple(tokens(word))
            if toks:
                original = " ".join(_TOKEN.findall(word))
                term = Term(toks, original, quoted)
                if term not in terms:
                    terms.append(term)
    if not terms:
        raise QueryError(f"nothing to search for in {value!r}: type at least one word or number")
    if len(terms) > MAX_TERMS:
        raise QueryError(f"too many words in the query ({len(terms)}; at most {MAX_TERMS})")
    return ParsedQuery(tuple(terms))


# ---------------------------------------------------------------------------------------------------------------
# Exact diacritics


_NEW_STYLE = re.compile(r"(?<!q)([òóỏõọùúủũụ])([aey])(?![^\W\d_])")


def _old_style(word: str) -> str:
    """The old tone placement of a lower-case, new-style word (hòa → hoà, ủy → uỷ), as tone_key's inverse."""
    def move(m: re.Match) -> str:
        base, mark = unicodedata.normalize("NFD", m[1])[0], unicodedata.normalize("NFD", m[1])[1:]
        if base + m[2] not in ("oa", "oe", "uy"):
            return m[0]
        return base + unicodedata.normalize("NFC", m[2] + mark)
    return _NEW_STYLE.sub(move, word)


def _exact_pattern(term: Term) -> re.Pattern:
    """The term with its diacritics, in lower-case NFC text, either tone placement."""
    words = []
    for word in term.original.split():
        new = tone_key(word).lower()
        words.append("(?:" + "|".join(map(re.escape, sorted({new, _old_style(new)}))) + ")")
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])")


@dataclass
class _Exactness:
    patterns: list[re.Pattern]

    @classmethod
    def of(cls, query: ParsedQuery) -> "_Exactness | None":
        accented = query.accented_terms
        return cls([_exact_pattern(t) for t in accented]) if accented else None

    def ratio(self, *texts: str | None) -> float:
        haystack = "\n".join(t or "" for t in texts)
        if not unicodedata.is_normalized("NFC", haystack):
            haystack = unicodedata.normalize("NFC", haystack)
        haystack = haystack.lower()
        return sum(1 for p in self.patterns if p.search(haystack)) / len(self.patterns)


# ---------------------------------------------------------------------------------------------------------------
# Filters


def parse_day(value: str) -> date:
    """A day typed by a person: dd/mm/yyyy (day first, as Vietnamese pages write it), d/m/yyyy, dd-mm-yyyy,
    dd.mm.yyyy or ISO yyyy-mm-dd."""
    text_value = (value or "").strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text_value)
    try:
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text_value)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError as exc:
        raise QueryError(f"not a valid date: {value!r} ({exc})") from None
    raise QueryError(f"not a date: {value!r} (use dd/mm/yyyy or yyyy-mm-dd)")


def _start_of(day: date | datetime) -> datetime:
    if isinstance(day, datetime):
        if day.tzinfo is None:
            raise QueryError("naive datetime given as a date filter; pass an aware datetime or a date")
        return day
    return datetime.combine(day, time(0), VN_TZ)


def _document_type(value: str) -> str:
    from vntext.doctypes import TYPE_NAMES_PARTY, TYPE_NAMES_STATE

    codes = list(dict.fromkeys([*TYPE_NAMES_PARTY, *TYPE_NAMES_STATE]))
    wanted = clean_text(value)
    for same in (lambda c: c == wanted, lambda c: c.lower() == wanted.lower()):
        found = [c for c in codes if same(c)]
        if found:
            return found[0]
    found = [c for c in codes if fold(c) == fold(wanted)]
    if len(found) == 1:
        return found[0]
    if found:
        raise QueryError(f"document type {value!r} is ambiguous: {' or '.join(found)}")
    raise QueryError(f"unknown document type {value!r} (e.g. NQ, CT, CTr, QĐ, KH)")


def _document_number(value: str) -> str:
    from vntext.docrefs import canonicalize

    for candidate in (value, clean_text(value).upper()):
        canonical = canonicalize(candidate)
        if canonical:
            return canonical
    raise QueryError(f"not a document number: {value!r} (e.g. 23-NQ/TU, 123/QĐ-UBND, 15/2023/NQ-HĐND)")


@dataclass
class _Filters:
    where: list                                   # SQL conditions on articles (exact; both engines)
    fts: list[str] = field(default_factory=list)  # SQLite: FTS5 conditions implied by them (index-side pruning)
    pg: list[str] = field(default_factory=list)   # PostgreSQL: the same as tsquery conditions on meta lexemes
    by_ids: bool = False                          # few candidates (a document's mentions): test each one


def _vn_months(first: date, last: date) -> list[str]:
    """FTS5 tokens covering the Vietnam-time days first…last: whole years as yYYYY, other months as mYYYYMM."""
    tokens, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        if month == 1 and (year < last.year or last.month == 12):
            tokens.append(f"y{year}")
            year += 1
            continue
        tokens.append(f"m{year}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tokens


def _date_bounds(session: Session) -> tuple[datetime | None, datetime | None]:
    """The oldest and newest publication times (two queries: SQLite only optimizes a lone min() or max())."""
    a = Article.__table__.c
    return (session.scalar(select(func.min(a.published_at)).where(a.published_at.is_not(None))),
            session.scalar(select(func.max(a.published_at))))


def _filters(session: Session, *, site=None, date_from=None, date_to=None, category=None, doc_type=None,
             doc_number=None, include_removed=False) -> _Filters:
    a = Article.__table__.c
    result = _Filters([])
    where, fts, pg = result.where, result.fts, result.pg
    if not include_removed:
        where.append(a.removed_at.is_(None))
    if site:
        portal_id = session.scalar(select(Portal.id).where(Portal.key == site))
        if portal_id is None:
            raise QueryError(f"no portal {site!r} in the archive")
        where.append(a.portal_id == portal_id)
        fts.append(f'{{meta}} : "s{portal_id}"')
        pg.append(f"'s{portal_id}':D")
    if date_from is not None:
        where.append(a.published_at >= _start_of(date_from))
    if date_to is not None:
        if isinstance(date_to, datetime):
            where.append(a.published_at <= _start_of(date_to))
        else:  # the whole day
            where.append(a.published_at < _start_of(date_to + timedelta(days=1)))
    if date_from is not None or date_to is not None:
        low, high = _date_bounds(session)
        if low is not None:
            first = low.astimezone(VN_TZ).date()
            last = high.astimezone(VN_TZ).date()
            if date_from is not None:
                first = max(first, _start_of(date_from).astimezone(VN_TZ).date())
            if date_to is not None:
                last = min(last, date_to.astimezone(VN_TZ).date() if isinstance(date_to, datetime) else date_to)
            months = _vn_months(first, last) or ["none"]  # an empty range matches nothing
            fts.append("{meta} : (" + " OR ".join(f'"{t}"' for t in months) + ")")
            pg.append("(" + " | ".join(f"'{t}':D" for t in months) + ")")
    if category:
        # The category's words, folded, as a phrase: "tin noi bat" finds "Tin nổi bật" (and "Tin nổi bật 2024").
        words = tokens(category)
        if not words:
            raise QueryError(f"no letters or digits in the category {category!r}")
        fts.append('{meta} : "' + " ".join("c" + w for w in words) + '"')
        pg.append("(" + " <-> ".join(f"'c{w}':D" for w in words) + ")")
    if doc_type or doc_number:
        d, m = Document.__table__.c, DocumentMention.__table__.c
        conds = []
        if doc_type:
            conds.append(d.type == _document_type(doc_type))
        if doc_number:
            conds.append(d.canonical == _document_number(doc_number))
        where.append(exists(select(1).select_from(DocumentMention.__table__.join(
            Document.__table__, d.id == m.document_id)).where(m.article_id == a.id, *conds)))
        if doc_number:
            mentioned = select(m.article_id).join(Document.__table__, d.id == m.document_id).where(*conds)
            count = session.scalar(select(func.count()).select_from(mentioned.limit(DOC_DRIVEN + 1).subquery()))
            if count <= DOC_DRIVEN:
                ids = sorted(session.scalars(mentioned), reverse=True)
                where.append(_ids_in(_dialect(session), ids or [0]))
                result.by_ids = True
    return result


# ---------------------------------------------------------------------------------------------------------------
# Search


@lru_cache(maxsize=1)
def _letter_classes() -> dict[str, str]:
    """For each character a folded token can contain, a regex class of the original characters folding to it
    ("d" → "dDđĐðÐ", "a" → "aAàÀáÁ…"), so a folded term can be found in original text without folding it."""
    table = _fold_table()
    variants: dict[str, set[str]] = {}
    for cp, folded in table.items():
        if folded and len(folded) == 1:
            variants.setdefault(folded, set()).add(chr(cp))
    return {key: "[" + re.escape(key) + "".join(re.escape(c) for c in sorted(chars)) + "]"
            for key, chars in variants.items()}


def _folded_pattern(term: Term) -> str:
    classes = _letter_classes()
    words = ["".join(classes.get(ch, re.escape(ch)) for ch in token) for token in term.tokens]
    return r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])"


def _ids_in(dialect: str, ids: list[int]):
    """`articles.id IN ids` with one bound parameter (a thousand ids bind and compile fast)."""
    a = Article.__table__.c
    if dialect == "sqlite":
        return a.id.in_(select(literal_column("value")).select_from(
            func.json_each(bindparam(None, json.dumps(ids), type_=String))).scalar_subquery())
    from sqlalchemy.dialects.postgresql import ARRAY

    return a.id == any_(bindparam(None, ids, type_=ARRAY(Integer)))


@dataclass
class _Relevance:
    """How well a window row matches, from its title (bounded work per row), times its freshness.

    raw = 1 + TITLE_WEIGHT · (share of the query's terms found in the title); relevance = raw / best raw in the
    window · (0.5 + 0.5 · 2^(−age / HALF_LIFE_DAYS)), age counted from the newest match. The same formula on
    both engines. The title matches come from FTS5 column filters over the window's rowid range (SQLite, when
    that range is compact or the filters prune it inside the index), else from the titles read back and
    matched in Python against the folded terms.
    """

    raw: dict[int, float]
    best: float
    newest: float | None     # publication day number of the newest match

    @classmethod
    def of(cls, session: Session, dialect: str, query: ParsedQuery, filters: _Filters, rows) -> "_Relevance":
        if not rows:
            return cls({}, 1.0, None)
        ids = [r.id for r in rows]
        lo, hi = min(ids), max(ids)
        if dialect == "sqlite" and not filters.by_ids and (filters.fts or hi - lo < COMPACT * len(ids)):
            found = cls._titles_from_index(session, query, filters, lo, hi)
        else:
            found = cls._titles_from_text(session, dialect, query, ids)
        raw = {i: 1.0 + TITLE_WEIGHT * found.get(i, 0) / len(query.terms) for i in ids}
        newest = max((r.day for r in rows if r.day is not None), default=None)
        return cls(raw, max(raw.values()), newest)

    @staticmethod
    def _titles_from_index(session: Session, query: ParsedQuery, filters: _Filters, lo: int, hi: int) -> dict:
        counts: dict[int, int] = {}
        for term in query.terms:
            match = " AND ".join(["{title} : " + term.fts5, *filters.fts])
            stmt = select(_FTS.c.rowid).where(
                literal_column(FTS_TABLE).op("MATCH")(bindparam(None, match, type_=String)),
                _FTS.c.rowid.between(lo, hi))
            for rowid in session.scalars(stmt):
                counts[rowid] = counts.get(rowid, 0) + 1
        return counts

    @staticmethod
    def _titles_from_text(session: Session, dialect: str, query: ParsedQuery, ids: list[int]) -> dict:
        a = Article.__table__.c
        pattern = re.compile("|".join(f"(?P<t{n}>{_folded_pattern(t)})" for n, t in enumerate(query.terms)))
        counts: dict[int, int] = {}
        for row_id, title in session.execute(select(a.id, a.title).where(_ids_in(dialect, ids))):
            if not title:
                continue
            if not title.isascii() and not unicodedata.is_normalized("NFC", title):
                title = unicodedata.normalize("NFC", title)
            found = {m.lastgroup for m in pattern.finditer(title)}
            if found:
                counts[row_id] = len(found)
        return counts

    def __call__(self, row) -> float:
        if self.newest is None or row.day is None:
            freshness = 0.5 if self.newest is not None else 1.0
        else:
            freshness = 0.5 + 0.5 * 2 ** (-max(0.0, self.newest - row.day) / HALF_LIFE_DAYS)
        return round(self.raw.get(row.id, 1.0) / self.best * freshness, 6)


class SearchHit(NamedTuple):
    article: Article
    site: str                  # the portal's key
    score: float | None        # relevance in 0…1 (higher is better; see the module docstring); None when by date
    exact: float | None        # share of accented query words found with their diacritics; None if not checked


@dataclass
class SearchResult:
    items: list[SearchHit]
    total: int                 # number of matches (a lower bound when total_exact is False)
    total_exact: bool
    query: ParsedQuery
    offset: int = 0
    limit: int = 20
    notes: list[str] = field(default_factory=list)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


_FTS = table(FTS_TABLE, column("rowid"))


def _tsquery(query: ParsedQuery, filters: _Filters | None = None):
    expression = query.tsquery(filters.pg if filters else [])
    return func.to_tsquery(literal_column("'simple'"), bindparam(None, expression, type_=String))


def _match_condition(dialect: str, query: ParsedQuery, filters: _Filters | None = None, column=FTS_TABLE):
    if dialect == "sqlite":
        expression = query.fts5(filters.fts if filters else [])
        return literal_column(column).op("MATCH")(bindparam(None, expression, type_=String))
    if dialect == "postgresql":
        return literal_column("articles.search_tsv").op("@@")(_tsquery(query, filters))
    raise QueryError(f"search is not available on {dialect}")


def _fts_has(query: ParsedQuery, filters: _Filters | None, article_id):
    """SQLite: a correlated test of one article against the index (for few or dense candidates)."""
    fts = _FTS.alias("f")
    return exists(select(1).select_from(fts).where(
        _match_condition("sqlite", query, filters, "f.article_fts"), fts.c.rowid == article_id))


def _day_number(dialect: str):
    """published_at as a number of days (a float), cheaper to fetch for a thousand rows than datetimes."""
    if dialect == "sqlite":
        return func.julianday(literal_column("articles.published_at")).label("day")
    return (func.date_part("epoch", literal_column("articles.published_at"), type_=Float) / 86400.0).label("day")


def _matches(dialect: str, query: ParsedQuery, filters: _Filters, limit: int, offset: int = 0):
    """The newest matching rows passing the filters: (id, day)."""
    a = Article.__table__
    if dialect == "sqlite" and filters.by_ids:
        return (
            select(a.c.id.label("id"), _day_number(dialect))
            .where(_fts_has(query, filters, a.c.id), *filters.where)
            .order_by(a.c.id.desc()).limit(limit).offset(offset)
        )
    if dialect == "sqlite":
        return (
            select(_FTS.c.rowid.label("id"), _day_number(dialect))
            .select_from(_FTS.join(a, a.c.id == _FTS.c.rowid))
            .where(_match_condition(dialect, query, filters), *filters.where)
            .order_by(_FTS.c.rowid.desc()).limit(limit).offset(offset)
        )
    return (
        select(a.c.id.label("id"), _day_number(dialect))
        .where(_match_condition(dialect, query, filters), *filters.where)
        .order_by(a.c.id.desc()).limit(limit).offset(offset)
    )


def search(session: Session, text_query: str, *, site: str | None = None, date_from: date | datetime | None = None,
           date_to: date | datetime | None = None, category: str | None = None, doc_type: str | None = None,
           doc_number: str | None = None, order: str = "relevance", limit: int = 20, offset: int = 0,
           include_removed: bool = False) -> SearchResult:
    """Articles matching every word of `text_query` (see the module docstring for the query language).

    site: a portal key; date_from/date_to: days (Vietnam time, both inclusive) or aware datetimes; category:
    words of the category name (folded, as a phrase: "tin noi bat"); doc_type: a document type code ("NQ",
    "CT", "CTr") of a document the article mentions;
    doc_number: a document number, canonicalized ("23-nq/tu" → "23-NQ/TU"); order: "relevance" or "date";
    limit/offset: paging. Raises QueryError (a ValueError) for a query or filter that cannot be searched.
    """
    if order not in ("relevance", "date"):
        raise QueryError(f"unknown order {order!r} (relevance or date)")
    if limit < 1 or offset < 0:
        raise QueryError("limit must be at least 1 and offset not negative")
    query = parse_query(text_query)
    dialect = _dialect(session)
    filters = _filters(session, site=site, date_from=date_from, date_to=date_to, category=category,
                       doc_type=doc_type, doc_number=doc_number, include_removed=include_removed)
    a = Article.__table__.c
    window = WINDOW
    rows = session.execute(_matches(dialect, query, filters, window + 1)).all()
    overflow = len(rows) > window
    rows = rows[:window]

    if order == "date":
        if not overflow:
            rows.sort(key=lambda r: (r.day is not None, r.day or 0.0, r.id), reverse=True)
            page = [(r.id, None, None) for r in rows[offset:offset + limit]]
        else:
            page = [(i, None, None) for i in _by_date(session, dialect, query, filters, limit, offset)]
    else:
        relevance = _Relevance.of(session, dialect, query, filters, rows)
        ranked = sorted(((r.id, relevance(r), None) for r in rows), key=lambda h: (h[1], h[0]), reverse=True)
        exactness = _Exactness.of(query)
        if exactness is not None and offset < RERANK:
            head = ranked[:RERANK]
            texts = session.execute(select(a.id, a.title, a.summary, a.body_text).where(
                _ids_in(dialect, [h[0] for h in head])))
            ratios = {row[0]: exactness.ratio(*row[1:]) for row in texts}
            head = [(i, score, ratios.get(i, 0.0)) for i, score, _ in head]
            head.sort(key=lambda h: (h[2], h[1], h[0]), reverse=True)
            ranked[:RERANK] = head
        page = ranked[offset:offset + limit]
        if overflow and offset + limit > window:
            # Past the window: the older matches, newest first (a stable continuation for deep pages), scored
            # by freshness alone.
            start = max(offset, window)
            tail = session.execute(_matches(dialect, query, filters, offset + limit - start, start)).all()
            page += [(r.id, relevance(r), None) for r in tail]

    items = _load(session, page)
    total = max(window, offset + len(items)) if overflow else len(rows)
    return SearchResult(items=items, total=total, total_exact=not overflow, query=query, offset=offset, limit=limit)


def _by_date(session: Session, dialect: str, query: ParsedQuery, filters: _Filters, limit: int,
             offset: int) -> list[int]:
    """Newest published first when there are more matches than the window.

    SQLite: month by month from the newest (each month's matches come straight from the index through the
    meta column's month token, a few milliseconds), until the page is full; matches without a date last.
    A few candidates (a rarely cited document): test each. PostgreSQL: one query; the planner chooses between
    the date index and the GIN bitmap.
    """
    a = Article.__table__.c
    if dialect != "sqlite":
        stmt = (select(a.id).where(_match_condition(dialect, query, filters), *filters.where)
                .order_by(a.published_at.desc().nulls_last(), a.id.desc()).limit(limit).offset(offset))
        return list(session.scalars(stmt))
    if filters.by_ids:
        stmt = (select(a.id).where(_fts_has(query, None, a.id), *filters.where)
                .order_by(a.published_at.desc(), a.id.desc()).limit(limit).offset(offset))
        return list(session.scalars(stmt))
    need = offset + limit
    collected: list = []
    low, high = _date_bounds(session)
    if high is not None:
        year, month = high.astimezone(VN_TZ).year, high.astimezone(VN_TZ).month
        oldest = (low.astimezone(VN_TZ).year, low.astimezone(VN_TZ).month)
        base = Article.__table__
        while (year, month) >= oldest and len(collected) < need:
            in_month = _Filters(filters.where, [*filters.fts, f'{{meta}} : "m{year}{month:02d}"'])
            collected += session.execute(
                select(_FTS.c.rowid.label("id"), _day_number(dialect))
                .select_from(_FTS.join(base, base.c.id == _FTS.c.rowid))
                .where(_match_condition(dialect, query, in_month), *filters.where)).all()
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    collected.sort(key=lambda r: (r.day, r.id), reverse=True)
    page = [r.id for r in collected[offset:need]]
    if len(page) < limit:  # all dated matches seen: the undated ones follow
        stmt = (select(a.id).where(a.published_at.is_(None), _fts_has(query, filters, a.id), *filters.where)
                .order_by(a.id.desc()).limit(limit - len(page)).offset(max(0, offset - len(collected))))
        page += list(session.scalars(stmt))
    return page


def _load(session: Session, page: list[tuple[int, float | None, float | None]]) -> list[SearchHit]:
    if not page:
        return []
    ids = [i for i, _, _ in page]
    found = {article.id: (article, key) for article, key in session.execute(
        select(Article, Portal.key).join(Portal, Portal.id == Article.portal_id).where(Article.id.in_(ids)))}
    return [SearchHit(found[i][0], found[i][1], score, exact) for i, score, exact in page if i in found]


# ---------------------------------------------------------------------------------------------------------------
# Snippets


def snippet(article: Article, query: ParsedQuery, width: int = 160) -> str:
    """A short extract of the summary or body where most query terms occur close together (matched folded)."""
    table = _fold_table()
    best = None  # (distinct terms, -source index, source, start)
    for index, source in enumerate((article.summary or "", article.body_text or "")):
        source = unicodedata.normalize("NFC", source)
        # one character per original character, so offsets map back
        folded = "".join(((table[ord(ch)] or " ")[:1] if ord(ch) in table else ch) for ch in source)
        hits = []
        for number, term in enumerate(query.terms):
            pattern = r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, term.tokens)) + r"(?![^\W_])"
            hits += [(m.start(), number) for m in re.finditer(pattern, folded)]
        for start, _ in hits:
            distinct = len({n for s, n in hits if start <= s < start + width * 2 // 3})
            key = (distinct, -index)
            if best is None or key > best[0]:
                best = (key, source, start)
    if best is None:
        body = " ".join((article.summary or article.body_text or "").split())
        return body[:width] + ("…" if len(body) > width else "")
    _, source, at = best
    start = max(0, at - width // 4)
    if start:
        space = source.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 20 else start
    end = min(len(source), start + width)
    piece = " ".join(source[start:end].split())
    return ("…" if start else "") + piece + ("…" if end < len(source) else "")


# ---------------------------------------------------------------------------------------------------------------
# Index DDL (migration 0005 runs the SQLite statements; 0003 the PostgreSQL ones, whose pw_search_tsv 0006
# replaces: change them only together with a new migration)

_INDEXED = ("title", "summary", "body_text", "category", "portal_id", "published_at")  # what the index is made of
SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, summary, body, meta, content='', columnsize=0, "
    "tokenize='unicode61 remove_diacritics 2')",
    # One row per article whose index entry is out of date: `indexed` says whether the index holds the
    # article, and then these columns are the values it was indexed with (a contentless table forgets a row
    # only when told exactly what it indexed).
    f"CREATE TABLE {FTS_QUEUE} (id INTEGER PRIMARY KEY, indexed BOOLEAN NOT NULL, title TEXT, summary TEXT, "
    "body_text TEXT, category VARCHAR(255), portal_id INTEGER, published_at DATETIME)",
)


def _d(expression: str) -> str:
    """đ/Đ (and their look-alikes ð/Ð) → d in SQL: the one fold unicode61 does not do (đ has no decomposition)."""
    return f"replace(replace(replace(replace({expression}, 'đ', 'd'), 'Đ', 'd'), 'ð', 'd'), 'Ð', 'd')"


# meta: "s<portal id> y<year> m<yearmonth> c<category word>…" (Vietnam time; category words folded and
# prefixed, so they are rare tokens of their own), so site, date and category filters prune inside the index.
_META = ("'s' || {r}.portal_id || coalesce(' y' || strftime('%Y', {r}.published_at, '+7 hours') || ' m' || "
         "strftime('%Y%m', {r}.published_at, '+7 hours'), '') || ' ' || pw_tokens({r}.category, 'c')")


def _fts_values(r: str) -> str:
    return f"{r}.id, {_d(r + '.title')}, {_d(r + '.summary')}, {_d(r + '.body_text')}, " + _META.format(r=r)


_COLUMNS = "rowid, title, summary, body, meta"
# Triggers only record what changed (pure SQL: any SQLite client can write the archive); the first change
# of an indexed article since the last flush keeps its indexed values, later ones are ignored.
_QUEUE_OLD = (f"INSERT OR IGNORE INTO {FTS_QUEUE}(id, indexed, {', '.join(_INDEXED)}) "
              f"VALUES (old.id, 1, {', '.join('old.' + c for c in _INDEXED)});")
SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
  INSERT OR IGNORE INTO {FTS_QUEUE}(id, indexed) VALUES (new.id, 0);
END""",
    f"""CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
  {_QUEUE_OLD}
END""",
    f"""CREATE TRIGGER articles_fts_update AFTER UPDATE OF {', '.join(_INDEXED)} ON articles
WHEN {' OR '.join(f'old.{c} IS NOT new.{c}' for c in _INDEXED)}
BEGIN
  {_QUEUE_OLD}
END""",
)
SQLITE_TRIGGER_NAMES = ("articles_fts_insert", "articles_fts_delete", "articles_fts_update")
SQLITE_FILL = f"INSERT INTO {FTS_TABLE}({_COLUMNS}) SELECT {_fts_values('articles')} FROM articles ORDER BY id"
_INDEX_QUEUED = (  # old entries out, current ones in (deleted articles have none), queue emptied
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, {_COLUMNS}) SELECT 'delete', {_fts_values('q')} "
    f"FROM {FTS_QUEUE} AS q WHERE q.indexed",
    f"INSERT INTO {FTS_TABLE}({_COLUMNS}) SELECT {_fts_values('articles')} "
    f"FROM {FTS_QUEUE} AS q JOIN articles ON articles.id = q.id ORDER BY q.id",
    f"DELETE FROM {FTS_QUEUE}",
)
_HAS_QUEUE = f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{FTS_QUEUE}'"
_QUEUE_NOT_EMPTY = f"SELECT 1 FROM {FTS_QUEUE} LIMIT 1"


def register_sqlite_functions(dbapi_connection) -> None:
    """pw_tokens(text, prefix), which the SQLite index's meta column is made with (db.engine registers it on
    every connection; only indexing calls it, never a trigger)."""
    dbapi_connection.create_function("pw_tokens", 2, pw_tokens, deterministic=True)


def index_queued(dbapi_connection) -> None:
    """SQLite: bring the index up to date with the queue the triggers filled, inside the caller's transaction:
    three statements however many articles changed.

    db.engine calls this just before every commit of a transaction that wrote something, so the index is
    exact at every commit. A program that writes through a raw DB-API connection calls it before committing;
    what another SQLite client (the sqlite3 shell) changed is indexed at the next commit through db.engine.
    """
    cursor = dbapi_connection.cursor()
    try:
        if cursor.execute(_HAS_QUEUE).fetchone() and cursor.execute(_QUEUE_NOT_EMPTY).fetchone():
            for statement in _INDEX_QUEUED:
                cursor.execute(statement)
    finally:
        cursor.close()


# Combining marks stripped after NFD (Python's fold strips every Mn; these blocks are the ones Latin text uses).
_PG_MARKS = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_PG_FROM = "\u0111\u0110\u00f0\u00d0" + INVISIBLE_CHARS   # đ Đ ð Ð → d; invisible characters deleted
# The meta words: "s<portal id> y<year> m<yearmonth> c<category word>…", Vietnam time.
_PG_META = """'s' || portal_id
    || coalesce(' y' || extract(year from published_at + interval '7 hours')::int
                || ' m' || (extract(year from published_at + interval '7 hours')::int * 100
                            + extract(month from published_at + interval '7 hours')::int), '')
    || coalesce(regexp_replace(' ' || regexp_replace(pw_fold(category), '[^[:alnum:]]+', ' ', 'g'),
                               ' ([[:alnum:]])', ' c\\1', 'g'), '')"""
PG_CREATE = (
    f"""CREATE FUNCTION pw_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(translate(regexp_replace(normalize(value, NFD), '{_PG_MARKS}', '', 'g'), '{_PG_FROM}', 'dddd')) $$""",
    # meta lexemes first (weight D; positions stay low, so the category phrase keeps its adjacency), then the
    # folded text with weights A/B/C: "s<portal id> y<year> m<yearmonth> c<category word>…", Vietnam time.
    f"""CREATE FUNCTION pw_search_tsv(title text, summary text, body text, category text, portal_id integer,
                              published_at timestamp) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT
  to_tsvector('simple', {_PG_META}) ||
  setweight(to_tsvector('simple', regexp_replace(coalesce(pw_fold(title), ''), '[^[:alnum:]]+', ' ', 'g')), 'A') ||
  setweight(to_tsvector('simple', regexp_replace(coalesce(pw_fold(summary), ''), '[^[:alnum:]]+', ' ', 'g')), 'B') ||
  setweight(to_tsvector('simple', regexp_replace(coalesce(pw_fold(body), ''), '[^[:alnum:]]+', ' ', 'g')), 'C') $$""",
    """CREATE FUNCTION pw_articles_search_tsv() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT
AS $$ BEGIN
  NEW.search_tsv := pw_search_tsv(NEW.title, NEW.summary, NEW.body_text, NEW.category, NEW.portal_id,
                                  NEW.published_at);
  RETURN NEW;
END $$""",
    "ALTER TABLE articles ADD COLUMN search_tsv tsvector",
    """CREATE TRIGGER articles_search_tsv_insert BEFORE INSERT ON articles
FOR EACH ROW EXECUTE FUNCTION pw_articles_search_tsv()""",
    """CREATE TRIGGER articles_search_tsv_update
BEFORE UPDATE OF title, summary, body_text, category, portal_id, published_at ON articles
FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary
                   OR OLD.body_text IS DISTINCT FROM NEW.body_text OR OLD.category IS DISTINCT FROM NEW.category
                   OR OLD.portal_id IS DISTINCT FROM NEW.portal_id
                   OR OLD.published_at IS DISTINCT FROM NEW.published_at)
EXECUTE FUNCTION pw_articles_search_tsv()""",
)
# Migration 0006: phrases with a number ("23-NQ/TU", "Quyết định 123") are looked up by rare meta lexemes first.
# Without them PostgreSQL tests such a phrase against every article holding its common words (23, nq, tu), one
# tsvector at a time: 2.2 s at 1,000,000 articles, against 57 ms with them (bench/search_bench.py, one run). "n<a>x<b>" for each pair of adjacent ASCII tokens one of
# which has a digit (number_pairs is the same rule in Python, for queries); a text that contains the phrase
# contains its pairs, so adding them to the query changes no result.
PG_NUMBER_PAIRS = """CREATE OR REPLACE FUNCTION pw_number_pairs(words text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
  segments text[];
  number text;
  neighbour text;
  pairs text := '';
BEGIN
  IF words !~ '[0-9]' THEN
    RETURN '';
  END IF;
  -- One segment per word with a digit, from it to the next one (a loop over the few numbers of a text, not
  -- over its hundreds of words: plpgsql pays for every statement). The words are folded runs of letters and
  -- digits, so they are ASCII when they have as many bytes as characters.
  segments := regexp_split_to_array(btrim(words), ' (?=[^ ]*[0-9])');
  FOR i IN 1 .. array_length(segments, 1) LOOP
    number := split_part(segments[i], ' ', 1);
    CONTINUE WHEN (i = 1 AND number !~ '[0-9]') OR octet_length(number) <> length(number);
    IF i > 1 THEN
      neighbour := reverse(split_part(reverse(segments[i - 1]), ' ', 1));
      IF octet_length(neighbour) = length(neighbour) THEN
        pairs := pairs || ' n' || neighbour || 'x' || number;
      END IF;
    END IF;
    neighbour := split_part(segments[i], ' ', 2);  -- '' when the next word has a digit: its own turn
    IF neighbour <> '' AND octet_length(neighbour) = length(neighbour) THEN
      pairs := pairs || ' n' || number || 'x' || neighbour;
    END IF;
  END LOOP;
  RETURN pairs;
END $$"""
# The tokens of each column are made once and serve both the text lexemes and the number pairs (meta, weight D);
# OFFSET 0 keeps the planner from pulling the subquery up, which would fold and split every column twice.
PG_SEARCH_TSV = f"""CREATE OR REPLACE FUNCTION pw_search_tsv(title text, summary text, body text, category text,
                                         portal_id integer, published_at timestamp) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT
  to_tsvector('simple', {_PG_META}
    || pw_number_pairs(w.t) || pw_number_pairs(w.s) || pw_number_pairs(w.b)) ||
  setweight(to_tsvector('simple', w.t), 'A') ||
  setweight(to_tsvector('simple', w.s), 'B') ||
  setweight(to_tsvector('simple', w.b), 'C')
FROM (SELECT regexp_replace(coalesce(pw_fold(title), ''), '[^[:alnum:]]+', ' ', 'g') AS t,
             regexp_replace(coalesce(pw_fold(summary), ''), '[^[:alnum:]]+', ' ', 'g') AS s,
             regexp_replace(coalesce(pw_fold(body), ''), '[^[:alnum:]]+', ' ', 'g') AS b OFFSET 0) AS w $$"""
PG_FILL = ("UPDATE articles SET search_tsv = "
           "pw_search_tsv(title, summary, body_text, category, portal_id, published_at)")
PG_INDEX = "CREATE INDEX ix_articles_search_tsv ON articles USING gin (search_tsv)"
PG_DROP = (
    "DROP TRIGGER IF EXISTS articles_search_tsv_update ON articles",
    "DROP TRIGGER IF EXISTS articles_search_tsv_insert ON articles",
    "DROP INDEX IF EXISTS ix_articles_search_tsv",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_tsv",
    "DROP FUNCTION IF EXISTS pw_articles_search_tsv()",
    "DROP FUNCTION IF EXISTS pw_search_tsv(text, text, text, text, integer, timestamp)",
    "DROP FUNCTION IF EXISTS pw_search_tsv(text, text, text)",  # the first draft of 0003
    "DROP FUNCTION IF EXISTS pw_fold(text)",
)


def install_sqlite_triggers(connection) -> None:
    """(Re)create the SQLite index triggers, e.g. after a migration rebuilt the articles table (run
    :func:`rebuild_index` too if articles changed meanwhile)."""
    for name in SQLITE_TRIGGER_NAMES:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    for ddl in SQLITE_TRIGGERS:
        connection.exec_driver_sql(ddl)


def rebuild_index(connection) -> None:
    """Re-index every article (after a change of the folding, or to repair the index)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
        connection.exec_driver_sql(f"DELETE FROM {FTS_QUEUE}")
        connection.exec_driver_sql(SQLITE_FILL)
    else:
        connection.exec_driver_sql(PG_FILL)


def index_is_installed(connection) -> bool:
    """Whether the index and the triggers that maintain it are in place."""
    if connection.dialect.name == "sqlite":
        names = {row[0] for row in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
        return {FTS_TABLE, FTS_QUEUE} <= names and set(SQLITE_TRIGGER_NAMES) <= names
    names = {row[0] for row in connection.exec_driver_sql(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'articles'::regclass")}
    return {"articles_search_tsv_insert", "articles_search_tsv_update"} <= names
