"""A link's identity across moves of its portal: the key attachments are compared by.

An attachment URL is stored as fetched, but compared by a key that leaves out what a move changes:
a replica restarted on another port, a real portal moving to https or to a new domain. Before this
key, `make demo` run twice recorded 65 false `edited` events (attachment URLs that differed only by
the replica's port). On the portal's own site (the host of the page the link was found on) the key
is the path and the canonical query; an off-site link (a ministry's document server, a CDN) keeps
its host, so a file that really moves to another site is still a change. Scheme and port never
count. Images are not compared at all (db/content.py VERSION_FIELDS), so they need no key.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from w3lib.url import canonicalize_url


def link_key(url: str, page_url: str | None = None) -> str:
    """The comparison key of `url`, a link found on `page_url` (None: taken to be on the portal's site).

    >>> link_key("http://127.0.0.1:8123/files/KH%2086.pdf?b=2&a=1", "http://127.0.0.1:8123/tin/x-1.htm")
    '/files/KH%2086.pdf?a=1&b=2'
    >>> link_key("https://vanban.gov.vn/a.pdf", "https://caugiay.hanoi.gov.vn/tin/x-1.htm")
    '//vanban.gov.vn/a.pdf'
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return url  # javascript:downloadfile(…), a relative or odd link: only itself is itself
    canonical = urlsplit(canonicalize_url(url))  # sorted query, percent-encoding unified, no fragment
    tail = (canonical.path or "/") + (f"?{canonical.query}" if canonical.query else "")
    page_host = urlsplit(page_url).hostname if page_url else None
    if page_host is None or page_host == canonical.hostname:
        return tail
    return f"//{canonical.hostname}{tail}"
