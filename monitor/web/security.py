"""The web app's guards: who may bind where, the token, the response headers, and scraped HTML made safe.

* Binding: a loopback address (127.0.0.0/8, ::1, localhost) needs nothing; any other address needs a token
  (--token or $PORTALWATCH_WEB_TOKEN), else `portalwatch web` refuses to start (:func:`bind_refusal`).
* Token: with one, every request must carry it — ``Authorization: Bearer T``, ``?token=T``, or the cookie that
  a page request with ``?token=T`` sets (HttpOnly, SameSite=Strict), so links between pages need not repeat it.
* Headers on every response: a Content-Security-Policy allowing only this origin and no script at all (the
  pages are server-rendered and work without JavaScript), nosniff, no framing, no referrer (a token in a URL
  must not leak to the portals an article links to).
* HTML: an article's body as the crawler extracted it was sanitized then; it is sanitized again on display
  with a strict allow-list (:func:`safe_html`), so no stored or re-extracted markup can carry script.
"""
from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import parse_qs

import nh3

TOKEN_COOKIE = "portalwatch_token"
TOKEN_ENV = "PORTALWATCH_WEB_TOKEN"

CSP = ("default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'; img-src 'self' data:; style-src 'self'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer")]

SAFE_TAGS = {"p", "br", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "sub", "sup", "ul", "ol",
             "li", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "a", "figure", "figcaption", "img"}
SAFE_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "td": {"colspan", "rowspan"},
                   "th": {"colspan", "rowspan"}}


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach: 127.0.0.0/8, ::1, localhost."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def bind_refusal(host: str, token: str | None) -> str | None:
    """Why the server must not start on `host` (one line), or None when it may."""
    if is_loopback(host) or token:
        return None
    return (f"refusing to serve the archive on {host} without a token: other machines could read it; "
            f"give --token T (or set {TOKEN_ENV}), or bind 127.0.0.1")


def safe_html(html: str) -> str:
    """Scraped HTML with everything but plain article markup removed: no script, style, event handler,
    iframe, form or CSS; links and images only http(s) (javascript:, data: and others dropped)."""
    return nh3.clean(html or "", tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES, url_schemes={"http", "https"},
                     link_rel="noopener noreferrer nofollow", strip_comments=True,
                     clean_content_tags={"script", "style"}).strip()


def _given_token(scope) -> tuple[str | None, bool]:
    """The token a request carries, and whether it came in the query string."""
    headers = dict(scope.get("headers") or [])
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), False
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0], True
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        name, _, value = part.strip().partition("=")
        if name == TOKEN_COOKIE:
            return value, False
    return None, False


class Guard:
    """ASGI middleware: the security headers on every response, and the token check when there is one."""

    def __init__(self, app, token: str | None):
        self.app = app
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        set_cookie = False
        if self.token:
            given, in_query = _given_token(scope)
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                return await self._refuse(scope, send)
            set_cookie = in_query and not scope["path"].startswith("/api/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in dict(HEADERS)]
                headers += HEADERS
                if set_cookie:
                    headers.append((b"set-cookie", f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; "
                                                   f"SameSite=Strict".encode()))
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, send_with_headers)

    async def _refuse(self, scope, send):
        if scope["path"].startswith("/api/") or scope["path"].endswith(".atom"):
            body, kind = b'{"detail": "a token is required (Authorization: Bearer T or ?token=T)"}', b"application/json"
        else:
            body = ("<!doctype html><meta charset=utf-8><title>Cần mã truy cập</title>"
                    "<p>Cần mã truy cập: mở trang với ?token=… (a token is required).</p>").encode()
            kind = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", kind), (b"www-authenticate", b"Bearer"), *HEADERS]})
        await send({"type": "http.response.body", "body": body})
