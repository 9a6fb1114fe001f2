"""What every CMS family of the replica provides, and small helpers they share."""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from crawler.replica.content import ReplicaArticle


@dataclass
class Page:
    status: int
    template: str
    context: dict


class Family:
    """A family assigns the portal's own ids and URLs to generated articles and maps a request to a page.

    route() answers (kind, argument) or None (not found). The server renders the HTML kinds itself:
      ("article", external_id)          the article page (templates/<family>/article.html), 404 when not visible
      ("listing", (category, page))     a listing page (templates/<family>/listing.html)
    and hands every other kind to data(), which answers (status, content type, body) — JSON, XML, files.
    """

    name = ""
    page_size = 10
    robots = "User-agent: *\nDisallow:\n"
    empty_pages_ok = False      # a listing page past the last one: 200 with no items (else 404)
    summary_in_body = False     # the summary is the body's first paragraph (Liferay) or shown apart
    shows_views = True          # the article page shows "Lượt xem"
    date_only = False           # the article page shows the publication date without a time

    def assign_ids(self, portal, articles: list[ReplicaArticle]) -> None:
        raise NotImplementedError

    def article_path(self, portal, article: ReplicaArticle) -> str:
        raise NotImplementedError

    def route(self, portal, path: str, query: str) -> tuple[str, object] | None:
        raise NotImplementedError

    def page_url(self, portal, category: str, page: int) -> str:
        raise NotImplementedError

    def home_path(self, portal) -> str:
        """What "/" shows: the first category's listing."""
        return "/" + next(iter(portal.categories))

    def data(self, replica, portal, kind: str, arg) -> tuple[int, str, bytes]:
        """Non-HTML answers (JSON, RSS, files) for the route kinds this family defines."""
        raise NotImplementedError(kind)

    def media_url(self, portal, article: ReplicaArticle, src: str) -> str:
        """Where the portal keeps a generated image (/media/YYYY/MM/DD/name.jpg)."""
        return src

    def listing_item(self, portal, article: ReplicaArticle) -> dict:
        return {
            "url": self.article_path(portal, article), "title": article.title, "summary": article.summary,
            "date": article.published.strftime("%d/%m/%Y"), "id": article.external_id,
            "image": next((self.media_url(portal, article, b[1]) for b in article.blocks if b[0] == "img"), ""),
        }

    def article_context(self, portal, article: ReplicaArticle) -> dict:
        return {}

    def listing_context(self, portal, category: str) -> dict:
        return {}

    def attachment_links(self, portal, article: ReplicaArticle) -> list[dict]:
        """Each attachment as the page shows it: name, title, href (as written) and url (the file)."""
        return [{"name": path.rsplit("/", 1)[-1], "title": title, "href": path, "url": path} for title, path in article.attachments]

    def expected(self, portal, article: ReplicaArticle) -> dict:
        """What a perfect extractor reads from this family's article page (see Replica.truth)."""
        start = 0 if self.summary_in_body else 1
        return {
            "paragraphs": [b[1] for b in article.blocks[start:] if b[0] in ("p", "h")],
            "images": [(self.media_url(portal, article, b[1]), b[2]) for b in article.blocks if b[0] == "img"],
            "attachments": [(link["name"], link["url"]) for link in self.attachment_links(portal, article)],
            "author": article.author or None, "source": article.source or None, "tags": list(article.tags),
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
