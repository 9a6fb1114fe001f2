"""The replica's HTTP side: one threaded server per portal, counting requests and playing faults."""
from __future__ import annotations

import hashlib
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # the replica imports this module
    from crawler.replica.portals import ReplicaPortal
    from crawler.replica.replica import Replica

UNAVAILABLE = b"<html><body><h1>Service Unavailable</h1></body></html>"


class PortalServer(ThreadingHTTPServer):
    daemon_threads = True
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
            status, ctype, body, location = self._answer(replica, portal)
            # Conditional GET, as many portal front-ends do: an ETag of the page's bytes (so a moved
            # view counter changes it too) and 304 when the client already has that page.
            etag = f'"{hashlib.sha1(body).hexdigest()[:20]}"' if status == 200 else None
            if etag and self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
            with replica._lock:
                stats.statuses[status] += 1
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", ctype)
            if etag:
                self.send_header("ETag", etag)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with replica._lock:
                stats.in_flight -= 1

    def _answer(self, replica, portal) -> tuple[int, str, bytes, str | None]:
        """The page (status, content type, body, redirect location), or what a fault set on this path makes of it."""
        fault = replica._take_fault(portal, urlsplit(self.path).path)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.redirect:
            return 302, "text/html; charset=utf-8", b"", fault.redirect
        if fault and fault.status:
            return fault.status, "text/html; charset=utf-8", UNAVAILABLE, None
        status, ctype, body = replica.render(portal, self.path)
        if fault and fault.rewrite:
            old, new = fault.rewrite
            body = body.replace(old.encode(), new.replace("{n}", str(fault.hits)).encode())
        if fault and fault.truncate:
            body = body[: len(body) // 2]
        return status, ctype, body, None
