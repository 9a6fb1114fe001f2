"""The liferay profile on REAL saved Liferay pages (issue 12), not on replica pages.

tests/fixtures/real/liferay/: sotttt.hanoi.gov.vn (Sở Thông tin và Truyền thông Hà Nội, "so4t" theme)
as HTTrack mirrored it on 2022-08-27, found in github:fontaineha1281/capstone2 (see each JSON's
"capture"). The expected JSON was written by hand from the page text. Before this layout was
added the profile read none of these pages: no title, no date, 0 links on both listings, and
extract_page handed the articles to the fallback (measured on 4649d4d).

Every real format variant these pages show gets a test of the pure function with the real string.
"""
import gzip
import json
from pathlib import Path

import pytest
from lxml import html as lxml_html
from parsel import Selector

from bench.accuracy import token_f1
from crawler.extract import extract_page
from crawler.profiles import PROFILES
from vntext.dates import parse_vn_datetime
from vntext.textnorm import clean_text
from vntext.views import parse_views

REAL = Path(__file__).parent / "fixtures" / "real" / "liferay"
EXPECTED = sorted(REAL.glob("*.json"))
ARTICLES = [p for p in EXPECTED if json.loads(p.read_text(encoding="utf-8"))["kind"] == "article"]
LISTINGS = [p for p in EXPECTED if json.loads(p.read_text(encoding="utf-8"))["kind"] == "listing"]


def real_page(expected: Path) -> str:
    return gzip.decompress(expected.with_name(expected.stem + ".html.gz").read_bytes()).decode("utf-8")


def test_fixture_set():
    assert len(ARTICLES) >= 3 and len(LISTINGS) >= 2
    for path in EXPECTED:
        capture = json.loads(path.read_text(encoding="utf-8"))["capture"]
        assert capture["found_in"] == "github:fontaineha1281/capstone2" and len(capture["commit"]) == 40


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_real_article_through_the_spiders_path(path):
    """crawler.extract.extract_page is what the spider calls (crawler/spiders/portal.py)."""
    expected = json.loads(path.read_text(encoding="utf-8"))
    got = extract_page(real_page(path), expected["url"], "liferay").to_json()
    assert got["extracted_by"] == "liferay"  # the profile read it, not the fallback
    for field in ("title", "published_at", "views", "author"):
        if field in expected:
            assert got[field] == expected[field], field
    # e.g. sotttt_en-2018-video-clip: 0.995, the text's signature "Bich Thao" is a list item of the body
    assert token_f1(expected["body_text"], got["body_text"]) >= 0.99
    assert "Admin English" not in got["body_text"] and "admin admin" not in got["body_text"]
    assert sorted(r["canonical"] for r in got["references"]) == sorted(expected["references"])


def test_account_name_in_the_author_slot_is_no_author_and_the_signature_is():
    """Real so4t pages: the slot p.view-content-author names the CMS account ("Admin English", "admin admin");
    the 2018 text is signed "Bich Thao" (its last, right-aligned list item), the others are not signed."""
    got = {p.stem: extract_page(real_page(p), json.loads(p.read_text(encoding="utf-8"))["url"], "liferay")
           for p in ARTICLES}
    assert got["sotttt_en-2018-video-clip"].author == "Bich Thao"
    assert "Bich Thao" not in got["sotttt_en-2018-video-clip"].body_text
    assert got["sotttt_en-2019-citizen-reception"].author == "" and got["sotttt_2012-ke-hoach-cntt"].author == ""
    page = ('<div class="asset-full-content"><div class="asset-content"><div class="journal-content-article">'
            '<p>Nội dung bài viết đủ dài để là một đoạn văn.</p><p align="right" class="view-content-author">'
            '<strong><em>Ngọc Hằng</em></strong></p></div></div></div>')
    assert PROFILES["liferay"].extract_html(page, "https://x.gov.vn/a/-/view_content/1-a.html").author == "Ngọc Hằng"


