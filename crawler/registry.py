"""The site registry: which portals exist, their CMS family and their listing pages.

Entries are data (crawler/sites.toml, or any file named by PORTALWATCH_SITES). A broken entry
raises RegistryError naming the entry and the field, so a bad config line is easy to find.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from crawler.profiles import PROFILES

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class RegistryError(ValueError):
    """A registry entry that cannot be used; the message names the file, entry and field."""


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    base_url: str
    profile: str
    listings: tuple[str, ...]
    verified: bool = False
    notes: str = ""
    scope: str = ""  # the group it belongs with (a document's coverage): the entry's, else default_scope()

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def listing_urls(self) -> list[str]:
        return [urljoin(self.base_url + "/", path.lstrip("/")) for path in self.listings]

    def at(self, base_url: str) -> "Site":
        """The same portal served from another address (the bundled replica)."""
        return replace(self, base_url=base_url.rstrip("/"))


def default_scope(base_url: str, key: str) -> str:
    """A portal's scope when its entry names none: the province or city label of a `….<label>.gov.vn`
    host ("caugiay.hanoi.gov.vn", "phuchoa.phuctho.hanoi.gov.vn" and "hanoi.gov.vn" → "hanoi";
    "ninhphuoc.ninhthuan.gov.vn" → "ninhthuan"), else the portal's own key (a group of one)."""
    labels = (urlsplit(base_url).hostname or "").lower().split(".")
    if len(labels) >= 3 and labels[-2:] == ["gov", "vn"]:
        return labels[-3]
    return key


def _parse_entry(source: str, key: str, entry: object) -> Site:
    def fail(field: str, problem: str) -> RegistryError:
        return RegistryError(f"{source}: site '{key}', field '{field}': {problem}")

    if not _KEY_RE.match(key):
        raise fail("key", "use lower-case letters, digits, '-' or '_'")
    if not isinstance(entry, dict):
        raise fail("*", "expected a table of fields")
    known = {"name", "base_url", "profile", "listings", "verified", "notes", "scope"}
    for field in entry:
        if field not in known:
            raise fail(field, f"unknown field (known: {', '.join(sorted(known))})")
    for field in ("name", "base_url", "profile", "listings"):
        if field not in entry:
            raise fail(field, "missing")
    name, base_url, profile = entry["name"], entry["base_url"], entry["profile"]
    if not isinstance(name, str) or not name.strip():
        raise fail("name", "must be a non-empty string")
    if not isinstance(base_url, str):
        raise fail("base_url", "must be a string")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail("base_url", f"not an absolute http(s) URL: {base_url!r}")
    if profile not in PROFILES:
        raise fail("profile", f"unknown CMS profile {profile!r} (known: {', '.join(sorted(PROFILES))})")
    listings = entry["listings"]
    if not isinstance(listings, list) or not listings or not all(isinstance(p, str) and p.startswith("/") for p in listings):
        raise fail("listings", "must be a non-empty list of paths starting with '/'")
    verified = entry.get("verified", False)
    if not isinstance(verified, bool):
        raise fail("verified", "must be true or false")
    notes = entry.get("notes", "")
    if not isinstance(notes, str):
        raise fail("notes", "must be a string")
    scope = entry.get("scope", default_scope(base_url, key))
    if not isinstance(scope, str) or not _KEY_RE.match(scope):
        raise fail("scope", "must be a group name of lower-case letters, digits, '-' or '_' (e.g. \"hanoi\")")
    return Site(key, name.strip(), base_url.rstrip("/"), profile, tuple(listings), verified, notes, scope)


def parse_registry(text: str, source: str = "<registry>") -> dict[str, Site]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{source}: not valid TOML: {exc}") from exc
    sites = data.get("sites")
    if not isinstance(sites, dict) or not sites:
        raise RegistryError(f"{source}: no [sites.<key>] entries")
    return {key: _parse_entry(source, key, entry) for key, entry in sites.items()}


@lru_cache(maxsize=4)
def _load(path: str | None) -> dict[str, Site]:
    if path:
        return parse_registry(Path(path).read_text(encoding="utf-8"), path)
    text = resources.files("crawler").joinpath("sites.toml").read_text(encoding="utf-8")
    return parse_registry(text, "crawler/sites.toml")


def load_sites() -> dict[str, Site]:
    return _load(os.environ.get("PORTALWATCH_SITES") or None)


def scopes(sites: dict[str, Site] | None = None) -> dict[str, str]:
    """Portal key → its scope, for every registered portal (coverage of a document, db/tracker.py)."""
    return {key: site.scope for key, site in (load_sites() if sites is None else sites).items()}


def get_site(key: str) -> Site:
    sites = load_sites()
    if key not in sites:
        raise RegistryError(f"unknown site {key!r} (known: {', '.join(sorted(sites))})")
    return sites[key]
