"""The replica: several portals of real CMS families served over HTTP on 127.0.0.1.

Each portal listens on its own free port, so its URL paths, robots.txt and root are exactly
those of the real site. A shared clock moves all portals forward: future articles appear at
the top of listings, view counts grow; tests can edit or remove an article and switch on
faults (slow answers, 5xx, broken HTML). Every request is counted per portal, including the
highest number in flight at once, so politeness can be checked at the server.

Families (crawler/replica/families/): Liferay and the Hanoi platform (bactuliem, caugiay, hoangliet),
Tân Dân SharePoint (ninhphuoc), NukeViet (nhontrach, with RSS) and DotNetNuke cmsview (congan, JSON API).
Replica.truth(site, article) tells what a perfect extractor reads from an article's page.
"""
from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from vntext.dates import VN_TZ
from crawler.replica.content import PortalSpec, ReplicaArticle, generate
from crawler.replica.families import FAMILIES, page_count, pager

DEFAULT_PORTALS = (
    PortalSpec(
        key="bactuliem", family="liferay", unit="quận Bắc Từ Liêm",
        categories={"tin-noi-bat": "Tin nổi bật", "tin-tuc-su-kien": "Tin tức - Sự kiện"},
        start=datetime(2024, 5, 11, 8, 0, tzinfo=VN_TZ), history=44, future=12, with_seed=True, rich=False,
    ),
    PortalSpec(
        key="caugiay", family="hanoi", unit="phường Cầu Giấy",
        categories={"tin-tuc-su-kien": "Tin tức - Sự kiện", "kinh-te-tai-chinh": "Kinh tế - Tài chính"},
        start=datetime(2025, 10, 15, 8, 0, tzinfo=VN_TZ), history=50, future=12, id_prefix="2805", rich=False,
    ),
    PortalSpec(
        key="hoangliet", family="hanoi", unit="phường Hoàng Liệt",
        categories={"tin-tuc-su-kien": "Tin tức - Sự kiện", "cai-cach-hanh-chinh": "Cải cách hành chính"},
        start=datetime(2025, 10, 15, 8, 0, tzinfo=VN_TZ), history=36, future=10, id_prefix="2820", rich=False,
    ),
    # ninhphuoc.ninhthuan.gov.vn — Tân Dân SharePoint portal (a district until the 2025 reform)
    PortalSpec(
        key="ninhphuoc", family="tandan", unit="huyện Ninh Phước", province="Ninh Thuận", theme="province",
        categories={"Tin-tuc-su-kien": "Tin tức - Sự kiện", "Thong-bao": "Thông báo"},
        start=datetime(2024, 5, 20, 8, 0, tzinfo=VN_TZ), history=40, future=12,
    ),
    # nhontrach.dongnai.gov.vn — NukeViet 4
    PortalSpec(
        key="nhontrach", family="nukeviet", unit="huyện Nhơn Trạch", province="Đồng Nai", theme="province",
        categories={"hoat-dong-chinh-quyen-nha-nuoc": "Hoạt động chính quyền nhà nước", "tin-tuc-su-kien": "Tin tức sự kiện"},
        start=datetime(2024, 5, 10, 8, 0, tzinfo=VN_TZ), history=48, future=12,
    ),
    # congan.hanoi.gov.vn — DotNetNuke with the cmsview JSON API
    PortalSpec(
        key="congan", family="dnn", unit="Công an thành phố Hà Nội", theme="police",
        categories={"chi-dao-dieu-hanh": "Chỉ đạo điều hành", "an-toan-giao-thong": "An toàn giao thông"},
        start=datetime(2026, 1, 20, 8, 0, tzinfo=VN_TZ), history=46, future=12,
    ),
)

_env = Environment(loader=PackageLoader("crawler.replica", "templates"), autoescape=select_autoescape(["html"]))


