"""Generic spiders, usable without any declaration:

    scrapy crawl feed -a url=<RSS/Atom/RDF feed URL>
    scrapy crawl sitemap -a url=<sitemap, sitemap index or robots.txt URL>
    scrapy crawl urls -a file=<file with one URL per line>    (or -a url=<one URL>)

Pages of a declared source still get that source's rules; any other page
goes through the generic extractor.
"""

from __future__ import annotations

from pathlib import Path

from scrapy import signals
from scrapy.exceptions import CloseSpider, UsageError

from ..urls import try_canonicalize
from .news import NewsSpider


def _urls_argument(url: str | None) -> list[str]:
    return [u.strip() for u in (url or "").split(",") if u.strip()]


def _scheduler_pending(engine) -> bool:
    scheduler = engine.scheduler
    return scheduler is not None and scheduler.has_pending_requests()


class _GivenListingsSpider(NewsSpider):
    """Reads the listings given as ``-a url=<url>[,<url>…]``, all of one kind."""

    name = ""  # abstract: the loader skips a spider class without a name
    listing = ""  # the kind of listing the URLs name, as the usage line calls it
    usage = ""

    @classmethod
    def argument_problem(cls, args: dict) -> str | None:
        return None if args.get("url") else f"give the {cls.listing}: {cls.usage}"

    def __init__(self, url: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.listing_urls = _urls_argument(url)
        if not self.listing_urls:
            raise UsageError(f"give the {self.listing}: {self.usage}")


class FeedSpider(_GivenListingsSpider):
    name = "feed"
    listing = "feed"
    usage = "scrapy crawl feed -a url=<feed url>"

    async def start(self):
        for url in self.listing_urls:
            yield self.listing_request(url, self.parse_feed)


class SitemapSpider(_GivenListingsSpider):
    name = "sitemap"
    listing = "sitemap"
    usage = "scrapy crawl sitemap -a url=<sitemap or robots.txt url>"

    async def start(self):
        for url in self.listing_urls:
            yield self.listing_request(url, self.parse_sitemap)


class UrlsSpider(NewsSpider):
    name = "urls"
    usage = "scrapy crawl urls -a file=<one URL per line> or -a url=<url>"

    @classmethod
    def argument_problem(cls, args: dict) -> str | None:
        if args.get("file") and not Path(args["file"]).is_file():
            return f"no such file: {args['file']}"
        return None if (args.get("file") or args.get("url")) else f"give URLs: {cls.usage}"

    def __init__(self, file: str | None = None, url: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.url_file = file
        self.given_urls = _urls_argument(url)
        if not file and not self.given_urls:
            raise UsageError("give URLs: scrapy crawl urls -a file=<one URL per line> or -a url=<url>")

    def _urls(self):
        yield from self.given_urls
        if self.url_file:
            path = Path(self.url_file)
            if not path.is_file():
                raise CloseSpider(f"no such file: {self.url_file}")
            with path.open(encoding="utf-8-sig", errors="replace") as handle:
                for line in handle:
                    line = line.strip()
                    if line and not line.startswith("#"):
                        yield line

    async def start(self):
        engine = self.crawler.engine
        for url in self._urls():
            canonical = try_canonicalize(url) if url.lower().startswith(("http://", "https://")) else None
            if canonical is None:
                self.record_failure(url, "not_a_url", "not an http(s) URL", kind="article")
                continue
            # Scrapy reads start() as fast as it yields, whether or not the downloader has
            # room: a file of 50,000 URLs became 50,000 requests in the scheduler at once
            # (~100 MB). Lazy start (Scrapy's documented pattern): while the downloader or
            # the scraper is full, or requests still wait in the scheduler, the next URL
            # waits until the engine finds the scheduler empty. (Waiting on the backout
            # alone still let the queue grow by one request every few pages.)
            while engine is not None and (engine.needs_backout() or _scheduler_pending(engine)):
                await self.crawler.signals.wait_for(signals.scheduler_empty)
            yield self.article_request(canonical)
