"""The hanoi profile on markup copied verbatim from real pages of the platform's vendor (issue 12).

Source: en.baochinhphu.vn pages captured byte-exact on 2026-10-06 by github:VSSpowerlifting/China-Mil-Watch
(tests/fixtures/vn_vgp/, commit bfc899e603f300f47f6da186009963ef0a9ea3da; the article is
article-111260523144123151.bin, the listing listing.bin). These tests hold the real elements, unchanged,
inside a minimal page; docs/portal-families.md §Hanoi platform lists what they show. The whole pages (seven
articles and the listing, bytes checked against the capture's sha256) are in tests/fixtures/real/hanoi/ and
scored by bench/accuracy.py.
Expected values are what a reader sees on the page, written by hand.
"""
from datetime import datetime, timedelta, timezone

from parsel import Selector

from crawler.profiles import PROFILES

ICT = timezone(timedelta(hours=7))
URL = "https://en.baochinhphu.vn/viet-nam-russia-hold-second-consultation-session-on-maritime-issues-111260523144123151.htm"

# Real lines of the article's <head> (the "+" of the offset is an HTML entity on the real page).
HEAD = """
        <meta property="article:published_time" content="2026-05-24T15:38:00&#x2B;07:00" />
        <meta property="article:modified_time" content="2026-05-24T15:41:00&#x2B;07:00" />
        <link rel="canonical" href="https://en.baochinhphu.vn/viet-nam-russia-hold-second-consultation-session-on-maritime-issues-111260523144123151.htm" />
"""

# Real elements of the article's main column, in page order (figure attributes and the second related
# link shortened; nothing else changed).
MAIN = """
                <div class="detail-mcontent">
                    
    <div class="detail-breadcrumb">
        <ul>
            <li>
                <a href="/politics.htm" title="Politics" data-role="cate-name">
                    Politics
                </a>
            </li>
        </ul>
    </div>

                    
                    <h1 class="detail-title" data-role="title">Viet Nam, Russia hold second consultation session on maritime issues</h1>
                    <h2 class="detail-sapo" data-role="sapo">
                        VGP - The second consultation session on maritime issues between Viet Nam and Russia took place in Moscow, Russia, on May 22. 
                    </h2>
                    <div class="detail-info">
                        <div class="detail-author-top">
                            <p class="detail-author-top-content">
                                <a href="javascript:;" rel="nofollow" title="Thuy Dung" class="detail-author-top-name">Thuy Dung</a>
                            </p>
                        </div>
                        <div class="detail-time">
                            <div data-role="publishdate">
                                May 24, 2026 3:38 PM GMT+7

                            </div>
                        </div>
                    </div>
                    <div class="detail-content afcbc-body clearfix" data-role="content">
                        <figure class="VCSortableInPreviewMode" type="Photo" style=""><div><img data-author="" src="https://bcp.cdnchinhphu.vn/thumb_w/640/344443456812359680/2026/5/23/kyket-1779521856938432660686.jpg" id="img_982548524587077632" alt="Viet Nam, Russia hold second consultation session on maritime issues- Ảnh 1."></div><figcaption class="PhotoCMS_Caption"><p data-placeholder="Nhập chú thích ảnh">Deputy Prime Minister, Minister of National Defense Phan Van Giang (R) and Aide to the President, Chairman of the Russia Federal Maritime Council Nikolai Platonovich Patrushev exchange a maritime cooperation plan between Viet Nam's Ministry of National Defense and the Maritime Board of Russia for the 2026–2030 period - Photo: VNA <br></p></figcaption></figure><!-- bonewsrelation --><div class="VCSortableInPreviewMode  alignRight" type="RelatedNewsBox" data-style="align-right" relatednewsboxtype="type-2"><div class="kbwscwl-relatedbox type-2 baochinhphuen"><ul class="kbwscwlr-list"><li class="kbwscwlrl" data-date="22/05/2026 09:06" data-id="111260522110959498" data-url="/viet-nam-russia-boost-defense-cooperation-111260522110959498.htm" data-title="Viet Nam, Russia boost defense cooperation"><h4 class="kbwscwlrl-title"><a target="_blank" href="/viet-nam-russia-boost-defense-cooperation-111260522110959498.htm" class="title link-callout">Viet Nam, Russia boost defense cooperation</a></h4></li><li class="kbwscwlrl" data-date="25/03/2026 07:38" data-id="111260325104013138"><h4 class="kbwscwlrl-title"><a target="_blank" href="/russia-to-assist-viet-nam-in-ensuring-energy-security-amid-global-uncertainties-111260325104013138.htm" class="title link-callout">Russia to assist Viet Nam in ensuring energy security amid global uncertainties</a></h4></li></ul></div></div><!-- eonewsrelation --><p>The event was co-chaired by Vietnamese Deputy Prime Minister and Minister of National Defense Phan Van Giang and Aide to the President, Chairman of the Russia Federal Maritime Council Nikolai Platonovich Patrushev.</p><p>Both sides pledged to continue carrying out the signed cooperation documents, strengthening ties between the two navies and promoting collaboration in training, scientific research, and maritime transport.</p><p>The two sides signed and exchanged a cooperation plan in maritime between Viet Nam's Ministry of National Defense and the Maritime Board of Russia for the 2026–2030 period./.</p><p><br></p><!--Sun May 24 2026 15:38:03 GMT+0700 (Giờ Đông Dương) --  -- Sun May 24 2026 15:38:03 GMT+0700 (Giờ Đông Dương)--><br />
                    </div>
                </div>
    <div class="detail-tag clearfix">
        <ul class="detail-tag-list" data-role="tags">
                <li>
                    <a href="/phan-van-giang.html" title="Phan Van Giang">Phan Van Giang</a>
                </li>
                <li>
                    <a href="/defense.html" title="defense">defense</a>
                </li>
                <li>
                    <a href="/russia.html" title="Russia">Russia</a>
                </li>
        </ul>
    </div>
"""


