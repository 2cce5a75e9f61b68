"""Re-decode pages whose declared charset does not fit their bytes.

Scrapy trusts the Content-Type header over ``<meta>``; a GBK page served as
``charset=utf-8`` then comes out as mojibake. This middleware checks the bytes
and, when the declared charset fails (or is a single-byte charset, which
never fails), re-reads the page with the one that fits.

The check is a strict decode of the whole body. When it succeeds, its text is the
response's text (what ``response.text`` would decode again: the same codec, no byte to
replace), kept on the response, so a page is decoded once in the crawl process.
"""

from __future__ import annotations

import codecs
import logging

from scrapy.http import TextResponse
from w3lib.encoding import resolve_encoding

from .. import stats_keys
from ..extraction.decode import detect_encoding, header_charset, is_single_byte, strict_text

logger = logging.getLogger(__name__)


class EncodingRepairMiddleware:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response):
        if not isinstance(response, TextResponse) or not response.body:
            return response
        declared = header_charset((response.headers.get("Content-Type") or b"").decode("latin-1"))
        current = response.encoding
        # a single-byte charset decodes any bytes: "cleanly" proves nothing there
        if not is_single_byte(current):
            text = strict_text(response.body, current)
            if text is not None:
                keep_text(response, text)
                return response
        encoding = detect_encoding(response.body, declared)
        if encoding == current:
            return response
        self.stats.inc_value(stats_keys.ENCODING_REPAIRED)
        logger.info("charset repaired for %s: declared %s, read as %s", response.url, declared or current, encoding)
        return response.replace(encoding=encoding)


# w3lib reads a body without BOM in these as big-endian (Python's codecs: as the machine's order)
_ORDERED_CODECS = ("utf-16", "utf-32")


def keep_text(response: TextResponse, text: str) -> None:
    """Hand Scrapy the text its ``response.text`` would decode: ``text``, the body strictly
    decoded with ``response.encoding``. Scrapy decodes with w3lib's ``html_to_unicode``, which
    agrees with a strict decode unless the body starts with a byte-order mark (it drops the
    mark), the codec is UTF-16/32 (byte order) or w3lib reads the charset's name as another
    codec (``big5`` as ``big5hkscs``); those responses decode as before. Kept in Scrapy's
    own cache of the text (a private attribute: under a Scrapy without it, the text is
    decoded again, as before)."""
    if response.body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):
        return
    codec = codecs.lookup(response.encoding).name
    if codec.startswith(_ORDERED_CODECS) or codecs.lookup(resolve_encoding(response.encoding) or codec).name != codec:
        return
    if getattr(response, "_cached_ubody", False) is None:
        response._cached_ubody = text
