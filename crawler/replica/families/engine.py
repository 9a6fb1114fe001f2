"""The shared engine of the replica's CMS families: a family is its spec plus its templates.

A family lives in crawler/replica/templates/<family>/: base.html, listing.html, article.html, 404.html and
family.toml, the declarative spec this module reads (URL shapes, pager, ids, robots.txt, media and
attachment locations; docs/adding-a-cms-family.md lists every key). Behaviour a spec cannot say — an
API, a feed, a URL rule of its own — goes in crawler/replica/families/<family>.py as a subclass named
`Overrides`, which the registry (families/__init__.py) picks up by name.

route() answers (kind, argument) or None (not found). The renderer draws the HTML kinds itself:
  ("article", external_id)          the article page (article.html), 404 when not visible
  ("listing", (category, page))     a listing page (listing.html)
and hands every other kind to data(), which answers (status, content type, body): JSON, XML, files.
"""
from __future__ import annotations

import hashlib
import math
import re
from urllib.parse import parse_qs

from crawler.replica.content import ReplicaArticle, slugify, text_of

BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


class Family:
    """A CMS family driven by its spec (a dict read from family.toml)."""

    def __init__(self, name: str, spec: dict):
        self.name = name
        self.spec = spec
        self.page_size: int = spec.get("page_size", 10)
        self.robots: str = spec.get("robots", "User-agent: *\nDisallow:\n")
        self.empty_pages_ok: bool = spec.get("empty_pages_ok", False)    # past the last page: 200, no items
        self.summary_in_body: bool = spec.get("summary_in_body", False)  # the summary is the first paragraph
        self.shows_views: bool = spec.get("shows_views", True)           # the article page shows "Lượt xem"
        self.date_only: bool = spec.get("date_only", False)              # the page shows no publication time
        urls, ids = spec["urls"], spec.get("ids", {})
        self.urls, self.ids = urls, ids
        flags = re.I if urls.get("case_insensitive") else 0
        self._article_re = re.compile(urls["article_route"], flags)
        self._listing_re = re.compile(urls["listing_route"], flags)

    # ---- ids ------------------------------------------------------------------------------------
    def assign_ids(self, portal, articles: list[ReplicaArticle]) -> None:
        """Ids and slugs the way the spec's [ids] scheme gives them, oldest article first."""
        scheme = self.ids.get("scheme")
        next_id = int(portal.id_prefix or self.ids.get("first", 0))
        for article in articles:
            article.published = self.truncate(article.published)
            if scheme == "timestamp":  # prefix + yyMMddHHmmss + milliseconds
                ms = article.published.microsecond // 1000
                article.external_id = f"{portal.id_prefix}{article.published:%y%m%d%H%M%S}{ms}"
            elif scheme == "counter":  # growing numbers with holes left by deleted drafts
                next_id += gap(f"{portal.key}:{article.number}", self.ids["gap"])
                article.external_id = str(next_id)
            else:
                raise ValueError(f"family {self.name}: unknown id scheme {scheme!r}")
            article.slug = self.slug(article.title)

    def truncate(self, when):
        precision = self.ids.get("precision")
        if precision == "minute":
            return when.replace(second=0, microsecond=0)
        return when.replace(microsecond=0) if precision == "second" else when

    def slug(self, title: str) -> str:
        slug = slugify(title, drop_d=self.ids.get("slug_drops_d", False))
        if length := self.ids.get("slug_length"):
            slug = slug[:length].rstrip("-")
        return slug

    # ---- URLs -----------------------------------------------------------------------------------
    def values(self, portal, category: str) -> dict:
        """What URL formats may name besides their own fields."""
        return {"category": category, "key": portal.key}

    def article_path(self, portal, article: ReplicaArticle) -> str:
        p = article.published
        form = portal.spec.article_url or self.urls["article"]
        return form.format(**self.values(portal, article.category), slug=article.slug,
                           id=article.external_id, year=p.year, month=p.month, day=p.day)

    def page_url(self, portal, category: str, page: int) -> str:
        form = self.urls["listing"] if page == 1 else self.urls.get("listing_page", self.urls["listing"])
        return form.format(**self.values(portal, category), page=page, page_size=self.page_size)

    def home_path(self, portal) -> str:
        """What "/" shows (by default the first category's listing)."""
        return self.urls.get("home", "/{first}").format(first=next(iter(portal.categories)))

    def route(self, portal, path: str, query: str) -> tuple[str, object] | None:
        if match := self._article_re.match(path):
            return "article", match["id"]
        if match := self._listing_re.match(path):
            if category := self._category(portal, match["cat"]):
                return "listing", (category, self._page(portal, category, match, query))
        if path in self.urls.get("home_aliases", ()):
            return "listing", (next(iter(portal.categories)), 1)
        return None

    def _category(self, portal, name: str) -> str | None:
        """The category a listing path names; an alias of the home page names the first one."""
        fold = str.lower if self.urls.get("case_insensitive") else str
        category = next((c for c in portal.categories if fold(c) == fold(name)), None)
        if category is None and fold(name) in self.urls.get("first_category_aliases", ()):
            category = next(iter(portal.categories))
        return category

    def _page(self, portal, category: str, match: re.Match, query: str) -> int:
        """The page number: from the path's `page` group, else from the query parameter the spec names."""
        if "page" in match.re.groupindex:
            return int(match["page"] or 1)
        if "page_param" not in self.urls:
            return 1
        params = parse_qs(query)
        key = self.urls["page_param"].format(**self.values(portal, category))
        if self.urls.get("case_insensitive"):
            params, key = {k.lower(): v for k, v in params.items()}, key.lower()
        try:
            page = int(params.get(key, ["1"])[0])
        except ValueError:
            page = 1
        return max(1, page) if self.urls.get("clamp_page") else page

    def media_url(self, portal, article: ReplicaArticle, src: str) -> str:
        """Where the portal keeps a generated image (/media/YYYY/MM/DD/name.jpg)."""
        form = self.urls.get("media")
        if not form or not src.startswith("/media/"):
            return src
        _, _, yyyy, mm, dd, name = src.split("/")
        return form.format(yyyy=yyyy, mm=mm, dd=dd, m=int(mm), d=int(dd), name=name)

    def attachment_links(self, portal, article: ReplicaArticle) -> list[dict]:
        """Each attachment as the page shows it: name, title, href and url (the file)."""
        form = self.urls.get("attachment", "{path}")
        links = []
        for title, path in article.attachments:
            name = path.rsplit("/", 1)[-1]
            url = form.format(key=portal.key, path=path, name=name, year=article.published.year,
                              journal_id=article.journal_id)
            links.append({"name": name, "title": title, "href": url, "url": url})
        return links

    # ---- page contexts --------------------------------------------------------------------------
    def listing_item(self, portal, article: ReplicaArticle) -> dict:
        suffix = self.urls.get("listing_link_suffix", "").format(category=article.category)
        return {
            "url": self.article_path(portal, article) + suffix, "title": article.title, "summary": article.summary,
            "date": article.published.strftime("%d/%m/%Y"), "published": article.published, "id": article.external_id,
            "image": next((self.media_url(portal, article, b[1]) for b in article.blocks if b[0] == "img"), ""),
        }

    def article_context(self, portal, article: ReplicaArticle) -> dict:
        blocks = [("img", self.media_url(portal, article, b[1]), b[2]) if b[0] == "img" else b for b in article.blocks[1:]]
        context = {"category": article.category, "blocks": blocks, "files": self.attachment_links(portal, article)}
        if length := self.spec.get("viewstate_length"):  # ASP.NET pages carry a __VIEWSTATE per page
            context["viewstate"] = token(f"{portal.key}:{article.external_id}:vs", length, BASE64)
        return context

    def listing_context(self, portal, category: str, chunk: list[ReplicaArticle]) -> dict:
        return {}

    def data(self, replica, portal, kind: str, arg) -> tuple[int, str, bytes]:
        """Non-HTML answers (JSON, RSS, files) for the route kinds an override defines."""
        raise NotImplementedError(kind)

    def expected(self, portal, article: ReplicaArticle) -> dict:
        """What a perfect extractor reads from this family's article page (see Replica.truth)."""
        start = 0 if self.summary_in_body else 1
        tags = [portal.categories[article.category]] if self.spec.get("tags_are_category") else list(article.tags)
        return {
            "paragraphs": [text_of(b) for b in article.blocks[start:] if b[0] in ("p", "h") or text_of(b)],
            "images": [image for b in article.blocks for image in (
                [(self.media_url(portal, article, b[1]), b[2])] if b[0] == "img" else
                [tuple(i) for i in b[3]] if b[0] == "raw" else [])],
            "attachments": [(link["name"], link["url"]) for link in self.attachment_links(portal, article)],
            "author": article.author or None, "source": article.source or None, "tags": tags,
        }


def page_count(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


def pager(page: int, pages: int, radius: int = 2) -> list[int | None]:
    """Page numbers a pager shows: first, last and `radius` around the current one; None = an ellipsis."""
    shown = sorted({1, pages} | set(range(max(1, page - radius), min(pages, page + radius) + 1)))
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


def token(text: str, length: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789") -> str:
    """A stable pseudo-random string (ids, view states) derived from `text`."""
    digest = hashlib.sha1(text.encode()).digest()
    while len(digest) < length:
        digest += hashlib.sha1(digest).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def gap(text: str, most: int) -> int:
    """A stable step between 1 and `most` (ids of deleted drafts leave holes)."""
    return 1 + hashlib.sha1(text.encode()).digest()[0] % most
