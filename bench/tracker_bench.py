#!/usr/bin/env python
"""Resolution tracker benchmark: p50/p95 of one document's page and of the documents list's first page, read
through the query layer (db/tracker.py) on an existing archive, opened read-only.

    python bench/synthetic.py --articles 1000000 --db sqlite:////tmp/pw_synth_1m.sqlite3
    python bench/tracker_bench.py --db sqlite:////tmp/pw_synth_1m.sqlite3 --number 23-NQ/TU --number 1-NQ/TU

What is measured, each ``--repeat`` times after one warm-up run (warm cache):
* ``document_tracker`` for each ``--number``: the first page of its mentions (``--limit``, 100 as the API) with
  mention_count and coverage aggregated in SQL (db/mentions.py);
* the whole mention list of the same document as one page read it before paging (every mention row loaded and
  sorted in Python, ``db.tracker._mentions``), in the same run, for the ratio;
* ``list_documents`` first page (50 documents, each with every mention: the listing's contract);
* with ``--explain``, SQLite's query plan of each statement the tracker sends.
A SQLite archive is opened with ``mode=ro``: the benchmark never writes to it.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402


def read_only_engine(url: str):
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return create_engine(f"sqlite:///file:{parsed.database}?mode=ro&uri=true")
    return create_engine(parsed.set(drivername="postgresql+psycopg") if parsed.drivername == "postgresql" else parsed)


def timed(fn, repeat: int) -> tuple[float, float, object]:
    result = fn()  # warm-up
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    p95 = runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))]
    return statistics.median(runs), p95, result


def explain(engine, fn) -> None:
    sent = []
    listener = lambda conn, cursor, statement, params, *rest: sent.append((statement, params))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    fn()
    event.remove(engine, "before_cursor_execute", listener)
    with engine.connect() as conn:
        for statement, params in sent:
            if "document_mentions" in statement:
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
                print("   ", " ".join(statement.split())[:140], "…")
                for row in plan:
                    print("       ", row[-1])


def main(argv=None) -> int:
    from db.models import Document
    from db.tracker import _mentions, document_tracker, list_documents

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True)
    p.add_argument("--number", action="append", help="canonical numbers to track (default 23-NQ/TU)")
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--explain", action="store_true")
    args = p.parse_args(argv)
    engine = read_only_engine(args.db)
    scopes: dict[str, str] = {}  # every synthetic portal is unregistered: a scope of its own
    print(f"archive {args.db}; {args.repeat} runs each after a warm-up; milliseconds")
    with Session(engine) as session:
        for number in args.number or ["23-NQ/TU"]:
            doc_id = session.scalar(select(Document.id).where(Document.canonical == number))
            if doc_id is None:
                print(f"{number}: not in this archive")
                continue
            p50, p95, doc = timed(lambda: document_tracker(session, number, scopes, limit=args.limit), args.repeat)
            print(f"document_tracker {number:<10} {doc['mention_count']:>7,} mentions  first page of "
                  f"{len(doc['mentions'])}: p50 {p50:8.1f}  p95 {p95:8.1f}")
            f50, f95, _ = timed(lambda: _mentions(session, [doc_id]), max(3, args.repeat // 4))
            print(f"  every mention loaded (before paging)          : p50 {f50:8.1f}  p95 {f95:8.1f}"
                  f"  ({f50 / p50:.1f}× the page)")
            if args.explain:
                explain(engine, lambda: document_tracker(session, number, scopes, limit=args.limit))
        p50, p95, page = timed(lambda: list_documents(session, limit=50), args.repeat)
        mentions = sum(d["mention_count"] for d in page.documents)
        print(f"list_documents first page ({len(page.documents)} of {page.total:,} documents, {mentions:,} mentions): "
              f"p50 {p50:8.1f}  p95 {p95:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
