#!/usr/bin/env python
"""Export benchmark: the real `portalwatch export` in a subprocess per format, its rows/s and peak memory, and
the same export of about a tenth of the rows in the same run, to show that memory does not grow with the rows.

    python bench/synthetic.py --articles 1000000 --db sqlite:////work/bench-data/synth_1m.sqlite3
    python bench/export_bench.py                                   # that archive, read-only
    python bench/export_bench.py --db sqlite:////tmp/pw_synth_100k.sqlite3 --formats ndjson

What is measured
* Each run is ``portalwatch export [--to DAY] --format F --db URL`` with its standard output read through a pipe
  by this script (the bytes are counted and dropped, as a consumer that keeps nothing would); rows are counted
  from the NDJSON run's lines (every format holds the same rows: tests/test_export.py).
* Peak memory is the child's own peak resident set (``ru_maxrss`` of ``os.wait4`` on that child: its
  high-water mark, the interpreter and libraries included), so each run is measured alone.
* The small export selects the articles published on or before the day by which ``--share`` (10 %) of the
  archive had been published (``--to DAY``); "ratio" is peak memory of the full export over that of the small
  one: about 1 when memory is constant in the number of rows, about 10 if it grew with them.
* A SQLite archive is opened read-only (``sqlite:///file:PATH?mode=ro&uri=true``): the bench cannot write into
  it. The child's $XDG_DATA_HOME is a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from db.engine import parse_url, session_factory, sqlite_file  # noqa: E402
from db.models import Article  # noqa: E402
from vntext.dates import VN_TZ  # noqa: E402

DEFAULT_DB = "sqlite:////work/bench-data/synth_1m.sqlite3"
READ = 1 << 20  # bytes per read from the child's pipe


def read_only(url: str) -> str:
    """A SQLite URL as a read-only URI; any other URL as given."""
    parsed = parse_url(url)
    path = sqlite_file(parsed)
    if parsed.get_backend_name() != "sqlite" or path is None or parsed.query.get("uri") == "true":
        return url
    return f"sqlite:///file:{path.resolve()}?mode=ro&uri=true"


def share_day(url: str, share: float) -> str:
    """The Vietnam day by which `share` of the archive's dated articles had been published."""
    with session_factory(url)() as session:
        dated = session.scalar(select(func.count()).select_from(Article).where(Article.published_at.is_not(None)))
        moment = session.scalar(select(Article.published_at).where(Article.published_at.is_not(None))
                                .order_by(Article.published_at).offset(int(dated * share)).limit(1))
    return moment.astimezone(VN_TZ).date().isoformat()


def command() -> list[str]:
    exe = shutil.which("portalwatch", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "monitor.cli"]


def run_export(url: str, fmt: str, extra: list[str], env: dict) -> dict:
    """One export in a child process: seconds, bytes, lines (newlines: rows for NDJSON), peak RSS in MB."""
    started = time.perf_counter()
    child = subprocess.Popen([*command(), "export", *extra, "--format", fmt, "--db", url], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
    size = lines = 0
    while block := child.stdout.read(READ):
        size += len(block)
        lines += block.count(b"\n")
    stderr = child.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"export {fmt} {' '.join(extra)} failed ({child.returncode}): {stderr.strip()}")
    return {"seconds": seconds, "bytes": size, "lines": lines, "peak_mb": usage.ru_maxrss / 1024}


def measure(url: str, formats: list[str], share: float) -> None:
    day = share_day(url, share)
    with tempfile.TemporaryDirectory(prefix="pw-export-bench-") as home:
        env = dict(os.environ, XDG_DATA_HOME=home)
        env.pop("PORTALWATCH_DB", None)
        runs = {}
        for label, extra in (("all", []), (f"to {day}", ["--to", day])):
            for fmt in ["ndjson", *[f for f in formats if f != "ndjson"]]:  # ndjson first: it counts the rows
                runs[label, fmt] = run_export(url, fmt, extra, env)
                rows = runs[label, "ndjson"]["lines"]
                r = runs[label, fmt]
                print(f"{label:<16} {fmt:<7} {rows:>9,} rows {r['seconds']:8.1f} s {rows / r['seconds']:9,.0f} rows/s "
                      f"{r['bytes'] / r['seconds'] / 1e6:6.1f} MB/s  {r['bytes'] / 1e6:8.1f} MB  peak RSS "
                      f"{r['peak_mb']:6.1f} MB", flush=True)
        small = f"to {day}"
        print(f"\nsmall export: published on or before {day}: {runs[small, 'ndjson']['lines']:,} of "
              f"{runs['all', 'ndjson']['lines']:,} rows ({runs[small, 'ndjson']['lines'] / max(1, runs['all', 'ndjson']['lines']):.1%})")
        for fmt in ["ndjson", *[f for f in formats if f != "ndjson"]]:
            print(f"peak memory {fmt:<7} all / small = {runs['all', fmt]['peak_mb']:.1f} / "
                  f"{runs[small, fmt]['peak_mb']:.1f} MB = {runs['all', fmt]['peak_mb'] / runs[small, fmt]['peak_mb']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default=DEFAULT_DB, help=f"archive URL (default {DEFAULT_DB}, opened read-only)")
    parser.add_argument("--formats", default="csv,json,ndjson", help="comma-separated (default csv,json,ndjson)")
    parser.add_argument("--share", type=float, default=0.1, help="the small export's share of the rows (default 0.1)")
    args = parser.parse_args()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    url = read_only(args.db)
    print(f"archive {url}; portalwatch export per format, output read through a pipe and dropped", flush=True)
    measure(url, formats, args.share)


if __name__ == "__main__":
    main()
