"""Pages whose bytes contradict the charset they declare.

Vietnamese sites still carry pages saved in windows-1258 (the Vietnamese Windows code page, tones
as combining marks) behind a server that declares UTF-8, and UTF-8 pages behind a header or meta
that says windows-1258. Read as declared, either page is mojibake ("Th�ng ba�o", "ThĂ´ng bĂ¡o"),
which would be stored as the article's text and, on a re-check, as an edit of every field.

The bytes decide: bytes that decode as UTF-8 and are not plain ASCII are UTF-8 whatever the page
says (text in a legacy code page almost never forms valid UTF-8 sequences); bytes declared UTF-8
that do not decode as UTF-8 are windows-1258 when they decode as such; bytes that fit neither are
unreadable, and the page is no evidence of anything. A byte-order mark is already obeyed by Scrapy
(w3lib puts it before the declaration).
"""
from __future__ import annotations

import codecs

LEGACY = "cp1258"


def _fits(body: bytes, encoding: str) -> bool:
    """Whether the bytes decode in `encoding`; a sequence cut at the very end is allowed (a page cut
    off in transit is judged incomplete by the spider, not misdeclared)."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(body, final=False)
    except UnicodeDecodeError:
        return False
    return True


def read_as_encoded(response):
    """`response` re-read in the charset its bytes are in; None when they fit neither UTF-8 nor windows-1258.

    Only text responses are looked at; any other response is returned as it is.
    """
    encoding = getattr(response, "encoding", None)
    if encoding is None or response.body.startswith(codecs.BOM_UTF8):
        return response
    declared = codecs.lookup(encoding).name
    if declared != "utf-8" and not response.body.isascii() and _fits(response.body, "utf-8"):
        return response.replace(encoding="utf-8")
    if declared == "utf-8" and not _fits(response.body, "utf-8"):
        return response.replace(encoding=LEGACY) if _fits(response.body, LEGACY) else None
    return response