def page(head: str = HEAD, main: str = MAIN) -> str:
    return f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>{head}</head>\n<body class=\"detail-page\">{main}</body></html>"


def extract(html: str):
    return PROFILES["hanoi"].extract(Selector(text=html), URL)


def test_real_vendor_article_fields():
    got = extract(page())
    assert got.external_id == "111260523144123151"
    assert got.title == "Viet Nam, Russia hold second consultation session on maritime issues"
    assert got.summary == ("VGP - The second consultation session on maritime issues between Viet Nam and Russia "
                           "took place in Moscow, Russia, on May 22.")
    assert got.published.value == datetime(2026, 5, 24, 15, 38, tzinfo=ICT)   # &#x2B; read as "+"
    assert got.updated.value == datetime(2026, 5, 24, 15, 41, tzinfo=ICT)
    assert got.author == "Thuy Dung"
    assert got.category == "Politics"
    assert got.tags == ["Phan Van Giang", "defense", "Russia"]
    assert got.views is None  # the vendor's pages show no counter


def test_real_vendor_body_drops_the_related_box_and_the_caption():
    got = extract(page())
    assert got.paragraphs == [
        "The event was co-chaired by Vietnamese Deputy Prime Minister and Minister of National Defense Phan Van "
        "Giang and Aide to the President, Chairman of the Russia Federal Maritime Council Nikolai Platonovich "
        "Patrushev.",
        "Both sides pledged to continue carrying out the signed cooperation documents, strengthening ties between "
        "the two navies and promoting collaboration in training, scientific research, and maritime transport.",
        "The two sides signed and exchanged a cooperation plan in maritime between Viet Nam's Ministry of National "
        "Defense and the Maritime Board of Russia for the 2026–2030 period./.",
    ]
    assert "boost defense cooperation" not in got.body_html
    assert got.images[0]["caption"].startswith("Deputy Prime Minister, Minister of National Defense Phan Van Giang")


def test_real_vendor_visible_stamp_when_no_machine_date():
    # Without the <meta> lines the visible header is all there is: English month, 12-hour clock, GMT+7.
    got = extract(page(head=""))
    assert got.published.value == datetime(2026, 5, 24, 15, 38, tzinfo=ICT) and got.published.has_time


def test_real_vendor_urls_have_no_category_segment():
    profile = PROFILES["hanoi"]
    assert profile.article_id(URL) == "111260523144123151"
    # 17-digit ids occur too: prefix 111 + 260602153253 + "38" (milliseconds not zero-padded)
    assert profile.article_id("https://en.baochinhphu.vn/viet-nam-invites-japan-to-attend-3rd-international-"
                              "defense-expo-11126060215325338.htm") == "11126060215325338"
    assert profile.article_id("https://xaydungchinhsach.chinhphu.vn/toan-van-luat-so-72-2025-qh15-to-chuc-chinh-"
                              "quyen-dia-phuong-119250618161434371.htm") == "119250618161434371"
    assert profile.article_id("https://baochinhphu.vn/tang-luong-co-so-len-muc-234-trieu-dong-thang-tu-01-7-2024-"
                              "102240701113637498.htm") == "102240701113637498"
    for not_article in ("https://en.baochinhphu.vn/politics.htm", "https://en.baochinhphu.vn/defense.html",
                        "https://en.baochinhphu.vn/timelinetags/defense/2.htm",
                        "https://en.baochinhphu.vn/print/viet-nam-russia-hold-second-consultation-session-on-"
                        "maritime-issues-111260523144123151.htm/extra"):
        assert profile.article_id(not_article) is None, not_article


