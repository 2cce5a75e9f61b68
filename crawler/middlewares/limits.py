"""Size limits on what the crawler downloads, decompresses and reads.

Scrapy's own mechanisms do the cutting — ``download_maxsize`` (per request)
aborts a download once its bytes pass the cap, and HttpCompressionMiddleware
stops decompressing at the same cap — but Scrapy's default cap is 1 GiB and
its refusal is a bare ``IgnoreRequest``. Here every request gets the cap of its
kind (``SITEMAP_MAX_BYTES`` for sitemaps, ``MAX_LISTING_BYTES`` for feeds and
list pages, ``MAX_PAGE_BYTES`` for articles and everything else), and an
over-limit response fails with :class:`Refused`, which carries the reason code
the drops table records (``page_too_large``, ``listing_too_large``,
``sitemap_too_large``).
"""

from __future__ import annotations

import re

from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from twisted.internet.defer import CancelledError

# Refused lives with the other failure kinds; imported here, where most refusals are raised
from .. import stats_keys
from ..failures import Refused

SIZE_REASON_KEY = "size_limit_reason"


def is_sitemap_request(request) -> bool:
    return getattr(request.callback, "__name__", "") == "parse_sitemap"


class ResponseLimitsMiddleware:
    """Gives each request the download cap of its kind and names the refusal."""

    def __init__(self, crawler):
        settings = crawler.settings
        self.page_max = settings.getint("MAX_PAGE_BYTES")
        self.listing_max = settings.getint("MAX_LISTING_BYTES")
        self.sitemap_max = settings.getint("SITEMAP_MAX_BYTES")
        self.stats = crawler.stats
        # bytes received per request: a download Scrapy cancels mid-stream for
        # its size fails with a bare CancelledError, told apart by this count
        self.received: dict[int, int] = {}
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def bytes_received(self, data, request, spider):
        self.received[id(request)] = self.received.get(id(request), 0) + len(data)

    def process_request(self, request):
        if "download_maxsize" in request.meta:
            return None
        if is_sitemap_request(request):
            request.meta["download_maxsize"], request.meta[SIZE_REASON_KEY] = self.sitemap_max, "sitemap_too_large"
        elif request.meta.get("listing"):
            request.meta["download_maxsize"], request.meta[SIZE_REASON_KEY] = self.listing_max, "listing_too_large"
        else:
            request.meta["download_maxsize"], request.meta[SIZE_REASON_KEY] = self.page_max, "page_too_large"
        return None

    def process_response(self, request, response):
        self.received.pop(id(request), None)
        return response

    def process_exception(self, request, exception):
        received = self.received.pop(id(request), 0)
        limit = request.meta.get("download_maxsize") or 0
        cancelled = isinstance(exception, (DownloadCancelledError, CancelledError))
        # announced too large (Content-Length), or cut once the bytes received passed the cap
        if not (cancelled and ("max size" in str(exception) or (limit and received > limit))):
            return None
        self.stats.inc_value(stats_keys.LIMITS_TOO_LARGE)
        raise Refused(request.meta.get(SIZE_REASON_KEY, "page_too_large"), f"larger than {limit} bytes (download_maxsize)")


class LimitedCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression (which honours ``download_maxsize``), naming its refusal."""

    def process_response(self, request, response, spider=None):
        try:
            return super().process_response(request, response)
        except Refused:
            raise
        except IgnoreRequest as exc:
            if "DOWNLOAD_MAXSIZE" not in str(exc):
                raise
            limit = request.meta.get("download_maxsize", self._max_size)
            if self.stats:
                self.stats.inc_value(stats_keys.LIMITS_TOO_LARGE)
            reason = request.meta.get(SIZE_REASON_KEY, "page_too_large")
            raise Refused(reason, f"decompresses to more than {limit} bytes (download_maxsize); {len(response.body)} bytes compressed") from exc


_LINK_START_RE = re.compile(rb"<[aA] ")


def page_problem(body: bytes, max_bytes: int, max_links: int) -> tuple[str, str] | None:
    """Why a fetched page is not worth parsing as an article, or None.

    Counting ``<a`` in the bytes is cheap where parsing 200,000 links is not.
    """
    if max_bytes and len(body) > max_bytes:
        return "page_too_large", f"{len(body)} bytes (MAX_PAGE_BYTES {max_bytes})"
    if max_links:
        # one regex pass: bytes.count of a 3-byte pattern does not use memchr and took 0.2 ms
        # on a 230 KB page, twice (issue 12); the two spellings never overlap, so the count is
        # the sum of the two counts
        links = len(_LINK_START_RE.findall(body))
        if links > max_links:
            return "too_many_links", f"{links} links (MAX_PAGE_LINKS {max_links}): a link list, not an article"
    return None
