"""Liferay asset publisher (old Hanoi district portals such as the 2024 Bắc Từ Liêm site).

Article URL: /<page>/-/asset_publisher/<instanceId>/content/<urlTitle> (shared/portals.md §1.B);
the urlTitle is the portal's stable id for the article. Pagination through the portlet's
`_cur` parameter. The meta line reads "Ngày đăng 10/05/2024 | 16:21 | Lượt xem: 503", the
byline is the body's last short paragraph, and "Xem với cỡ chữ" / "Đọc bài viết" widgets sit
between the meta line and the body.
"""
import re

from crawler.profiles.base import Profile


class LiferayAssetPublisher(Profile):
    name = "liferay"
    article_path = re.compile(r"/-/asset_publisher/(?P<instance>\w+)/content/(?P<id>[^/?#]+)$")
    listing_links = ".asset-abstract .asset-title a::attr(href)"
    next_page = ".lfr-pagination-buttons li.next a::attr(href)"
    title = (".asset-full-content .header-title", "meta[property='og:title']::attr(content)")
    date_text = (".asset-full-content .metadata-publish-date", ".asset-full-content .asset-metadata")
    views_text = (".asset-full-content .asset-metadata",)
    body = ("div.journal-content-article",)
    body_noise = (".font-size-widget", ".text-to-speech", ".taglib-social-bookmarks")
    category = (".asset-full-content .breadcrumb-title", ".portlet-title-text")
