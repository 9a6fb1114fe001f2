"""Which links portalwatch keeps and shows as links: http(s) only. An attachment, image or article link with
any other scheme (javascript:, data:, vbscript:, file:, in any letter case) is the page's script or a
payload, never a file to fetch; the crawler drops it and the web UI shows it as text, never as an href."""
from __future__ import annotations

from urllib.parse import urljoin


def is_web_url(url: object) -> bool:
    """Whether `url`, as written, is an absolute http(s) URL. The check is on the raw string, not on a parse:
    a string starting "http://" or "https://" (any case) is read by every browser as that scheme, whatever
    follows; leading blanks or control characters, which browsers strip before a scheme, fail it."""
    return isinstance(url, str) and url[:8].lower().startswith(("http://", "https://"))


def web_url(base: str, href: str | None) -> str | None:
    """`href` made absolute against the page `base`, or None unless the result is http(s)."""
    target = urljoin(base, (href or "").strip())
    return target if is_web_url(target) else None
