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

Ranking (issue 14), and why it is bounded (the p95 target is < 50 ms over 1,000,000 articles on SQLite)
    A folded query like "nghi quyet" matches most of a big archive, and neither engine's own scoring is cheap
    there: FTS5's ``bm25`` scans each term's whole doclist on every query (~2.5 ms per 100,000 articles per
    common term) and ``ORDER BY rank`` scores every match (150 ms at 100,000); PostgreSQL's ``ts_rank_cd`` must
    detoast every match's tsvector. And neither ranks the same way as the other. So the engines only find
    bounded sets of candidates, and Python scores them from their text (``ranking.Scorer``): the same numbers
    on both engines, by construction.

    Candidates (``run`` and ``candidates``), each set "the newest K matches passing the filters", read from the
    index newest first (FTS5 stops at the LIMIT; PostgreSQL walks the primary key or the GIN bitmap):
    the newest ``run.SCORED`` (100) matches, and — when there are more matches than that — the newest
    ``candidates.HEAD_LIMIT`` (100) with every term in the title or the summary (FTS5 column filter
    ``{title summary}``, tsquery weights ``:AB``; a phrase term within one field on both). The second set is
    what lets an older article whose title says what was asked outrank a stream of newer articles that mention
    the words in passing. It is queried by its own condition only, which implies the query's (the index then
    reads each doclist once: "23-NQ/TU" at 1,000,000 articles 28 ms instead of 65 ms); with a document filter
    applied by id, only the rest of the window is tested. A set "the whole query as a phrase in the title" was measured and dropped: over
    common words that rarely stand together in a title ("hoi dong nhan dan") it read the terms' whole doclists,
    body positions included, 1.5 s at 1,000,000 articles; every article with the phrase in its title or summary
    is in the second set whenever it is among the newest 100 that hold the words there.

    Score (0…1, ``SearchHit.score``), from title, summary and body (the indexed prefix), each weighted
    ``ranking.FIELD_WEIGHTS`` (1, 0.6, 0.3):
    * 0.5 · coverage: per term, the weight of the best field holding it, averaged over the terms;
    * 0.4 · proximity: per field holding every term, its weight × 1 when the query's tokens stand adjacent and
      in order there (a phrase), else 0.9 × (query tokens / tokens of the smallest stretch holding every term);
      the best field counts;
    * 0.1 · title density: query tokens / title tokens when the title holds every term (BM25's length
      normalization in its simplest form: a short title that says exactly the query beats a long one).
    Exact diacritics: a term typed with them ("Đảng") counts fully only in a field where it is spelled so (case
    and old/new tone placement ignored: "Thành uỷ" = "Thành ủy"), and ``ranking.FOLDED_ONLY`` (1/4) where only
    its folded form occurs ("đăng"): any exact match outweighs a folded one, even a folded one in the title.
    Typed without diacritics, every spelling counts alike. ``SearchHit.exact`` is the share of accented terms
    found with their diacritics (None: no accented term, or the article's body was not read). Ties (equal
    scores) go to the newest published article, then the newest id: recency only breaks ties. No idf term
    weights: every candidate holds every term (AND), so they would only weigh where each term sits; without them
    the judged sets already measure success@1 1.0 (bench/relevance.py), and a document frequency identical on
    both engines would cost one more index read per term and query.

    Bounded work: the candidates' titles and summaries are read in one query and scored (the scorer folds and
    tokenizes a field once: an ASCII fold and one regex, ~22 µs for a title and summary); then bodies are read
    ``run.RERANK`` (30) at a time, best upper bound (what title and summary leave possible) first, until no unread
    body can lift its article into the first ``run.SETTLED`` (50), at most ``run.MAX_BODIES`` (300). The others
    keep the lower bound of what was read (a term not found in title or summary counted in the body, folded
    only). The work depends on the query, never on the page asked for, so paging is stable. (Reading a fixed
    30 bodies was tried: an older article whose only exact "Đảng", or whose phrase, was in its body ranked last
    behind 40 newer titles saying "Đăng ký" or bodies with the words scattered. Reading summaries only for the
    60 best bounds left by the titles was tried too: it lost a known item
    whose words were all in its summary, behind 60 titles holding some of them.)

    Measured (bench/search_bench.py --repeat 5, 1,000,000 synthetic articles, SQLite, the shared 2-core machine
    at load under 2, the ranking of 1855e00 run right after on the same archive): p50 26.2 ms, p95 68.2 ms against
    20.9 / 57.8 ms before; the p95 is the phrase with a number ("23-NQ/TU" 77.6 ms against 60.8 ms: most of it is
    FTS5 merging the doclists of 23, nq and tu for the newest 1,000 matches, which the ranking before read too;
    the title/summary set adds ~25 ms there), every other relevance query is under 41 ms. The judged sets
    (bench/relevance.py): MRR, success@1
    and success@3 1.0, nDCG@10 0.961 (bench set, 50,000 synthetic articles + the replica's), 0.967 (its holdout
    set) and 0.971 (small),
    the same on both engines; see README.md for the baselines. PostgreSQL on the bench set: p50 ~40 ms, p95
    ~1.5 s — its GIN index keeps no weights, so the title/summary set rechecks every tsvector holding the words
    (a tsvector of title and summary only, with its own GIN index, is the next step there). Measured and not
    kept: that tsvector as a GIN *expression* index, ``pw_head_tsv(title, summary)`` (no column). Computing it
    costs ~250 µs a row, and PostgreSQL computes it again for every row a bitmap rechecks (weights, phrases, or
    a bitmap over work_mem gone lossy) or a plan filters by it: judged bench p95 336 → 125 ms with plain-lexeme
    lookups (the judged set before its re-making), but at 1,000,000 synthetic articles "thanh uy" is in 577,000
    titles/summaries: 5.2 s with an exact bitmap (work_mem 256 MB), minutes with the default one, against ~100 ms
    before. The next step is a *stored* column with its own GIN index (rechecks read it), and a plan that walks
    the primary key when the set is dense.

    Deeper pages than the candidates continue with the other matches, newest first, unscored (score 0.0).
    ``order="date"`` is newest published first (no date last, then by id): sorted in memory when the matches
    fit in the window of the newest ``run.WINDOW`` (1,000) matches; otherwise, on SQLite, the matches are
    collected month by month (the index's ``m<yearmonth>`` meta words), newest month first, until the page is
    complete, then the undated ones (a document filter's few candidates are tested one by one); PostgreSQL runs
    one ordered query and its planner chooses between the date index and the GIN bitmap. ``total`` is exact when the matches fit in
    the window; otherwise it is a lower bound and ``total_exact`` is False ("more than 1000"); the facets count
    that window (``SearchResult.window``).

Modules
    ``bounds`` how much of a body search reads; ``query`` the query language (terms, FTS5 and tsquery rendering,
    number pairs); ``filters`` portal, days, category, documents; ``sql`` the SQL pieces each engine matches with;
    ``ranking`` the score (fields, phrase and proximity, exact diacritics); ``candidates`` the sets of matches
    scored and their texts; ``run`` :func:`search` itself; ``facets`` the counts per portal and document type over
    a search's window (:func:`window_counts`, :func:`search_counts`); ``textmatch`` one-character folding (offsets
    kept) and :func:`match_spans` (the character spans of a query's matches in any text, NFC or NFD, a phrase as
    one span); ``snippet`` :func:`snippet` and :func:`snippet_marks` (the extract with the spans of its matches;
    linear in the text: one scan per term, a sliding window over the matches), :func:`title_marks`,
    :func:`hit_json` (a hit as the JSON interface gives it); ``sqlite_index`` /
    ``pg_index`` each engine's index at the current revision (DDL, and the SQLite queue flush); ``index``
    rebuilding and checking either. The migrations that built the index
    hold frozen copies of the DDL they executed; a change to ``*_index`` needs a new migration.
"""
from db.search.facets import search_counts, window_counts
from db.search.filters import parse_day
from db.search.index import index_is_installed, rebuild_index
from db.search.query import ParsedQuery, QueryError, Term, parse_query, tokens
from db.search.run import SearchHit, SearchResult, search
from db.search.snippet import Snippet, hit_json, snippet, snippet_marks, title_marks
from db.search.textmatch import match_spans
from db.search.sqlite_index import index_queued, install_sqlite_triggers, register_sqlite_functions

__all__ = [
    "ParsedQuery", "QueryError", "SearchHit", "SearchResult", "Snippet", "Term", "hit_json", "index_is_installed",
    "index_queued", "install_sqlite_triggers", "match_spans", "parse_day", "parse_query", "rebuild_index",
    "register_sqlite_functions", "search", "search_counts", "snippet", "snippet_marks", "title_marks", "tokens",
    "window_counts",
]
