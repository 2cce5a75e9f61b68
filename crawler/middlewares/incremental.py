"""Incremental crawling: what the store already holds is not fetched again.

``KnownArticleMiddleware`` looks every article request up in the store before
it leaves (requests carry their canonical story URL in ``meta["article_url"]``)
and drops the ones already stored — unless a recrawl is asked for:

- ``-s RECRAWL=1``: fetch every article again (changes are recorded);
- ``-s RECRAWL_HOURS=48``, or ``recrawl_hours`` in a source declaration:
  fetch again articles published in the last N hours.

``ConditionalRequestMiddleware`` remembers the ETag / Last-Modified of every
listing (feed, sitemap, list page) and asks again with If-None-Match /
If-Modified-Since; an unchanged listing costs a 304 and nothing else. The
validators of a listing are saved only when it was read completely (every
page it led to answered, none failed: ``crawler/ledger.py``), so a crash, a
time budget or a failed article never makes the next run skip a page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from .. import stats_keys
from ..store import StoreComponent

from ..extraction.dates import CHINA_TZ
from .mirror import ORIGINAL_URL_KEY


class AlreadyStored(IgnoreRequest):
    """An article the store already holds: not fetched, not a drop."""


class NotModified(IgnoreRequest):
    """A listing unchanged since the last clean run (HTTP 304)."""


def recrawl_window(settings, spider) -> float | None:
    """None: never recrawl; 0: recrawl everything; N: recrawl the last N hours."""
    if settings.getbool("RECRAWL"):
        return 0.0
    hours = settings.getfloat("RECRAWL_HOURS", 0.0)
    source = getattr(spider, "source", None)
    if not hours and source is not None:
        hours = float(source.extra.get("recrawl_hours", 0) or 0)
    return hours or None


class KnownArticleMiddleware(StoreComponent):
    def process_request(self, request):
        article_url = request.meta.get("article_url")
        if not article_url or ORIGINAL_URL_KEY in request.meta or request.meta.get("incremental_checked"):
            return None
        request.meta["incremental_checked"] = True
        store = self.run_context.store
        if not store.known_url(article_url):
            return None
        window = recrawl_window(self.crawler.settings, self.crawler.spider)
        if window is not None:
            if window == 0:
                self.stats.inc_value(stats_keys.INCREMENTAL_RECRAWLED)
                return None
            published = store.story_published_at(article_url)
            if published and datetime.fromisoformat(published) >= datetime.now(CHINA_TZ) - timedelta(hours=window):
                self.stats.inc_value(stats_keys.INCREMENTAL_RECRAWLED)
                return None
        self.stats.inc_value(stats_keys.INCREMENTAL_SKIPPED_KNOWN)
        raise AlreadyStored(f"already stored: {article_url}")


class ConditionalRequestMiddleware(StoreComponent):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.pending: dict[str, tuple[str | None, str | None]] = {}
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def process_request(self, request):
        if not request.meta.get("listing") or ORIGINAL_URL_KEY in request.meta or request.meta.get("conditional_checked"):
            return None
        request.meta["conditional_checked"] = True
        if recrawl_window(self.crawler.settings, self.crawler.spider) is not None:
            return None  # a recrawl walks the listings again to find the articles
        known = self.run_context.store.validators(request.url)
        if not known:
            return None
        if known.get("etag"):
            request.headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            request.headers["If-Modified-Since"] = known["last_modified"]
        self.stats.inc_value(stats_keys.CONDITIONAL_ASKED)
        return None

    def process_response(self, request, response):
        if not request.meta.get("listing"):
            return response
        url = request.meta.get(ORIGINAL_URL_KEY, request.url)
        if response.status == 304:
            self.stats.inc_value(stats_keys.CONDITIONAL_NOT_MODIFIED)
            raise NotModified(f"not modified: {url}")
        if response.status == 200:
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
            if etag or last_modified:
                self.pending[url] = (
                    etag.decode("latin-1") if etag else None,
                    last_modified.decode("latin-1") if last_modified else None,
                )
        return response

    def spider_closed(self, spider, reason):
        ledger = getattr(spider, "ledger", None)
        if ledger is not None:
            # only listings read completely: every page they led to answered, none failed
            keep = {url: v for url, v in self.pending.items() if ledger.complete(url)}
        else:
            keep = self.pending if reason == "finished" else {}
        if keep:
            self.run_context.store.save_validators(keep)
        self.stats.set_value(stats_keys.CONDITIONAL_SAVED, len(keep))
        self.stats.set_value(stats_keys.CONDITIONAL_WITHHELD, len(self.pending) - len(keep))
