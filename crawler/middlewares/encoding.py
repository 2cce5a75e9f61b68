"""Re-decode pages whose declared charset does not fit their bytes.

Scrapy trusts the Content-Type header over ``<meta>``; a GBK page served as
``charset=utf-8`` then comes out as mojibake. This middleware checks the bytes
and, when the declared charset fails (or is a single-byte charset, which
never fails), re-reads the page with the one that fits.
"""

from __future__ import annotations

import logging

from scrapy.http import TextResponse

from .. import stats_keys
from ..extraction.decode import decodes_cleanly, detect_encoding, header_charset, is_single_byte

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
        if decodes_cleanly(response.body, current) and not is_single_byte(current):
            return response
        encoding = detect_encoding(response.body, declared)
        if encoding == current:
            return response
        self.stats.inc_value(stats_keys.ENCODING_REPAIRED)
        logger.info("charset repaired for %s: declared %s, read as %s", response.url, declared or current, encoding)
        return response.replace(encoding=encoding)