def test_so4t_lead_opens_the_body_and_is_the_summary():
    """p.sapo sits beside the journal article in .asset-content; the real 2019 lead opens the quote of
    Article 24 that the article goes on with, so it is the body's first paragraph and the summary."""
    path = REAL / "sotttt_en-2019-citizen-reception.json"
    expected = json.loads(path.read_text(encoding="utf-8"))
    got = extract_page(real_page(path), expected["url"], "liferay")
    assert got.summary == expected["summary"] and got.paragraphs[0] == expected["summary"]
    assert got.paragraphs[1] == "Content of information to be published includes:"


# What HTTrack made of the portal's URLs in the saved bytes (the expected JSON holds the portal's own URLs, see
# its *_note): two long article names shortened to ".33a6"/".33ad", the page /pctn?<query> saved as
# pctn511b.html?<query>. The profile reads the saved bytes exactly; mapped back, they are the portal's links.
HTTRACK_NAMES = {
    "3159471-rules-for-citizen-reception-and-decisions-assigning-citizens-to-welcome-and-receive-and-process-"
    "claims-by-citizens-in-hanoi-department-of-information-.33a6": ".33a6",
    "2625972-hanoi-department-of-information-and-communications-pic-creates-a-video-clip-for-to-guide-citizen-"
    "and-organizationto-do-online-filing-for-public-online.33ad": ".33ad",
}


def portal_url(saved: str) -> str:
    for name, suffix in HTTRACK_NAMES.items():
        if saved.endswith(name):
            return saved[: -len(suffix)] + ".html"
    return saved.replace("https://sotttt.hanoi.gov.vn/pctn511b.html?", "https://sotttt.hanoi.gov.vn/pctn?")


@pytest.mark.parametrize("path", LISTINGS, ids=lambda p: p.stem)
def test_real_listing(path):
    expected = json.loads(path.read_text(encoding="utf-8"))
    profile = PROFILES["liferay"]
    articles, next_pages = profile.parse_listing(Selector(text=real_page(path)), expected["url"])
    assert [portal_url(u) for u in articles] == expected["articles"]
    assert [portal_url(u) for u in next_pages] == expected["next_pages"]


def test_issue_12_done_when_on_the_closest_real_article():
    """Issue 12's line "18/03/2019 | 04:01 PM | View count: 536" is printed by a LISTING entry of the
    real mirror (next test); the closest real ARTICLE page, same day, prints "18/03/2019 | 3:06 PM
    | View count: 107": through the spider's path it gives 15:06 +07:00 and 107."""
    path = REAL / "sotttt_en-2019-citizen-reception.json"
    expected = json.loads(path.read_text(encoding="utf-8"))
    article = extract_page(real_page(path), expected["url"], "liferay")
    assert article.published_at == "2019-03-18T15:06:00+07:00"
    assert article.views == 107


def test_issue_12_exact_line_from_the_real_listing():
    """The exact real bytes of issue 12's line, read by the functions the profile's cascades call."""
    page = lxml_html.fromstring(real_page(REAL / "sotttt_en-hot-news-listing.json"))
    line = page.cssselect(".assetPublishDate.block_timer")[0].text_content()
    assert "18/03/2019 | 04:01 PM" in line and "View count: 536" in line
    assert parse_vn_datetime(line).value.isoformat() == "2019-03-18T16:01:00+07:00"
    assert parse_views(line) == 536


# ---- each real variant, the real string, the pure function ------------------------------------------

