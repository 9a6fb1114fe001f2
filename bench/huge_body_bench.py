#!/usr/bin/env python
"""A 20 MB body against a normal article, in the same run: the time to store each, to find it (the whole search:
index, ranking, exact diacritics, loading the row) and to build its snippet.

    python bench/huge_body_bench.py                      # a scratch SQLite archive under /tmp
    python bench/huge_body_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test   # a scratch schema

The huge body is tests/test_search_bounds.huge_body: numbered Vietnamese paragraphs ("Điều 17. …", a great many
distinct words), "Nghị quyết" in half of them. Search reads its first db.search.bounds.BODY_CHARS characters;
before that cap, its snippet took hours (quadratic in the ~50,000 matches; 14 s for 1 MB) and PostgreSQL spent
minutes refusing to store it (its tsvector over 1 MB).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.synthetic import schema_url  # noqa: E402
from db.engine import get_engine, session_factory  # noqa: E402
from db.models import Article, Portal  # noqa: E402
from db.schema import upgrade  # noqa: E402
from db.search import search, snippet  # noqa: E402
from db.search.bounds import BODY_CHARS  # noqa: E402
from tests.test_search_bounds import PARAGRAPHS, huge_body  # noqa: E402

T0 = datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc)


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def _store(url: str, portal_id: int, external_id: str, body: str) -> int:
    with session_factory(url).begin() as session:
        article = Article(portal_id=portal_id, external_id=external_id, url=f"https://p.gov.vn/{external_id}",
                          title=f"Tin {external_id}", summary="", body_text=body, category="",
                          content_hash=external_id, first_seen_at=T0, last_fetched_at=T0, published_at=T0)
        session.add(article)
        session.flush()
        return article.id


def measure(url: str, megabytes: float, repeat: int) -> None:
    upgrade(url)
    with session_factory(url).begin() as session:
        portal = Portal(key="p", name="P", base_url="https://p.gov.vn", profile="hanoi")
        session.add(portal)
        session.flush()
        portal_id = portal.id
    bodies = {"normal": "\n".join(f"Điều {i}. {PARAGRAPHS[i % len(PARAGRAPHS)]}" for i in range(30)),
              "huge": huge_body(int(megabytes * 1_000_000))}
    print(f"{get_engine(url).dialect.name}: bodies of {len(bodies['normal']):,} and {len(bodies['huge']):,} "
          f"characters (search reads the first {BODY_CHARS:,})")
    stored = {name: _timed(lambda: _store(url, portal_id, name, body))[1] for name, body in bodies.items()}
    print(f"{'article':<8} {'store ms':>9} {'search ms':>10} {'snippet ms':>11}  snippet")
    for name in bodies:
        # the article alone, found by its title word and a word of its body (best of `repeat` runs of the whole
        # search, after one warm-up), then its snippet for the body words
        query = f"{name} nghị quyết"
        with session_factory(url)() as session:
            search(session, query)
            result, seconds = min((_timed(lambda: search(session, query)) for _ in range(repeat)), key=lambda r: r[1])
            (hit,) = result.items
            snip, snip_seconds = _timed(lambda: snippet(hit.article, result.query))
        print(f"{name:<8} {stored[name] * 1000:9.0f} {seconds * 1000:10.1f} {snip_seconds * 1000:11.1f}  {snip[:60]}…")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a PostgreSQL URL (a scratch schema is made and dropped); default SQLite in /tmp")
    parser.add_argument("--megabytes", type=float, default=20.0, help="size of the huge body (default 20)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.db:
        schema = f"pw_huge_{uuid.uuid4().hex[:8]}"
        try:
            measure(schema_url(args.db, schema), args.megabytes, args.repeat)
        finally:
            get_engine(schema_url(args.db, schema)).dispose()
            admin = create_engine(args.db)
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        return 0
    folder = tempfile.mkdtemp(prefix="pw_huge_", dir="/tmp")
    try:
        measure(f"sqlite:///{folder}/archive.sqlite3", args.megabytes, args.repeat)
    finally:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
