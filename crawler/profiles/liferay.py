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
import re

from lxml import etree

from crawler.profiles.base import _BLOCKS, Profile
from vntext.textnorm import clean_text


class LiferayAssetPublisher(Profile):
    name = "liferay"
    article_path = re.compile(
        r"(?:/-/asset_publisher/\w+/content/|/tin-chi-tiet/-/chi-tiet/|/-/view_content/)(?P<id>[^/?#]+?)(?:\.html)?$")
    listing_links = ".asset-abstract .asset-title a::attr(href)"
    # so4t: <li class="disabled first">, <li class="disabled">, <li class="">next</li>, <li class=" last">.
    next_page = (".lfr-pagination-buttons li.next a::attr(href), "
                 ".lfr-pagination-buttons li:nth-child(3):not(.disabled):not(.last) a::attr(href)")
    listing_category = ("#column-1 .portlet-title-text",)
    title = (".asset-full-content .header-title", ".asset-full-content-title", "meta[property='og:title']::attr(content)")
    summary = (".asset-full-content .sapo", "meta[name=description]::attr(content)")
    _so4t_meta = ".asset-full-content-title ~ .assetPublishDate"
    date_text = (".asset-full-content .metadata-publish-date", ".asset-full-content .asset-metadata", _so4t_meta)
    updated_text = (".asset-full-content .metadata-modified-date",)
    views_text = (".asset-full-content .asset-metadata", _so4t_meta)
    # .asset-content holds so4t's lead (.sapo-wrapper) and the journal article; the replica's holds the article only.
    body = (".asset-full-content .asset-content", "div.journal-content-article")
    body_noise = (".font-size-widget", ".text-to-speech", ".taglib-social-bookmarks", ".view-content-author")
    author = (".asset-full-content .view-content-author",)
    category = (".asset-full-content .breadcrumb-title", "#column-1 .portlet-title-text")
    tags = (".asset-full-content .taglib-asset-tags-summary a", ".asset-tags a")
    attachment_scope = (".asset-attachments",)

    def paragraphs(self, body: etree._Element) -> list[str]:
        """Blocks in page order, plus the bare text runs editors leave outside any block.

        Real so4t pages (2012, 2019) carry paragraphs as text directly in the article div, closed by a
        stray </p> or followed by the author <p>: "Nội dung:</p>", "On June 15th, 2018, … (attached
        document). <p class=view-content-author>"; the base engine reads blocks only and lost them.
        """
        found: list[str] = []
        run: list[str] = []

        def flush() -> None:
            if text := clean_text("".join(run)):
                found.append(text)
            run.clear()

        def walk(node: etree._Element) -> None:
            run.append(node.text or "")
            for child in node:
                if not isinstance(child.tag, str):
                    pass
                elif child.tag in _BLOCKS:
                    flush()
                    if text := clean_text("".join(child.itertext())):
                        found.append(text)
                elif any(True for _ in child.iterdescendants(*_BLOCKS)) or child.tag in ("div", "ul", "ol", "table"):
                    flush()
                    walk(child)
                    flush()
                else:
                    run.append("".join(child.itertext()))
                run.append(child.tail or "")

        walk(body)
        flush()
        return found