@pytest.mark.parametrize("line, iso, views", [
    # one-digit hour, &nbsp; around the bar (sotttt_en-2018-video-clip)
    (" Ngày đăng 20/06/2018 | 4:12 PM \xa0|\xa0View count: 349 ", "2018-06-20T16:12:00+07:00", 349),
    # two-digit hour in the morning (sotttt_pctn-listing, first entry)
    (" Ngày đăng 14/06/2018 | 11:22 AM \xa0|\xa0View count: 1108 ", "2018-06-14T11:22:00+07:00", 1108),
    # 12 AM = midnight, the time the portal printed for items migrated without one (2014–2015 entries)
    (" Ngày đăng 17/11/2015 | 12:00 AM \xa0|\xa0View count: 562 ", "2015-11-17T00:00:00+07:00", 562),
    # no "Ngày đăng" label and no counter at all (sotttt_2012-ke-hoach-cntt)
    (" 21/12/2012 | 12:00 AM ", "2012-12-21T00:00:00+07:00", None),
])
def test_so4t_meta_lines(line, iso, views):
    assert parse_vn_datetime(line).value.isoformat() == iso
    assert parse_views(line) == views


def test_bare_text_runs_outside_paragraphs_are_body_text():
    """Real so4t bodies: text directly in the article div, before a stray </p> or the author <p>."""
    fragment = lxml_html.fragment_fromstring(
        '<div class="journal-content-article"> <p>&nbsp;</p> <p> <em>a) The place to receiving citizens;</em></p>'
        ' On June 15th, 2018, Department of Inspector shall advise (attached document). '
        '<p align="right">Bich Thao</p></div>')
    assert PROFILES["liferay"].paragraphs(fragment) == [
        "a) The place to receiving citizens;",
        "On June 15th, 2018, Department of Inspector shall advise (attached document).",
        "Bich Thao"]
    stray = lxml_html.fragment_fromstring(
        '<div>\n\tHướng dẫn năm 2012</p>\n   Nội dung:</p>\n<p><strong>- </strong><a href="#">Phần 1</a></p></div>')
    assert PROFILES["liferay"].paragraphs(stray) == ["Hướng dẫn năm 2012 Nội dung:", "- Phần 1"]


def test_view_content_urls_are_articles():
    """The id is the number before the first hyphen: the slug is cut by the CMS and by HTTrack (the real
    mirror's "2625972-hanoi-…-public-online.33ad" is "….html" on the portal), dedupe must not depend on it."""
    profile = PROFILES["liferay"]
    assert profile.article_id("https://sotttt.hanoi.gov.vn/pctn/-/view_content/744243-chuan-bi-tong-ket-10-nam-"
                              "thuc-hien-luat-phong-chong-tham-nhung.html") == "744243"
    video = ("https://sotttt.hanoi.gov.vn/web/sotttt-eng/hot-news/-/view_content/2625972-hanoi-department-of-"
             "information-and-communications-pic-creates-a-video-clip-for-to-guide-citizen-and-organizationto-do-"
             "online-filing-for-public-online")
    assert profile.article_id(video + ".html") == profile.article_id(video + ".33ad") == "2625972"
    # a slug opening with a hyphen ("3159591--hanoi-2018-…", real listing) and no slug at all
    assert profile.article_id("https://sotttt.hanoi.gov.vn/web/sotttt-eng/hot-news/-/view_content/3159591--hanoi-"
                              "2018-investment-and-development-cooperation-associating-government-with-investors"
                              ".html") == "3159591"
    assert profile.article_id("https://sotttt.hanoi.gov.vn/pctn/-/view_content/744243") == "744243"
    # asset_publisher URLs are unchanged: their urlTitle IS the portal's id
    assert profile.article_id("https://bactuliem.hanoi.gov.vn/tin-tuc/-/asset_publisher/abc/content/"
                              "hoi-nghi-trien-khai-nhiem-vu-nam-2024") == "hoi-nghi-trien-khai-nhiem-vu-nam-2024"
    # the listing a view_content URL with a language suffix served (sotttt_en-hot-news-listing) is no article
    assert profile.article_id("https://sotttt.hanoi.gov.vn/web/sotttt-eng/hot-news/-/view_content/"
                              "3019611-exhibition-of-french-architecture-in-hanoi-at-the-book-street.html/en") is None


# ---- the replica serves the real layout (portal "sotttt", crawler/replica/templates/liferay/so4t/) -----

