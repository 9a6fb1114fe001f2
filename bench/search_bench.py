#!/usr/bin/env python
"""Search benchmark: p50/p95 latency of a fixed set of queries, full-text index vs a naive LIKE scan measured in
the same run, archive size on disk per 1,000 articles, and the ingest rate of the real write path.

    python bench/synthetic.py --articles 1000000 --db sqlite:////tmp/pw_synth_1m.sqlite3
    python bench/search_bench.py --db sqlite:////tmp/pw_synth_1m.sqlite3 --ingest 20000
    python bench/search_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test --schema pw_bench_1m --ingest 20000

What is measured
* FTS: ``db.search.search()`` end to end (query parsing, index lookup, ranking, exact-diacritics check, loading
  the 20 Article rows), warm cache, each query ``--repeat`` times after one warm-up run; p50/p95 over all runs.
* LIKE: the naive scan the CLI used before (every word as typed must be a substring of title, summary or body —
  ``ILIKE``; same filters; newest first; LIMIT 20). It cannot fold (``hoi dong`` never finds ``Hội đồng``), so
  only its latency is comparable. When a LIKE run is slow, it is measured on a sample of the queries only
  (``--like-budget`` seconds in all); the ratio is then taken against FTS on the same sample. Both are printed.
* Size: SQLite main file + WAL (+ shm); PostgreSQL: sum of pg_total_relation_size over the archive's tables.
* Ingest (``--ingest N``): ``db.store.ArchiveWriter.write_articles(portal_id, records)`` into a scratch archive
  of the same engine (a file under /tmp, or a new schema), batches of ``--ingest-batch`` records of synthetic
  articles (same generator) with a real replica page each, first as new articles, then re-crawled with new view
  counts, then re-crawled again with 10 % of them edited; ``--ingest-into URL`` writes into that archive instead
  (a copy of a large one, to see the rate into a full index).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, or_, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.synthetic import Generator, schema_url  # noqa: E402
from db.engine import get_engine, session_factory  # noqa: E402
from db.models import Article, Portal  # noqa: E402
from db.search import QueryError, search  # noqa: E402
from db.search.filters import build_filters  # noqa: E402

# (label, query, filters) — folded and exact, phrases, document numbers, with and without filters.
QUERIES = [  # labels must be unique
    ("folded, very common", "nghi quyet", {}),
    ("exact, very common", "Nghị quyết", {}),
    ("folded, 3 words", "hoi dong nhan dan", {}),
    ("exact, 3 words", "Hội đồng nhân dân", {}),
    ("folded, đ, 4 words", "ban chap hanh dang", {}),
    ("folded, 2 words", "thanh uy", {}),
    ("exact, old tone placement", "Thành uỷ", {}),
    ("exact vs đăng/đang", "Đảng", {}),
    ("folded, 4 words", "dang ky ket hon", {}),
    ("phrase, folded", '"cai cach hanh chinh"', {}),
    ("phrase, exact", '"Ban Chấp hành Đảng bộ"', {}),
    ("document number", "23-NQ/TU", {}),
    ("document number, state", "123/QĐ-UBND", {}),
    ("rare words", "vneid dinh danh dien tu", {}),
    ("+ site", "chuyen doi so", {"site": "p007"}),
    ("+ date range", "phong chay chua chay", {"date_from": date(2024, 1, 1), "date_to": date(2024, 12, 31)}),
    ("+ category", "khuyen hoc", {"category": "Chuyển đổi số"}),
    ("+ doc type", "nghi quyet", {"doc_type": "CTr"}),
    ("+ doc number", "ke hoach", {"doc_number": "45/KH-UBND"}),
    ("order=date, common", "an toan thuc pham", {"order": "date"}),
    ("order=date, rare", "23-NQ/TU", {"order": "date"}),
    ("page 5", "hoi nghi", {"offset": 80}),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def like_search(session, query: str, *, order: str = "date", offset: int = 0, limit: int = 20, **filters):
    """The naive scan: every word (as typed, case-insensitive) a substring of title, summary or body."""
    stmt = select(Article, Portal.key).join(Portal, Portal.id == Article.portal_id)
    for word in query.replace('"', " ").split():
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Article.title.ilike(pattern, escape="\\"), Article.summary.ilike(pattern, escape="\\"),
                              Article.body_text.ilike(pattern, escape="\\")))
    where = build_filters(session, include_removed=False, **{k: filters.get(k) for k in (
        "site", "date_from", "date_to", "category", "doc_type", "doc_number")}).where
    stmt = stmt.where(*where).order_by(Article.published_at.desc(), Article.id.desc()).limit(limit).offset(offset)
    return session.execute(stmt).all()


def archive_size(url: str) -> tuple[int, str]:
    engine = get_engine(url)
    if engine.dialect.name == "sqlite":
        path = Path(make_url(url).database)
        files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        return sum(p.stat().st_size for p in files), " + ".join(f"{p.name} {p.stat().st_size / 1e6:,.1f} MB" for p in files)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace ORDER BY 2 DESC")).all()
        gin = connection.execute(text("SELECT coalesce(pg_relation_size(to_regclass('ix_articles_search_tsv')), 0)")).scalar()
    detail = ", ".join(f"{name} {size / 1e6:,.0f} MB" for name, size in rows[:5]) + f" (GIN index {gin / 1e6:,.0f} MB)"
    return sum(size for _, size in rows), detail


def index_size(url: str) -> str:
    engine = get_engine(url)
    if engine.dialect.name != "sqlite":
        return ""
    with engine.connect() as connection:
        try:
            size = connection.execute(text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'article_fts%'")).scalar()
        except Exception:  # dbstat not compiled in
            return ""
    return f"FTS5 index {size / 1e6:,.0f} MB"


def run_queries(session, fn, queries, repeat: int, budget: float | None = None) -> tuple[dict, float]:
    """Latencies (ms) per query label; stops early (keeping whole rounds) when over the time budget."""
    times: dict[str, list[float]] = {label: [] for label, _, _ in queries}
    started = time.perf_counter()
    for _ in range(repeat):
        for label, query, kwargs in queries:
            t = time.perf_counter()
            fn(session, query, **kwargs)
            times[label].append((time.perf_counter() - t) * 1000)
            if budget is not None and time.perf_counter() - started > budget:
                return {k: v for k, v in times.items() if v}, time.perf_counter() - started
    return times, time.perf_counter() - started


def bench_search(url: str, repeat: int, like_repeat: int, like_budget: float) -> dict:
    Session = session_factory(url)
    engine = get_engine(url)
    with Session() as session:
        articles = session.scalar(select(func.count()).select_from(Article))
        print(f"archive: {articles:,} articles on {engine.dialect.name} ({engine.url.render_as_string()})")
        # warm-up, and what each query finds
        counts = {}
        for label, query, kwargs in QUERIES:
            result = search(session, query, **kwargs)
            counts[label] = f"{result.total}{'' if result.total_exact else '+'}"
        fts, fts_seconds = run_queries(session, lambda s, q, **k: search(s, q, **k), QUERIES, repeat)
        like_q = [(label, query, {**kwargs, "order": "date"}) for label, query, kwargs in QUERIES]
        like, like_seconds = run_queries(session, like_search, like_q, like_repeat, like_budget)
    all_fts = [t for v in fts.values() for t in v]
    print(f"\n{'query':<28} {'text':<26} {'matches':>8} {'FTS ms':>8} {'LIKE ms':>9}")
    for label, query, kwargs in QUERIES:
        like_ms = f"{statistics.median(like[label]):9.1f}" if like.get(label) else "        -"
        print(f"{label:<28} {query[:26]:<26} {counts[label]:>8} {statistics.median(fts[label]):8.1f} {like_ms}")
    measured = [label for label in like if like[label]]
    fts_same = [t for label in measured for t in fts[label]]
    all_like = [t for label in measured for t in like[label]]
    out = {
        "articles": articles, "fts_p50": percentile(all_fts, 0.5), "fts_p95": percentile(all_fts, 0.95),
        "fts_runs": len(all_fts), "like_queries": len(measured), "like_runs": len(all_like),
        "like_p50": percentile(all_like, 0.5), "like_p95": percentile(all_like, 0.95),
        "fts_same_p50": percentile(fts_same, 0.5), "fts_same_p95": percentile(fts_same, 0.95),
        "fts_seconds": fts_seconds, "like_seconds": like_seconds,
    }
    print(f"\nFTS  ({engine.dialect.name}): p50 {out['fts_p50']:.1f} ms, p95 {out['fts_p95']:.1f} ms "
          f"over {len(QUERIES)} queries x {repeat} runs ({out['fts_runs']} timings, warm cache)")
    print(f"LIKE ({engine.dialect.name}): p50 {out['like_p50']:.1f} ms, p95 {out['like_p95']:.1f} ms "
          f"over {len(measured)} of {len(QUERIES)} queries ({out['like_runs']} timings, budget {like_budget:.0f} s)")
    print(f"FTS on the same {len(measured)} queries: p50 {out['fts_same_p50']:.1f} ms, p95 {out['fts_same_p95']:.1f} ms"
          f" -> LIKE/FTS ratio: p50 {out['like_p50'] / out['fts_same_p50']:.0f}x, "
          f"p95 {out['like_p95'] / out['fts_same_p95']:.0f}x")
    if engine.dialect.name == "postgresql":
        out["pairs"] = bench_without_number_pairs(Session, fts, repeat)
    size, detail = archive_size(url)
    out["bytes"] = size
    print(f"archive size on disk: {size / 1e6:,.1f} MB = {size / max(articles, 1) * 1000 / 1e6:,.2f} MB per 1,000 "
          f"articles ({detail}{'; ' + index_size(url) if index_size(url) else ''})")
    return out


def bench_without_number_pairs(Session, fts: dict, repeat: int) -> dict:
    """PostgreSQL: the phrases with a number again, their number-pair lexemes left out of the query (the plan
    before migration 0006), against the timings above: the same archive, the same run."""
    import db.search.query as query_module

    numbered = [(label, query, kwargs) for label, query, kwargs in QUERIES
                if any(query_module.number_pairs(t.tokens) for t in query_module.parse_query(query).terms)]
    kept = query_module.number_pairs
    query_module.number_pairs = lambda words: []
    try:
        with Session() as session:
            without, _ = run_queries(session, lambda s, q, **k: search(s, q, **k), numbered, max(1, repeat // 2))
    finally:
        query_module.number_pairs = kept
    print(f"\nphrases with a number on PostgreSQL, with / without their number pairs (migration 0006):")
    ratios = {}
    for label, query, _ in numbered:
        with_ms, without_ms = statistics.median(fts[label]), statistics.median(without[label])
        ratios[label] = without_ms / with_ms
        print(f"  {label:<28} {query[:26]:<26} {with_ms:8.1f} ms / {without_ms:8.1f} ms = {ratios[label]:.0f}x")
    return ratios


# ---- ingest through the real write path ------------------------------------------------------------------------


PAGE_FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "hanoi" / "caugiay_plain.html"


def page_template() -> str:
    """A real page of the replica's Hanoi platform (header, menus, sidebars, related news, footer) with its
    title, sapo and article body as fields: the raw page the writer compresses and stores with each version."""
    html = PAGE_FIXTURE.read_text(encoding="utf-8").replace("{", "{{").replace("}", "}}")
    html = re.sub(r'(<h1 class="detail-title"[^>]*>).*?(</h1>)', r"\1{title}\2", html, count=1, flags=re.S)
    html = re.sub(r'(<h2 class="detail-sapo"[^>]*>).*?(</h2>)', r"\1{summary}\2", html, count=1, flags=re.S)
    return re.sub(r'(<div class="detail-content[^>]*>).*?(\n </div>\n <div class="detail-author">)', r"\1{body}\2",
                  html, count=1, flags=re.S)


MINIMAL_PAGE = "<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{summary}</p>{body}</body></html>"
PAGES = ("replica", "minimal")


def records_for(count: int, seed: int = 7, page: str = "replica") -> list[tuple[str, list[dict]]]:
    """Synthetic crawl records, grouped by portal key, each with its raw page: a real replica page around the
    article (page_template, ~14 KiB), or a minimal one (the article alone, ~3 KiB; the bench before 0005)."""
    page = page_template() if page == "replica" else MINIMAL_PAGE
    gen = Generator(count, 4, seed)
    rows = gen.chunk(0, count)["articles"]
    by_portal: dict[str, list[dict]] = {}
    for row in rows:
        (article_id, portal_id, external_id, url, title, summary, body, author, source, category, _tags, published,
         _has_time, _updated, views, _hash, _by, first_seen, _fetched, _removed) = row
        published_at = datetime.strptime(published, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
        fetched_at = datetime.strptime(first_seen, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
        html = page.format(title=escape(title), summary=escape(summary),
                           body="".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n")))
        by_portal.setdefault(Generator.key(portal_id - 1), []).append({
            "external_id": external_id, "url": url, "title": title, "summary": summary, "body_text": body,
            "author": author, "source": source, "category": category, "tags": [], "published_at": published_at,
            "published_has_time": True, "updated_at": None, "views": views, "extracted_by": "hanoi",
            "fetched_at": fetched_at, "attachments": [], "references": [], "raw_html": html,
            "content_type": "text/html",
        })
    return list(by_portal.items())


def _portals(writer, groups) -> dict[str, int]:
    return {key: writer.ensure_portal(key, f"Cổng {key}", f"https://{key}.hanoi.gov.vn", "hanoi") for key, _ in groups}


def _write_all(writer, portals: dict[str, int], groups, batch: int) -> None:
    """Every record through ArchiveWriter.write_articles, portal by portal, `batch` records at a time."""
    for key, records in groups:
        for start in range(0, len(records), batch):
            writer.write_articles(portals[key], records[start:start + batch])


def bench_ingest(url: str, count: int, batch: int, into: str | None = None, page: str = "replica") -> dict:
    """Ingest into a scratch archive of url's engine, or into the archive `into` (a copy of a big one: the new
    articles go to portals of their own, "<key>-ingest-<random>", and stay there)."""
    from db.store import ArchiveWriter

    engine_name = get_engine(into or url).dialect.name
    scratch, cleanup = (into, lambda: None) if into else _scratch(url)
    try:
        suffix = f"-ingest-{uuid.uuid4().hex[:6]}"  # portals of their own: every article is new to the archive
        groups = [(key + suffix if into else key, records) for key, records in records_for(count, page=page)]
        writer = ArchiveWriter(scratch)
        portals = _portals(writer, groups)
        if into:
            with get_engine(into).connect() as connection:
                existing = connection.execute(select(func.count()).select_from(Article)).scalar()
            print(f"ingest into {into}: {existing:,} articles already there")
        out = {}
        phases = ("new", "re-crawl (views changed)", "re-crawl (views changed, 10% edited)")
        for number, phase in enumerate(phases):
            if number:  # the next crawl an hour later: every counter moved, and for the last phase some texts
                for _, records in groups:
                    for index, record in enumerate(records):
                        record["fetched_at"] += timedelta(hours=1)
                        record["views"] += 17
                        if number == 2 and index % 10 == 0:
                            record["body_text"] += "\n\nCập nhật: bổ sung danh sách đơn vị tham gia."
            started, cpu = time.perf_counter(), time.process_time()
            _write_all(writer, portals, groups, batch)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            out[phase] = count / seconds
            print(f"ingest ({engine_name}, ArchiveWriter.write_articles, batches of {batch}): {count:,} articles {phase} "
                  f"in {seconds:.1f} s = {count / seconds:,.0f} articles/s ({count / cpu:,.0f} per CPU-second of "
                  f"this process)")
        if engine_name == "sqlite" and not into:
            size, _ = archive_size(scratch)
            print(f"ingest archive on disk: {size / count * 1000 / 1e6:.1f} MB per 1,000 articles (raw pages of "
                  f"{sum(len(r['raw_html'].encode()) for _, rs in groups for r in rs) / count / 1024:.1f} KiB "
                  f"included, compressed, and three crawls' versions and view samples)")
            out["previous index"] = bench_ingest_previous_index(url, count, batch, page)
            print(f"  -> new articles {out['new'] / out['previous index']:.2f}x as fast as into revision 0004's index")
        return out
    finally:
        cleanup()


def bench_ingest_previous_index(url: str, count: int, batch: int, page: str) -> float:
    """SQLite: the same new articles into an archive left at revision 0004 — the index before migration 0005
    (text folded by Python callbacks, one FTS5 insert per row from a trigger) — in the same run."""
    from sqlalchemy import event

    from vntext.textnorm import fold
    from db import schema
    from db.store import ArchiveWriter

    scratch, cleanup = _scratch(url)
    try:
        engine = get_engine(scratch)
        event.listen(engine, "connect", lambda dbapi, _: dbapi.create_function("pw_fold", 1, fold, deterministic=True))
        schema.upgrade(scratch, "0004")
        schema._upgraded.add(scratch)  # the writer must leave it at 0004
        writer = ArchiveWriter(scratch)
        groups = records_for(count, page=page)
        portals = _portals(writer, groups)
        started = time.perf_counter()
        _write_all(writer, portals, groups, batch)
        seconds = time.perf_counter() - started
        with engine.connect() as connection:
            found = connection.exec_driver_sql(
                "SELECT count(*) FROM article_fts WHERE article_fts MATCH 'nghi'").scalar()  # it did index them
        print(f"ingest (sqlite, revision 0004's index, same records): {count:,} articles new in {seconds:.1f} s = "
              f"{count / seconds:,.0f} articles/s ({found:,} of them indexed under 'nghi')")
        return count / seconds
    finally:
        cleanup()


def _scratch(url: str):
    if get_engine(url).dialect.name == "sqlite":
        folder = tempfile.mkdtemp(prefix="pw_ingest_", dir="/tmp")
        path = Path(folder) / "ingest.sqlite3"

        def cleanup():
            get_engine(f"sqlite:///{path}").dispose()
            for p in Path(folder).iterdir():
                p.unlink()
            os.rmdir(folder)
        return f"sqlite:///{path}", cleanup
    schema = f"pw_ingest_{uuid.uuid4().hex[:8]}"
    base = make_url(url)
    base = base.difference_update_query(["options"]).render_as_string(hide_password=False)
    scratch = schema_url(base, schema)

    def cleanup():
        get_engine(scratch).dispose()
        admin = create_engine(base)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return scratch, cleanup


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, metavar="URL", help="the archive to query (see bench/synthetic.py)")
    parser.add_argument("--schema", help="PostgreSQL: the schema holding the archive")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each FTS query (default 5)")
    parser.add_argument("--like-repeat", type=int, default=3, help="timed runs of each LIKE query (default 3)")
    parser.add_argument("--like-budget", type=float, default=300, help="seconds allowed for the LIKE runs (default 300)")
    parser.add_argument("--ingest", type=int, default=0, metavar="N", help="also measure ingest of N articles")
    parser.add_argument("--ingest-batch", type=int, default=500)
    parser.add_argument("--ingest-page", choices=PAGES, default="replica",
                        help="raw page stored with each ingested article (default: a real replica page)")
    parser.add_argument("--ingest-into", metavar="URL", help="ingest into this archive (a copy: it keeps the articles) "
                                                             "instead of a new, empty one")
    parser.add_argument("--skip-search", action="store_true", help="only the ingest measurement")
    args = parser.parse_args(argv)
    url = schema_url(args.db, args.schema)
    if not args.skip_search:
        try:
            bench_search(url, args.repeat, args.like_repeat, args.like_budget)
        except QueryError as exc:
            print(f"error: {exc}")
            return 2
    if args.ingest:
        try:
            bench_ingest(url, args.ingest, args.ingest_batch, args.ingest_into, args.ingest_page)
        except Exception as exc:  # the write path is someone else's moving target: report, do not hide
            print(f"ingest through db.store.ArchiveWriter failed: {type(exc).__name__}: {exc}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
