"""The replica: several portals of real CMS families served over HTTP on 127.0.0.1.

Each portal listens on its own free port, so its URL paths, robots.txt and root are exactly
those of the real site. A shared clock moves all portals forward: future articles appear at
the top of listings, view counts grow; tests can edit or remove an article and switch on
faults (slow answers, 5xx, broken HTML). Every request is counted per portal, including the
highest number in flight at once, so politeness can be checked at the server.

The portals are listed in crawler/replica/portals.toml; their CMS families are spec + templates
under crawler/replica/templates/<family>/ (docs/adding-a-cms-family.md).
Replica.truth(site, article) tells what a perfect extractor reads from an article's page.
"""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

from crawler.replica.content import PortalSpec, ReplicaArticle
from crawler.replica.portals import DEFAULT_PORTALS, Fault, PortalStats, ReplicaPortal
from crawler.replica.render import render
from crawler.replica.serving import PortalHandler, PortalServer


class Replica:
    """Start with `with Replica() as replica:`; `replica.base_urls` maps site keys to addresses."""

    def __init__(self, specs: tuple[PortalSpec, ...] = DEFAULT_PORTALS, host: str = "127.0.0.1"):
        self.host = host
        self.portals = {spec.key: ReplicaPortal(spec) for spec in specs}
        self.elapsed = timedelta(0)
        self.started = datetime.now(timezone.utc)  # the system time the replica's clock read 0 at
        self._lock = threading.RLock()
        self._threads: list[threading.Thread] = []

    # ---- lifecycle --------------------------------------------------------------------------
    def start(self) -> "Replica":
        for portal in self.portals.values():
            self._serve(portal)
        return self

    def _serve(self, portal: ReplicaPortal, port: int = 0) -> None:
        portal.server = PortalServer((self.host, port), PortalHandler)
        portal.server.replica, portal.server.portal = self, portal
        thread = threading.Thread(target=portal.server.serve_forever, args=(0.05,), name=f"replica-{portal.key}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        for portal in self.portals.values():
            if portal.server:
                portal.server.shutdown()
                portal.server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def move(self, site: str, host: str | None = None, port: int = 0) -> str:
        """The portal moves: it answers on a new port (a restart; `port` to choose it) and, with `host`,
        under another host name in its URLs and links (e.g. "localhost", still served on 127.0.0.1); the
        old address stops answering. Returns the new base URL. The fault-injection "host move"."""
        with self._lock:
            portal = self.portals[site]
            portal.server.shutdown()
            portal.server.server_close()
            portal.public_host = host or portal.public_host
            self._serve(portal, port)
            return portal.base_url

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

    def clock_offset(self, site: str) -> timedelta:
        """The portal's observation clock (db/clock.py) as an offset from the system clock: the portal's
        time plus the real time since the replica started, so observations of one portal never go
        backwards even when its clock stands still between two crawls, and an advance(hours=12) is 12
        observed hours. Pass `replica.clock_offset` as a crawl's or Monitor's clock."""
        return self.now(site) - self.started

    def views(self, site: str, article: ReplicaArticle) -> int:
        portal = self.portals[site]
        now = self.now(site)
        if portal.views_reset_at is not None:  # counted again from the reset, for old and new articles alike
            since = max(portal.views_reset_at, article.published)
            return 1 + int(article.views_per_hour * (now - since).total_seconds() / 3600)
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

    def reset_views(self, site: str) -> None:
        """The portal's view counters restart from 1 now (a CMS migration or a counter table wiped)."""
        with self._lock:
            self.portals[site].views_reset_at = self.now(site)

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
                    fault.hits += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            portal.faults.remove(fault)
                    return fault
        return None

    def render(self, portal: ReplicaPortal, target: str) -> tuple[int, str, bytes]:
        with self._lock:
            return render(self, portal, target)
