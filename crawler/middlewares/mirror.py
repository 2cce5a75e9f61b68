"""Serve every request from a local mirror when MIRROR_URL is set.

A request for ``scheme://host/path?query`` is fetched from
``MIRROR_URL/host/path?query``; the spider receives the response under the
original URL, so spiders, canonical URLs and stored rows are the same as on
the live site. ``python -m crawler.mirror_server DIR`` serves such a folder.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import NotConfigured

from .. import stats_keys

ORIGINAL_URL_KEY = "mirror_original_url"


def mirror_url_for(url: str, mirror: str, host_mirrors: dict[str, str] | None = None) -> str:
    parts = urlsplit(url)
    mirror = (host_mirrors or {}).get(parts.netloc.lower(), mirror)
    target = f"{mirror.rstrip('/')}/{parts.netloc.lower()}{parts.path or '/'}"
    if parts.query:
        target += f"?{parts.query}"
    return target


class MirrorMiddleware:
    def __init__(self, mirror: str, stats, host_mirrors: dict[str, str] | None = None):
        self.mirror = mirror.rstrip("/")
        self.host_mirrors = {h.lower(): u.rstrip("/") for h, u in (host_mirrors or {}).items()}
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        mirror = crawler.settings.get("MIRROR_URL")
        host_mirrors = crawler.settings.getdict("MIRROR_HOST_URLS")
        if not mirror and not host_mirrors:
            raise NotConfigured("MIRROR_URL is not set")
        return cls(mirror or "", crawler.stats, host_mirrors)

    def process_request(self, request):
        original = request.meta.get(ORIGINAL_URL_KEY)
        if original is not None:
            if request.url == mirror_url_for(original, self.mirror, self.host_mirrors):
                return None
            # a redirect built from a mirrored request (Scrapy copies its meta):
            # it goes back through the mirror, and through the offsite and
            # robots.txt checks under its own host first, never to the live site
            self.stats.inc_value(stats_keys.MIRROR_REDIRECT_REROUTED)
            meta = {k: v for k, v in request.meta.items() if k not in (ORIGINAL_URL_KEY, "allow_offsite", "dont_obey_robotstxt")}
            return request.replace(meta=meta, dont_filter=True)
        host = urlsplit(request.url).netloc.lower()
        if host not in self.host_mirrors and (not self.mirror or request.url.startswith(self.mirror + "/")):
            return None
        self.stats.inc_value(stats_keys.MIRROR_REWRITTEN)
        return request.replace(
            url=mirror_url_for(request.url, self.mirror, self.host_mirrors),
            # the original request already passed the offsite and robots.txt
            # checks under its real host; the mirror host must not be checked again
            meta={**request.meta, ORIGINAL_URL_KEY: request.url, "allow_offsite": True, "dont_obey_robotstxt": True},
            dont_filter=True,
        )

    def process_response(self, request, response):
        original = request.meta.get(ORIGINAL_URL_KEY)
        if original is None:
            return response
        location = response.headers.get("Location")
        base = self.host_mirrors.get(urlsplit(original).netloc.lower(), self.mirror)
        if location and 300 <= response.status < 400 and base:
            # a redirect inside the mirror points back into the mirrored site
            loc = location.decode("latin-1")
            if loc.startswith(base + "/"):
                response.headers["Location"] = f"{urlsplit(original).scheme}://{loc[len(base) + 1:]}"
            else:
                # a relative Location means the live site's path, not the mirror's
                response.headers["Location"] = urljoin(original, loc)
        return response.replace(url=original)
