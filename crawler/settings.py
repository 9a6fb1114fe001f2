"""Scrapy settings: polite defaults for real portals.

Every component is switched on here; the monitor passes `-s NAME=VALUE` overrides (the
archive URL, and the loopback profile below when it crawls the bundled replica).
"""
BOT_NAME = "portalwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "portalwatch/0.1 (monitors public news of Vietnamese government portals; polite, robots.txt-obeying)"
ROBOTSTXT_OBEY = True

# One request at a time per host, adaptive delays. Scrapy 2.19 enforces the per-domain limit
# only when a download delay or AutoThrottle is on (docs/scrapy-notes.md §Politeness and AutoThrottle), so both are on.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# A 429/503 with Retry-After waits what the portal asked before RetryMiddleware (550) retries it:
# this middleware sees the answer first (a higher number is nearer the downloader). A portal that
# asks for a pause is overloaded or rate-limiting us; retrying at once is impolite and gets blocked.
DOWNLOADER_MIDDLEWARES = {"crawler.retryafter.RetryAfterMiddleware": 560}
RETRY_AFTER_MAX = 60  # seconds: a header asking for an hour must not hold a crawl past CLOSESPIDER_TIMEOUT
# A crawl is bounded: after this many seconds the spider closes with reason "closespider_timeout"
# and the run is recorded as failed (what it stored is kept; absence from listings is not judged).
CLOSESPIDER_TIMEOUT = 1800
# The monitor's watchdog (monitor/crawling.py) for a crawl that does not close: a process still
# running this long after CLOSESPIDER_TIMEOUT (closing waits for downloads in flight and the last
# batch; a stuck download or a wedged reactor never ends) gets SIGTERM, then SIGKILL after
# PORTALWATCH_KILL_GRACE, and its run is recorded as failed. 120 s is four DOWNLOAD_TIMEOUTs.
PORTALWATCH_WATCHDOG_GRACE = 120
PORTALWATCH_KILL_GRACE = 15
# Only http(s) is ever fetched (the spider refuses other links); these handlers are off so that
# nothing else can be downloaded at all. Scrapy's FTP client has no timeout: one ftp:// link on a
# listing could hang the crawl past CLOSESPIDER_TIMEOUT, since closing waits for downloads in flight.
DOWNLOAD_HANDLERS = {"ftp": None, "s3": None, "file": None, "data": None}

# Off: an HTTP control endpoint that can run code, and the telnet console.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 500}
# Closing order follows these numbers: Spidermon's monitors first (their results go into the stats),
# CheckStateRecorder next (the run's record includes its verdict on the listings), CrawlRunRecorder last.
EXTENSIONS = {"spidermon.contrib.scrapy.extensions.Spidermon": 480, "crawler.checkstate.CheckStateRecorder": 490,
              "crawler.extensions.CrawlRunRecorder": 500}

# Spidermon's built-in monitors at spider close (crawler/monitors.py says which and why); their
# results land in crawl_runs.stats["spidermon/monitors"], read by `portalwatch health`.
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ("crawler.monitors.CrawlCloseMonitors",)
SPIDERMON_EXPECTED_FINISH_REASONS = ["finished"]
SPIDERMON_MAX_ERRORS = 0                   # an ERROR in the log: a callback that raised, an article not archived
SPIDERMON_MAX_RETRIES = 0                  # a request that ran out of retries is a page this run lost
SPIDERMON_MAX_DOWNLOADER_EXCEPTIONS = 10   # timeouts, refused or reset connections (retries included)
SPIDERMON_UNWANTED_HTTP_CODES_MAX_COUNT = 10  # Spidermon's default, per code, said here so it is seen

# portalwatch's own settings
PORTALWATCH_DB = None                 # SQLAlchemy URL; None = PORTALWATCH_DB env or the default file
PORTALWATCH_MAX_LISTING_PAGES = 20    # pages walked per listing, in all (not its depth): a budget per walk
PORTALWATCH_SAFETY_DEPTH = 2          # incremental: pages walked after the first page of known articles only
PORTALWATCH_REFETCH = None            # JSON [[max age s | null, every s], …]; None = 1 h / 1 d / 7 d
PORTALWATCH_BATCH_SIZE = 50           # articles per archive transaction

# For the bundled replica on 127.0.0.1 only: no delays, several requests in flight.
LOOPBACK_OVERRIDES = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}
