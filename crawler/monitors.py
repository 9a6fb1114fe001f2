"""Spidermon's built-in monitors, run inside the crawl process when the spider closes; their results
(each monitor's name, status and reason) are put into the crawl's stats under MONITOR_RESULTS, which
CrawlRunRecorder copies into crawl_runs.stats, where `portalwatch health` reads them.

Which of Spidermon's monitors fit, and which judgements stay in portalwatch (monitor/runstats.py):

* used: finish reason (expected: "finished"), errors in the log, unwanted HTTP codes (Spidermon's
  list: 400, 407, 429, 500, 502-504, 523, 540, 541; more than 10 answers of one code), requests that
  ran out of retries, downloader exceptions (timeouts, refused or reset connections). Their limits
  are the SPIDERMON_* settings in crawler/settings.py.
* not used: ItemCountMonitor takes one fixed SPIDERMON_MIN_ITEMS, but an incremental run that finds
  nothing new rightly scrapes 0 items; the usual count is the portal's own history (median of its
  last runs), which only the archive knows. FieldCoverageMonitor takes one fixed floor per field for
  the whole project, but a portal that never shows a view counter would fail it at every run; coverage
  is judged against the portal's own previous run (the detector's rule). Both are computed from the
  archive by monitor/runstats.py. SPIDERMON_ADD_FIELD_COVERAGE stays off: the spider already counts
  the fields that matter (portalwatch/coverage/*) and walking every field of every item costs time.
"""
from __future__ import annotations

from spidermon import MonitorSuite
from spidermon.contrib.scrapy.monitors.monitors import (
    DownloaderExceptionMonitor, ErrorCountMonitor, FinishReasonMonitor, RetryCountMonitor, UnwantedHTTPCodesMonitor,
)
from spidermon.core.actions import Action

MONITOR_RESULTS = "spidermon/monitors"  # the stat: [{"name", "status", "passed", "reason"}], in suite order
PASSING = ("OK", "SKIPPED")  # Spidermon skips a count monitor whose stat is absent: nothing to count


class RecordMonitorResults(Action):
    """Puts every monitor's outcome into the crawl's stats (the run's record in the archive)."""

    def run_action(self):
        results = []
        for outcome in self.result.monitor_results:
            reason = outcome.reason or (outcome.error.strip().splitlines()[-1] if outcome.error else "")
            results.append({"name": outcome.monitor.monitor_name, "status": outcome.status,
                            "passed": outcome.status in PASSING, "reason": " ".join(str(reason).split())})
        self.data.crawler.stats.set_value(MONITOR_RESULTS, results)


class CrawlCloseMonitors(MonitorSuite):
    monitors = [FinishReasonMonitor, ErrorCountMonitor, UnwantedHTTPCodesMonitor, RetryCountMonitor,
                DownloaderExceptionMonitor]
    monitors_finished_actions = [RecordMonitorResults]
