#!/usr/bin/env python
"""Tantivy beside the engines' built-in full text: relevance on the judged query set, then speed at 1M articles.

    pip install -e '.[search-bench]'                 # tantivy (bench-only)
    python bench/tantivy_compare.py                  # the bench archive (50,000 + the replica), then the 1M archive
    python bench/tantivy_compare.py --quick --limit 20000     # the small archive; 20,000 articles of the 1M one
    python bench/tantivy_compare.py --db sqlite:////tmp/rel.sqlite3 --skip-big   # reuse relevance.py's archive

1. Relevance: the archive bench/relevance.py uses (bench/relevance_truth.py builds it; --db reuses one, an empty
   or missing file is built) is indexed by Tantivy (bench/tantivy_index.py: fields, folding, ranking), and every
   judged query of bench/relevance/<archive>.json runs through Tantivy and through the engine's rankers
   (db.search.search = "new", the frozen "today", "fts5-bm25") with the same code: bench.relevance.evaluate
   (MRR@10, success@1/@3, nDCG@10, issue 14's seed ranks). Tantivy runs twice: BM25 with field boosts only
   ("tantivy-bm25"), and with the proximity and exact-diacritics clauses ("tantivy").
2. Speed: the 1M-article archive (--big, opened read-only) is indexed by Tantivy in a temp dir (build time,
   index size), then bench/search_bench.py's QUERIES run round after round through db.search.search and
   through Tantivy on the same machine in the same run: p50/p95 and their ratios. Tantivy's time is the
   query (with its filters as index queries: portal, Vietnam days, category, document type/number; order=date
   as a sort on the published fast field; page 5 as an offset; the total counted) plus loading the 20
   Article rows from the archive, as a search page needs them. Tantivy runs three ways: as db.search answers
   (a total counted), the top 20 only (no total), and the top 20 by BM25 with field boosts only.
Timings are noisy on a shared machine: compare within one run. Exit 2 with one line when tantivy is missing.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BIG = "sqlite:///file:/work/bench-data/synth_1m.sqlite3?mode=ro&uri=true"
HEAP = 512_000_000  # the writer's memory budget (split between its threads)


def dir_size(path: str) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _article_rows(session, limit: int | None):
    from sqlalchemy import func, select

    from db.models import Article
    from db.search.bounds import BODY_CHARS

    a = Article
    stmt = (select(a.id, a.portal_id, a.published_at, a.title, a.summary, func.substr(a.body_text, 1, BODY_CHARS),
                   a.category).where(a.removed_at.is_(None)).order_by(a.id))
    if limit:
        stmt = stmt.limit(limit)
    return session.execute(stmt.execution_options(yield_per=2000))


def _mentions(session) -> dict[int, list[str]]:
    from sqlalchemy import select

    from db.models import Document, DocumentMention

    out: dict[int, list[str]] = {}
    rows = session.execute(select(DocumentMention.article_id, Document.type, Document.canonical).join(
        Document, Document.id == DocumentMention.document_id))
    for article_id, doc_type, canonical in rows:
        out.setdefault(article_id, []).extend((f"t:{doc_type}", f"n:{canonical}"))
    return out


def build(session, path: str, limit: int | None = None, log=print) -> dict:
    """Index the archive's live articles into path; the timings and the size."""
    from bench.tantivy_index import document, folding_mismatches, open_index

    started = time.perf_counter()
    index = open_index(path)
    writer = index.writer(HEAP, 2)
    mentions = _mentions(session)
    count, sample = 0, []
    for row in _article_rows(session, limit):
        writer.add_document(document(row, mentions.get(row[0], [])))
        count += 1
        if count % 97 == 1 and len(sample) < 3000:  # titles, summaries and body starts for the folding check
            sample += [row[3], row[4], (row[5] or "")[:5000]]
        if count % 100_000 == 0:
            log(f"  {count:,} articles indexed ({time.perf_counter() - started:.0f} s)")
    added = time.perf_counter()
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    done = time.perf_counter()
    bad, checked, first = folding_mismatches(sample)
    out = {"articles": count, "seconds": done - started, "commit_merge_seconds": done - added,
           "bytes": dir_size(path), "segments": len(list(Path(path).glob("*.idx"))),
           "folding": f"{checked - bad}/{checked} texts tokenised as db.search.tokens" + (f" ({first})" if first else "")}
    log(f"tantivy index: {count:,} articles in {out['seconds']:.1f} s (commit + merge {out['commit_merge_seconds']:.1f} s),"
        f" {out['bytes'] / 1e6:,.1f} MB, {out['segments']} segment(s); folding: {out['folding']}")
    return {**out, "index": index}


def tantivy_ranker(index, **options):
    """A relevance-bench ranker, (session, query text, k) → article ids, over the Tantivy index."""
    from bench.tantivy_index import build_query
    from db.search import parse_query

    searcher = index.searcher()
    index_schema = index.schema

    def rank(_session, query_text: str, k: int) -> list[int]:
        result = searcher.search(build_query(index_schema, parse_query(query_text), **options), k, count=False)
        return [searcher.doc(address)["id"][0] for _score, address in result.hits]
    return rank


