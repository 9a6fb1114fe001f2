#!/usr/bin/env python
"""Search relevance: the judged query set (bench/relevance/) through every ranker on SQLite and PostgreSQL.

    python bench/relevance.py                       # the bench archive (50,000 synthetic + the replica), SQLite
    python bench/relevance.py --quick               # the small archive (2,000 + the replica): a minute
    python bench/relevance.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/pw_me   # PostgreSQL too
    python bench/relevance.py --db sqlite:////tmp/rel.sqlite3 --json                    # keep/reuse the archive

Builds the archive (bench/relevance_truth.py: bench/synthetic.py's generator plus every replica article,
written through db.store) unless --db names one already built (an empty or missing file is built); on
PostgreSQL in a schema of its own ("relevance_<archive>", reused when it holds articles). Then every query of
bench/relevance/<archive>.json runs through every ranker of the engine (bench/relevance_rankers.py) and one
table is printed: ranker × engine → MRR@10, success@1, success@3 (known-item), nDCG@10 (topical), p50/p95
latency of a query, and the rank of the seed for issue 14's required queries. Timings are noisy on a shared
machine: compare rankers within one run.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bench.relevance_metrics import mean, ndcg_at, percentile, reciprocal_rank, success_at  # noqa: E402
from bench.relevance_rankers import RANKERS, ensure_side_table  # noqa: E402
from bench.relevance_truth import archive_ids, build_archive  # noqa: E402

SETS = Path(__file__).resolve().parent / "relevance"
K = 10
ISSUE_DEPTH = 1000  # how deep the seed's rank is looked for on issue 14's queries


class NotThatArchive(Exception):
    """--db, --pg or --demo names an archive that is not the one the query set was judged on."""


def load_set(archive: str) -> dict:
    return json.loads((SETS / f"{archive}.json").read_text(encoding="utf-8"))


def judged_keys(judged: dict) -> dict[str, int]:
    """{"3": {"p001": [100000007, …]}, …} → {"p001:100000007": 3, …}."""
    return {f"{portal}:{external}": int(grade) for grade, groups in judged.items()
            for portal, externals in groups.items() for external in externals}


def prepare(url: str, archive: str, log=print) -> None:
    """Build the archive at url unless it holds articles, check it is that archive, then add the bm25 side table
    on SQLite."""
    from db.engine import get_engine, session_factory
    from db.schema import upgrade

    upgrade(url)
    engine = get_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM articles")).scalar()
    if not count:
        started = time.perf_counter()
        build_archive(url, archive, log=log)
        log(f"  ({time.perf_counter() - started:.0f} s)")
    with session_factory(url)() as session:
        ids = archive_ids(session)
    missing = {q["target"] for q in load_set(archive)["known_item"]} - set(ids)
    if missing:  # checked before the side table is added: another archive is left as it was
        raise NotThatArchive(f"{url} is not the {archive} archive: {len(missing)} judged articles missing")
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            if ensure_side_table(connection):
                log("built the bm25 side table (relevance_bm25)")


def evaluate(session, ranker, queries: dict, ids: dict[str, int], k: int = K) -> dict:
    """Every query through one ranker: the metrics, latencies and the ranks of the required queries."""
    rr, s1, s3, ndcg, seconds, issue = [], [], [], [], [], {}
    for item in queries["known_item"]:
        target = ids[item["target"]]
        started = time.perf_counter()
        ranking = ranker(session, item["query"], k)
        seconds.append(time.perf_counter() - started)
        rr.append(reciprocal_rank(ranking, target))
        s1.append(success_at(ranking, target, 1))
        s3.append(success_at(ranking, target, 3))
        if item["variant"] == "issue":  # the seed's rank however deep (issue 14 saw it 16th), untimed
            deep = ranker(session, item["query"], ISSUE_DEPTH)
            issue[item["query"]] = deep.index(target) + 1 if target in deep else None
    for need in queries["topical"]:
        judged = {ids[key]: grade for key, grade in judged_keys(need["judged"]).items()}
        for query in need["queries"]:
            started = time.perf_counter()
            ranking = ranker(session, query, k)
            seconds.append(time.perf_counter() - started)
            ndcg.append(ndcg_at(ranking, judged, k))
    return {"mrr": mean(rr), "success_at_1": mean(s1), "success_at_3": mean(s3), "ndcg_at_10": mean(ndcg),
            "known_item_queries": len(rr), "topical_queries": len(ndcg),
            "p50_ms": 1000 * percentile(seconds, 0.5), "p95_ms": 1000 * percentile(seconds, 0.95),
            "issue_ranks": issue}


def run_engine(url: str, archive: str, queries: dict, rankers: list[str] | None, log=print) -> list[dict]:
    from db.engine import get_engine, session_factory

    prepare(url, archive, log)
    engine = get_engine(url)
    results = []
    with session_factory(url)() as session:
        ids = archive_ids(session)
        for name, ranker in RANKERS[engine.dialect.name].items():
            if rankers and name not in rankers:
                continue
            results.append({"ranker": name, "engine": engine.dialect.name,
                            **evaluate(session, ranker, queries, ids)})
    engine.dispose()
    return results


ISSUE_QUERIES = ("Hội nghị trực tuyến", "hoi nghi truc tuyen", "quan triet chuong trinh hanh dong nghi quyet tw 8")


def seed_ranks(url: str, rankers: list[str] | None = None) -> dict[str, dict[str, int | None]]:
    """Issue 14's own scenario: the seed's rank for the issue's queries in a demo archive (`make demo`), per
    ranker of its engine; the seed is found by its title (the replica's data). The archive is only read, so
    the rankers needing the bench's side table are left out."""
    from crawler.replica.content import load_seed
    from db.engine import get_engine, session_factory

    engine = get_engine(url)
    ranks: dict[str, dict[str, int | None]] = {}
    with session_factory(url)() as session:
        seed = session.execute(text("SELECT id FROM articles WHERE title = :t"), {"t": load_seed()["title"]}).scalar()
        if seed is None:
            raise NotThatArchive(f"{url}: no seed article (not a demo archive)")
        for name, ranker in RANKERS[engine.dialect.name].items():
            if name == "fts5-bm25" or (rankers and name not in rankers):
                continue
            ranks[name] = {}
            for query in ISSUE_QUERIES:
                ranking = ranker(session, query, ISSUE_DEPTH)
                ranks[name][query] = ranking.index(seed) + 1 if seed in ranking else None
    engine.dispose()
    return ranks


def _ranks(ranks: dict[str, int | None]) -> str:
    return ", ".join(f"{query!r}: {rank or f'>{ISSUE_DEPTH}'}" for query, rank in ranks.items())


def table(results: list[dict]) -> str:
    lines = [f"{'ranker':<16} {'engine':<10} {'MRR@10':>7} {'S@1':>6} {'S@3':>6} {'nDCG@10':>8} {'p50 ms':>8} "
             f"{'p95 ms':>8}  issue 14 (seed's rank)"]
    for r in results:
        lines.append(f"{r['ranker']:<16} {r['engine']:<10} {r['mrr']:>7.3f} {r['success_at_1']:>6.3f} "
                     f"{r['success_at_3']:>6.3f} {r['ndcg_at_10']:>8.3f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f}  "
                     + _ranks(r["issue_ranks"]))
    return "\n".join(lines)


def pg_schema_url(url: str, archive: str) -> str:
    from bench.synthetic import schema_url

    return schema_url(url, f"relevance_{archive}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small archive and its query set")
    parser.add_argument("--db", metavar="URL", help="SQLite archive to reuse (built there when empty)")
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL database (a schema relevance_<archive> in it)")
    parser.add_argument("--ranker", action="append", help="only these rankers (repeatable)")
    parser.add_argument("--demo", metavar="URL", help="also: the seed's rank for issue 14's queries in this demo "
                                                      "archive (read only)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON instead of the table")
    args = parser.parse_args(argv)
    archive = "small" if args.quick else "bench"
    queries = load_set(archive)
    log = (lambda line: print(line, file=sys.stderr)) if args.json else print
    log(f"query set {archive}: {len(queries['known_item'])} known-item, "
        f"{sum(len(t['queries']) for t in queries['topical'])} topical queries ({len(queries['topical'])} needs)")
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="pw-relevance-") as scratch:
            url = args.db or f"sqlite:///{scratch}/relevance-{archive}.sqlite3"
            results += run_engine(url, archive, queries, args.ranker, log)
            if args.pg:
                results += run_engine(pg_schema_url(args.pg, archive), archive, queries, args.ranker, log)
            else:
                log("PostgreSQL: skipped (no --pg URL)")
        demo = seed_ranks(args.demo, args.ranker) if args.demo else None
    except NotThatArchive as exc:
        print(f"relevance: {exc}", file=sys.stderr)
        return 2
    if args.json:
        extra = {"demo_seed_ranks": demo} if demo else {}
        print(json.dumps({"archive": archive, "k": K, "results": results, **extra}, indent=1, ensure_ascii=False))
        return 0
    print(table(results))
    for name, ranks in (demo or {}).items():
        print(f"demo archive, {name}: seed's rank {_ranks(ranks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
