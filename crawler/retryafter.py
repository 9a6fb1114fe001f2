"""Retry-After: a portal that answers 429 (or 503) with a Retry-After header is given that long.

Scrapy 2.19's RetryMiddleware retries 429 and 503 at once, ignoring the header (its docs and
source say nothing of it; docs/scrapy-notes.md). Retrying a rate-limited government server
sooner than it asked is what gets a crawler's address blocked, and a server that asks for a
pause is usually overloaded already: so the answer is held for the wait the portal named (a
number of seconds or an HTTP date), capped by RETRY_AFTER_MAX so that one header cannot stall
a crawl past its wall-clock limit, before RetryMiddleware sees it and schedules the retry.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

RETRY_AFTER_STATUSES = (429, 503)


def retry_after_seconds(value: str) -> float | None:
    """The wait a Retry-After header asks for: delta-seconds or an HTTP date; None when unreadable."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class RetryAfterMiddleware:
    """Holds a 429/503 answer for its Retry-After wait (at most RETRY_AFTER_MAX s) before it is retried."""

    def __init__(self, crawler, cap: float):
        self.crawler = crawler
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getfloat("RETRY_AFTER_MAX"))

    async def process_response(self, request, response, spider=None):
        header = response.headers.get("Retry-After")
        if response.status not in RETRY_AFTER_STATUSES or not header or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(header.decode("latin-1"))
        if wait is None:
            return response
        wait = min(wait, self.cap)
        stats = self.crawler.stats
        stats.inc_value("portalwatch/retry_after")
        stats.max_value("portalwatch/retry_after_max_wait", wait)
        await asyncio.sleep(wait)
        return response
