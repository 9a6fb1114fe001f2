"""Tân Dân SharePoint "portal" (many provinces: Điện Biên, Ninh Thuận, Nam Định, Hà Tĩnh, MPI).

Article URL: /portal/Pages/<YYYY-M-D>/<Title-Words><random>.aspx (`Pages`/`pages` and padded or
unpadded dates both occur; paths are case-insensitive). The random suffix is not always
separable from the cut title, so the portal's id is the whole file stem, lower-cased.
Listings: /portal/Pages/<Category>.aspx?PageIndex=N. Dates are shown without a time
("Đăng ngày 17 - 05 - 2024"); the category is not on the article page, so it comes from the
listing. Verified classes: docs/portal-families.md §Tân Dân.
"""
import re

from crawler.profiles.base import Profile


class TanDanPortal(Profile):
    name = "tandan"
    article_path = re.compile(r"^/portal/pages/\d{4}-\d{1,2}-\d{1,2}/(?P<id>[^/]+)\.aspx$", re.I)
    listing_links = ".tandan-div-list-news .channel-news-title a::attr(href)"
    next_page = ".tandan-div-paging a.tandan-a-next::attr(href)"
    listing_category = ("h2.tandan-title-category",)
    title = (".tandan-p-article-news-title", "meta[property='og:title']::attr(content)")
    summary = (".tandan-p-article-news-summary", "meta[name=description]::attr(content)")
    date_text = (".tandan-span-date-publish",)
    views_text = (".tandan-span-view-count",)
    body = (".tandan-p-article-main .ms-rtestate-field", ".tandan-p-article-news-content")
    body_noise = ("#ctl00_PlaceHolderMain_ctl08_label", ".tandan-div-attach", ".tandan-div-article-other")
    tags = (".td-tags a:not(.td-tags-title)",)
    attachment_scope = (".tandan-div-attach",)

    def article_id(self, url):
        found = super().article_id(url)
        return found.lower() if found else None
