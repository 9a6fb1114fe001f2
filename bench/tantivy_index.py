"""A Tantivy index of an archive's articles, and the search over it that bench/tantivy_compare.py measures.

Bench-only (the optional extra ``search-bench``): nothing in db/, monitor/ or crawler/ imports it.

Fields
* ``title``, ``summary``, ``body`` — folded the project's way: the text is NFC-normalised in Python, then
  Tantivy's analyzer "pw_folded" splits it into runs of letters and digits (its simple tokenizer: Rust's
  ``char::is_alphanumeric``, which on NFC text cuts where ``[^\\W_]+`` does; a regex tokenizer with that
  pattern made the index build twice as slow: 24.6 against 11.1 s for 8,000 articles, on a loaded machine),
  lower-cases and ASCII-folds each token (tones and marks off, đ → d). :func:`folding_mismatches` checks that these tokens are
  ``db.search.tokens`` (``vntext.textnorm.fold``) of the same text, on the Vietnamese alphabet and the articles.
  The body is cut at db.search.bounds.BODY_CHARS, as both engines' indexes cut it.
* ``title_x``, ``summary_x`` — the same text with diacritics kept ("pw_exact": lower case only), so an
  accented query word typed with its diacritics can add to the score where the title or sapo has them too.
  Not the body: a second copy of every body's postings with positions was the dearest part of the build, and
  the exact words of a title or sapo are what tells "Đảng" from "đăng" in a ranking.
* ``portal`` (i64), ``published`` (i64 Unix seconds, fast: order by date), ``category`` (folded),
  ``docs`` (raw strings ``t:<type>`` and ``n:<canonical number>`` of the documents an article cites) — the
  search filters, duplicated from SQL into the index. Removed articles are not indexed at all.

Ranking (:func:`build_query`): every term of db.search.parse_query must match (a phrase for a multi-token term)
in title, summary or body; BM25 per field with boosts title 5, summary 2, body 1 (the ratio the relevance
bench's fts5-bm25 ranker uses); plus, when the query has several tokens, the whole query as a sloppy phrase
(slop 3) in the title (boost 5) and the body (boost 1) — proximity; plus each accented term with its
diacritics, both tone placements (hoà/hòa), in the ``*_x`` fields with the same boosts — exactness.
(The weights were chosen before any run, not tuned on the judged queries.)
"""
from __future__ import annotations

import sys
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tantivy  # noqa: E402  (callers check that it is installed first)

from bench.relevance_rankers import _old_style  # noqa: E402
from db.search import tokens  # noqa: E402
from db.search.bounds import BODY_CHARS  # noqa: E402
from vntext.textnorm import tone_key  # noqa: E402

TEXT_FIELDS = {"title": 5.0, "summary": 2.0, "body": 1.0}  # BM25 boost per field
EXACT_FIELDS = ("title", "summary")  # the fields also indexed with diacritics (<name>_x)
PHRASE_SLOP = 3
ALPHABET = ("aăâbcdđeêghiklmnoôơpqrstuưvxy AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY "
            "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ "
            "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ ð Ð 23-NQ/TU 123/QĐ-UBND x_y")


def analyzers() -> dict[str, tantivy.TextAnalyzer]:
    def build(*filters):
        builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        for f in filters:
            builder = builder.filter(f)
        return builder.build()

    return {"pw_folded": build(tantivy.Filter.lowercase(), tantivy.Filter.ascii_fold()),
            "pw_exact": build(tantivy.Filter.lowercase())}


def nfc(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "")


def folding_mismatches(texts) -> tuple[int, int, str]:
    """(texts whose Tantivy tokens differ from db.search.tokens, texts checked, the first difference)."""
    folded = analyzers()["pw_folded"]
    bad, checked, first = 0, 0, ""
    for value in [ALPHABET, *texts]:
        checked += 1
        ours, theirs = tokens(value), folded.analyze(nfc(value))
        if ours != theirs:
            bad += 1
            if not first:
                diff = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
                first = f"token {diff}: fold {ours[diff:diff + 3]} vs tantivy {theirs[diff:diff + 3]}"
    return bad, checked, first


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="pw_folded", index_option="position")
        if name in EXACT_FIELDS:
            builder.add_text_field(f"{name}_x", tokenizer_name="pw_exact", index_option="position")
    builder.add_integer_field("portal", indexed=True, fast=True)
    builder.add_integer_field("published", indexed=True, fast=True)
    builder.add_text_field("category", tokenizer_name="pw_folded", index_option="position")
    builder.add_text_field("docs", tokenizer_name="raw", index_option="basic")
    return builder.build()


