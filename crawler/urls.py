"""Canonical URLs: one spelling per page, whatever link led to it."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PARAM_RE = re.compile(
    r"^(?:utm_\w+|spm|scm|fbclid|gclid|dclid|msclkid|yclid|mc_cid|mc_eid|_hsenc|_hsmid|"
    r"from|_from|fromsource|share_token|sharesource|sharetype|share_from|isappinstalled|wxshare_count|"
    r"timestamp|_t|ref|ref_src|source_from)$",
    re.I,
)
INDEX_PAGE_RE = re.compile(r"/(?:index|default)\.(?:s?html?|php|aspx?|jsp)$", re.I)
DEFAULT_PORTS = {"http": 80, "https": 443}


def try_canonicalize(url: str) -> str | None:
    """``canonicalize``, or None for a URL that cannot be parsed (``http://[bad``)."""
    try:
        return canonicalize(url)
    except ValueError:
        return None


# a page's URL is canonicalized by the spider, then by the normalize pipeline and the store
# (about 55 µs each, w3lib's part most of it): the last URLs' answers are kept
CANONICAL_CACHE_SIZE = 4096


@lru_cache(maxsize=CANONICAL_CACHE_SIZE)
def canonicalize(url: str) -> str:
    """Scheme and host lower-cased, default port, fragment, tracking parameters
    and trailing index pages removed, query sorted. (Pure, so its answers are cached; a URL
    that cannot be parsed raises ValueError each time.)"""
    url = (url or "").strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port if parts.port and DEFAULT_PORTS.get(scheme) != parts.port else None
    netloc = host + (f":{port}" if port else "")
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = INDEX_PAGE_RE.sub("/", parts.path or "/") or "/"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAM_RE.match(k)])
    return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")), keep_fragments=False)