def test_replica_sotttt_serves_the_so4t_variants_and_the_profile_reads_them(replica):
    import re
    import urllib.request

    from vntext.dates import VN_TZ

    page = lambda url: urllib.request.urlopen(url).read().decode("utf-8")  # noqa: E731
    for article in replica.visible("sotttt")[:12]:
        url = replica.url_of("sotttt", article)
        html = page(url)
        line = lxml_html.fromstring(html).cssselect(".asset-full-content-title + .assetPublishDate")[0].text_content()
        assert re.fullmatch(r"\s*Ngày đăng \d\d/\d\d/\d{4} \| \d{1,2}:\d\d [AP]M\s+\|\xa0View count: \d+\s*", line), line
        got = extract_page(html, url, "liferay")
        truth = replica.truth("sotttt", article)
        assert got.extracted_by == "liferay"
        assert got.published.value == truth["published"].astimezone(VN_TZ).replace(second=0, microsecond=0)
        assert got.views == truth["views"] and got.author == (truth["author"] or "")
        assert got.paragraphs == [clean_text(p) for p in truth["paragraphs"]]  # lead in p.sapo, bare last one
    listing = replica.listing_url("sotttt", "pctn")
    articles, next_pages = PROFILES["liferay"].parse_listing(Selector(text=page(listing)), listing)
    assert len(articles) == 10 and next_pages == [replica.listing_url("sotttt", "pctn", 2)]
    last = replica.listing_url("sotttt", "pctn", 2)
    assert PROFILES["liferay"].parse_listing(Selector(text=page(last)), last)[1] == []  # the last page: no next


# ---- review 12: stock 6.2 furniture inside div.asset-content, the pager's "next" by its text ----------------

STOCK_62 = '''<html><body><div class="asset-full-content default-asset-publisher show-asset-title">
<h3 class="header-title"><span>Hội nghị triển khai nhiệm vụ năm 2024</span></h3>
<div class="asset-metadata"><span class="metadata-publish-date">Ngày đăng 10/05/2024 | 16:21</span> | Lượt xem: 503</div>
<div class="asset-content" id="_101_INSTANCE_x_123">
 <div class="journal-content-article"><p>Sáng nay, UBND quận tổ chức hội nghị triển khai nhiệm vụ năm 2024 theo Kế hoạch số 45/KH-UBND.</p>
 <p>Hội nghị thống nhất các giải pháp trọng tâm trong thời gian tới.</p></div>
 <div class="asset-flag"><div class="taglib-flags"><a href="javascript:;">Báo cáo vi phạm</a></div></div>
 <div class="asset-ratings"><div class="taglib-ratings stars">Trung bình (0 Bình chọn)</div></div>
 <div class="asset-more"><a href="/x">Đọc thêm &raquo;</a></div>
 <div class="taglib-asset-links"><h2 class="asset-links-title">Tài nguyên liên quan:</h2><ul class="asset-links-list"><li class="asset-links-list-item"><a href="/x">Quyết định số 999/QĐ-UBND về việc khác</a></li></ul></div>
 <div class="lfr-discussion"><p>Bình luận</p><div class="lfr-discussion-message"><p>Tôi rất đồng ý với nội dung này, cảm ơn quận.</p></div></div>
</div></div></body></html>'''


def test_stock_62_asset_content_furniture_is_not_body():
    """Review 12 probe: the body was read from .asset-content, so it took the flags, ratings, related asset
    links and discussion, and a false reference 999/QĐ-UBND (references ['45/KH-UBND', '999/QĐ-UBND'])."""
    got = extract_page(STOCK_62, "https://bactuliem.hanoi.gov.vn/tin-tuc/-/asset_publisher/abc/content/hoi-nghi",
                       "liferay")
    assert got.extracted_by == "liferay"
    assert got.body_text == ("Sáng nay, UBND quận tổ chức hội nghị triển khai nhiệm vụ năm 2024 theo Kế hoạch số "
                             "45/KH-UBND.\n\nHội nghị thống nhất các giải pháp trọng tâm trong thời gian tới.")
    assert [r["canonical"] for r in got.to_json()["references"]] == ["45/KH-UBND"]
    # an asset with no journal article: .asset-content is read, its furniture dropped as noise
    bare = STOCK_62.replace('<div class="journal-content-article">', '<div class="blog-entry">')
    got = extract_page(bare, "https://bactuliem.hanoi.gov.vn/tin-tuc/-/asset_publisher/abc/content/hoi-nghi",
                       "liferay")
    assert "Bình luận" not in got.body_text and "999/QĐ-UBND" not in got.body_text


