"""DotNetNuke with the "cmsview" module (congan.hanoi.gov.vn): shared/portals.md §1.F.

A category page (/chi-dao-dieu-hanh) is DNN furniture plus an AngularJS block that loads its news from
  GET /DesktopModules/cmsview/api/NewsContent/listnew?PortalId=0&ModuleId=<n>&GetType=3&PageIndex=<p>&txtKeyword=
    → {"ListData": [first 4 items of page p], "ListMoreData": [the other 6]}   (both empty past the end)
  GET /DesktopModules/cmsview/api/NewsContent/getbyid?id=<Id> → the article, FullContent = body HTML
The ModuleId is read from `myService.getNewsBlockContents(0, <ModuleId>, 3, $scope.PageIndex, …)` in the page;
the "Tin nổi bật" block of every page calls the same service with the literal page 1 and another ModuleId
(that is how a real crawler tells them apart). Article pages: /tin-tuc/<Url>-<Id>. No view counts.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs

from markupsafe import escape

from crawler.replica.content import nfc, slugify
from crawler.replica.families.base import Family, gap, token

API = "/DesktopModules/cmsview/api/NewsContent"
JSON_TYPE = "application/json; charset=utf-8"


def iso_local(when, fraction: bool = False) -> str:
    """A .NET DateTime of kind Unspecified as Json.NET writes it: no zone, fraction only when non-zero."""
    text = f"{when:%Y-%m-%dT%H:%M:%S}"
    if fraction and when.microsecond:
        text += "." + f"{when.microsecond:06d}".rstrip("0")
    return text


def dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class DotNetNuke(Family):
    name = "dnn"
    page_size = 10
    top_size = 4                 # ListData: the block's top section; the rest of the page is ListMoreData
    shows_views = False
    # Disallow lines of DNN's stock robots.txt, without /DesktopModules/ (the stock file has it, and it would
    # forbid the API; what the real host serves is unknown).
    robots = ("User-agent: *\nDisallow: /admin/\nDisallow: /App_Browsers/\nDisallow: /App_Code/\nDisallow: /App_Data/\n"
              "Disallow: /bin/\nDisallow: /Components/\nDisallow: /Config/\nDisallow: /controls/\nDisallow: /Install/\n"
              "Disallow: /Providers/\n")
    MODULES = {  # the real ModuleIds of congan.hanoi.gov.vn's category blocks
        "chi-dao-dieu-hanh": 391, "tin-antt-va-canh-bao-toi-pham": 698, "an-toan-giao-thong": 419,
        "cong-tac-pccc-va-cnch": 387, "xay-dung-dang-va-xdll": 422, "phan-hoi-thong-tin-bao-chi": 432,
    }
    HOT_MODULE = 1385            # "Tin nổi bật": every category, on every page, always page 1
    DETAIL_MODULE = 1402         # the article page's module
    first_id = 30412
    _article = re.compile(r"^/tin-tuc/(?P<slug>[^/]+)-(?P<id>\d+)/?$")

    def module_id(self, portal, category: str) -> int:
        return self.MODULES.get(category) or 2000 + gap(f"{portal.key}/{category}", 900)

    def category_of_module(self, portal, module: int) -> str | None:
        return next((c for c in portal.categories if self.module_id(portal, c) == module), None)

    def assign_ids(self, portal, articles):
        next_id = int(portal.id_prefix or self.first_id)
        for article in articles:
            article.published = article.published.replace(second=0, microsecond=0)  # editors pick a minute
            next_id += gap(f"{portal.key}:{article.number}", 5)
            article.external_id = str(next_id)
            article.slug = slugify(article.title)

    def article_path(self, portal, article):
        return f"/tin-tuc/{article.slug}-{article.external_id}"

    def route(self, portal, path, query):
        lower = path.lower().rstrip("/")
        params = {k.lower(): v for k, v in parse_qs(query, keep_blank_values=True).items()}
        if lower == f"{API}/listnew".lower():
            return "api-list", params
        if lower == f"{API}/getbyid".lower():
            return "api-article", params.get("id", [""])[0]
        if match := self._article.match(path):
            return "article", match["id"]
        category = path.strip("/")
        if category in portal.categories:
            return "listing", (category, 1)
        return None

    def page_url(self, portal, category, page):
        """Page 1: the category page (it names the ModuleId); later pages: the JSON API."""
        return f"/{category}" if page == 1 else self.api_path(portal, category, page)

    def api_path(self, portal, category, page):
        return (f"{API}/listnew?PortalId=0&ModuleId={self.module_id(portal, category)}&GetType=3"
                f"&PageIndex={page}&txtKeyword=")

    def media_url(self, portal, article, src):
        # /media/2026/01/19/congan-12.jpg → /Portals/0/cmsview/2026/1/19/congan-12.jpg
        parts = src.split("/")
        return f"/Portals/0/cmsview/{parts[2]}/{int(parts[3])}/{int(parts[4])}/{parts[5]}" if src.startswith("/media/") else src

    def attachment_links(self, portal, article):
        return []

    def created(self, portal, article):
        minutes = 5 + gap(f"{portal.key}:{article.number}:created", 170)
        ms = gap(f"{portal.key}:{article.number}:ms", 250) * 4 - 3
        return article.published - timedelta(minutes=minutes, seconds=minutes % 60) + timedelta(milliseconds=ms)

    def full_content(self, portal, article) -> str:
        """The body HTML (CKEditor): paragraphs, photos with a centred italic caption, the author in bold last."""
        out = []
        for b in article.blocks[1:]:
            if b[0] == "p":
                out.append(f'<p style="text-align: justify;">{escape(b[1])}</p>')
            elif b[0] == "h":
                out.append(f"<p><strong>{escape(b[1])}</strong></p>")
            elif b[0] == "img":
                out.append(f'<p style="text-align: center;"><img alt="" src="{escape(self.media_url(portal, article, b[1]))}" '
                           f'style="width: 800px; height: 533px;" /></p>')
                out.append(f'<p style="text-align: center;"><em>{escape(b[2])}</em></p>')
        if article.author:
            out.append(f'<p style="text-align:right"><strong>{escape(article.author)}</strong></p>')
        return nfc("\r\n".join(out))

    def item(self, portal, article) -> dict:
        return {
            "Id": int(article.external_id), "Name": article.title, "Description": article.summary, "Url": article.slug,
            "Avatar": self.listing_item(portal, article)["image"], "PublishTime": iso_local(article.published),
            "CreatedTime": iso_local(self.created(portal, article), fraction=True),
        }

    def detail(self, portal, article) -> dict:
        item = self.item(portal, article)
        return {
            "Id": item["Id"], "Name": item["Name"], "Description": item["Description"],
            "FullContent": self.full_content(portal, article), "Url": item["Url"], "Avatar": item["Avatar"],
            "MetaKeywords": ", ".join(article.tags), "PublishTime": item["PublishTime"], "CreatedTime": item["CreatedTime"],
        }

    def article_context(self, portal, article):
        p = article.published
        return {
            "category": article.category, "full_content": self.full_content(portal, article),
            "time_text": f"{p:%H:%M} {p:%d/%m/%Y}",
            "module": self.DETAIL_MODULE, "keywords": ", ".join(article.tags),
            "viewstate": token(f"{portal.key}:{article.external_id}:vs", 120, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
        }

    def listing_context(self, portal, category):
        return {"module": self.module_id(portal, category)}

    def data(self, replica, portal, kind, arg):
        if kind == "api-list":
            return self._list(replica, portal, arg)
        if kind == "api-article":
            article = portal.by_id.get(arg) if arg.isdigit() else None
            if article and not article.removed and article.published <= replica.now(portal.key):
                return 200, JSON_TYPE, dumps(self.detail(portal, article))
            return 404, JSON_TYPE, dumps({"Message": "Không tìm thấy bài viết."})
        raise NotImplementedError(kind)

    def _list(self, replica, portal, params):
        def number(name, default):
            try:
                return int(params.get(name, [str(default)])[0])
            except ValueError:
                return None

        portal_id, module, page = number("portalid", 0), number("moduleid", 0), number("pageindex", 1)
        if None in (portal_id, module, page):
            return 400, JSON_TYPE, dumps({"Message": "The request is invalid."})
        if portal_id != 0:
            items = []
        elif module == self.HOT_MODULE:
            items = replica.visible(portal.key)
        else:
            category = self.category_of_module(portal, module)
            items = replica.listed(portal.key, category) if category else []
        if keyword := nfc(params.get("txtkeyword", [""])[0]).strip().lower():
            items = [a for a in items if keyword in a.title.lower()]
        start = (max(page, 1) - 1) * self.page_size
        chunk = items[start:start + self.page_size]
        return 200, JSON_TYPE, dumps({
            "ListData": [self.item(portal, a) for a in chunk[:self.top_size]],
            "ListMoreData": [self.item(portal, a) for a in chunk[self.top_size:]],
        })