# Two real items of the en.baochinhphu.vn "defense" tag listing (listing.bin), unchanged but for the image.
LISTING = """
<div class="box-stream-item" data-id="11126060215325338">
        <a class="box-stream-link-with-avatar" href="/viet-nam-invites-japan-to-attend-3rd-international-defense-expo-11126060215325338.htm" title="Viet Nam invites Japan to attend 3rd International Defense Expo" data-id="11126060215325338">
            <img data-type="avatar" src="" alt="" class="box-stream-avatar">
        </a>
        <div class="box-stream-content">
            <h2>
                <a data-type="title" data-linktype="newsdetail" data-id="11126060215325338" class="box-stream-link-title" data-newstype="0" href="/viet-nam-invites-japan-to-attend-3rd-international-defense-expo-11126060215325338.htm" title="Viet Nam invites Japan to attend 3rd International Defense Expo">Viet Nam invites Japan to attend 3rd International Defense Expo</a>
            </h2>
            <a class="box-stream-category" href="/politics.htm" title="Politics">Politics </a>
            <span class="time-ago box-stream-time" title="6/2/2026 3:53:00 PM">02/06/2026 15:53</span>
        </div>
    </div>
<div class="box-stream-item" data-id="111260523144123151">
        <a class="box-stream-link-with-avatar" href="/viet-nam-russia-hold-second-consultation-session-on-maritime-issues-111260523144123151.htm" title="Viet Nam, Russia hold second consultation session on maritime issues" data-id="111260523144123151">
            <img data-type="avatar" src="" alt="" class="box-stream-avatar">
        </a>
        <div class="box-stream-content">
            <h2>
                <a data-type="title" data-linktype="newsdetail" data-id="111260523144123151" class="box-stream-link-title" data-newstype="0" href="/viet-nam-russia-hold-second-consultation-session-on-maritime-issues-111260523144123151.htm" title="Viet Nam, Russia hold second consultation session on maritime issues">Viet Nam, Russia hold second consultation session on maritime issues</a>
            </h2>
            <a class="box-stream-category" href="/politics.htm" title="Politics">Politics </a>
            <span class="time-ago box-stream-time" title="5/24/2026 3:38:00 PM">24/05/2026 15:38</span>
        </div>
    </div>
"""


def test_real_vendor_listing_items():
    links, next_pages = PROFILES["hanoi"].parse_listing(Selector(text=f"<html><body>{LISTING}</body></html>"),
                                                         "https://en.baochinhphu.vn/defense.html")
    assert links == [
        "https://en.baochinhphu.vn/viet-nam-invites-japan-to-attend-3rd-international-defense-expo-11126060215325338.htm",
        URL,
    ]
    assert next_pages == []  # more items come from a "View more" request, not a link


def test_hanoi_gov_vn_news_item():
    # The item shape two independent hanoi.gov.vn crawlers parse from /api/NewsZone/NewsZone fragments.
    fragment = ('<div class="news-item" data-id="4260710091642503"><div class="news-info">'
                '<a href="/chi-dao-cua-ubnd-thanh-pho-ha-noi/ban-hanh-quy-dinh-4260710091642503.htm" title="Ban hành">'
                '<h3 class="news-title">Ban hành</h3></a><span class="news-time" title="13:37, 10/07/2026">'
                '8 giờ trước</span></div></div>')
    links, _ = PROFILES["hanoi"].parse_listing(Selector(text=fragment), "https://hanoi.gov.vn/chi-dao-cua-ubnd-thanh-pho-ha-noi")
    assert links == ["https://hanoi.gov.vn/chi-dao-cua-ubnd-thanh-pho-ha-noi/ban-hanh-quy-dinh-4260710091642503.htm"]


def test_hanoi_gov_vn_news_item_lists_only_its_title_link():
    # A news-item holding a second link (a category or related article beside the title link) listed that
    # link as an article too when the selector was ".news-item a" (review 12, probe_misc.py).
    fragment = ('<div class="news-item" data-id="4260710091642503"><div class="news-info">'
                '<a href="/chi-dao-cua-ubnd-thanh-pho-ha-noi/ban-hanh-quy-dinh-4260710091642503.htm" title="Ban hành">'
                '<h3 class="news-title">Ban hành</h3></a><span class="news-time" title="13:37, 10/07/2026">'
                '8 giờ trước</span><a class="cate" href="/chinh-tri/tin-lien-quan-87654321.htm">Tin liên quan</a>'
                '</div></div>'
                '<div class="news-item"><h3 class="news-title"><a href="/tin-tuc/bai-khac-4260710091642504.htm">'
                'Bài khác</a></h3><a class="cate" href="/tin-tuc.htm">Tin tức</a></div>')
    links, _ = PROFILES["hanoi"].parse_listing(Selector(text=fragment), "https://hanoi.gov.vn/chi-dao-cua-ubnd-thanh-pho-ha-noi")
    assert links == ["https://hanoi.gov.vn/chi-dao-cua-ubnd-thanh-pho-ha-noi/ban-hanh-quy-dinh-4260710091642503.htm",
                     "https://hanoi.gov.vn/tin-tuc/bai-khac-4260710091642504.htm"]


