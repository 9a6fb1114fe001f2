"""DotNetNuke with the "cmsview" module: what its spec cannot say (docs/portal-families.md §DotNetNuke).

A category page is DNN furniture plus an AngularJS block that loads its news from the JSON API
  GET /DesktopModules/cmsview/api/NewsContent/listnew?PortalId=0&ModuleId=<n>&GetType=3&PageIndex=<p>&txtKeyword=
    → {"ListData": [first 4 items of page p], "ListMoreData": [the other 6]}   (both empty past the end)
  GET /DesktopModules/cmsview/api/NewsContent/getbyid?id=<Id> → the article, FullContent = body HTML
The ModuleId is read from `myService.getNewsBlockContents(0, <ModuleId>, 3, $scope.PageIndex, …)` in the page;
the "Tin nổi bật" block of every page calls the same service with the literal page 1 and another ModuleId
(that is how a real crawler tells them apart). The module ids and the API path are in family.toml.
"""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs

from markupsafe import escape

from crawler.replica.content import nfc
from crawler.replica.families.engine import Family, gap

JSON_TYPE = "application/json; charset=utf-8"


def iso_local(when, fraction: bool = False) -> str:
    """A .NET DateTime of kind Unspecified as Json.NET writes it: no zone, fraction only when non-zero."""
    text = f"{when:%Y-%m-%dT%H:%M:%S}"
    if fraction and when.microsecond:
        text += "." + f"{when.microsecond:06d}".rstrip("0")
    return text


def dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Overrides(Family):
    def module_id(self, portal, category: str) -> int:
        return self.spec["modules"].get(category) or 2000 + gap(f"{portal.key}/{category}", 900)

    def values(self, portal, category):
        return super().values(portal, category) | {"module": self.module_id(portal, category)}

    def route(self, portal, path, query):
        api = self.urls["api"].lower()
        lower = path.lower().rstrip("/")
        params = {k.lower(): v for k, v in parse_qs(query, keep_blank_values=True).items()}
        if lower == f"{api}/listnew":
            return "api-list", params
        if lower == f"{api}/getbyid":
            return "api-article", params.get("id", [""])[0]
        return super().route(portal, path, query)

    def api_path(self, portal, category, page):
        """The listnew JSON URL of a category's page N (the spec's listing_page: pages 2… go through it)."""
        return self.urls["listing_page"].format(**self.values(portal, category), page=page)

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
        return super().article_context(portal, article) | {
            "full_content": self.full_content(portal, article), "module": self.spec["detail_module"]}

    def listing_context(self, portal, category, chunk):
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
        elif module == self.spec["hot_module"]:
            items = replica.visible(portal.key)
        else:
            category = next((c for c in portal.categories if self.module_id(portal, c) == module), None)
            items = replica.listed(portal.key, category) if category else []
        if keyword := nfc(params.get("txtkeyword", [""])[0]).strip().lower():
            items = [a for a in items if keyword in a.title.lower()]
        start = (max(page, 1) - 1) * self.page_size
        chunk = items[start:start + self.page_size]
        top = self.spec["top_size"]  # ListData: the block's top section; the rest of the page is ListMoreData
        return 200, JSON_TYPE, dumps({
            "ListData": [self.item(portal, a) for a in chunk[:top]],
            "ListMoreData": [self.item(portal, a) for a in chunk[top:]],
        })
