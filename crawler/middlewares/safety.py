"""Redirects that must not be followed, and requests Scrapy drops silently.

- A 3xx or a meta refresh to a loopback, private, link-local or reserved
  address is refused (``redirect_to_private_address``) unless
  ``ALLOW_PRIVATE_REDIRECTS`` is set: a public page must not make the crawler
  fetch (and publish) an internal one. A redirect within the same host and
  port is not an escalation and is followed. Literal addresses and
  ``localhost`` are refused before the request leaves; a host name is judged by
  the address the response actually came from (``response.ip_address``).
  In mirror mode the target's original host is judged (everything is served
  from 127.0.0.1 there), and the mirror routes the redirect back through
  itself (crawler/middlewares/mirror.py).
- A redirect loop fails as ``redirect_loop`` (Scrapy's dupefilter would drop
  the looping request without a word), a chain longer than
  ``REDIRECT_MAX_TIMES`` as ``too_many_redirects``.
- A URL longer than ``URLLENGTH_LIMIT`` is recorded as ``url_too_long``
  (Scrapy logs it at INFO and forgets it).

Refused requests fail with :class:`~crawler.failures.Refused`, so
the spider's errback records them like any failed page.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.redirect import BaseRedirectMiddleware, MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware

from .. import stats_keys
from ..failures import Refused
from ..signals import page_failed
from .mirror import ORIGINAL_URL_KEY

CHAIN_KEY = "redirect_chain"   # original-world URLs of a redirect chain, first request first


def private_address(host: str | None) -> bool:
    """A literal address (or localhost) that is not on the public internet."""
    if not host:
        return False
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return is_private_ip(address)


def is_private_ip(address) -> bool:
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved or address.is_unspecified or address.is_multicast


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.netloc or '').lower()}"


def _original(request) -> str:
    return request.meta.get(ORIGINAL_URL_KEY, request.url)


class _SafeRedirects(BaseRedirectMiddleware):
    """The checks shared by both of Scrapy's redirect middlewares (mixed in first)."""

    def _redirect(self, redirected, request, reason):
        settings = self.crawler.settings
        chain = list(request.meta.get(CHAIN_KEY) or [_original(request)])
        target = redirected.url
        stats = self.crawler.stats
        if target in chain:
            stats.inc_value(stats_keys.SAFETY_REDIRECT_LOOPS)
            raise Refused("redirect_loop", " → ".join([*chain, target]))
        if (
            not settings.getbool("ALLOW_PRIVATE_REDIRECTS")
            and private_address(urlsplit(target).hostname)
            and _origin(target) != _origin(chain[0])
        ):
            stats.inc_value(stats_keys.SAFETY_PRIVATE_REDIRECTS)
            raise Refused("redirect_to_private_address", f"{reason} from {chain[-1]} to {target}")
        try:
            followed = super()._redirect(redirected, request, reason)
        except IgnoreRequest as exc:
            raise Refused("too_many_redirects", f"more than {self.max_redirect_times} redirects: {' → '.join(chain)} → {target}") from exc
        followed.meta[CHAIN_KEY] = [*chain, target]
        return followed


class SafeRedirectMiddleware(_SafeRedirects, RedirectMiddleware):
    pass


class SafeMetaRefreshMiddleware(_SafeRedirects, MetaRefreshMiddleware):
    pass


class PrivateAddressMiddleware:
    """A redirect whose host name resolved to a private address is refused
    on arrival (before the redirect middlewares could follow it further)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        chain = request.meta.get(CHAIN_KEY)
        if not chain or ORIGINAL_URL_KEY in request.meta or self.crawler.settings.getbool("ALLOW_PRIVATE_REDIRECTS"):
            return response
        address = getattr(response, "ip_address", None)
        if address is None or not is_private_ip(address) or _origin(request.url) == _origin(chain[0]):
            return response
        self.crawler.stats.inc_value(stats_keys.SAFETY_PRIVATE_REDIRECTS)
        raise Refused("redirect_to_private_address", f"{chain[-2] if len(chain) > 1 else chain[0]} redirected to {request.url}, which is at {address}")


class RecordedUrlLengthMiddleware(UrlLengthMiddleware):
    """Scrapy's URL length limit, with a drop row for each URL it ignores."""

    def get_processed_request(self, request, response):
        kept = super().get_processed_request(request, response)
        if kept is not None:
            return kept
        spider = self.crawler.spider
        kind = "listing" if request.meta.get("listing") else "article"
        url = request.url
        detail = f"URL of {len(url)} characters (URLLENGTH_LIMIT {self.maxlength})"
        self.crawler.signals.send_catch_log(page_failed, url=url, reason="url_too_long", detail=detail, source=spider.name if spider else None, kind=kind)
        self.crawler.stats.inc_value(stats_keys.FETCH_FAILED_URL_TOO_LONG)
        # the listing that led here has its answer (spiders settle their ledger on request_dropped)
        self.crawler.signals.send_catch_log(signals.request_dropped, request=request, spider=spider)
        return None
