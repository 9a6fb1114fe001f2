"""Full-text search over the archive: diacritics-insensitive, `đ`-aware, the same on SQLite and PostgreSQL.

API: :func:`search` (→ :class:`SearchResult` of :class:`SearchHit` ``(article, site, score, exact)``),
:func:`parse_query`, :func:`parse_day`, :func:`snippet`, :func:`snippet_marks`; errors are :class:`QueryError`
(a ``ValueError``).

Folding
    Both engines search the *folded* text of an article's title, summary and body: lower case, tones and other
    marks removed, ``đ``/``Đ`` → ``d`` (``vntext.textnorm.fold``), so "hoi dong", "Hội đồng" and an
    NFD-encoded "Hội đồng" all find ``hoi dong``. A token is a maximal run of letters and digits, so a document
    number such as ``23-NQ/TU`` is indexed as the three tokens ``23 nq tu`` and searched as that phrase.

Index (SQLite: migrations 0005 and 0009; PostgreSQL: migrations 0003, 0006 and 0009; kept up to date by the
database — writers need not call anything; the DDL is in ``sqlite_index`` and ``pg_index``)
    * Both engines index the first ``bounds.BODY_CHARS`` (200,000) characters of a body; the exact-diacritics
      check and the snippet read the same prefix, the archive keeps the body whole. A word found only past it
      does not find the article; one huge body costs a search what a long article costs (``bounds`` says why
      this size: far above any article, and within PostgreSQL's 1 MB tsvector).
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
      (``query.number_pairs``) and plpgsql is tested to agree; it adds nothing to what a query finds. SQLite needs
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
    Instead, relevance is computed among the newest ``run.WINDOW`` matches that pass the filters (FTS5 walks
    its doclists newest-first and stops at the LIMIT; when a document number is given and few articles cite it,
    those articles are tested one by one instead). When a query has fewer matches than that — any specific
    query — the ranking covers all of them. Within the window, rows are ordered by:

    1. exactness — the share of the query's accented words found *with the same diacritics* (case and old/new
       tone placement ignored: "Thành uỷ" = "Thành ủy") in the original text, so "Đảng" ranks articles that
       say "Đảng" above those that only say "đăng"; checked on the ``ranking.RERANK`` best rows;
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

Modules
    ``bounds`` how much of a body search reads; ``query`` the query language (terms, FTS5 and tsquery rendering,
    number pairs); ``filters`` portal, days, category, documents; ``sql`` the SQL pieces each engine matches with;
    ``ranking`` relevance and exact diacritics; ``run`` :func:`search` itself; ``facets`` the counts per portal
    and document type over a search's window (:func:`window_counts`, :func:`search_counts`); ``textmatch`` folded
    terms found in original text (:func:`match_spans`: the character spans of a query's matches in any text, NFC
    or NFD, a phrase as one span); ``snippet`` :func:`snippet` and :func:`snippet_marks` (the extract with the
    spans of its matches; linear in the text: one scan per term, a sliding window over the matches),
    :func:`title_marks`, :func:`hit_extract` (the "snippet", "snippet_marks" and "title_marks" of a hit's JSON);
    ``sqlite_index`` / ``pg_index`` each engine's index at the current revision (DDL, and the SQLite queue flush);
    ``index`` rebuilding and checking either. The migrations that built the index
    hold frozen copies of the DDL they executed; a change to ``*_index`` needs a new migration.
"""
from db.search.facets import search_counts, window_counts
from db.search.filters import parse_day
from db.search.index import index_is_installed, rebuild_index
from db.search.query import ParsedQuery, QueryError, Term, parse_query, tokens
from db.search.run import SearchHit, SearchResult, search
from db.search.snippet import Snippet, hit_extract, snippet, snippet_marks, title_marks
from db.search.textmatch import match_spans
from db.search.sqlite_index import index_queued, install_sqlite_triggers, register_sqlite_functions

__all__ = [
    "ParsedQuery", "QueryError", "SearchHit", "SearchResult", "Snippet", "Term", "hit_extract", "index_is_installed",
    "index_queued", "install_sqlite_triggers", "match_spans", "parse_day", "parse_query", "rebuild_index",
    "register_sqlite_functions", "search", "search_counts", "snippet", "snippet_marks", "title_marks", "tokens",
    "window_counts",
]
