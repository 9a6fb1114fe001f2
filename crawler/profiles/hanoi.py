"""The current Hanoi platform (2024/25 on; VCCorp-style CMS, same scheme as baochinhphu.vn).

Article URL: /<category-slug>/<slug>-<ID>.htm where ID = site prefix + yyMMddHHmmss + ms
(docs/portal-families.md §Hanoi platform); migrated legacy articles keep short 8-digit ids. Dedupe on the
number, never the slug (slugs are cut and can change). Machine-readable dates (JSON-LD,
article:published_time) come before the visible line.
"""
import re

from crawler.profiles.base import Profile


class HanoiPlatform(Profile):
    name = "hanoi"
    article_path = re.compile(r"^/(?P<cat>[a-z0-9-]+)/[a-z0-9-]*?-?(?P<id>\d{8,})\.htm$")
    listing_links = ".box-category-item a.box-category-link-title::attr(href)"
    next_page = ".box-pagination a.next::attr(href)"
    listing_category = (".box-category-title",)
    title = ("h1.detail-title", "h1[data-role=title]", "meta[property='og:title']::attr(content)")
    summary = ("h2.detail-sapo", "[data-role=sapo]", "meta[name=description]::attr(content)")
    date_text = ("[data-role=publishdate]", ".detail-time")
    views_text = (".detail-view", ".detail-info")
    body = ("[data-role=content]", "div.detail-content")
    body_noise = (".link-content-footer", ".detail-tags")
    author = (".detail-author .name", ".detail-author")
    source = (".detail-source", ".source")
    category = (".detail-cate a", ".detail-cate")
    tags = (".detail-tags a",)
