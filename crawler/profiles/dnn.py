"""DotNetNuke "cmsview" module (congan.hanoi.gov.vn): a JSON API, no article HTML to parse.

Category pages name their module in `myService.getNewsBlockContents(0, <ModuleId>, 3, <page>…)`
(a featured block calls it with a literal page 1 first: skip that call, as a working crawler
does); listnew?…&ModuleId=<n>&PageIndex=<p> lists articles in ListData + ListMoreData (Id, Url,
Name, Description, PublishTime ISO without zone = local time); getbyid?id=<Id> gives the
FullContent HTML. The public article URL is /tin-tuc/<Url>-<Id> (docs/portal-families.md §DotNetNuke).
No view counts are published.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from parsel import Selector

from db.record import ArticleRecord
from vntext.dates import parse_iso
from crawler.profiles.base import Profile
from vntext.textnorm import clean_text

API = "/DesktopModules/cmsview/api/NewsContent/"
_MODULE_RE = re.compile(r"getNewsBlockContents\(\s*0\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*([^,)]+)")


class DnnCmsView(Profile):
    name = "dnn"
    article_path = re.compile(r"^/tin-tuc/[^/]*?-?(?P<id>\d+)/?$")
    body = ("#dnn-body",)  # the wrapper extract() puts around FullContent

    @staticmethod
    def _news_module(sel: Selector) -> tuple[str, str] | None:
        for module, get_type, page in _MODULE_RE.findall(sel.get() or ""):
            if page.strip() != "1":
                return module, get_type
        return None

    def category_of_listing(self, sel: Selector) -> str:
        if sel.type != "html" or not (found := self._news_module(sel)):
            return ""
        return clean_text(sel.css(f"#dnn_ctr{found[0]}_dnnTITLE_titleLabel").xpath("string(.)").get())

    def fetch_url(self, url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}{API}getbyid?id={self.article_id(url)}"

    def parse_listing(self, sel: Selector, url: str) -> tuple[list[str], list[str]]:
        parts = urlsplit(url)
        if sel.type != "json":
            # The category page: find its news module and start on the API's first page.
            if not (found := self._news_module(sel)):
                return [], []
            query = urlencode({"PortalId": 0, "ModuleId": found[0], "GetType": found[1], "PageIndex": 1, "txtKeyword": ""})
            return [], [urljoin(url, f"{API}listnew?{query}")]
        data = sel.root if isinstance(sel.root, dict) else {}
        if not data.get("ListData"):
            return [], []
        base = f"{parts.scheme}://{parts.netloc}"
        items = data["ListData"] + (data.get("ListMoreData") or [])
        articles = list(dict.fromkeys(f"{base}/tin-tuc/{item['Url']}-{item['Id']}" for item in items if "Id" in item))
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        params["PageIndex"] = str(int(params.get("PageIndex", "1")) + 1)
        return articles, [f"{base}{parts.path}?{urlencode(params)}"]

    def extract(self, sel: Selector, url: str, *, listing_category: str = "") -> ArticleRecord:
        url = self.canonical_url(url)
        article = ArticleRecord(url=url, external_id=self.article_id(url) or "", extracted_by=self.name)
        data = sel.root if sel.type == "json" else None
        if not isinstance(data, dict):
            return article
        article.title = clean_text(data.get("Name"))
        article.summary = clean_text(Selector(text=f"<p>{data.get('Description') or ''}</p>").xpath("string(.)").get())
        article.published = self.safe_date(parse_iso, data.get("PublishTime"))
        article.category = clean_text(listing_category)
        article.tags = [t for t in (clean_text(k) for k in (data.get("MetaKeywords") or "").split(",")) if t]
        content = Selector(text=f"<div id='dnn-body'>{data.get('FullContent') or ''}</div>")
        article.attachments = self.extract_attachments(content, url)
        if (body := self.body_fragment(content)) is not None:
            self.fill_body(article, body, url)
        self.fill_byline(article, content)
        article.references = self.extract_references(article)
        return article
