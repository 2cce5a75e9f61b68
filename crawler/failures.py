"""Why a request failed, said once: the network error classes, the refusals
the crawler raises itself, and the short reason code every failure is
recorded under (drops table, ``fetch/failed_<reason>_count``, the log line).

Retrying (crawler/settings.py ``RETRY_EXCEPTIONS``), the one-line log of
network failures (crawler/extensions/quietlog.py) and the spiders' errbacks
(crawler/spiders/base.py) all read the groups below, so a new error class is
added in one place.
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectError,
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)

# --- network errors -------------------------------------------------------------
# A host that does not resolve will not resolve seconds later: not retried.
PERMANENT_NETWORK_ERRORS: tuple[type[Exception], ...] = (CannotResolveHostError, DNSLookupError)
# The connection was refused, timed out or broke: the next attempt may succeed.
# (twisted's ConnectionRefusedError, TCPTimedOutError and TimeoutError are ConnectErrors.)
TRANSIENT_NETWORK_ERRORS: tuple[type[Exception], ...] = (
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
    ConnectionDone,
    ConnectError,
    ConnectionLost,
)
NETWORK_ERRORS = TRANSIENT_NETWORK_ERRORS + PERMANENT_NETWORK_ERRORS

# reason code, human detail, the classes that mean it (checked in this order)
NETWORK_REASONS: tuple[tuple[str, str, tuple[type[Exception], ...]], ...] = (
    ("dns_error", "DNS lookup failed (host not found)", PERMANENT_NETWORK_ERRORS),
    ("connection_refused", "connection refused", (ConnectionRefusedError, DownloadConnectionRefusedError)),
    ("timeout", "timed out", (TimeoutError, TCPTimedOutError, DownloadTimeoutError)),
    ("connection_lost", "connection lost before the whole response arrived", (ConnectionLost, ResponseDataLossError)),
)


# --- refusals: the crawler's own "no" -----------------------------------------------
class Refused(IgnoreRequest):
    """A request or response refused on purpose, with a reason code for the drops table.

    Every refusal is permanent: the next run would meet the same page the same
    way, so it does not keep its listing "incomplete".
    """

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# reason codes of refusals (crawler/middlewares/limits.py, safety.py, crawler/discovery)
REFUSAL_REASONS = {
    "page_too_large",
    "listing_too_large",
    "sitemap_too_large",
    "element_too_long",
    "too_many_links",
    "url_too_long",
    "redirect_loop",
    "too_many_redirects",
    "redirect_to_private_address",
}

# failures a later run would meet again (a page that is gone, a robots.txt rule):
# they do not keep a listing "incomplete". A 5xx, 403, 429 or a network error does
# (even dns_error: the listing's host may be back by the next run).
PERMANENT_FAILURES = {"robots_disallowed", "ignored", "http_404", "http_410", "not_a_url", *REFUSAL_REASONS}


def failure_reason(failure) -> tuple[str, str]:
    """A short reason code and a human detail for a failed request (a twisted ``Failure``)."""
    exc = failure.value
    if failure.check(HttpError):
        status = exc.response.status
        return f"http_{status}", f"HTTP status {status}"
    for reason, detail, classes in NETWORK_REASONS:
        if failure.check(*classes):
            return reason, detail
    if failure.check(Refused):
        return exc.reason, exc.detail
    if failure.check(IgnoreRequest):
        if "robots" in str(exc).lower():
            return "robots_disallowed", "forbidden by robots.txt"
        return "ignored", f"request ignored: {exc}"
    name = type(exc).__name__
    return f"fetch_error_{name.lower()}", f"{name}: {exc}"
