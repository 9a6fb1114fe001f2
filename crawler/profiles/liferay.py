"""Liferay asset publisher (old Hanoi district portals such as the 2024 Bắc Từ Liêm site).

Article URL: /<page>/-/asset_publisher/<instanceId>/content/<urlTitle> (docs/portal-families.md §Liferay);
the urlTitle is the portal's stable id for the article. Commune sites on the "tin-chi-tiet"
product use /tin-chi-tiet/-/chi-tiet/<slug>-<id>-<n>.html. Pagination through the portlet's
`_cur` parameter. The meta line reads "Ngày đăng 10/05/2024 | 16:21 | Lượt xem: 503" (real Hanoi
portals of 2019–2022 print "Ngày đăng 18/03/2019 | 04:01 PM  |  View count: 536", read by vntext), the
byline is the body's last short paragraph, and "Xem với cỡ chữ" / "Đọc bài viết" widgets sit
between the meta line and the body.
"""
import re

from crawler.profiles.base import Profile


class LiferayAssetPublisher(Profile):
    name = "liferay"
    article_path = re.compile(r"(?:/-/asset_publisher/\w+/content/|/tin-chi-tiet/-/chi-tiet/)(?P<id>[^/?#]+?)(?:\.html)?$")
    listing_links = ".asset-abstract .asset-title a::attr(href)"
    next_page = ".lfr-pagination-buttons li.next a::attr(href)"
    listing_category = ("#column-1 .portlet-title-text",)
    title = (".asset-full-content .header-title", "meta[property='og:title']::attr(content)")
    date_text = (".asset-full-content .metadata-publish-date", ".asset-full-content .asset-metadata")
    updated_text = (".asset-full-content .metadata-modified-date",)
    views_text = (".asset-full-content .asset-metadata",)
    body = ("div.journal-content-article",)
    body_noise = (".font-size-widget", ".text-to-speech", ".taglib-social-bookmarks")
    category = (".asset-full-content .breadcrumb-title", "#column-1 .portlet-title-text")
    tags = (".asset-full-content .taglib-asset-tags-summary a", ".asset-tags a")
    attachment_scope = (".asset-attachments",)

