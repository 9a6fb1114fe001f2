"""Drawing a portal's answer to one request: robots.txt, files, HTML pages from its family's templates."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from crawler.replica.content import slugify
from crawler.replica.families import page_count, pager

ASSET_SUFFIXES = (".jpg", ".png", ".pdf", ".doc", ".docx")
ASSET_FOLDERS = ("/image/", "/documents/", "/datafiles/")


def _jsonld(value) -> Markup:
    """JSON-LD as a <script> may hold it: UTF-8 kept, "</" escaped."""
    return Markup(json.dumps(value, ensure_ascii=False).replace("</", "<\\/"))


ENV = Environment(loader=PackageLoader("crawler.replica", "templates"), autoescape=select_autoescape(["html"]))
ENV.filters["jsonld"] = _jsonld
ENV.filters["slugify"] = slugify


def vi_number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def render(replica, portal, target: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of `target` (path and query) on `portal`; call with replica._lock held."""
    parts = urlsplit(target)
    path = parts.path
    if path == "/robots.txt":
        return 200, "text/plain; charset=utf-8", portal.robots.encode()
    if path.endswith(ASSET_SUFFIXES) or path.startswith(ASSET_FOLDERS):
        return 200, "application/octet-stream", b"\x89replica-asset"
    family = portal.family
    route = family.route(portal, family.home_path(portal) if path == "/" else path, parts.query)
    kind = route[0] if route else None
    if kind not in (None, "article", "listing"):  # JSON, RSS, files: the family answers
        return family.data(replica, portal, kind, route[1])
    status, template, context = 404, "404.html", {}
    if kind == "article":
        article = portal.by_id.get(route[1])
        if article and not article.removed and article.published <= replica.now(portal.key):
            status, template, context = 200, "article.html", article_context(replica, portal, article)
    elif kind == "listing":
        context = listing_context(replica, portal, *route[1]) or {}
        if context:
            status, template = 200, "listing.html"
    names = [f"{family.name}/{template}"]
    if portal.spec.layout:  # a layout variant draws the pages it has, the family the others
        names.insert(0, f"{family.name}/{portal.spec.layout}/{template}")
    html = ENV.select_template(names).render(common_context(replica, portal, path) | context)
    return status, "text/html; charset=utf-8", html.encode("utf-8")


def common_context(replica, portal, path: str) -> dict:
    """What every page of a portal shows: furniture, the latest articles, the visitor counters."""
    now = replica.now(portal.key)
    hours = int(replica.elapsed.total_seconds() // 3600)
    latest = [portal.family.listing_item(portal, a) for a in replica.visible(portal.key)[:8]]
    return {
        "portal": portal, "family": portal.family, "base": portal.base_url, "path": path, "latest": latest,
        "today": now.strftime("%d/%m/%Y"), "visitors": vi_number(1_873_204 + 137 * hours), "online": 20 + hours % 17,
    }


def listing_context(replica, portal, category: str, page: int) -> dict | None:
    """A listing page's items and pager; None when the page does not exist (404)."""
    family = portal.family
    items = replica.listed(portal.key, category)
    pages = page_count(len(items), family.page_size)
    # A category with nothing listed still has its first page (empty), as the CMSs serve it.
    if not (1 <= page <= max(pages, 1) or (family.empty_pages_ok and page >= 1)):
        return None
    start = (page - 1) * family.page_size
    chunk = items[start:start + family.page_size]
    return {
        "category": category, "category_name": portal.categories[category], "page": page,
        "pages": pages, "total": len(items), "first": start + 1, "last": start + len(chunk),
        "items": [family.listing_item(portal, a) for a in chunk],
        "page_url": lambda n: family.page_url(portal, category, n), "pager": pager(page, pages),
    } | family.listing_context(portal, category, chunk)


def article_context(replica, portal, article) -> dict:
    """An article page: the article, its views, and the lists around it (related, newer, older)."""
    same = replica.visible(portal.key, article.category)
    related = [a for a in same if a is not article][:4]
    at = next((i for i, a in enumerate(same) if a is article), 0)
    item = lambda a: portal.family.listing_item(portal, a)  # noqa: E731
    return {
        "a": article, "views": vi_number(replica.views(portal.key, article)),
        "category_name": portal.categories[article.category],
        "related": [item(a) for a in related],
        "newer": [item(a) for a in same[max(0, at - 3):at]], "older": [item(a) for a in same[at + 1:at + 4]],
    } | portal.family.article_context(portal, article)
