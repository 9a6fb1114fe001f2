"""Liferay asset publisher (old Hanoi district portals such as the 2024 Bắc Từ Liêm site).

Article URL: /<page>/-/asset_publisher/<instanceId>/content/<urlTitle> (docs/portal-families.md §Liferay);
the urlTitle is the portal's stable id for the article. Commune sites on the "tin-chi-tiet"
product use /tin-chi-tiet/-/chi-tiet/<slug>-<id>-<n>.html. Pagination through the portlet's
`_cur` parameter. The meta line reads "Ngày đăng 10/05/2024 | 16:21 | Lượt xem: 503" (real Hanoi
portals of 2019–2022 print "Ngày đăng 18/03/2019 | 04:01 PM  |  View count: 536", read by vntext), the
byline is the body's last short paragraph, and "Xem với cỡ chữ" / "Đọc bài viết" widgets sit
between the meta line and the body.

Second layout, the "so4t" theme of sotttt.hanoi.gov.vn (real pages saved by HTTrack on 2022-08-27,
tests/fixtures/real/liferay/, docs/portal-families.md §Liferay): article URL
/<page>/-/view_content/<articleId>-<slug>.html, the title in div.asset-full-content-title and the
meta line in the div.assetPublishDate.block_timer right after it, both OUTSIDE .asset-full-content
("Ngày đăng 20/06/2018 | 4:12 PM &nbsp;|&nbsp;View count: 349", or only "21/12/2012 | 12:00 AM"),
a p.sapo lead before the body, the CMS author slot p.view-content-author closing the body, and a
pager whose "next" <li> has no class. The same markup otherwise (portlet 101, journal-content-article),
so the layout is a second selector in each cascade, not a second profile.
"""
import copy
import re
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from crawler.profiles.base import Profile
from vntext.textnorm import clean_text


class LiferayAssetPublisher(Profile):
    name = "liferay"
    # The id of a view_content URL is the number before the first hyphen ("2625972-hanoi-…"): the slug is
    # cut by the CMS and by HTTrack (".33ad" for ".html" in the real mirror), so dedupe must not depend on it.
    # An asset_publisher URL's urlTitle IS the portal's id, kept whole.
    article_path = re.compile(
        r"(?:/-/asset_publisher/\w+/content/|/tin-chi-tiet/-/chi-tiet/)(?P<id>[^/?#]+?)(?:\.html)?$"
        r"|/-/view_content/(?P<vc>[0-9]+)(?:-[^/?#]*)?$")
    listing_links = ".asset-abstract .asset-title a::attr(href)"
    # "next" by what the item says, not by its position: so4t prints <li class="disabled first">, <li
    # class="disabled">Trước, <li class="">next, <li class=" last"> (the 3rd item is "next" only there; a
    # Previous/Next/1 pager made the positional rule point backwards). Stock 6.2 marks it li.next.
    next_page = (
        "//ul[contains(concat(' ', normalize-space(@class), ' '), ' lfr-pagination-buttons ')]"
        "/li[not(contains(concat(' ', normalize-space(@class), ' '), ' disabled '))]"
        "[contains(concat(' ', normalize-space(@class), ' '), ' next ')"
        " or translate(normalize-space(.), 'NEXTIẾPSAUHÉO→»› ', 'nextiếpsauheo') = 'next'"
        " or translate(normalize-space(.), 'NEXTIẾPSAUHÉO→»› ', 'nextiếpsauheo') = 'tiếp'"
        " or translate(normalize-space(.), 'NEXTIẾPSAUHÉO→»› ', 'nextiếpsauheo') = 'tiếptheo'"
        " or translate(normalize-space(.), 'NEXTIẾPSAUHÉO→»› ', 'nextiếpsauheo') = 'sau'"
        " or translate(normalize-space(.), 'NEXTIẾPSAUHÉO→»› ', 'nextiếpsauheo') = 'trangsau'"
        " or contains(concat(' ', normalize-space(a/@aria-label), ' '), 'Next')]/a/@href")
    listing_category = ("#column-1 .portlet-title-text",)
    title = (".asset-full-content .header-title", ".asset-full-content-title", "meta[property='og:title']::attr(content)")
    summary = (".asset-full-content .sapo", "meta[name=description]::attr(content)")
    _so4t_meta = ".asset-full-content-title ~ .assetPublishDate"
    date_text = (".asset-full-content .metadata-publish-date", ".asset-full-content .asset-metadata", _so4t_meta)
    updated_text = (".asset-full-content .metadata-modified-date",)
    views_text = (".asset-full-content .asset-metadata", _so4t_meta)
    # The journal article wins: in stock 6.2 full_content.jsp div.asset-content also holds the flags ("Báo cáo
    # vi phạm"), the ratings ("Trung bình (0 Bình chọn)"), asset-more, related asset links ("Tài nguyên liên
    # quan:" with their document numbers) and the discussion ("Bình luận"); reading .asset-content gave the
    # body that furniture and a false reference 999/QĐ-UBND (/tmp probe of review 12). so4t's lead p.sapo sits
    # beside the article in .asset-content and is prepended (body_fragment); .asset-content stays the last
    # resort for an asset with no journal article, its furniture dropped as noise.
    body = (".asset-full-content .asset-content .journal-content-article", ".asset-full-content .asset-content",
            "div.journal-content-article")
    lead = ".asset-full-content .asset-content > .sapo-wrapper"
    body_noise = (".font-size-widget", ".text-to-speech", ".taglib-social-bookmarks", ".view-content-author",
                  ".asset-flag", ".taglib-flags", ".asset-ratings", ".taglib-ratings", ".taglib-asset-links",
                  ".asset-more", ".lfr-discussion")
    # The CMS author slot names the posting ACCOUNT on the real so4t pages ("Admin English", "admin admin"),
    # not a person: such a slot is no author, and the byline (the body's last short paragraph, e.g. the
    # real 2018 page's right-aligned "Bich Thao") is read as in the rest of the family.
    author = ("//*[contains(concat(' ', normalize-space(@class), ' '), ' asset-full-content ')]"
              "//*[contains(concat(' ', normalize-space(@class), ' '), ' view-content-author ')]"
              "[not(contains(translate(normalize-space(.), 'ADMINSTRATOR', 'adminstrator'), 'admin'))]",)
    category = (".asset-full-content .breadcrumb-title", "#column-1 .portlet-title-text")
    tags = (".asset-full-content .taglib-asset-tags-summary a", ".asset-tags a")
    attachment_scope = (".asset-attachments",)

    def article_id(self, url: str) -> str | None:
        match = self.article_path.search(urlsplit(url).path)
        return (match["id"] or match["vc"]) if match else None

    def body_fragment(self, sel: Selector) -> etree._Element | None:
        """The journal article, with so4t's lead (p.sapo) before it when the lead has text: the lead is
        the article's first paragraph on the real pages (2018: "With the aim to guide …", continued by
        "Accordingly, …"; 2019: the quote of Article 24 it opens goes on in the article)."""
        body = super().body_fragment(sel)
        leads = sel.css(self.lead)
        if body is None or not leads or "journal-content-article" not in (body.get("class") or ""):
            return body
        lead = copy.deepcopy(leads[0].root)
        if not clean_text("".join(lead.itertext())):
            return body  # the 2012 page's empty <p class="sapo"><strong></strong></p>
        wrapper = etree.Element("div")
        lead.tail = body.tail = None
        wrapper.extend([lead, body])
        return wrapper
