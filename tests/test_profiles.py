"""Every CMS profile against its fixture pages and their expected JSON (the Fundus pattern).

Pages were served by the bundled replica and saved with the real portal's base URL; the
expected JSON comes from the replica's ground truth (tests/fixtures/generate.py), not from
an extractor. DNN pages are JSON API documents (*.api.json).
"""
import json
import re
from pathlib import Path

import pytest
from parsel import Selector

from crawler.profiles import PROFILES

FIXTURES = Path(__file__).parent / "fixtures"
NOT_PAGES = {"archives"}  # whole archives written by earlier versions (tests/test_archive_upgrade.py)
EXPECTED = sorted(p for p in FIXTURES.glob("*/*.json")
                  if not p.name.endswith(".api.json") and p.parent.name not in NOT_PAGES)
ARTICLES = [p for p in EXPECTED if "_listing" not in p.stem]
LISTINGS = [p for p in EXPECTED if "_listing" in p.stem]


def page_of(expected: Path) -> Path:
    for suffix in (".html", ".api.json"):
        if (page := expected.with_name(expected.stem + suffix)).exists():
            return page
    raise FileNotFoundError(f"no page beside {expected}")


def extract(expected_path: Path, category: str = ""):
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    profile = PROFILES[expected_path.parent.name]
    page = page_of(expected_path)
    sel = Selector(text=page.read_text(encoding="utf-8"))
    return expected, profile.extract(sel, expected["url"], listing_category=category or expected["category"] if
                                     expected_path.parent.name in ("tandan", "dnn") else "").to_json()


def test_every_profile_has_fixtures():
    assert {p.parent.name for p in ARTICLES} == set(PROFILES)
    assert {p.parent.name for p in LISTINGS} == set(PROFILES)


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_article_fixture(path):
    expected, got = extract(path)
    for field in ("url", "external_id", "title", "published_at", "updated_at", "views", "author", "source",
                  "category", "tags", "summary", "body_text", "images"):
        assert got[field] == expected[field], field
    assert [{"file_name": a["file_name"], "url": a["url"]} for a in got["attachments"]] == expected["attachments"]
    assert sorted(r["canonical"] for r in got["references"] if r["source"] == "text") == expected["references"]
    assert got["extracted_by"] == path.parent.name


