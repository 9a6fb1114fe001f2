"""Pages whose bytes contradict the charset they declare.

Vietnamese sites still carry pages saved in windows-1258 (the Vietnamese Windows code page, tones
as combining marks) behind a server that declares UTF-8, and UTF-8 pages behind a header or meta
that says windows-1258. Read as declared, either page is mojibake ("Th�ng ba�o", "ThĂ´ng bĂ¡o"),
which would be stored as the article's text and, on a re-check, as an edit of every field.

The bytes decide, by counting the sequences each charset cannot decode. Bytes that are not plain
ASCII and decode as UTF-8 — or nearly: a CMS cutting a title by bytes in a "related news" box
leaves one broken character in an otherwise UTF-8 page — are UTF-8 whatever the page says: text in
a legacy code page almost never forms valid UTF-8 sequences. Bytes declared UTF-8 that are not
UTF-8 are windows-1258 when they decode as such; bytes that fit neither are unreadable,
and the page is no evidence of anything. A byte-order mark is already obeyed by Scrapy (w3lib puts
it before the declaration).
"""
from __future__ import annotations

import codecs

LEGACY = "cp1258"
# UTF-8 fits a page when at most one in TOLERANCE of its non-ASCII bytes is in a sequence it cannot
# decode. Measured on the replica's pages (4 portals, 16 pages): windows-1258 text read as UTF-8
# breaks on 100 % of its non-ASCII bytes, so a page with a few cut characters (well under 1 in 20)
# cannot be a legacy page. windows-1258 must fit exactly: UTF-8 Vietnamese read as windows-1258
# breaks on only 2.6–4.8 % (ờ, ề, ọ, ỏ … hold a byte it leaves undefined), too close to tolerate any.
TOLERANCE = 20
REPLACEMENT = "\ufffd"
ASCII = bytes(range(0x80))


def _errors(body: bytes, encoding: str) -> int:
    """How many sequences of `body` do not decode in `encoding`; a sequence cut at the very end is
    not counted (a page cut off in transit is judged incomplete by the spider, not misdeclared)."""
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(body, final=False)
    already = body.count(REPLACEMENT.encode("utf-8")) if codecs.lookup(encoding).name == "utf-8" else 0
    return text.count(REPLACEMENT) - already  # a U+FFFD the page itself holds is no error


def read_as_encoded(response):
    """`response` re-read in the charset its bytes are in; None when they fit neither UTF-8 nor windows-1258.

    Only text responses are looked at; any other response is returned as it is. A page read as
    nearly fitting UTF-8 shows U+FFFD for each broken sequence, as it did before the charset was checked.
    """
    encoding = getattr(response, "encoding", None)
    body = response.body
    if encoding is None or body.startswith(codecs.BOM_UTF8) or body.isascii():
        return response
    declared = codecs.lookup(encoding).name
    allowed = len(body.translate(None, ASCII)) // TOLERANCE  # non-ASCII bytes / TOLERANCE
    if _errors(body, "utf-8") <= allowed:
        return response if declared == "utf-8" else response.replace(encoding="utf-8")
    if declared != "utf-8":
        return response  # neither UTF-8 nor declared UTF-8: the declaration stands
    return response.replace(encoding=LEGACY) if _errors(body, LEGACY) == 0 else None
