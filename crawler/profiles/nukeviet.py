"""NukeViet news module (VINADES; provincial departments, districts, schools).

Article URL: /vi/news/<cat-alias>/<alias>-<id>.html (older and home-module forms: see article_path and
home_article_path; the home-module form only for portals registered with this profile);
listing /vi/news/<cat>/, next pages /vi/news/<cat>/page-N/. Markup from nukeviet's themes/default/modules/news/detail.tpl
(docs/portal-families.md §NukeViet): publish time "Thứ sáu - 10/05/2024 16:21" in span.h5 (the <meta>
times carry seconds but in NukeViet's own broken format "2024-05-10+0716:21:00"), the lead
image in figure.article outside the body #news-bodyhtml, files behind "?download=1&id=N"
links named in <strong>, "Tác giả:" / "Nguồn tin:" lines in p.h5.text-right.
"""
import re
from urllib.parse import urlsplit

from parsel import Selector

from vntext.dates import ParsedDate, parse_iso
from crawler.profiles.base import Profile, _compiled, file_type_of
from crawler.weburl import web_url
from vntext.textnorm import clean_text

# "2024-05-10+0716:21:00": PHP's date('Y-m-dTH:i:s') where T printed the zone offset.
_NUKEVIET_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})([+-]\d{2})(\d{2}:\d{2}:\d{2})")
# Functions of the news module (their segment comes where a category would).
_FUNCTIONS = r"(?:savefile|print|sendmail|rss|rating|tag|topic|groups|search|author|content|viewcat|detail)"
# NukeViet's other modules: on a site whose home module is news, their paths sit beside the categories.
_OTHER_MODULES = (r"(?:about|album|albums|photos|video|videos|contact|download|faq|laws|page|siteterms|statistics"
                  r"|users|voting|weblinks|feeds|seek|banners|comment)")


class NukeViet(Profile):
    name = "nukeviet"
    # One path, three real forms (docs/portal-families.md §NukeViet, tests/test_profiles.py):
    #   NukeViet 4    /vi/news/<cat>/<alias>-<id>.html    (/en/news/<Cat-Alias>/… on dongnai.gov.vn)
    #   news as home  /<cat>/<Alias>-<id>.html            (nongthonmoi.hatinh.gov.vn, v4.4: no /vi, no /news)
    #   NukeViet 3    /index.php/vi/news/<Cat>/<Alias>-<id>/  (nongthonmoihatinh.vn: trailing slash, no .html)
    # Module functions (savefile, print, sendmail, rss…) repeat an article's path under their own
    # segment and listings end in page-N: neither is an article.
    # article_path (with /news) is the URL shape that names NukeViet on any site: choose_profile
    # (claims_url) uses only it. The home-module form, /<cat>/<alias>-<id>.html, is the shape of half the
    # web (review 12: /2024/05/, /tin-tuc/bai-viet-123.html, /gioi-thieu/lien-he-1.html,
    # /video/clip-hoi-nghi-45.html were claimed as NukeViet articles), so only a portal registered with this
    # profile reads it (article_id): its spider already knows the portal is NukeViet. Even there, a
    # numeric-only first segment (a date folder) and the other modules' names are no news category.
    article_path = re.compile(
        r"^(?:/index\.php)?(?:/[a-z]{2})?/news"
        r"/(?!" + _FUNCTIONS + r"/)"
        r"[^/]+/(?!page-\d+[./])[^/]*?-?(?P<id>\d+)(?:\.html|/)$")
    home_article_path = re.compile(
        r"^/(?!(?:" + _FUNCTIONS + "|" + _OTHER_MODULES + r")/|\d+/)"
        r"[^/]+/(?!page-\d+[./])[^/]*?-?(?P<id>\d+)\.html$")
    listing_links = ".news_column .panel-body h2 a::attr(href), .news_column .panel-body h3 a::attr(href)"
    next_page = "ul.pagination a[rel=next]::attr(href)"
    listing_category = ("ul.temp-breadcrumbs li:last-child span[itemprop=name]",)
    title = (".news_column h1.title", "#news_detail h1", "meta[property='og:title']::attr(content)")
    summary = (".news_column div.hometext", "#hometext", "meta[name=description]::attr(content)")
    date_text = (".news_column .panel-body span.h5", "span.time")
    views_text = (".news_column span.hitstotal",)
    body = ("#news-bodyhtml", "div.bodytext")
    author = ("//p[contains(@class,'text-right')][strong[starts-with(normalize-space(.),'Tác giả')]]",)
    source = ("//p[contains(@class,'text-right')][strong[starts-with(normalize-space(.),'Nguồn')]]",)
    category = ("ul.temp-breadcrumbs li:last-child span[itemprop=name]", "meta[property='article:section']::attr(content)")
    tags = ("//em[contains(@class,'fa-tags')]/following-sibling::a",)
    lead_images = (".news_column figure.article",)

    def article_id(self, url: str) -> str | None:
        """The id in either form: this profile is only asked by portals registered with it (and by
        choose_profile through claims_url, which takes the /news form only)."""
        if found := super().article_id(url):
            return found
        match = self.home_article_path.search(urlsplit(url).path)
        return match["id"] if match else None

    def claims_url(self, url: str) -> bool:
        return bool(self.article_path.search(urlsplit(url).path))

    def extract_date(self, sel: Selector, jsonld_key, iso_selectors, text_selectors) -> ParsedDate | None:
        meta = "article:published_time" if jsonld_key == "datePublished" else "article:modified_time"
        for raw in sel.css(f"meta[property='{meta}']::attr(content)").getall():
            if match := _NUKEVIET_TIME.fullmatch(raw.strip()):
                if parsed := parse_iso(f"{match[1]}T{match[3]}{match[2]}:00"):
                    return parsed
        return super().extract_date(sel, jsonld_key, iso_selectors, text_selectors)

    def extract_attachments(self, sel: Selector, url: str) -> list[dict]:
        found = {}
        for link in _compiled("div.news-download-file a[href*='download=1']")(sel.root):
            name = clean_text("".join(next(link.iter("strong"), link).itertext()))
            target = web_url(url, link.get("href"))
            if target and file_type_of(name):
                found.setdefault(target, {"title": clean_text(link.get("title")) or name, "url": target,
                                          "file_type": file_type_of(name), "file_name": name})
        return list(found.values())