@pytest.mark.parametrize("items, expected", [
    # so4t (real sotttt_pctn-listing, page 1): the "next" item has no class
    ('<li class="disabled first"><a href="javascript:;"> &larr; Đầu tiên </a></li><li class="disabled">'
     '<a href="javascript:;"> Trước </a></li><li class=""><a href="?_101_cur=2"> next </a></li>'
     '<li class=" last"><a href="?_101_cur=2"> Cuối cùng &rarr; </a></li>', ["?_101_cur=2"]),
    # Previous/Next/1: the third item is page 1, behind; the positional rule took it
    ('<li><a href="?_101_cur=1">Previous</a></li><li><a href="?_101_cur=3">Next</a></li>'
     '<li><a href="?_101_cur=1">1</a></li>', ["?_101_cur=3"]),
    # stock 6.2 classes and a Vietnamese label; a disabled next on the last page is no next
    ('<li class="first"><a href="?_101_cur=1">Đầu</a></li><li class="previous"><a href="?_101_cur=1">Trước</a></li>'
     '<li class="next"><a href="?_101_cur=3">Tiếp theo &rarr;</a></li>', ["?_101_cur=3"]),
    ('<li class=""><a href="?_101_cur=4">Tiếp theo →</a></li><li class="last"><a href="?_101_cur=9">Cuối</a></li>',
     ["?_101_cur=4"]),
    ('<li class="previous"><a href="?_101_cur=8">Trước</a></li><li class="disabled next"><a href="?_101_cur=10">'
     'next</a></li><li class="disabled last"><a href="javascript:;">Cuối cùng</a></li>', []),
])
def test_pager_next_by_its_text_not_its_position(items, expected):
    html = f'<html><body><ul class="pager lfr-pagination-buttons">{items}</ul></body></html>'
    base = "https://sotttt.hanoi.gov.vn/pctn"
    assert PROFILES["liferay"].parse_listing(Selector(text=html), base)[1] == [base + e for e in expected]


def test_replica_bactuliem_carries_stock_62_furniture_and_the_profile_leaves_it_out(replica):
    """The stock template serves full_content.jsp's furniture inside div.asset-content (review 12)."""
    import urllib.request

    for article in [a for a in replica.visible("bactuliem") if a.known_documents is None][:6]:  # not the seed: its page is the real capture
        url = replica.url_of("bactuliem", article)
        html = urllib.request.urlopen(url).read().decode("utf-8")
        content = lxml_html.fromstring(html).cssselect(".asset-full-content .asset-content")[0].text_content()
        assert "Báo cáo vi phạm" in content and "Trung bình (0 Bình chọn)" in content and "Bình luận" in content
        got = extract_page(html, url, "liferay")
        page = lxml_html.fromstring(html)
        for node in page.cssselect(".asset-content > .asset-flag, .asset-content > .asset-ratings, "
                                   ".asset-content > .asset-more, .asset-content > .taglib-asset-links, "
                                   ".asset-content > .lfr-discussion"):
            node.getparent().remove(node)
        without = extract_page(lxml_html.tostring(page, encoding="unicode"), url, "liferay")
        assert got.extracted_by == "liferay" and got.body_text and got.body_text == without.body_text
        assert got.to_json()["references"] == without.to_json()["references"]
        assert "999/QĐ-UBND" not in [r["canonical"] for r in got.to_json()["references"]]
        assert "Báo cáo vi phạm" not in got.body_text and "Bình luận" not in got.body_text
