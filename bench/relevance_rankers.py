"""The rankers the relevance bench compares: each a function (session, query text, k) → article ids, best first.

* ``today``: a frozen, self-contained copy of the ranking of main at 1855e00 (db/search/ranking.py and run.py
  then): the newest 1,000 matches; raw = 1 + 0.5 · (share of the query's terms found in the title), divided by
  the window's best raw, times freshness 0.5 + 0.5 · 2^(−age/7 days) counted from the newest match; rounded to
  6 digits, ties by id (newest first); then the best 200 re-ordered by the share of accented terms found with
  their diacritics (title, summary, body). It reads only the index tables that stay (article_fts on SQLite,
  articles.search_tsv on PostgreSQL) and the terms of db.search.parse_query (their tokens and text as typed;
  the MATCH and tsquery texts are frozen here too), so it keeps measuring the old ranking after db/search is
  rewritten. All baselines use these frozen match texts. (Old: titles matched from the index's title column when the window is compact;
  here always from the titles read back, as old run.py did otherwise: the same matches.)
* ``fts5-bm25`` (SQLite): FTS5's bm25() with column weights title 5, summary 2, body 1 (the ratio of
  ts_rank_cd's A/B/C weights below), over all matches. article_fts is contentless with columnsize=0, so bm25()
  there sees every document as empty (no length normalisation, term frequency saturating at once: on the small
  archive all matches of a one-term query score within 1e-6 of each other); the bench therefore builds a side
  table, ``relevance_bm25`` (same folding: đ → d, then unicode61 remove_diacritics 2; the body capped as the
  index caps it; columnsize kept), once per archive. ``fts5-bm25-main`` is bm25() on article_fts itself, for
  the record.
* ``pg-ts_rank_cd`` (PostgreSQL): ts_rank_cd('{0, 0.2, 0.4, 1.0}', search_tsv, query) over all matches (D meta,
  C body, B summary, A title), best first.
* ``new``: db.search.search(session, text, limit=k), whatever db/search ranks now.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import text
from sqlalchemy.orm import Session

from db.search import parse_query
from vntext.textnorm import fold, tone_key

WINDOW, RERANK, HALF_LIFE_DAYS, TITLE_WEIGHT = 1000, 200, 7.0, 0.5
BODY_CHARS = 200_000  # db/search/bounds.py at 1855e00: the part of a body the index holds
SIDE_TABLE = "relevance_bm25"
_TOKEN = re.compile(r"[^\W_]+")
_NEW_STYLE = re.compile(r"(?<!q)([òóỏõọùúủũụ])([aey])(?![^\W\d_])")


def _padded(value: str | None) -> str:
    return " " + " ".join(_TOKEN.findall(fold(value))) + " "


def _old_style(word: str) -> str:
    def move(m: re.Match) -> str:
        base, mark = unicodedata.normalize("NFD", m[1])[0], unicodedata.normalize("NFD", m[1])[1:]
        if base + m[2] not in ("oa", "oe", "uy"):
            return m[0]
        return base + unicodedata.normalize("NFC", m[2] + mark)
    return _NEW_STYLE.sub(move, word)


def _exact_pattern(original: str) -> re.Pattern:
    words = []
    for word in original.split():
        new = tone_key(word).lower()
        words.append("(?:" + "|".join(map(re.escape, sorted({new, _old_style(new)}))) + ")")
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])")


def fts5_match(query) -> str:
    """The FTS5 MATCH text of a parsed query as 1855e00 wrote it (frozen here with the ranking: each term a
    quoted string of its letters and digits as typed, đ → d, looked for in the three text columns)."""
    terms = []
    for term in query.terms:
        value = term.original or " ".join(term.tokens)
        for letter in "đĐðÐ":
            value = value.replace(letter, "d")
        terms.append('"' + value + '"')
    return "{title summary body} : (" + " AND ".join(terms) + ")"


def _number_pairs(tokens: tuple[str, ...]) -> list[str]:
    pairs: list[str] = []
    for first, second in zip(tokens, tokens[1:]):
        if first.isascii() and second.isascii() and not (first.isalpha() and second.isalpha()):
            if f"n{first}x{second}" not in pairs:
                pairs.append(f"n{first}x{second}")
    return pairs


def tsquery_text(query) -> str:
    """The to_tsquery('simple', …) text as 1855e00 wrote it: folded lexemes of weights A/B/C, phrases with <->,
    a phrase's number pairs (meta lexemes, weight D) first."""
    parts = []
    for term in query.terms:
        lexemes = [f"'{token}':ABC" for token in term.tokens]
        if len(lexemes) > 1:
            parts += [f"'{pair}':D" for pair in _number_pairs(term.tokens)]
        parts.append(lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")")
    return " & ".join(parts)


def _window(session: Session, query, dialect: str) -> list[tuple[int, float | None]]:
    """The newest WINDOW live matches: (id, day number)."""
    if dialect == "sqlite":
        sql = ("SELECT f.rowid, julianday(a.published_at) FROM article_fts f JOIN articles a ON a.id = f.rowid "
               "WHERE article_fts MATCH :q AND a.removed_at IS NULL ORDER BY f.rowid DESC LIMIT :n")
        return session.execute(text(sql), {"q": fts5_match(query), "n": WINDOW}).all()
    sql = ("SELECT id, date_part('epoch', published_at) / 86400.0 FROM articles "
           "WHERE search_tsv @@ to_tsquery('simple', :q) AND removed_at IS NULL ORDER BY id DESC LIMIT :n")
    return session.execute(text(sql), {"q": tsquery_text(query), "n": WINDOW}).all()


