"""The generic fallback (trafilatura + htmldate) on fixture pages, an unknown layout, and garbage."""
import json
from datetime import date
from pathlib import Path

import pytest
from parsel import Selector

from crawler.profiles.fallback import FALLBACK, GenericFallback, parse_htmldate

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLES = sorted(p for p in FIXTURES.glob("*/*.html") if "listing" not in p.stem)

# A district portal of a family we have no profile for: furniture around an <article>.
UNKNOWN_LAYOUT = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>UBND xã Tân Lập tổ chức hội nghị sơ kết công tác cải cách hành chính - Cổng thông tin điện tử xã Tân Lập</title>
<link rel="stylesheet" href="/css/site.css"><script>var site = {id: 12};</script>
</head><body>
<header class="top-banner"><div class="logo"><img src="/logo.png" alt="Logo"> CỔNG THÔNG TIN ĐIỆN TỬ XÃ TÂN LẬP</div>
 <form action="/tim-kiem"><input name="q" placeholder="Tìm kiếm"></form></header>
<nav class="main-menu"><ul><li><a href="/">Trang chủ</a></li><li><a href="/gioi-thieu">Giới thiệu chung</a></li>
 <li><a href="/tin-tuc">Tin tức sự kiện</a></li><li><a href="/van-ban">Văn bản pháp quy</a></li>
 <li><a href="/thu-tuc">Thủ tục hành chính</a></li><li><a href="/lien-he">Liên hệ góp ý</a></li></ul></nav>
<div class="wrapper"><div class="content-left">
<article class="news-detail">
 <h1 class="news-title">UBND xã Tân Lập tổ chức hội nghị sơ kết công tác cải cách hành chính</h1>
 <div class="news-meta">Thứ Sáu, 10/05/2024 16:21</div>
 <p>Sáng ngày 09/5/2024, UBND xã Tân Lập tổ chức hội nghị sơ kết công tác cải cách hành chính 6 tháng đầu năm
 và triển khai nhiệm vụ trọng tâm 6 tháng cuối năm 2024. Dự hội nghị có đại diện lãnh đạo Đảng ủy, HĐND, UBND xã
 cùng các ban, ngành, đoàn thể và trưởng các thôn trên địa bàn.</p>
 <p>Theo báo cáo, trong 6 tháng đầu năm, bộ phận một cửa của xã đã tiếp nhận và giải quyết 1.245 hồ sơ thủ tục
 hành chính, trong đó 98% hồ sơ được giải quyết trước và đúng hạn. Tỷ lệ hồ sơ nộp trực tuyến trên Cổng Dịch vụ
 công quốc gia đạt 76%, tăng 21% so với cùng kỳ năm trước.</p>
 <p>Phát biểu chỉ đạo hội nghị, đồng chí Chủ tịch UBND xã đề nghị các bộ phận chuyên môn tiếp tục đẩy mạnh
 chuyển đổi số, nâng cao chất lượng phục vụ người dân và doanh nghiệp, kiên quyết không để hồ sơ quá hạn.</p>
</article>
</div>
<aside class="content-right"><h3>Tin mới</h3><ul>
 <li><a href="/tin-tuc/ra-quan-tong-ve-sinh-moi-truong-3312.html">Ra quân tổng vệ sinh môi trường</a></li>
 <li><a href="/tin-tuc/tap-huan-phong-chay-chua-chay-3310.html">Tập huấn phòng cháy chữa cháy</a></li></ul></aside></div>
<footer class="site-footer"><p>Cơ quan chủ quản: Ủy ban nhân dân xã Tân Lập. Địa chỉ: Thôn Trung, xã Tân Lập.</p>
 <p>Bản quyền thuộc về UBND xã Tân Lập. Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p>
 <div class="counter">Lượt truy cập: 1.234.567</div></footer>