def open_index(path: str) -> tantivy.Index:
    Path(path).mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema(), path=path)
    for name, analyzer in analyzers().items():
        index.register_tokenizer(name, analyzer)
    return index


def unix_seconds(value: datetime | None) -> int:
    """Publication time as Unix seconds (undated articles: 0, the oldest); naive values are UTC (UTCDateTime)."""
    if value is None:
        return 0
    return int((value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp())


def document(row, docs: list[str]) -> tantivy.Document:
    """One article row (id, portal_id, published_at, title, summary, body, category) as a Tantivy document."""
    article_id, portal_id, published, title, summary, body, category = row
    values = {"title": nfc(title), "summary": nfc(summary), "body": nfc((body or "")[:BODY_CHARS])}
    doc = tantivy.Document(id=article_id, portal=portal_id or 0, published=unix_seconds(published),
                           category=nfc(category))
    for name, value in values.items():
        doc.add_text(name, value)
        if name in EXACT_FIELDS:
            doc.add_text(f"{name}_x", value)
    for value in docs:
        doc.add_text("docs", value)
    return doc


def _field_query(index_schema, field: str, words: list[str]) -> tantivy.Query:
    if len(words) == 1:
        return tantivy.Query.term_query(index_schema, field, words[0])
    return tantivy.Query.phrase_query(index_schema, field, words)


def _any_field(index_schema, words_of: dict[str, list[list[str]]]) -> tantivy.Query:
    """At least one field (boosted) holding one of the word sequences given for it."""
    should = tantivy.Occur.Should
    return tantivy.Query.boolean_query([
        (should, tantivy.Query.boost_query(_field_query(index_schema, field, words), TEXT_FIELDS[field.removesuffix("_x")]))
        for field, variants in words_of.items() for words in variants])


def exact_variants(original: str) -> list[list[str]]:
    """A term's words as typed, lower case, in the new and the old tone placement (hòa / hoà)."""
    new = tone_key(original).lower()
    exact = analyzers()["pw_exact"]
    return [exact.analyze(v) for v in dict.fromkeys([new, " ".join(_old_style(w) for w in new.split())])]


def build_query(index_schema, parsed, *, proximity: bool = True, exactness: bool = True,
                filters: list[tantivy.Query] = ()) -> tantivy.Query:
    """The ranking described in the module docstring, for a db.search.ParsedQuery; filters must match too."""
    must, should = tantivy.Occur.Must, tantivy.Occur.Should
    clauses = [(must, _any_field(index_schema, {f: [list(t.tokens)] for f in TEXT_FIELDS})) for t in parsed.terms]
    clauses += [(must, tantivy.Query.boost_query(f, 0.0)) for f in filters]
    words = [w for t in parsed.terms for w in t.tokens]
    if proximity and len(words) > 1:
        for field in ("title", "body"):
            phrase = tantivy.Query.phrase_query(index_schema, field, words, PHRASE_SLOP)
            clauses.append((should, tantivy.Query.boost_query(phrase, TEXT_FIELDS[field])))
    if exactness:
        for term in parsed.accented_terms:
            variants = exact_variants(term.original)
            clauses.append((should, _any_field(index_schema, {f"{f}_x": variants for f in EXACT_FIELDS})))
    return tantivy.Query.boolean_query(clauses)


def filter_queries(index_schema, session, *, site=None, date_from=None, date_to=None, category=None,
                   doc_type=None, doc_number=None) -> list[tantivy.Query]:
    """search_bench.QUERIES' filters as index queries: the same values db.search resolves (portal id from the
    archive, Vietnam days, the category's folded words as a phrase, canonical document type and number)."""
    from sqlalchemy import select

    from db.models import Portal
    from db.search.filters import _start_of, canonical_document_number, document_type

    out = []
    if site:
        out.append(tantivy.Query.term_query(index_schema, "portal", session.scalar(select(Portal.id).where(Portal.key == site))))
    if date_from is not None or date_to is not None:
        low = int(_start_of(date_from).timestamp()) if date_from else None
        high = int(_start_of(date_to).timestamp()) + 86400 if date_to else None  # the whole last day
        out.append(tantivy.Query.range_query(index_schema, "published", tantivy.FieldType.Integer, low, high,
                                             True, high is None))
    if category:
        out.append(_field_query(index_schema, "category", tokens(category)))
    if doc_type:
        out.append(tantivy.Query.term_query(index_schema, "docs", f"t:{document_type(doc_type)}"))
    if doc_number:
        out.append(tantivy.Query.term_query(index_schema, "docs", f"n:{canonical_document_number(doc_number)}"))
    return out
