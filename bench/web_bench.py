#!/usr/bin/env python
"""Web benchmark: p50/p95 latency of the pages and JSON API the app serves, over real HTTP, in one run.

    python bench/synthetic.py --articles 1000000 --db sqlite:////tmp/pw_synth_1m.sqlite3
    python bench/web_bench.py --db sqlite:////tmp/pw_synth_1m.sqlite3

What is measured
* The real app (monitor.web.create_app, what ``portalwatch web`` serves) run by uvicorn on 127.0.0.1 in a
  child process (its own interpreter: the client's timing does not share a GIL with the server), reading the
  archive ``--db`` — the archive is only read: its schema must already be current (the bench refuses to
  upgrade it; upgrade a copy).
* A client on one kept-alive HTTP/1.1 connection (http.client) times each request from sending it to the
  last byte of the body. Every URL is requested once first (warm-up: the SQLite page cache, Jinja's compiled
  templates), then the URLs of all kinds are requested round after round (``--rounds``), interleaved, so a
  noisy moment of the machine falls on every kind alike.
* Kinds: the search page (several realistic queries, typed with and without diacritics, a document number,
  with a portal, dates, category and document-type filters; the page computes counts per portal and per
  document type) and its /api/search twin (the same query string, as the page's JSON link); the article page
  and /api/articles/ID (random ids, fixed seed); the tracker page and /api/docs/NUMBER (23-NQ/TU and the
  documents of the archive cited most, at the median and least); the events page and /api/events; and two
  trivial responses (/static/style.css, /api/openapi.json) as the baseline.
* Printed: count, p50, p95 and max per kind, and each kind's p50 divided by the baseline's p50 (same run, same
  server: a figure that moves less with the machine's load than milliseconds do), and the archive's size.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.search_bench import archive_size, percentile  # noqa: E402
from db.engine import session_factory  # noqa: E402
from db.models import Article, Document, DocumentMention, Portal  # noqa: E402

# Where bench/synthetic.py's docstring builds the 1,000,000-article archive.
DEFAULT_DB = os.environ.get("PORTALWATCH_BENCH_DB", "sqlite:////tmp/pw_synth_1m.sqlite3")
# (query string parameters) of the search page: folded and exact, a document number, filters.
SEARCHES = [
    {"q": "nghi quyet 23"},
    {"q": "hội đồng nhân dân"},
    {"q": "23-NQ/TU"},
    {"q": "khuyen hoc"},
    {"q": "chuyen doi so", "site": "{site}"},
    {"q": "phong chay chua chay", "from": "01/01/2024", "to": "31/12/2024"},
    {"q": "khuyen hoc", "category": "Chuyển đổi số"},
    {"q": "nghi quyet", "doc_type": "CTr"},
    {"q": "Thành ủy", "order": "date"},
]
BASELINE = "baseline"
SERVER = """
import sys, uvicorn
sys.path.insert(0, sys.argv[3])
from monitor.web import create_app
uvicorn.run(create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            server_header=False, access_log=False)
"""


def schema_is_current(url: str) -> tuple[bool, str]:
    """(whether the archive is at the newest migration, its revision): the bench never writes it."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from db.engine import get_engine
    from db.schema import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with get_engine(url).connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current == head, f"{current} (head {head})"


