import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.failures import failure_reason


@pytest.mark.parametrize(
    "exc, code",
    [
        (DNSLookupError("no-such-host.invalid"), "dns_error"),
        (CannotResolveHostError("x"), "dns_error"),
        (DownloadConnectionRefusedError("refused"), "connection_refused"),
        (DownloadTimeoutError("slow"), "timeout"),
        (HttpError(Response("http://x/", status=503, request=Request("http://x/")), "503"), "http_503"),
        (ValueError("odd"), "fetch_error_valueerror"),
    ],
)
def test_failure_reasons_are_short_codes_with_a_human_detail(exc, code):
    reason, detail = failure_reason(Failure(exc))
    assert reason == code
    assert detail and "\n" not in detail
