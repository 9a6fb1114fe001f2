"""The stored page codec: a fetched page is kept compressed (zstd, else zlib; RawPage.compression
says which), so that a profile fix can re-extract an article's history (crawler/reparse.py)."""
from __future__ import annotations

import threading
import zlib


def _zstd():
    """The zstd module: the standard library's (Python 3.14+), else its backport, which Scrapy
    requires on older Pythons (so it is there wherever the crawler runs); None without either."""
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        try:
            from backports import zstd  # type: ignore[no-redef]
        except ImportError:
            return None
    return zstd


_ZSTD = _zstd()
# zstd level 3 compresses a portal page ~4x faster than zlib level 6, to the same size.
DEFAULT_COMPRESSION = "zstd" if _ZSTD is not None else "zlib"
LEVELS = {"zstd": 3, "zlib": 6}


_COMPRESSORS = threading.local()


def _zstd_compressor():
    # One context per thread, reused for every page: zstd.compress() makes a new one per call, a quarter of
    # its time on a portal page; a zstd context must not be shared by threads at once.
    compressor = getattr(_COMPRESSORS, "zstd", None)
    if compressor is None:
        compressor = _COMPRESSORS.zstd = _ZSTD.ZstdCompressor(level=LEVELS["zstd"])
    return compressor


def compress_page(page: str | bytes, compression: str = DEFAULT_COMPRESSION) -> bytes:
    """A fetched page (text is stored as UTF-8) compressed with `compression` ("zstd" or "zlib")."""
    data = page.encode("utf-8") if isinstance(page, str) else bytes(page)
    if compression == "zstd":
        if _ZSTD is None:
            raise RuntimeError("zstd is not available: install backports.zstd or use compression='zlib'")
        return _zstd_compressor().compress(data, _ZSTD.ZstdCompressor.FLUSH_FRAME)
    if compression == "zlib":
        return zlib.compress(data, LEVELS["zlib"])
    raise ValueError(f"unknown raw page compression {compression!r}")


def decompress_page(body: bytes, compression: str) -> bytes:
    """The stored page's bytes (UTF-8 for pages the crawler stored as text); RawPage.compression
    says how it was stored."""
    if compression == "zstd":
        if _ZSTD is None:
            raise RuntimeError("this page is zstd-compressed: install backports.zstd (Python < 3.14) to read it")
        return _ZSTD.decompress(body)
    if compression == "zlib":
        return zlib.decompress(body)
    if compression in ("", "none", "identity"):
        return bytes(body)
    raise ValueError(f"unknown raw page compression {compression!r}")