</body></html>"""
UNKNOWN_URL = "https://tanlap.gov.vn/tin-tuc/ubnd-xa-tan-lap-to-chuc-hoi-nghi-so-ket-cai-cach-hanh-chinh-3315.html?utm_source=zalo"
FURNITURE = ("Trang chủ", "Giới thiệu chung", "Tìm kiếm", "Tin mới", "Ra quân tổng vệ sinh", "Cơ quan chủ quản",
             "Bản quyền", "Lượt truy cập", "1.234.567", "CỔNG THÔNG TIN")


@pytest.mark.parametrize("page", ARTICLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_title_and_flag(page):
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    article = FALLBACK.extract_html(page.read_text(encoding="utf-8"), expected["url"])
    assert article.title == expected["title"]
    assert article.extracted_by == "fallback"
    assert article.paragraphs and not article.problems()


def test_unknown_layout():
    article = FALLBACK.extract_html(UNKNOWN_LAYOUT, UNKNOWN_URL)
    assert article.extracted_by == "fallback"
    assert article.title == "UBND xã Tân Lập tổ chức hội nghị sơ kết công tác cải cách hành chính"
    assert article.problems() == []
    assert article.paragraphs[0].startswith("Sáng ngày 09/5/2024, UBND xã Tân Lập tổ chức hội nghị")
    assert article.paragraphs[-1].endswith("kiên quyết không để hồ sơ quá hạn.")
    assert len(article.paragraphs) == 3  # no headline repeated, no meta line, no furniture
    for furniture in FURNITURE:
        assert furniture not in article.body_text, furniture
    assert article.published is not None and article.published.day == date(2024, 5, 10)
    assert article.published_at.startswith("2024-05-10")
    assert article.views is None  # the site-wide visitor counter is not the article's views
    assert article.url == UNKNOWN_URL.split("?")[0]  # tracking parameter dropped
    assert article.external_id == "ubnd-xa-tan-lap-to-chuc-hoi-nghi-so-ket-cai-cach-hanh-chinh-3315"


def test_views_line_is_read():
    html = UNKNOWN_LAYOUT.replace("Thứ Sáu, 10/05/2024 16:21", "Thứ Sáu, 10/05/2024 16:21 | Lượt xem: 1.503")
    assert FALLBACK.extract_html(html, UNKNOWN_URL).views == 1503


def test_extract_from_selector_matches_extract_html():
    from_sel = FALLBACK.extract(Selector(text=UNKNOWN_LAYOUT), UNKNOWN_URL)
    from_html = FALLBACK.extract_html(UNKNOWN_LAYOUT, UNKNOWN_URL)
    assert from_sel.to_json() == from_html.to_json()


@pytest.mark.parametrize("garbage", [
    "", "   ", "\x00\x01\x02\x03garbage\xff", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "<html></html>",
    "<html><body></body></html>", "plain text, no markup at all", "<<<>>><div><p>", "{\"json\": true}",
    "https://example.com/looks-like-a-url", "<html><head><title>Chỉ có tiêu đề</title></head><body></body></html>",
], ids=repr)
def test_garbage_never_raises(garbage):
    article = FALLBACK.extract_html(garbage, "https://example.gov.vn/tin-tuc/bai-1.html")
    assert article.extracted_by == "fallback"
    assert "no body_text" in article.problems()


def test_title_only_page_keeps_its_title():
    article = FALLBACK.extract_html("<html><head><title>Chỉ có tiêu đề</title></head><body></body></html>",
                                    "https://example.gov.vn/a.html")
    assert article.title == "Chỉ có tiêu đề"
    assert article.problems() == ["no body_text"]


def test_no_network(monkeypatch):
    """htmldate downloads when handed a URL-like string; the fallback must only ever hand it trees."""
    import htmldate.utils
    import trafilatura.downloads

    def refuse(*args, **kwargs):
        raise AssertionError(f"network fetch attempted: {args}")

    monkeypatch.setattr(htmldate.utils, "fetch_url", refuse)
    monkeypatch.setattr(trafilatura.downloads, "fetch_url", refuse)
    for html in ("https://example.com/page", UNKNOWN_LAYOUT):
        FALLBACK.extract_html(html, "https://example.com/page")


def test_parse_htmldate():
    with_zone = parse_htmldate("2025-10-14T09:57:53+0700")
    assert with_zone.has_time and with_zone.value.isoformat() == "2025-10-14T09:57:53+07:00"
    local = parse_htmldate("2024-05-10T16:21:00")  # no zone: Vietnamese local time
    assert local.has_time and local.value.isoformat() == "2024-05-10T16:21:00+07:00"
    day = parse_htmldate("2024-05-11T00:00:00")  # htmldate's rendering of a day without a time
    assert not day.has_time and day.day == date(2024, 5, 11)
    assert parse_htmldate("2024-05-11").has_time is False
    assert parse_htmldate(None) is None and parse_htmldate("") is None and parse_htmldate("garbage") is None


def test_identity_from_url():
    fb = GenericFallback()
    assert fb.article_id("https://x.gov.vn/tin-tuc/bai-viet-123.htm") == "bai-viet-123"
    assert fb.article_id("https://x.gov.vn/tin-tuc/bai-viet/") == "bai-viet"
    assert fb.article_id("https://x.gov.vn/news.php?id=12&utm_medium=fb") == "news?id=12"
    assert fb.article_id("https://x.gov.vn/") is None
    assert fb.canonical_url("https://x.gov.vn/news.php?id=12&redirect=%2F#top") == "https://x.gov.vn/news.php?id=12"



_SIDEBAR_PAGE = '''<html><head><title>Hội nghị triển khai Nghị quyết</title></head><body>
<div class="menu"><a href="/">Trang chủ</a></div>
<article><h1>Hội nghị triển khai Nghị quyết</h1><p class="date">Cập nhật 10/05/2024</p>
<p>Sáng nay, Ủy ban nhân dân huyện tổ chức hội nghị triển khai Nghị quyết số 23-NQ/TU của Tỉnh ủy về phát triển kinh tế xã hội trên địa bàn.</p>
<p>Hội nghị đã nghe báo cáo và thảo luận các giải pháp thực hiện trong thời gian tới, với sự tham gia của đại biểu các xã.</p>
<p>Các đại biểu thống nhất cao với các nội dung được đề ra trong kế hoạch và cam kết thực hiện.</p></article>
<aside><h3>Tin xem nhiều</h3><ul><li><a href="/a-1.html">Bài khác</a> 12.345 lượt xem</li></ul></aside>
<footer>Đang online: 25</footer></body></html>'''


def test_sidebar_count_is_not_the_articles_views():
    # review 12: the count-first form over the whole page's text read the sidebar's 12.345 as this article's
    assert FALLBACK.extract_html(_SIDEBAR_PAGE, UNKNOWN_URL).views is None
    # and "Cập nhật 10/05/2024 lượt xem" (an empty counter after a date) read 2024
    page = _SIDEBAR_PAGE.replace("12.345 lượt xem", "").replace("Cập nhật 10/05/2024", "Cập nhật 10/05/2024 lượt xem")
    assert FALLBACK.extract_html(page, UNKNOWN_URL).views is None