def test_real_vendor_2023_page_same_layout_entities_and_padded_tags():
    # article-111231116101259413.bin (published November 16, 2023): the layout is the 2026 one; the title
    # carries an HTML entity and a tag link text a leading space.
    main = (MAIN.replace("Viet Nam, Russia hold second consultation session on maritime issues</h1>",
                         "Defense minister attends ASEAN-U.S. Defense Ministers&#x2019; Informal Meeting, meets U.S. "
                         "counterpart in Indonesia</h1>")
            .replace("May 24, 2026 3:38 PM GMT+7", "November 16, 2023 9:17 PM GMT+7")
            .replace('<a href="/phan-van-giang.html" title="Phan Van Giang">Phan Van Giang</a>',
                     '<a href="/minister-of-national-defense.html" title=" Minister of National Defense"> Minister of '
                     'National Defense</a>'))
    got = extract(page(head="", main=main))
    assert got.title == ("Defense minister attends ASEAN-U.S. Defense Ministers’ Informal Meeting, meets U.S. "
                         "counterpart in Indonesia")
    assert got.published.value == datetime(2023, 11, 16, 21, 17, tzinfo=ICT)
    assert got.tags == ["Minister of National Defense", "defense", "Russia"]


def test_real_vendor_untagged_policies_page_soft_hyphen_title_and_headings():
    # untagged-strategy-summary-111260804150254797.bin (published August 04, 2026; category Policies): the h1
    # starts with an invisible soft hyphen (&#xAD;), the day is zero-padded, the body carries h4/h3 headings
    # and an italic lead-in, and the page has no tags block at all. Elements copied verbatim, body shortened.
    main = """
                <div class="detail-mcontent">
                    
    <div class="detail-breadcrumb">
        <ul>
            <li>
                <a href="/policies.htm" title="Policies" data-role="cate-name">
                    Policies
                </a>
            </li>
        </ul>
    </div>

                    
                    <h1 class="detail-title" data-role="title">&#xAD; Major contents of Viet Nam&#x27;s National Security Strategy</h1>
                    <h2 class="detail-sapo" data-role="sapo">
                        VGP – The 14th Central Committee of the Communist Party of Viet Nam has adopted Resolution No. 22-NQ/TW on national security strategy.  
                    </h2>
                    <div class="detail-info">
                        <div class="detail-author-top">
                            <p class="detail-author-top-content">
                                <a href="javascript:;" rel="nofollow" title="Huong Giang" class="detail-author-top-name">Huong Giang</a>
                            </p>
                        </div>
                        <div class="detail-time">
                            <div data-role="publishdate">
                                August 04, 2026 3:02 PM GMT+7

                            </div>
                        </div>
                    </div>
                    <div class="detail-content afcbc-body clearfix" data-role="content">
                        <p><i>Below are major contents of the National Security Strategy:</i></p><h4><b>GUIDING VIEWPOINTS AND OBJECTIVES</b></h4><p>1. Guiding viewpoints</p><h3><b>III. TASKS AND SOLUTIONS</b></h3><p>2. Firmly protect regime security and institutional security; prevent passivity and surprises under any circumstances</p><!--Tue Aug 04 2026 15:02:47 GMT+0700 (Giờ Đông Dương) --  -- Tue Aug 04 2026 15:02:47 GMT+0700 (Giờ Đông Dương)--><br />
                    </div>
                </div>
"""
    got = extract(page(head="", main=main))
    assert got.title == "Major contents of Viet Nam's National Security Strategy"   # soft hyphen and space gone
    assert got.summary == ("VGP – The 14th Central Committee of the Communist Party of Viet Nam has adopted "
                           "Resolution No. 22-NQ/TW on national security strategy.")
    assert got.published.value == datetime(2026, 8, 4, 15, 2, tzinfo=ICT)
    assert got.author == "Huong Giang" and got.category == "Policies"
    assert got.tags == []
    assert got.paragraphs == [
        "Below are major contents of the National Security Strategy:",
        "GUIDING VIEWPOINTS AND OBJECTIVES",
        "1. Guiding viewpoints",
        "III. TASKS AND SOLUTIONS",
        "2. Firmly protect regime security and institutional security; prevent passivity and surprises under any "
        "circumstances",
    ]
