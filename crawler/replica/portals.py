"""The replica's portals: their specs (portals.toml) and what one portal holds while it runs."""
from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from http.server import ThreadingHTTPServer
from importlib import resources

from vntext.dates import VN_TZ
from crawler.replica.content import PortalSpec, ReplicaArticle
from crawler.replica.families import FAMILIES
from crawler.replica.timeline import generate


def load_portals() -> tuple[PortalSpec, ...]:
    """The portals of portals.toml, in file order; start times are local (Asia/Ho_Chi_Minh)."""
    data = tomllib.loads(resources.files("crawler.replica").joinpath("portals.toml").read_text(encoding="utf-8"))
    return tuple(PortalSpec(key=key, **entry | {"start": entry["start"].replace(tzinfo=VN_TZ)})
                 for key, entry in data.items())


DEFAULT_PORTALS = load_portals()


@dataclass
class Fault:
    """A misbehaviour of one portal, for the requests whose path matches `path` (serving.py plays it).

    What each field does to the answer, and what portalwatch should make of it, is in docs/faults.md.
    """

    status: int | None = None      # answer with this HTTP status instead of the page
    retry_after: int | None = None  # with `status` (429, 503): the Retry-After header, in seconds
    delay: float = 0.0             # seconds to wait before answering
    truncate: bool = False         # send only the first half of the page (broken HTML)
    reset: str | None = None       # "before": drop the connection unanswered; "mid": send half the page, then drop it
    path: str | None = None        # regex searched in the request path; None = every request
    remaining: int | None = None   # number of requests affected; None = until cleared
    rewrite: tuple[str, str] | None = None  # replace text in the page: a template change (a "redesign");
    #                                          "{n}" in the new text is this fault's hit count (links never seen before)
    redirect: str | None = None    # answer 302 to this location instead of the page (a loop when it points back)
    charset: tuple[str, str] | None = None  # (declared, encoded): the page's bytes in `encoded` ("windows-1258",
    #                                          "utf-8-sig" = with a BOM) while its header and meta declare `declared`
    cut: str | None = None         # the page's first occurrence of this text loses its last byte: one broken UTF-8
    #                                          character, as a CMS cutting a title by bytes leaves
    nfd: bool = False              # the page's text in Unicode NFD (tones as combining marks), as some editors save it
    pad_to: int | None = None      # pad the page to this many bytes with an inline base64 image (a 10 MB page)
    hits: int = 0                  # requests this fault has affected so far


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
        self.views_reset_at: datetime | None = None  # the portal's counters restarted then (Replica.reset_views)
        self.server: ThreadingHTTPServer | None = None
        self.public_host: str | None = None  # the host name in its URLs (Replica.move); None: the address served on

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{self.public_host or host}:{port}"
