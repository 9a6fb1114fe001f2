"""The current Hanoi platform (2024/25 on; VCCorp-style CMS, same scheme as baochinhphu.vn).

Article URL: /<category-slug>/<slug>-<ID>.htm where ID = site prefix + yyMMddHHmmss + ms
(docs/portal-families.md §Hanoi platform); migrated legacy articles keep short 8-digit ids. The vendor's
government papers (baochinhphu.vn, en.baochinhphu.vn, xaydungchinhsach.chinhphu.vn) serve the same
article pages with no category segment: /<slug>-<ID>.htm. Dedupe on the number, never the slug (slugs are
cut and can change). Machine-readable dates (JSON-LD, article:published_time) come before the visible line.

Each cascade lists the replica's reconstructed markup and what real vendor pages show (issue 12:
en.baochinhphu.vn pages captured 2026-10-06, docs/portal-families.md §Hanoi platform [V]).
"""
import re

from crawler.profiles.base import Profile


class HanoiPlatform(Profile):
    name = "hanoi"
    # The category segment is optional: real baochinhphu.vn / en.baochinhphu.vn / xaydungchinhsach URLs have
    # none ("/viet-nam-russia-hold-…-111260523144123151.htm"). Eight digits at least keep "/politics.htm" or
    # "/timelinetags/defense/2.htm" out.
    article_path = re.compile(r"^/(?:(?P<cat>[a-z0-9-]+)/)?[a-z0-9-]*?-?(?P<id>\d{8,})\.htm$")
    # Listing items: the replica's box-category, the vendor's box-stream (real en.baochinhphu.vn listing:
    # div.box-stream-item > h2 > a.box-stream-link-title) and hanoi.gov.vn's news-item (seen in two
    # independent crawlers of its /api/NewsZone/NewsZone fragments: div.news-item > a > h3.news-title).
    # Only an item's title link: ".news-item a" also took any other link of the item (a category or
    # related-article link was listed as an article); h3.news-title > a is the same title the other way round.
    listing_links = (".box-category-item a.box-category-link-title::attr(href), "
                     ".box-stream-item a.box-stream-link-title::attr(href), "
                     ".news-item a:has(.news-title)::attr(href), .news-item .news-title a::attr(href)")
    next_page = ".box-pagination a.next::attr(href)"
    listing_category = (".box-category-title",)
    title = ("h1.detail-title", "h1[data-role=title]", "meta[property='og:title']::attr(content)")
    summary = ("h2.detail-sapo", "[data-role=sapo]", "meta[name=description]::attr(content)")
    # Real pages nest the stamp: div.detail-time > div[data-role=publishdate] "May 24, 2026 3:38 PM GMT+7".
    date_text = ("[data-role=publishdate]", ".detail-time")
    views_text = (".detail-view", ".detail-info")
    body = ("[data-role=content]", "div.detail-content")
    # type="RelatedNewsBox" is the vendor's related-links box that real pages put INSIDE the body
    # (div.VCSortableInPreviewMode > div.kbwscwl-relatedbox, two links on the 2026-05-24 page): without it
    # the related titles read as body paragraphs.
    body_noise = (".link-content-footer", ".detail-tags", "[type=RelatedNewsBox]", ".kbwscwl-relatedbox")
    # The real byline sits above the body: div.detail-author-top > p > a.detail-author-top-name "Thuy Dung".
    author = (".detail-author .name", ".detail-author-top-name", ".detail-author")
    source = (".detail-source", ".source")
    # Real pages: div.detail-breadcrumb > a[data-role=cate-name] "Politics".
    category = (".detail-cate a", ".detail-cate", "[data-role=cate-name]")
    # Real pages: ul.detail-tag-list[data-role=tags] > li > a.
    tags = (".detail-tags a", "[data-role=tags] a")
