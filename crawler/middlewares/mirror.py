"""Serve every request from a local mirror when MIRROR_URL is set.

A request for ``scheme://host/path?query`` is fetched from
``MIRROR_URL/host/path?query``; the spider receives the response under the
original URL, so spiders, canonical URLs and stored rows are the same as on
the live site. ``python -m crawler.mirror_server DIR`` serves such a folder.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

ORIGINAL_URL_KEY = "mirror_original_url"


def mirror_url_for(url: str, mirror: str) -> str:
    parts = urlsplit(url)
    target = f"{mirror.rstrip('/')}/{parts.netloc.lower()}{parts.path or '/'}"
    if parts.query:
        target += f"?{parts.query}"
    return target


class MirrorMiddleware:
    def __init__(self, mirror: str, stats):
        self.mirror = mirror.rstrip("/")
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        mirror = crawler.settings.get("MIRROR_URL")
        if not mirror:
            raise NotConfigured("MIRROR_URL is not set")
        return cls(mirror, crawler.stats)

    def process_request(self, request):
        if ORIGINAL_URL_KEY in request.meta or request.url.startswith(self.mirror + "/"):
            return None
        self.stats.inc_value("mirror/rewritten_count")
        return request.replace(
            url=mirror_url_for(request.url, self.mirror),
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
        if location and 300 <= response.status < 400:
            # a redirect inside the mirror points back into the mirrored site
            loc = location.decode("latin-1")
            if loc.startswith(self.mirror + "/"):
                rest = loc[len(self.mirror) + 1 :]
                response.headers["Location"] = f"{urlsplit(original).scheme}://{rest}"
        return response.replace(url=original)