def vi_number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@dataclass
class Fault:
    """A misbehaviour of one portal, for the requests whose path matches `path`."""

    status: int | None = None      # answer with this HTTP status instead of the page
    delay: float = 0.0             # seconds to wait before answering
    truncate: bool = False         # send only the first half of the page (broken HTML)
    path: str | None = None        # regex searched in the request path; None = every request
    remaining: int | None = None   # number of requests affected; None = until cleared
    rewrite: tuple[str, str] | None = None  # replace text in the page: a template change (a "redesign")


@dataclass
class PortalStats:
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    paths: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    user_agents: Counter = field(default_factory=Counter)


class ReplicaPortal:
    def __init__(self, spec: PortalSpec):
        self.spec = spec
        self.key = spec.key
        self.family = FAMILIES[spec.family]
        self.categories = spec.categories
        self.unit_title = spec.unit[0].upper() + spec.unit[1:]
        self.name = f"Cổng thông tin điện tử {self.unit_title}"
        self.id_prefix = spec.id_prefix
        self.articles: list[ReplicaArticle] = generate(spec)
        self.family.assign_ids(self, self.articles)
        self.by_id = {a.external_id: a for a in self.articles}
        self.faults: list[Fault] = []
        self.pinned: list[str] = []      # shown first on their listing, out of date order (a featured article)
        self.unlisted: set[str] = set()  # still served, no longer linked from listings
        self.robots = self.family.robots
        self.stats = PortalStats()
        self.server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


