"""crawler/charset.py: the bytes decide a page's charset, and a few broken characters in a UTF-8
page (a CMS cutting a title by bytes) leave it readable, as it was before charsets were checked."""
import unicodedata

import pytest
from scrapy.http import HtmlResponse

from crawler.charset import read_as_encoded
from crawler.replica.serving import encode_cp1258

TEXT = ("<html><head><meta charset='{declared}'><title>Thông báo lịch tiếp công dân của phường</title></head>"
        "<body><p>Người dân được hướng dẫn thủ tục đăng ký hộ tịch tại bộ phận một cửa.</p>"
        "<p class='related'>Tin liên quan: Hội nghị tổng kết công tác năm {cut}</p></body></html>")


def page(declared: str, body: bytes) -> HtmlResponse:
    return HtmlResponse("http://127.0.0.1/a.htm", body=body, headers={"Content-Type": f"text/html; charset={declared}"})


def utf8_with_a_cut_character(declared: str) -> bytes:
    # "Hội nghị … năm Hoà" cut by bytes: the à loses its second byte, one invalid sequence before "</p>"
    return TEXT.format(declared=declared, cut="Hoà").encode("utf-8").replace("à".encode(), "à".encode()[:1])


@pytest.mark.parametrize("declared", ["utf-8", "windows-1258"])
def test_one_broken_character_leaves_a_utf8_page_readable(declared):
    read = read_as_encoded(page(declared, utf8_with_a_cut_character(declared)))
    assert read is not None and read.encoding == "utf-8"
    assert "Người dân được hướng dẫn" in read.text and read.text.count("\ufffd") == 1


def test_a_windows_1258_page_declared_utf8_is_read_as_windows_1258():
    read = read_as_encoded(page("utf-8", encode_cp1258(TEXT.format(declared="utf-8", cut="mới"))))
    assert read.encoding == "cp1258" and "Người dân được hướng dẫn" in unicodedata.normalize("NFC", read.text)


def test_bytes_that_fit_no_charset_are_unreadable():
    # windows-1258 bytes with one byte windows-1258 leaves undefined
    broken = encode_cp1258(TEXT.format(declared="utf-8", cut="")).replace(b"</p>", b"\x81</p>", 1)
    assert read_as_encoded(page("utf-8", broken)) is None
