"""The noise bench of issue 11's "Done when": every fault of tests/faults.py, played on the replica.

    python bench/noise.py [--only TEXT]

For each fault and scenario it prints the articles readable and stored, duplicates, false events,
false mails, lost alerts, archived articles lost or overwritten ("damaged"), whether every crawl
ended within its bound (and the scenario's seconds), the most requests in flight at the portal,
and whether the fault's health event came. The scenarios are the test suite's own
(tests/test_faults.py and tests/test_shutdown.py assert them one by one); this prints them
together. It exits 1 when any duplicate, false event, false mail, lost alert or damaged article
is counted, a crawl did not end or a scenario's health event did not come. CI runs it after
the test suite.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults import SCENARIOS, FaultBench, Result  # noqa: E402
from tests.faults_killed import killed_scheduler  # noqa: E402

COLUMNS = ("scenario", "readable", "stored", "dupl.", "false ev.", "false mails", "lost alerts", "damaged",
           "ended (s)", "in flight", "health event")


def _row(result: Result, expected: tuple[str, ...]) -> tuple[str, ...]:
    if expected:
        event = ", ".join(expected) + (" NO" if result.missing_events else " yes")
    else:
        event = "none"
    false_events = ", ".join(f"{kind}×{n}" for kind, n in result.false_events.items()) or "0"
    return (result.scenario, str(result.readable), str(result.stored), str(result.duplicates), false_events,
            str(result.false_mails), str(result.lost_alerts), str(len(result.damaged)),
            f"{'yes' if result.ended else 'NO'} ({result.seconds:.0f})", str(result.max_in_flight or "-"), event)


def failed(result: Result) -> bool:
    return bool(result.duplicates or result.false_events or result.false_mails or result.lost_alerts
                or result.damaged or not result.ended or result.missing_events)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the scenarios whose name contains this text")
    args = parser.parse_args()
    os.environ.setdefault("XDG_DATA_HOME", tempfile.mkdtemp(prefix="portalwatch-noise-"))  # logs off the home
    started = time.monotonic()
    rows, bad = [], []
    with tempfile.TemporaryDirectory(prefix="portalwatch-noise-") as workdir:
        (Path(workdir) / "faults").mkdir()
        bench = FaultBench(Path(workdir) / "faults")
        try:
            for scenario in SCENARIOS:
                if args.only and args.only not in scenario.name:
                    continue
                result = bench.run(scenario)
                rows.append(_row(result, scenario.expected))
                if failed(result):
                    bad.append(result)
        finally:
            bench.close()
        for during in ("crawl", "delivery"):
            if args.only and args.only not in f"scheduler SIGKILL mid-{during}":
                continue
            folder = Path(workdir) / f"killed-{during}"
            folder.mkdir()
            result, _, _ = killed_scheduler(folder, during)
            rows.append(_row(result, ()))
            if failed(result):
                bad.append(result)
    _print(rows)
    print(f"\n{len(rows)} scenarios in {time.monotonic() - started:.0f} s")
    for result in bad:
        print(f"FAILED {result.scenario}: false events {dict(result.false_events)}, missing "
              f"{dict(result.missing_events)}, damaged {result.damaged[:3]}, runs {result.runs}")
    return 1 if bad else 0


def _print(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    print(line(COLUMNS))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


if __name__ == "__main__":
    sys.exit(main())