class Replica:
    """Start with `with Replica() as replica:`; `replica.base_urls` maps site keys to addresses."""

    def __init__(self, specs: tuple[PortalSpec, ...] = DEFAULT_PORTALS, host: str = "127.0.0.1"):
        self.host = host
        self.portals = {spec.key: ReplicaPortal(spec) for spec in specs}
        self.elapsed = timedelta(0)
        self._lock = threading.RLock()
        self._threads: list[threading.Thread] = []

    # ---- lifecycle --------------------------------------------------------------------------
    def start(self) -> "Replica":
        for portal in self.portals.values():
            portal.server = _Server((self.host, 0), _Handler)
            portal.server.replica, portal.server.portal = self, portal
            thread = threading.Thread(target=portal.server.serve_forever, args=(0.05,), name=f"replica-{portal.key}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for portal in self.portals.values():
            if portal.server:
                portal.server.shutdown()
                portal.server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> "Replica":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_urls(self) -> dict[str, str]:
        return {key: portal.base_url for key, portal in self.portals.items()}

    # ---- the clock and the content ----------------------------------------------------------
    def advance(self, **delta) -> None:
        """Move every portal's clock forward, e.g. advance(hours=6)."""
        with self._lock:
            self.elapsed += timedelta(**delta)

    def now(self, site: str) -> datetime:
        return self.portals[site].spec.start + self.elapsed

    def views(self, site: str, article: ReplicaArticle) -> int:
        portal = self.portals[site]
        now = self.now(site)
        if article.published <= portal.spec.start:
            hours = (now - portal.spec.start).total_seconds() / 3600
            return article.views_at_start + int(article.views_per_hour * hours)
        return 1 + int(article.views_per_hour * (now - article.published).total_seconds() / 3600)

    def visible(self, site: str, category: str | None = None) -> list[ReplicaArticle]:
        """Published, not removed, newest first."""
        now = self.now(site)
        return [
            a for a in reversed(self.portals[site].articles)
            if a.published <= now and not a.removed and (category is None or a.category == category)
        ]

    def listed(self, site: str, category: str | None = None) -> list[ReplicaArticle]:
        """What a listing shows: visible articles, pinned ones first, unlisted ones left out."""
        portal = self.portals[site]
        shown = [a for a in self.visible(site, category) if a.external_id not in portal.unlisted]
        pinned = [a for key in portal.pinned for a in shown if a.external_id == key]
        return pinned + [a for a in shown if a.external_id not in portal.pinned]

    def pin(self, site: str, external_id: str) -> None:
        """Move an article to the top of its listing (the listing is reordered; no page changes)."""
        with self._lock:
            self.portals[site].pinned.insert(0, external_id)

    def unlist(self, site: str, external_id: str) -> None:
        """Take an article off its listings while its page stays online."""
        with self._lock:
            self.portals[site].unlisted.add(external_id)

    def article(self, site: str, external_id: str) -> ReplicaArticle:
        return self.portals[site].by_id[external_id]

    def find(self, site: str, title_part: str) -> ReplicaArticle:
        return next(a for a in self.portals[site].articles if title_part in a.title)

    def url_of(self, site: str, article: ReplicaArticle) -> str:
        """The public article URL (for DNN the HTML page /tin-tuc/<Url>-<Id>, not the JSON)."""
        portal = self.portals[site]
        return portal.base_url + portal.family.article_path(portal, article)

    def listing_url(self, site: str, category: str, page: int = 1) -> str:
        """A category's listing page N, as the portal's own pager (or API) writes it.

        DNN: page 1 is the HTML category page (it names the ModuleId); pages 2… are the JSON API
        (listnew … PageIndex=N); api_listing_url() gives the API URL of any page, page 1 included.
        """
        portal = self.portals[site]
        return portal.base_url + portal.family.page_url(portal, category, page)

    def api_listing_url(self, site: str, category: str, page: int = 1) -> str:
        """DNN only: the listnew JSON URL of a category's page N."""
        portal = self.portals[site]
        if not hasattr(portal.family, "api_path"):
            raise ValueError(f"{site} ({portal.family.name}) has no listing API")
        return portal.base_url + portal.family.api_path(portal, category, page)

    def truth(self, site: str, article: ReplicaArticle) -> dict:
        """What a perfect extractor reads from the article's page: the reference for extractor tests.

        published is the article's time; published_precision says what the page shows ("day" on Tân Dân,
        else "minute"). views is None where the family shows none (DNN). paragraphs are the body's text
        blocks (sub-headings included; image captions, the credit line and the summary-as-sapo excluded).
        images and attachments carry absolute URLs; attachments are (file name, file URL).
        """
        portal = self.portals[site]
        family, base = portal.family, portal.base_url
        expected = family.expected(portal, article)
        return {
            "url": self.url_of(site, article), "id": article.external_id, "title": article.title,
            "summary": article.summary, "category": portal.categories[article.category],
            "published": article.published, "published_precision": "day" if family.date_only else "minute",
            "updated": article.updated, "views": self.views(site, article) if family.shows_views else None,
            "author": expected["author"], "source": expected["source"], "tags": expected["tags"],
            "paragraphs": expected["paragraphs"],
            "images": [(base + url, caption) for url, caption in expected["images"]],
            "attachments": [(name, base + url) for name, url in expected["attachments"]],
            "documents": list(article.documents),
        }

    def edit(self, site: str, external_id: str, **changes) -> ReplicaArticle:
        """Change an article's fields (title, summary, blocks, author …); it records the update time."""
        with self._lock:
            article = self.article(site, external_id)
            for name, value in changes.items():
                if not hasattr(article, name):
                    raise AttributeError(f"replica article has no field {name!r}")
                setattr(article, name, value)
            article.updated = self.now(site)
            return article

    def remove(self, site: str, external_id: str) -> None:
        with self._lock:
            self.article(site, external_id).removed = True

    def restore(self, site: str, external_id: str) -> None:
        with self._lock:
            self.article(site, external_id).removed = False

    def set_fault(self, site: str, fault: Fault) -> None:
        with self._lock:
            self.portals[site].faults.append(fault)

    def set_robots(self, site: str, text: str) -> None:
        """Serve another robots.txt (the crawler must honour it)."""
        with self._lock:
            self.portals[site].robots = text

    def clear_faults(self, site: str | None = None) -> None:
        with self._lock:
            for key in [site] if site else list(self.portals):
                self.portals[key].faults.clear()

    def stats(self, site: str) -> PortalStats:
        return self.portals[site].stats

    # ---- serving ------------------------------------------------------------------------------
    def _take_fault(self, portal: ReplicaPortal, path: str) -> Fault | None:
        with self._lock:
            for fault in portal.faults:
                if fault.path is None or re.search(fault.path, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            portal.faults.remove(fault)
                    return fault
        return None

    def render(self, portal: ReplicaPortal, target: str) -> tuple[int, str, bytes]:
        parts = urlsplit(target)
        path = parts.path
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", portal.robots.encode()
        if path.endswith((".jpg", ".png", ".pdf", ".doc", ".docx")) or path.startswith(("/image/", "/documents/", "/datafiles/")):
            return 200, "application/octet-stream", b"\x89replica-asset"
        family = portal.family
        with self._lock:
            route = family.route(portal, family.home_path(portal) if path == "/" else path, parts.query)
            kind = route[0] if route else None
            if kind not in (None, "article", "listing"):  # JSON, RSS, files: the family answers
                return family.data(self, portal, kind, route[1])
            status, template, context = 404, f"{family.name}/404.html", {}
            if kind == "article":
                article = portal.by_id.get(route[1])
                if article and not article.removed and article.published <= self.now(portal.key):
                    status, template, context = 200, f"{family.name}/article.html", self._article_context(portal, article)
            elif kind == "listing":
                category, page = route[1]
                items = self.listed(portal.key, category)
                pages = page_count(len(items), family.page_size)
                if 1 <= page <= pages or (family.empty_pages_ok and page >= 1):
                    start = (page - 1) * family.page_size
                    chunk = items[start:start + family.page_size]
                    status, template = 200, f"{family.name}/listing.html"
                    context = {
                        "category": category, "category_name": portal.categories[category], "page": page,
                        "pages": pages, "total": len(items), "first": start + 1, "last": start + len(chunk),
                        "items": [family.listing_item(portal, a) for a in chunk],
                        "page_url": lambda n, c=category: family.page_url(portal, c, n),
                        "pager": pager(page, pages),
                        "instance": family.article_context(portal, chunk[0])["instance"] if chunk and family.name == "liferay" else "",
                    } | family.listing_context(portal, category)
            html = _env.get_template(template).render(self._common_context(portal, path) | context)
        return status, "text/html; charset=utf-8", html.encode("utf-8")

    def _common_context(self, portal: ReplicaPortal, path: str) -> dict:
        now = self.now(portal.key)
        hours = int(self.elapsed.total_seconds() // 3600)
        latest = [portal.family.listing_item(portal, a) for a in self.visible(portal.key)[:8]]
        return {
            "portal": portal, "base": portal.base_url, "path": path, "latest": latest,
            "today": now.strftime("%d/%m/%Y"), "visitors": vi_number(1_873_204 + 137 * hours), "online": 20 + hours % 17,
        }

    def _article_context(self, portal: ReplicaPortal, article: ReplicaArticle) -> dict:
        same = self.visible(portal.key, article.category)
        related = [a for a in same if a is not article][:4]
        at = next((i for i, a in enumerate(same) if a is article), 0)
        item = lambda a: portal.family.listing_item(portal, a)  # noqa: E731
        return {
            "a": article, "views": vi_number(self.views(portal.key, article)),
            "category_name": portal.categories[article.category],
            "related": [item(a) for a in related],
            "newer": [item(a) for a in same[max(0, at - 3):at]], "older": [item(a) for a in same[at + 1:at + 4]],
        } | portal.family.article_context(portal, article)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    replica: Replica
    portal: ReplicaPortal


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

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
            if fault and fault.status:
                status, ctype, body = fault.status, "text/html; charset=utf-8", b"<html><body><h1>Service Unavailable</h1></body></html>"
            else:
                status, ctype, body = replica.render(portal, self.path)
                if fault and fault.rewrite:
                    body = body.replace(fault.rewrite[0].encode(), fault.rewrite[1].encode())
                if fault and fault.truncate:
                    body = body[: len(body) // 2]
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
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with replica._lock:
                stats.in_flight -= 1