@pytest.mark.parametrize("path", LISTINGS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_listing_fixture(path):
    expected = json.loads(path.read_text(encoding="utf-8"))
    profile = PROFILES[path.parent.name]
    sel = Selector(text=page_of(path).read_text(encoding="utf-8"))
    articles, next_pages = profile.parse_listing(sel, expected["url"])
    assert articles == expected["articles"]
    assert next_pages == expected["next_pages"]
    assert all(profile.article_id(url) for url in articles)
    if sel.type == "html" and path.parent.name != "liferay":
        assert profile.category_of_listing(sel) == expected["category"]


def test_seed_article_fields():
    """The seed article (shared/seed) as the issue states it, independent of the JSON file."""
    path = FIXTURES / "liferay" / "bactuliem_seed_article.json"
    url = json.loads(path.read_text())["url"] + "?inheritRedirect=true&redirect=%2Ftin-noi-bat"
    a = PROFILES["liferay"].extract_html(page_of(path).read_text(encoding="utf-8"), url)
    assert a.url == url.split("?")[0] and a.external_id == url.split("?")[0].rsplit("/", 1)[-1]
    assert a.title.startswith("Gần 300 đại biểu dự Hội nghị trực tuyến") and a.title.endswith("của Thành ủy")
    assert a.published_at == "2024-05-10T16:21:00+07:00"
    assert a.views == 503
    assert a.author == "Ngọc Hằng"
    assert a.category == "Tin nổi bật"
    assert a.paragraphs[0].startswith("Chiều ngày 09/5/2024, Quận ủy Bắc Từ Liêm tổ chức")
    assert a.paragraphs[-1].startswith("Phát biểu kết luận Hội nghị") and a.paragraphs[-1].endswith("thấm đến từng người dân.")
    for widget in ("Xem với cỡ chữ", "Đọc bài viết", "Đại biểu tham dự tại các điểm cầu", "Tin liên quan",
                   "Lượt truy cập", "Chia sẻ", "Ngọc Hằng"):
        assert widget not in a.body_text
    assert a.images[0]["caption"] == "Đại biểu tham dự tại các điểm cầu"
    refs = {r["canonical"]: r["issued_on"] for r in a.references}
    assert refs == {
        "NQ TW8 khóa XIII": None, "23-NQ/TU": "2023-11-16", "30-CT/TU": "2024-02-19", "30-CTr/TU": "2024-03-08",
        "45-NQ/TW": None, "27-NQ/TW": None, "32-CTr/TU": "2024-04-04", "42-NQ/TW": None, "29-CTr/TU": None,
        "43-NQ/TW": None,
    }
    for widget in ("Xem với cỡ chữ", "Đọc bài viết", "<script", "Tin liên quan"):
        assert widget not in a.body_html


def test_related_news_and_captions_stay_out_of_the_body():
    for path in ARTICLES:
        if path.parent.name == "dnn":
            continue
        html = page_of(path).read_text(encoding="utf-8")
        _, got = extract(path)
        for caption in (i["caption"] for i in got["images"]):
            assert caption not in got["body_text"], (path.name, caption)
        assert "Lượt truy cập" not in got["body_text"] and "Lượt xem" not in got["body_text"]
        assert "<script" not in got["body_html"] and "onclick" not in got["body_html"]
        assert "Lượt truy cập" in html  # the footer counter is on the page, just not in the article


def test_hanoi_id_is_the_number_not_the_slug():
    profile = PROFILES["hanoi"]
    real = ("https://caugiay.hanoi.gov.vn/kinh-te-tai-chinh/pho-chu-tich-ubnd-tp-ha-noi-truong-viet-dung-"
            "gap-mat-doanh-nghiep-phuong-cau-giay-2805251012110827967.htm")
    assert profile.article_id(real) == "2805251012110827967"
    legacy = "https://hanoi.gov.vn/tin-tuc-su-kien-noi-bat/ha-noi-huong-toi-xay-dung-chinh-quyen-so-chinh-quyen-phuc-vu-42862896.htm"
    assert profile.article_id(legacy) == "42862896"
    assert profile.article_id("https://caugiay.hanoi.gov.vn/tin-tuc-su-kien") is None


def test_ids_from_real_urls_of_other_families():
    assert PROFILES["liferay"].article_id(
        "https://soyte.hanoi.gov.vn/tin-tuc-su-kien/-/asset_publisher/4IVkx5Jltnbg/content/"
        "cap-nhat-tinh-hinh-dich-benh-covid-19-tai-thanh-pho-ha-noi") == "cap-nhat-tinh-hinh-dich-benh-covid-19-tai-thanh-pho-ha-noi"
    assert PROFILES["liferay"].article_id(
        "https://phuchoa.phuctho.hanoi.gov.vn/tin-chi-tiet/-/chi-tiet/cong-khai-du-thao-phuong-an-sap-xep-on-vi-"
        "hanh-chinh-cap-xa-cua-thanh-pho-ha-noi-5744-175.html").endswith("-5744-175")
    assert PROFILES["tandan"].article_id(
        "https://mpi.gov.vn/portal/Pages/2024-8-28/Bo-truong-Nguyen-Chi-Dung-doanh-nghiep-nho-va-vua-lyv5l6.aspx"
    ) == "bo-truong-nguyen-chi-dung-doanh-nghiep-nho-va-vua-lyv5l6"
    assert PROFILES["tandan"].article_id(
        "https://xasonlinh.hatinh.gov.vn/portal/pages/2023-01-30/Ung-dung-Cong-nghe-thong-tin-chuyen-doi-so-trong-v-468686.aspx")
    assert PROFILES["nukeviet"].article_id(
        "https://socongthuong.daklak.gov.vn/vi/news/hoat-dong-nganh-cong-thuong/bo-dak-lak-hanh-trinh-den-voi-nguoi-tieu-dung-3497.html") == "3497"
    assert PROFILES["dnn"].article_id("https://congan.hanoi.gov.vn/tin-tuc/canh-bao-lua-dao-30551") == "30551"


def test_liferay_real_meta_line_with_12_hour_time_and_english_counter():
    """Issue 12: real Hanoi Liferay pages (2019–2022) print "Ngày đăng 18/03/2019 | 04:01 PM  |  View count: 536".

    The page is the replica's Liferay article fixture with its meta line replaced by that real line
    (the real pages keep the same asset-metadata markup, without the per-field spans)."""
    path = FIXTURES / "liferay" / "bactuliem_plain.json"
    html = page_of(path).read_text(encoding="utf-8")
    replica_line = re.search(r'<div class="asset-metadata">.*?</div>', html).group(0)
    real_line = '<div class="asset-metadata">Ngày đăng 18/03/2019 | 04:01 PM&nbsp; |&nbsp; View count: 536</div>'
    article = PROFILES["liferay"].extract_html(html.replace(replica_line, real_line), json.loads(path.read_text())["url"])
    assert article.published_at == "2019-03-18T16:01:00+07:00"
    assert article.views == 536


# issue 12: real NukeViet URLs. No saved NukeViet article page could be found whole (docs/portal-families.md
# §NukeViet), but the real sites' URLs were: stored copies of their pages (canonical links, RSS items) and
# pages ported from them. Each string below is copied, not composed.
@pytest.mark.parametrize("url, expected", [
    # NukeViet 4.x, /vi/news/<cat>/<alias>-<id>.html (socongthuong.daklak.gov.vn)
    ("https://socongthuong.daklak.gov.vn/vi/news/hoat-dong-nganh-cong-thuong/"
     "bo-dak-lak-hanh-trinh-den-voi-nguoi-tieu-dung-3497.html", "3497"),
    # the category alias may end in its own id: the article id is the last number (binhphuoc.gov.vn)
    ("https://binhphuoc.gov.vn/vi/news/tin-tuc-su-kien-421/"
     "dia-diem-tham-sat-o-bu-dop-xep-hang-di-tich-lich-su-quoc-gia-26895.html", "26895"),
    # English interface, capitalised category alias (dongnai.gov.vn, NukeViet 4.5, an RSS <link>)
    ("https://dongnai.gov.vn/en/news/Economic-Data-Social/standing-deputy-secretary-of-dong-nai-cpc-ton-ngoc-hanh-"
     "works-with-phuoc-long-phuoc-binh-wards-6774.html", "6774"),
    # news is the site's home module and the site has one language: no /vi, no /news
    # (nongthonmoi.hatinh.gov.vn, NukeViet 4.4, the canonical link of its savefile page)
    ("https://nongthonmoi.hatinh.gov.vn/thong-tin-khac/Nong-dan-nghin-ty-70001.html", "70001"),
    # NukeViet 3.x: /index.php/vi/news/<Cat>/<Alias>-<id>/ with a trailing slash and no .html (nongthonmoihatinh.vn)
    ("http://nongthonmoihatinh.vn/index.php/vi/news/Tieu-diem-136/"
     "Ban-hanh-ke-hoach-trien-khai-nghi-quyet-Quoc-hoi-ve-nong-thon-moi-56464/", "56464"),
    ("http://nongthonmoihatinh.vn/index.php/vi/news/Nhieu-nguoi-cung-quan-tam/"
     "Chuyen-gia-Nhat-hien-ke-de-nong-dan-tang-thu-nhap-77394/", "77394"),
    ("https://seee.hust.edu.vn/vi/news/dao-tao/thong-bao-ve-le-tot-nghiep-02-2025-317646.html", "317646"),
    # module functions repeat the article's path: they are not the article
    ("https://hust.edu.vn/vi/news/savefile/cong-tac-sinh-vien/huong-dan-dang-ky-xet-ho-tro-giam-hoc-phi-hoc-ky-2-"
     "nam-hoc-2019-2020-cho-sinh-vien-gap-kho-khan-boi-dich-covid-19-512575.html", None),
    ("https://seee.hust.edu.vn/vi/news/print/dao-tao/thong-bao-ve-le-tot-nghiep-02-2025-317646.html", None),
    ("https://seee.hust.edu.vn/vi/news/sendmail/dao-tao/thong-bao-ve-le-tot-nghiep-02-2025-317646.html", None),
    ("https://nongthonmoi.hatinh.gov.vn/savefile/thong-tin-khac/Nong-dan-nghin-ty-70001.html", None),
    ("http://nongthonmoihatinh.vn/index.php/vi/news/print/Tieu-diem-136/"
     "Ban-hanh-ke-hoach-trien-khai-nghi-quyet-Quoc-hoi-ve-nong-thon-moi-56464/", None),
    ("https://khcn.vnorg.pl/vi/news/savefile/Giao-duc/Giao-duc-dai-hoc-Nhung-tia-hy-vong-5135", None),
    # feeds, listings and their pages, even when the category alias ends in a number
    ("https://nongthonmoi.hatinh.gov.vn/rss/Tieu-diem-136/", None),
    ("https://dongnai.gov.vn/en/news/rss/Socio-Economic-information/", None),
    ("http://nongthonmoihatinh.vn/index.php/vi/news/Tin-tuc-nong-thon-moi/", None),
    ("https://binhphuoc.gov.vn/vi/news/tin-tuc-su-kien-421/", None),
    ("https://hust.edu.vn/vi/news/tin-tuc/page-4/", None),
    ("https://hust.edu.vn/vi/news/rss/hoat-dong-chung/", None),
])
def test_nukeviet_ids_from_real_urls(url, expected):
    assert PROFILES["nukeviet"].article_id(url) == expected


# issue 12: a real NukeViet 4 article body and credit block (Hội nghị giao ban báo chí tháng 6 năm 2023, a
# Nghệ An provincial site whose source link names truyenhinhnghean.vn). It survives only as an HTML fragment
# kept in a public SQL dump (the index that holds it does not name the repository), so it goes into the
# replica's page in place of the replica's body and credits, as the Liferay meta line above does. What it
# shows: the editor leaves the text as bare lines in one <div>, split by "<br />\r\n&nbsp;" and by figures
# whose <figcaption><em> captions are not article text; "Nguồn tin:" names its source inside a link.
_NGHEAN_BODY = (
    '<div id="news-bodyhtml" class="bodytext margin-bottom-lg">\r\n            <div style="text-align: justify;">\r\n'
    '<div class="image-center">\r\n<figure class="image"><img alt="1" height="300" src="/uploads/news/2023/06/1_1.jpg" '
    'width="500" />\r\n<figcaption><em>Đồng chí Nguyễn Bá Hảo - Phó Giám đốc Sở TT&amp;TT phát biểu tại Hội nghị.</em>'
    '</figcaption>\r\n</figure>\r\n</div>\r\n'
    'Trong tháng 5, những vấn đề, sự kiện nổi bật trên các lĩnh vực thời sự, chính trị, kinh tế, xã hội, quốc phòng, '
    'an ninh, văn hóa, văn nghệ và dân sinh đã được các cơ quan báo chí thông tin, tuyên truyền đầy đủ, kịp thời. '
    'Đặc biệt là các hoạt động kỷ niệm 133 năm ngày sinh Chủ tịch Hồ Chí Minh; 69 năm Chiến thắng Điện Biên Phủ; '
    'Kỳ họp thứ 13 HĐND tỉnh khóa XVIII, nhiệm kỳ 2021 - 2026; Cuộc họp Bộ Chính trị cho ý kiến về Báo cáo tổng kết '
    '10 năm thực hiện Nghị quyết số 26 của Bộ Chính trị khóa XI về phương hướng, nhiệm vụ phát triển tỉnh Nghệ An '
    'đến năm 2020, ban hành Nghị quyết mới về xây dựng và phát triển tỉnh Nghệ An đến năm 2030, tầm nhìn đến năm '
    '2045...<br />\r\n&nbsp;\r\n'
    '<div class="image-center">\r\n<figure class="image"><img alt="2" height="300" src="/uploads/news/2023/06/2_1.jpg" '
    'width="500" />\r\n<figcaption><em>Đồng chí Trần Minh Ngọc - Giám đốc Đài PTTH Nghệ An, Chủ tịch Hội nhà báo tỉnh '
    'phát biểu tại Hội nghị.</em></figcaption>\r\n</figure>\r\n</div>\r\n'
    'Về định hướng tuyên truyền trong tháng 6, Ban Tuyên giáo Tỉnh ủy đề nghị các cơ quan báo chí đẩy mạnh tuyên '
    'truyền 9 nội dung trọng tâm. Trong đó tập trung tuyên truyền Kỳ họp thứ 5, Quốc hội khóa XV; Chương trình hành '
    'động thực hiện Nghị quyết Đại hội Đảng bộ tỉnh lần thứ XIX và Nghị quyết Đại hội toàn quốc lần thứ XIII của '
    'Đảng...; Tiếp tục tuyên truyền các phong trào, mô hình, điển hình trong Học tập và làm theo tư tưởng, đạo đức, '
    'phong cách Hồ Chí Minh; Các hoạt động dân sinh và tích cực hưởng ứng các giải báo chí năm 2023.<br />\r\n&nbsp;\r\n'
    '<div class="image-center">\r\n<figure class="image"><img alt="3" height="300" src="/uploads/news/2023/06/3.jpg" '
    'width="500" />\r\n<figcaption><em>Đồng chí Phạm Ngọc Cảnh - Phó Trưởng Ban Tuyên giáo Tỉnh uỷ phát biểu tại Hội '
    'nghị.</em></figcaption>\r\n</figure>\r\n</div>\r\n<br />\r\n'
    'Tại hội nghị, Ban Chỉ đạo phong trào thi đua “Dân vận khéo” cấp tỉnh đã thông tin về Kế hoạch tổ chức cuộc thi '
    'báo chí viết về mô hình, điển hình “Dân vận khéo&quot; tiêu biểu tỉnh Nghệ An năm 2023.<br />\r\n&nbsp;\r\n'
    '<div class="image-center">\r\n<figure class="image"><img alt="4" height="300" src="/uploads/news/2023/06/4.jpg" '
    'width="500" />\r\n<figcaption><em>Toàn cảnh Hội nghị.</em></figcaption>\r\n</figure>\r\n</div>\r\n'
    'Lãnh đạo Sở Giáo dục và Đào tạo cũng thông tin về kỳ thi tuyển sinh vào lớp 10, thi tốt nghiệp THPT Quốc gia '
    'năm 2023.</div>\r\n        </div>\r\n                ')
_NGHEAN_CREDITS = (
    '<div class="margin-bottom-lg">\r\n                        <p class="h5 text-right">\r\n                '
    '<strong>Tác giả: </strong>Lê Hằng - Cảnh Toàn\r\n            </p>\r\n                        '
    '<p class="h5 text-right">\r\n                <strong>Nguồn tin: </strong><a title="https://truyenhinhnghean.vn" '
    'rel="nofollow" href="https://truyenhinhnghean.vn/bao-chi-va-cuoc-song/202306/hoi-nghi-giao-ban-bao-chi-thang-6-'
    'nam-2023-4bb5d29/" target="_blank">Đài phát thanh và truyền hình Nghệ An</a>\r\n            </p>\r\n        </div>')


def test_nukeviet_real_bare_line_body_and_linked_source():
    path = FIXTURES / "nukeviet" / "nhontrach_with_source.json"
    html = page_of(path).read_text(encoding="utf-8")
    start, credits = html.index('<div id="news-bodyhtml"'), html.index('<div class="margin-bottom-lg">')
    end = html.index("</div>", html.index("</div>", credits) + 1) + len("</div>")
    page = html[:start] + _NGHEAN_BODY + _NGHEAN_CREDITS + html[end:]
    got = PROFILES["nukeviet"].extract_html(page, json.loads(path.read_text(encoding="utf-8"))["url"]).to_json()
    assert got["author"] == "Lê Hằng - Cảnh Toàn"
    assert got["source"] == "Đài phát thanh và truyền hình Nghệ An"
    paragraphs = got["body_text"].split("\n\n")
    assert [p[:40] for p in paragraphs] == [
        "Trong tháng 5, những vấn đề, sự kiện nổi",
        "Về định hướng tuyên truyền trong tháng 6",
        "Tại hội nghị, Ban Chỉ đạo phong trào thi",
        "Lãnh đạo Sở Giáo dục và Đào tạo cũng thô",
    ]
    assert paragraphs[2].endswith("điển hình “Dân vận khéo\" tiêu biểu tỉnh Nghệ An năm 2023.")
    assert "Toàn cảnh Hội nghị." not in got["body_text"] and "Lê Hằng" not in got["body_text"]
    assert [i["caption"] for i in got["images"]][-4:] == [
        "Đồng chí Nguyễn Bá Hảo - Phó Giám đốc Sở TT&TT phát biểu tại Hội nghị.",
        "Đồng chí Trần Minh Ngọc - Giám đốc Đài PTTH Nghệ An, Chủ tịch Hội nhà báo tỉnh phát biểu tại Hội nghị.",
        "Đồng chí Phạm Ngọc Cảnh - Phó Trưởng Ban Tuyên giáo Tỉnh uỷ phát biểu tại Hội nghị.",
        "Toàn cảnh Hội nghị.",
    ]


# The so4t bodies of the real sotttt.hanoi.gov.vn pages (tests/test_real_liferay.py): bare runs before the
# author <p>, and the 2012 page's runs closed by stray </p> (lxml drops a stray </p>: one run).
_SO4T_BARE = ('<div class="journal-content-article"> <p>&nbsp;</p> <p> <em>a) The place to receiving citizens;</em>'
              '</p> On June 15th, 2018, Department of Inspector shall advise (attached document). '
              '<p align="right">Bich Thao</p></div>')
_SO4T_STRAY = '<div>\n\tHướng dẫn năm 2012</p>\n   Nội dung:</p>\n<p><strong>- </strong><a href="#">Phần 1</a></p></div>'


def test_reading_order_paragraphs_on_both_families_real_fragments():
    """One function (crawler.profiles.base) reads the real bare-text bodies of Liferay so4t and NukeViet."""
    from lxml import html as lxml_html

    from crawler.profiles.base import reading_order_paragraphs

    def read(fragment: str) -> list[str]:
        return reading_order_paragraphs(lxml_html.fragment_fromstring(fragment))

    assert read(_SO4T_BARE) == [
        "a) The place to receiving citizens;",
        "On June 15th, 2018, Department of Inspector shall advise (attached document).",
        "Bich Thao"]
    assert read(_SO4T_STRAY) == ["Hướng dẫn năm 2012 Nội dung:", "- Phần 1"]
    # NukeViet: no <p> at all; lines end at "<br />&nbsp;" and at the figures' <div>s. Read raw here (the
    # profile drops the figcaptions before reading), so each caption is a line of its own, never glued.
    nghean = read(_NGHEAN_BODY)
    assert [p[:40] for p in nghean if not p.startswith(("Đồng chí", "Toàn cảnh"))] == [
        "Trong tháng 5, những vấn đề, sự kiện nổi",
        "Về định hướng tuyên truyền trong tháng 6",
        "Tại hội nghị, Ban Chỉ đạo phong trào thi",
        "Lãnh đạo Sở Giáo dục và Đào tạo cũng thô",
    ]
    assert nghean[0] == "Đồng chí Nguyễn Bá Hảo - Phó Giám đốc Sở TT&TT phát biểu tại Hội nghị."
    # Where the two former versions differed, the documented choice: a <br> ends a bare run (Liferay's
    # version joined the lines), a non-inline element without blocks is a run of its own (Liferay's read
    # it into the run); a <br> inside a block leaves the block one paragraph; nested blocks are read once.
    assert read("<div>dòng một<br>dòng hai<figure>ảnh</figure>tiếp <b>đậm</b> <a>nối</a></div>") == [
        "dòng một", "dòng hai", "ảnh", "tiếp đậm nối"]
    assert read("<div><p>một<br>\nhai</p><blockquote><p>trích</p></blockquote></div>") == ["một hai", "trích"]
    # Every family reads its body with it (no family overrides Profile.paragraphs).
    from crawler.profiles.base import Profile
    assert {type(p).paragraphs for p in PROFILES.values()} == {Profile.paragraphs}


_HANOI_GMT24 = '''<html><body><h1 class="detail-title">Tiêu đề bài</h1><div class="detail-time"><div data-role="publishdate">May 24, 2026 3:38 PM GMT+24</div></div>
<div class="detail-content" data-role="content"><p>Nội dung bài viết đủ dài để lưu, với nhiều chữ hơn nữa để vượt ngưỡng tối thiểu của trình đọc.</p></div></body></html>'''


def test_a_date_that_cannot_be_read_never_stops_extraction(monkeypatch):
    from crawler.extract import extract_page

    # review 12: "GMT+24" raised ValueError out of extract_page
    article = extract_page(_HANOI_GMT24, "https://hoangliet.hanoi.gov.vn/tin-tuc/bai-viet-12345678.htm", "hanoi")
    assert article.published is None and article.title == "Tiêu đề bài"

    def broken(*args):
        raise ValueError("a profile's own date code failed")
    monkeypatch.setattr(type(PROFILES["hanoi"]), "extract_date", broken)
    article = extract_page(_HANOI_GMT24, "https://hoangliet.hanoi.gov.vn/tin-tuc/bai-viet-12345678.htm", "hanoi")
    assert article.published is None and article.updated is None and article.title == "Tiêu đề bài"


# review 12: with /news optional, choose_profile (pages of unregistered portals) claimed these common shapes as
# NukeViet articles. The home-module form is read only for portals registered with the nukeviet profile.
@pytest.mark.parametrize("url", [
    "https://example.gov.vn/2024/05/",
    "https://example.gov.vn/tin-tuc/bai-viet-123.html",
    "https://example.gov.vn/gioi-thieu/lien-he-1.html",
    "https://x.gov.vn/album/anh-su-kien-12/",
    "https://x.gov.vn/video/clip-hoi-nghi-45.html",
    "https://nongthonmoi.hatinh.gov.vn/thong-tin-khac/Nong-dan-nghin-ty-70001.html",
])
def test_choose_profile_does_not_claim_nukeviet_home_module_shapes(url):
    from crawler.extract import choose_profile

    assert not PROFILES["nukeviet"].claims_url(url)
    assert choose_profile(Selector(text="<html><body><p>x</p></body></html>"), url).name != "nukeviet"


@pytest.mark.parametrize("url", [
    "https://example.gov.vn/2024/05/bai-12.html",      # a date folder is no news category
    "https://x.gov.vn/album/anh-su-kien-12.html",      # other NukeViet modules beside the categories
    "https://x.gov.vn/video/clip-hoi-nghi-45.html",
    "https://x.gov.vn/about/gioi-thieu-1.html",
    "https://x.gov.vn/album/anh-su-kien-12/",          # the home-module form ends in .html
])
def test_registered_nukeviet_home_module_form_is_strict_too(url):
    assert PROFILES["nukeviet"].article_id(url) is None


def test_choose_profile_still_claims_the_news_module_form():
    from crawler.extract import choose_profile

    url = "https://seee.hust.edu.vn/vi/news/dao-tao/thong-bao-ve-le-tot-nghiep-02-2025-317646.html"
    assert choose_profile(Selector(text="<html></html>"), url).name == "nukeviet"


# Attachment hrefs that are script, not files (issue 13 review): the scheme check is case-blind and keeps
# http(s) only, in every family's attachment reader (base: plain links and Tân Dân's downloadfile(); NukeViet's own).
SCRIPT_FILES = ('<a href="JaVaScRiPt:alert(document.domain)//bieumau.pdf">a</a>'
                '<a href=" data:text/html;base64,PHNjcmlwdD4=#x.pdf">b</a>'
                '<a href="javascript:downloadfile(\'c.pdf\',\'data:text/html,x\')">c</a>'
                '<a href="vbscript:x//d.docx">d</a><a href="mailto:a@b.vn?subject=e.pdf">e</a>'
                '<a href="/files/ok.pdf">ok</a><a href="javascript:downloadfile(\'ok2.pdf\',\'/files/ok2.pdf\')">ok2</a>')


@pytest.mark.parametrize("name, holder", [("hanoi", '<div data-role="content">'), ("liferay", '<div class="asset-attachments">'),
                                          ("tandan", '<div class="tandan-div-attach">'), ("dnn", '<div id="dnn-body">')])
def test_attachments_keep_http_files_only(name, holder):
    html = f"<html><body>{holder}{SCRIPT_FILES}</div></body></html>"
    got = PROFILES[name].extract_attachments(Selector(text=html), "https://x.gov.vn/a/b.aspx")
    assert [a["url"] for a in got] == ["https://x.gov.vn/files/ok.pdf", "https://x.gov.vn/files/ok2.pdf"]


def test_nukeviet_attachments_keep_http_files_only():
    html = ('<div class="news-download-file"><a href="JaVaScRiPt:x()//?download=1"><strong>a.pdf</strong></a>'
            '<a href="/uploads/b.pdf?download=1"><strong>b.pdf</strong></a></div>')
    got = PROFILES["nukeviet"].extract_attachments(Selector(text=html), "https://x.gov.vn/tin-tuc/c.html")
    assert [a["url"] for a in got] == ["https://x.gov.vn/uploads/b.pdf?download=1"]


def test_listing_pager_follows_http_links_only():
    html = ('<div class="box-pagination"><a class="next" href="JaVaScRiPt:__doPostBack(\'p\',\'2\')">Sau</a>'
            '<a class="next" href="?page=2">Sau</a></div>')
    _, next_urls = PROFILES["hanoi"].parse_listing(Selector(text=html), "https://x.gov.vn/tin-tuc")
    assert next_urls == ["https://x.gov.vn/tin-tuc?page=2"]
