"""Tân Dân SharePoint "portal" (many provinces: Điện Biên, Ninh Thuận, Nam Định, Hà Tĩnh, MPI).

Article URL: /portal/Pages/<YYYY-M-D>/<Title-Words><random>.aspx (`Pages`/`pages` and padded or
unpadded dates both occur; paths are case-insensitive). The random suffix is not always
separable from the cut title, so the portal's id is the whole file stem, lower-cased.
A year alone as the folder (/portal/pages/2015/…aspx) is cited for the Điện Biên Phủ victory
museum site [I]: accepted too. Listings: /portal/Pages/<Category>.aspx?PageIndex=N. Dates are
shown without a time ("Đăng ngày 17 - 05 - 2024"), kept as a calendar day; a page without that
line falls back to the day of its URL folder (a line that is there but unreadable gives no date).
The category is not on the article page, so it comes from the listing. Verified classes:
docs/portal-families.md §Tân Dân.

The body: real pages wrap the SharePoint rich-text field in a *paragraph*,
<p class="tandan-p-article-main"><div … class="ms-rtestate-field">…</div></p>. An HTML parser
(lxml, as browsers do) closes the <p> at the <div>, so the field becomes the paragraph's next
sibling and the nested selector finds nothing: the sibling selector reads it. Seen in article
HTML copied from quangxuong.thanhhoa.gov.vn (issue 12, tests/test_tandan_real.py).
"""
import re

from crawler.profiles.base import Profile, first_text
from vntext.dates import ParsedDate, parse_url_date


class TanDanPortal(Profile):
    name = "tandan"
    article_path = re.compile(r"^/portal/pages/\d{4}(?:-\d{1,2}-\d{1,2})?/(?P<id>[^/]+)\.aspx$", re.I)
    listing_links = ".tandan-div-list-news .channel-news-title a::attr(href)"
    # "Tiếp" link, or SharePoint's pager: the link after <span class="CurrentPage"> (a real MPI crawler's selector).
    next_page = ".tandan-div-paging a.tandan-a-next::attr(href), span.CurrentPage + a::attr(href)"
    listing_category = ("h2.tandan-title-category",)
    # Second names (.tandan-*-view): another Điện Biên crawler's selectors, a later layout of the same
    # portal (docs/portal-families.md §Tân Dân); tried after the verified ones.
    title = (".tandan-p-article-news-title", ".tandan-title-view", "meta[property='og:title']::attr(content)")
    summary = (".tandan-p-article-news-summary", "meta[name=description]::attr(content)")
    date_text = (".tandan-span-date-publish", ".tandan-date-view")
    views_text = (".tandan-span-view-count",)
    body = (".tandan-p-article-main .ms-rtestate-field", ".tandan-p-article-main + .ms-rtestate-field",
            ".tandan-p-article-news-content", ".tandan-content-view")
    body_noise = ("#ctl00_PlaceHolderMain_ctl08_label", ".tandan-div-attach", ".tandan-div-article-other")
    tags = (".td-tags a:not(.td-tags-title)",)
    attachment_scope = (".tandan-div-attach",)

    def extract(self, sel, url, *, listing_category=""):
        article = super().extract(sel, url, listing_category=listing_category)
        # The folder day only when the page shows no date line at all. A line it shows but we cannot read
        # ("Đăng ngày 17 - 05", no year) is evidence the folder may contradict: None, not the folder's day
        # (review 12: that line gave 2019-01-03 from /pages/2019-1-3/, unflagged).
        if article.published is None and not first_text(sel, self.date_text):
            article.published = url_date(url)
        return article

    def article_id(self, url):
        found = super().article_id(url)
        return found.lower() if found else None


def url_date(url: str) -> ParsedDate | None:
    """The day of an article's /portal/pages/<YYYY-M-D>/ folder, when its page shows no date line."""
    return parse_url_date(url, r"/portal/pages/(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})/")