def relevance(url: str, archive: str, scratch: str, log=print) -> list[dict]:
    from bench.relevance import evaluate, load_set, prepare
    from bench.relevance_rankers import RANKERS
    from bench.relevance_truth import archive_ids
    from db.engine import get_engine, session_factory

    queries = load_set(archive)
    log(f"query set {archive}: {len(queries['known_item'])} known-item, "
        f"{sum(len(t['queries']) for t in queries['topical'])} topical queries")
    prepare(url, archive, log)
    results = []
    with session_factory(url)() as session:
        ids = archive_ids(session)
        index = build(session, f"{scratch}/relevance-{archive}", log=log)["index"]
        rankers = {name: RANKERS["sqlite"][name] for name in ("today", "fts5-bm25", "new")}
        rankers["tantivy-bm25"] = tantivy_ranker(index, proximity=False, exactness=False)
        rankers["tantivy"] = tantivy_ranker(index)
        for name, ranker in rankers.items():
            results.append({"ranker": name, "engine": "tantivy" if name.startswith("tantivy") else "sqlite",
                            **evaluate(session, ranker, queries, ids)})
    get_engine(url).dispose()
    return results


def tantivy_search(index, count: bool = True, **options):
    """search_bench.run_queries' fn: (session, query, **search kwargs) through Tantivy, the 20 Article rows
    loaded from the archive; count=False: the top hits only, no total (Tantivy can then skip blocks that
    cannot reach the top, as db.search's window of the newest matches skips the older ones)."""
    from sqlalchemy import select

    from bench.tantivy_index import build_query, filter_queries
    from db.models import Article
    from db.search import parse_query

    searcher = index.searcher()

    def run(session, query_text, *, order="relevance", offset=0, limit=20, **filters):
        query = build_query(index.schema, parse_query(query_text),
                            filters=filter_queries(index.schema, session, **filters), **options)
        by_date = {"order_by_field": "published"} if order == "date" else {}
        result = searcher.search(query, limit, count=count, offset=offset, **by_date)
        ids = [searcher.doc(address)["id"][0] for _key, address in result.hits]
        if ids:
            rows = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
            ids = [rows[i] for i in ids]
        session.expunge_all()
        return (result.count if count else "-"), ids
    return run


SPEED_RUNS = {  # name → tantivy_search options
    "tantivy": {},
    "tantivy top 20": {"count": False},
    "tantivy-bm25 top 20": {"count": False, "proximity": False, "exactness": False},
}


def speed(url: str, folder: str, limit: int | None, repeat: int, log=print) -> dict:
    from bench.search_bench import QUERIES, percentile, run_queries
    from db.engine import get_engine, session_factory
    from db.search import search

    with session_factory(url)() as session:
        built = build(session, folder, limit, log=log)
        index = built.pop("index")
        fns = {"db.search": lambda s, q, **k: _expunged(s, search(s, q, **k)),
               **{name: tantivy_search(index, **options) for name, options in SPEED_RUNS.items()}}
        counts = {name: {label: _count(fn(session, q, **k)) for label, q, k in QUERIES} for name, fn in fns.items()}
        times = {name: {label: [] for label, _, _ in QUERIES} for name in fns}
        for _ in range(repeat):  # interleaved rounds: the machine's noise falls on all three alike
            for name, fn in fns.items():
                for label, values in run_queries(session, fn, QUERIES, 1)[0].items():
                    times[name][label] += values
    get_engine(url).dispose()
    log(f"\n{'query':<28} {'text':<24} {'matches db / tantivy':>22}  median ms: " + " | ".join(fns))
    for label, query, _ in QUERIES:
        med = " | ".join(f"{statistics.median(times[name][label]):.1f}" for name in fns)
        log(f"{label:<28} {query[:24]:<24} {counts['db.search'][label]:>12} / {counts['tantivy'][label]:<8} {med}")
    out = {name: {"p50": percentile([t for v in times[name].values() for t in v], 0.5),
                  "p95": percentile([t for v in times[name].values() for t in v], 0.95)} for name in fns}
    for name in fns:
        log(f"{name:<20} p50 {out[name]['p50']:7.1f} ms  p95 {out[name]['p95']:7.1f} ms   "
            f"(db.search / {name}: p50 {out['db.search']['p50'] / out[name]['p50']:.2f}x, "
            f"p95 {out['db.search']['p95'] / out[name]['p95']:.2f}x)")
    log(f"over {len(QUERIES)} queries x {repeat} rounds, warm; archive {url}")
    return {**built, "latency": out}


def _expunged(session, result):
    session.expunge_all()  # no run finds the previous runs' Article objects in the session (Tantivy's neither)
    return result


def _count(result) -> str:
    if isinstance(result, tuple):
        return str(result[0])
    return f"{result.total}{'' if result.total_exact else '+'}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small judged archive and its query set")
    parser.add_argument("--db", metavar="URL", help="the judged archive to reuse (built there when empty)")
    parser.add_argument("--big", metavar="URL", default=BIG, help="the archive for speed (default: the 1M one, read-only)")
    parser.add_argument("--limit", type=int, metavar="N", help="index only the first N live articles of --big")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the speed queries (default 5)")
    parser.add_argument("--skip-relevance", action="store_true")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--keep-index", metavar="DIR", help="build the --big index in DIR (empty or new) and keep it")
    args = parser.parse_args(argv)
    try:
        import tantivy  # noqa: F401
    except ImportError:
        print("tantivy is not installed: pip install -e '.[search-bench]'", file=sys.stderr)
        return 2
    from bench.relevance import table

    archive = "small" if args.quick else "bench"
    scratch = tempfile.mkdtemp(prefix="pw-tantivy-")
    try:
        if not args.skip_relevance:
            url = args.db or f"sqlite:///{scratch}/relevance-{archive}.sqlite3"
            print(table(relevance(url, archive, scratch)))
        if not args.skip_big:
            print(f"\nspeed: {args.big}" + (f" (Tantivy indexes the first {args.limit:,} articles only: "
                                              "db.search searches them all)" if args.limit else ""))
            speed(args.big, args.keep_index or f"{scratch}/big", args.limit, args.repeat)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