def pick_urls(url: str, articles: int, seed: int) -> dict[str, list[str]]:
    """The URLs of each kind, read from the archive (a portal with articles, random article ids, documents)."""
    rnd = random.Random(seed)
    Session = session_factory(url)
    with Session() as session:
        site = session.scalar(select(Portal.key).order_by(Portal.id))
        top = select(DocumentMention.document_id, func.count().label("n")).group_by(
            DocumentMention.document_id).subquery()
        cited = session.execute(select(Document.canonical, top.c.n).join(top, top.c.document_id == Document.id)
                                .order_by(top.c.n.desc(), Document.id)).all()
        high_id = session.scalar(select(func.max(Article.id))) or 1
    numbers = ["23-NQ/TU"]
    if cited:
        numbers += [cited[0][0], cited[len(cited) // 2][0], cited[-1][0]]
    numbers = list(dict.fromkeys(numbers))
    searches = ["/?" + urlencode({k: v.format(site=site) for k, v in params.items()}) for params in SEARCHES]
    ids = [rnd.randint(1, high_id) for _ in range(articles)]
    docs = ["/docs/" + quote(n, safe="") for n in numbers]
    return {
        "search page": searches,
        "/api/search": ["/api/search" + s[1:] for s in searches],
        "article page": [f"/articles/{i}" for i in ids],
        "/api/articles": [f"/api/articles/{i}" for i in ids],
        "tracker page": docs,
        "/api/docs/N": ["/api" + d for d in docs],
        "events page": ["/events", "/events?order=oldest"],
        "/api/events": ["/api/events?order=newest", "/api/events"],
        BASELINE: ["/static/style.css", "/api/openapi.json"],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-c", SERVER, url, str(port), str(ROOT)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/static/style.css")
            connection.getresponse().read()
            connection.close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not answer within 60 s")


def fetch(connection: http.client.HTTPConnection, path: str) -> tuple[float, int, int]:
    """(milliseconds to the last byte, status, body bytes)."""
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    return (time.perf_counter() - started) * 1000, response.status, len(body)


def run(port: int, urls: dict[str, list[str]], rounds: int) -> tuple[dict, dict[str, int], dict[str, list[float]]]:
    """(milliseconds per kind, each URL's status at warm-up, milliseconds per URL)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    statuses: dict[str, int] = {}
    for kind, paths in urls.items():  # warm-up: every URL once
        for path in paths:
            _, status, _ = fetch(connection, path)
            statuses[path] = status
    times: dict[str, list[float]] = {kind: [] for kind in urls}
    per_url: dict[str, list[float]] = {}
    for _ in range(rounds):
        for kind, paths in urls.items():
            for path in paths:
                ms, status, _ = fetch(connection, path)
                if status != statuses[path]:
                    raise SystemExit(f"{path}: status {status}, {statuses[path]} at warm-up")
                times[kind].append(ms)
                per_url.setdefault(path, []).append(ms)
    connection.close()
    return times, statuses, per_url


def report(times: dict[str, list[float]], statuses: dict[str, int], detail: dict[str, list[float]] | None) -> None:
    base = statistics.median(times[BASELINE])
    print(f"{'kind':<14} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p50/baseline':>13}")
    for kind, values in times.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"{kind:<14} {len(values):>5} {p50:>8.1f} {p95:>8.1f} {max(values):>8.1f} {p50 / base:>12.1f}x")
    for path, values in (detail or {}).items():
        if "/articles/" in path:
            continue
        print(f"  {statistics.median(values):8.1f} ms  {path}")
    odd = {path: status for path, status in statuses.items() if status != 200}
    if odd:
        print("not 200: " + ", ".join(f"{path} {status}" for path, status in odd.items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=DEFAULT_DB, metavar="URL",
                        help="the archive (read only; default $PORTALWATCH_BENCH_DB or the 1M synthetic archive)")
    parser.add_argument("--rounds", type=int, default=5, help="timed requests of every URL (default 5)")
    parser.add_argument("--articles", type=int, default=20, help="random article ids (default 20)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--detail", action="store_true", help="also the p50 of every URL but the articles'")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.articles < 1:
        print("--rounds and --articles must be at least 1", file=sys.stderr)
        return 2
    if args.db.startswith("sqlite:///") and not Path(args.db.removeprefix("sqlite:///")).is_file():
        print(f"no archive at {args.db}: build it first with bench/synthetic.py (see this script's docstring)",
              file=sys.stderr)
        return 2
    current, revision = schema_is_current(args.db)
    if not current:
        print(f"the archive's schema is at {revision}: upgrade a copy of it (the bench only reads)", file=sys.stderr)
        return 2
    with session_factory(args.db)() as session:
        count = session.scalar(select(func.count()).select_from(Article))
    size, detail = archive_size(args.db)
    print(f"archive: {count:,} articles, {size / 1e9:.2f} GB ({detail})")
    urls = pick_urls(args.db, args.articles, args.seed)
    port = free_port()
    server = start_server(args.db, port)
    try:
        started = time.perf_counter()
        times, statuses, per_url = run(port, urls, args.rounds)
        print(f"{sum(map(len, times.values()))} timed requests in {time.perf_counter() - started:.0f} s "
              f"({args.rounds} rounds after a warm-up; one connection)")
        report(times, statuses, per_url if args.detail else None)
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
