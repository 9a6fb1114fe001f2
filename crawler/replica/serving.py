"""The replica's HTTP side: one threaded server per portal, counting requests and playing faults.

A fault (portals.Fault) is played by the table below: an answer instead of the page (redirect,
status), changes to the rendered page in a fixed order, and how the connection ends (reset).
"""
from __future__ import annotations

import base64
import hashlib
import re
import socket
import struct
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

if TYPE_CHECKING:  # the replica imports this module
    from crawler.replica.portals import Fault, ReplicaPortal
    from crawler.replica.replica import Replica

UNAVAILABLE = b"<html><body><h1>Service Unavailable</h1></body></html>"
HTML = "text/html; charset=utf-8"
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # the five Vietnamese tones windows-1258 keeps as combining marks
DECLARATION = re.compile(r"(charset=[\"']?)[\w-]+", re.I)


@dataclass
class Reply:
    status: int
    ctype: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def encode_cp1258(text: str) -> bytes:
    """`text` in windows-1258, the Vietnamese Windows code page: a vowel with its hat or horn is one
    byte (ê, ơ, ư …), a tone is a combining mark after it (Python's codec cannot compose that itself)."""
    out = []
    for ch in text:
        decomposed = unicodedata.normalize("NFD", ch)
        vowel = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        out.append((vowel + tones).encode("cp1258", "xmlcharrefreplace"))
    return b"".join(out)


def _recode(reply: Reply, fault: Fault) -> None:
    declared, encoded = fault.charset
    text = DECLARATION.sub(rf"\g<1>{declared}", reply.body.decode("utf-8"), count=1)
    reply.ctype = DECLARATION.sub(rf"\g<1>{declared}", reply.ctype)
    reply.body = encode_cp1258(text) if encoded.lower() in ("windows-1258", "cp1258") else text.encode(encoded)


def _pad(reply: Reply, fault: Fault) -> None:
    missing = max(0, fault.pad_to - len(reply.body) - 64)
    image = b'<img alt="" src="data:image/png;base64,' + base64.b64encode(b"\0" * (missing * 3 // 4)) + b'" />'
    reply.body = reply.body.replace(b"</body>", image + b"</body>", 1)


def _rewrite(reply: Reply, fault: Fault) -> None:
    old, new = fault.rewrite
    reply.body = reply.body.replace(old.encode(), new.replace("{n}", str(fault.hits)).encode())


# Answers instead of the page: the first field set wins.
INSTEAD_OF_PAGE: list[tuple[str, Callable[[Fault], Reply]]] = [
    ("redirect", lambda f: Reply(302, HTML, b"", {"Location": f.redirect})),
    ("status", lambda f: Reply(f.status, HTML, UNAVAILABLE,
                               {"Retry-After": str(f.retry_after)} if f.retry_after is not None else {})),
]
# Changes to the rendered page, in this order (a change of text before the bytes are re-encoded or cut).
PAGE_CHANGES: list[tuple[str, Callable[[Reply, Fault], None]]] = [
    ("rewrite", _rewrite),
    ("nfd", lambda r, f: setattr(r, "body", unicodedata.normalize("NFD", r.body.decode("utf-8")).encode("utf-8"))),
    ("pad_to", _pad),
    ("charset", _recode),
    ("cut", lambda r, f: setattr(r, "body", r.body.replace(f.cut.encode(), f.cut.encode()[:-1], 1))),
    ("truncate", lambda r, f: setattr(r, "body", r.body[: len(r.body) // 2])),
]


class PortalServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-answer (a crawl cancelled, a reset the fault suite plays) is no
        error of the replica's: only what else goes wrong is printed (socketserver's default)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
    allow_reuse_address = True
    replica: Replica        # set by Replica.start()
    portal: ReplicaPortal


class PortalHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PortalServer

    def log_message(self, *args) -> None:  # the replica is quiet; tests read its stats instead
        pass

    def do_GET(self) -> None:
        replica, portal = self.server.replica, self.server.portal
        stats = portal.stats
        with replica._lock:
            stats.requests += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
            stats.paths[urlsplit(self.path).path] += 1
            stats.user_agents[self.headers.get("User-Agent", "")] += 1
        try:
            fault = replica._take_fault(portal, urlsplit(self.path).path)
            if fault and fault.delay:
                time.sleep(fault.delay)
            reply = self._answer(replica, portal, fault)
            # Conditional GET, as many portal front-ends do: an ETag of the page's bytes (so a moved
            # view counter changes it too) and 304 when the client already has that page.
            if reply.status == 200:
                reply.headers["ETag"] = f'"{hashlib.sha1(reply.body).hexdigest()[:20]}"'
                if self.headers.get("If-None-Match") == reply.headers["ETag"]:
                    reply.status, reply.body = 304, b""
            with replica._lock:
                stats.statuses[reply.status if not (fault and fault.reset) else f"reset-{fault.reset}"] += 1
            self._send(reply, fault.reset if fault else None)
        finally:
            with replica._lock:
                stats.in_flight -= 1

    def _answer(self, replica, portal, fault: Fault | None) -> Reply:
        """The page, or what the fault set on this path makes of it."""
        for name, answer in INSTEAD_OF_PAGE:
            if fault and getattr(fault, name):
                return answer(fault)
        status, ctype, body = replica.render(portal, self.path)
        reply = Reply(status, ctype, body)
        for name, change in PAGE_CHANGES:
            if fault and getattr(fault, name):
                change(reply, fault)
        return reply

    def _send(self, reply: Reply, reset: str | None) -> None:
        if reset == "before":
            return self._reset()
        self.send_response(reply.status)
        if reply.status != 304:
            self.send_header("Content-Type", reply.ctype)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reset == "mid":
            self.wfile.write(reply.body[: len(reply.body) // 2])
            return self._reset()
        self.wfile.write(reply.body)

    def _reset(self) -> None:
        """Drop the connection with a TCP RST (SO_LINGER 0), as a crashing front-end or a firewall does."""
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()
