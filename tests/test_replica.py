"""The replica portal itself: faithful pages, a moving clock, edits, removals and faults."""
import unicodedata
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from parsel import Selector

from crawler.replica import Fault, Replica

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_c0fa87fd435a18c9.txt"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def test_seed_article_is_served_verbatim(replica):
    if not SEED.exists():
        pytest.skip(f"the seed text is not beside this checkout ({SEED})")
    status, html = get(replica.url_of("bactuliem", replica.find("bactuliem", "Gần 300 đại biểu")))
    assert status == 200
    sel = Selector(text=html)
    shown = " ".join(sel.css("#column-1 .portlet-title-text ::text, #column-1 .asset-full-content ::text").getall())
    assert shown.split() == SEED.read_text(encoding="utf-8").split()


def test_pages_are_nfc_and_carry_real_furniture(replica):
    for key, base in replica.base_urls.items():
        listing_status, listing = get(base + replica.portals[key].family.page_url(replica.portals[key], next(iter(replica.portals[key].categories)), 1))
        article_status, article = get(replica.url_of(key, replica.visible(key)[0]))
        assert listing_status == article_status == 200
        for html in (listing, article):
            assert unicodedata.is_normalized("NFC", html)
            assert "Lượt truy cập" in html  # the site-wide visitor counter in the footer
        assert "Lượt xem" in article


def test_robots_txt_per_family(replica):
    assert "Disallow: /c/" in get(replica.base_urls["bactuliem"] + "/robots.txt")[1]
    assert "Disallow: /tim-kiem.htm" in get(replica.base_urls["caugiay"] + "/robots.txt")[1]


def test_same_arguments_same_pages():
    with Replica() as a, Replica() as b:
        for key in a.portals:
            art_a, art_b = a.visible(key)[5], b.visible(key)[5]
            assert art_a.external_id == art_b.external_id
            page_a = get(a.url_of(key, art_a))[1].replace(a.base_urls[key], "")
            page_b = get(b.url_of(key, art_b))[1].replace(b.base_urls[key], "")
            assert page_a == page_b


def test_clock_brings_new_articles_to_the_top_and_views_grow(replica):
    before = replica.visible("caugiay")
    seed = replica.find("bactuliem", "Gần 300 đại biểu")
    assert replica.views("bactuliem", seed) == 503
    replica.advance(hours=12)
    after = replica.visible("caugiay")
    assert len(after) > len(before)
    assert after[len(after) - len(before):] == before  # the old ones, in order, below the new
    newest = after[0]
    category = newest.category
    status, listing = get(replica.base_urls["caugiay"] + f"/{category}")
    first_link = Selector(text=listing).css(".box-category-item a.box-category-link-title::attr(href)").get()
    assert first_link.endswith(f"-{newest.external_id}.htm")
    assert replica.views("bactuliem", seed) == 503 + 6 * 12
    assert "Lượt xem: 575" in " ".join(get(replica.url_of("bactuliem", seed))[1].split())


def test_future_articles_are_not_served_before_their_time(replica):
    future = replica.portals["caugiay"].articles[-1]
    assert future not in replica.visible("caugiay")
    assert get(replica.url_of("caugiay", future))[0] == 404


def test_edit_and_remove(replica):
    article = replica.visible("hoangliet")[2]
    url = replica.url_of("hoangliet", article)
    replica.edit("hoangliet", article.external_id, title="Tiêu đề đã sửa")
    assert "Tiêu đề đã sửa" in get(url)[1]
    replica.remove("hoangliet", article.external_id)
    status, page = get(url)
    assert status == 404 and "không tồn tại" in page
    assert article not in replica.visible("hoangliet")
    replica.restore("hoangliet", article.external_id)
    assert get(url)[0] == 200


def test_faults(replica):
    base = replica.base_urls["caugiay"]
    replica.set_fault("caugiay", Fault(status=503, remaining=1))
    assert get(base + "/tin-tuc-su-kien")[0] == 503
    assert get(base + "/tin-tuc-su-kien")[0] == 200
    replica.set_fault("caugiay", Fault(truncate=True, path=r"\.htm$"))
    status, page = get(replica.url_of("caugiay", replica.visible("caugiay")[0]))
    assert status == 200 and "</html>" not in page
    assert "</html>" in get(base + "/tin-tuc-su-kien")[1]
    replica.clear_faults()
    assert "</html>" in get(replica.url_of("caugiay", replica.visible("caugiay")[0]))[1]
    stats = replica.stats("caugiay")
    assert stats.statuses[503] == 1 and stats.requests == 5