def _texts(session: Session, ids: list[int], columns: str) -> dict[int, tuple]:
    if not ids:
        return {}
    sql = f"SELECT id, {columns} FROM articles WHERE id IN ({', '.join(str(int(i)) for i in ids)})"
    return {row[0]: tuple(row[1:]) for row in session.execute(text(sql))}


def today(session: Session, query_text: str, k: int) -> list[int]:
    query = parse_query(query_text)
    rows = _window(session, query, session.get_bind().dialect.name)
    if not rows:
        return []
    titles = _texts(session, [r[0] for r in rows], "title")
    raw = {}
    for row_id, _day in rows:
        title = _padded(titles.get(row_id, ("",))[0])
        found = sum(1 for t in query.terms if " " + " ".join(t.tokens) + " " in title)
        raw[row_id] = 1.0 + TITLE_WEIGHT * found / len(query.terms)
    best = max(raw.values())
    newest = max((day for _, day in rows if day is not None), default=None)

    def score(row_id: int, day: float | None) -> float:
        if newest is None or day is None:
            freshness = 0.5 if newest is not None else 1.0
        else:
            freshness = 0.5 + 0.5 * 2 ** (-max(0.0, newest - day) / HALF_LIFE_DAYS)
        return round(raw[row_id] / best * freshness, 6)

    ranked = sorted(((row_id, score(row_id, day)) for row_id, day in rows), key=lambda h: (h[1], h[0]), reverse=True)
    accented = [t for t in query.terms if fold(t.original) != t.original.lower()]
    if accented:
        patterns = [_exact_pattern(t.original) for t in accented]
        head = ranked[:RERANK]
        texts = _texts(session, [h[0] for h in head], f"title, summary, substr(body_text, 1, {BODY_CHARS})")
        ratios = {}
        for row_id, values in texts.items():
            haystack = unicodedata.normalize("NFC", "\n".join(v or "" for v in values)).lower()
            ratios[row_id] = sum(1 for p in patterns if p.search(haystack)) / len(patterns)
        head.sort(key=lambda h: (ratios.get(h[0], 0.0), h[1], h[0]), reverse=True)
        ranked = head + ranked[RERANK:]
    return [row_id for row_id, _ in ranked[:k]]


def _d(column: str) -> str:
    return f"replace(replace(replace(replace({column}, 'đ', 'd'), 'Đ', 'd'), 'ð', 'd'), 'Ð', 'd')"


def ensure_side_table(connection) -> bool:
    """Create and fill the bm25-capable side table (SQLite) unless it exists; True when it was built."""
    found = connection.execute(text("SELECT 1 FROM sqlite_master WHERE name = :n"), {"n": SIDE_TABLE}).first()
    if found:
        return False
    connection.execute(text(f"CREATE VIRTUAL TABLE {SIDE_TABLE} USING fts5(title, summary, body, content='', "
                            "tokenize='unicode61 remove_diacritics 2')"))
    connection.execute(text(f"INSERT INTO {SIDE_TABLE}(rowid, title, summary, body) SELECT id, {_d('title')}, "
                            f"{_d('summary')}, {_d(f'substr(body_text, 1, {BODY_CHARS})')} FROM articles"))
    return True


def _bm25(session: Session, table: str, weights: str, query_text: str, k: int) -> list[int]:
    query = parse_query(query_text)
    # bm25() only works where the FTS5 table is scanned alone: removed articles are excluded by rowid
    sql = (f"SELECT rowid FROM {table} WHERE {table} MATCH :q "
           "AND rowid NOT IN (SELECT id FROM articles WHERE removed_at IS NOT NULL) "
           f"ORDER BY bm25({table}, {weights}), rowid DESC LIMIT :k")
    return list(session.scalars(text(sql), {"q": fts5_match(query), "k": k}))


def fts5_bm25(session: Session, query_text: str, k: int) -> list[int]:
    return _bm25(session, SIDE_TABLE, "5.0, 2.0, 1.0", query_text, k)


def fts5_bm25_main(session: Session, query_text: str, k: int) -> list[int]:
    return _bm25(session, "article_fts", "5.0, 2.0, 1.0, 0.0", query_text, k)


def pg_ts_rank_cd(session: Session, query_text: str, k: int) -> list[int]:
    query = parse_query(query_text)
    sql = ("SELECT id FROM articles WHERE search_tsv @@ to_tsquery('simple', :q) AND removed_at IS NULL "
           "ORDER BY ts_rank_cd('{0, 0.2, 0.4, 1.0}', search_tsv, to_tsquery('simple', :q)) DESC, id DESC LIMIT :k")
    return list(session.scalars(text(sql), {"q": tsquery_text(query), "k": k}))


def new(session: Session, query_text: str, k: int) -> list[int]:
    from db.search import search

    return [hit.article.id for hit in search(session, query_text, limit=k).items]


RANKERS = {
    "sqlite": {"today": today, "fts5-bm25": fts5_bm25, "fts5-bm25-main": fts5_bm25_main, "new": new},
    "postgresql": {"today": today, "pg-ts_rank_cd": pg_ts_rank_cd, "new": new},
}
