"""What every spider of this project shares: error handling and counters."""

from __future__ import annotations

import logging
from datetime import datetime

import scrapy
from scrapy import signals

from .. import stats_keys
from ..drops import StoppedEarly
from ..extraction.dates import CHINA_TZ
from ..failures import PERMANENT_FAILURES, failure_reason
from ..ledger import ListingLedger
from ..middlewares.incremental import NotModified, Skipped
from ..signals import page_failed

logger = logging.getLogger(__name__)


def failed_url(failure) -> str:
    """The URL a failure is recorded under: the first of a redirect chain (what was linked)."""
    chain = failure.request.meta.get("redirect_chain")
    return chain[0] if chain else failure.request.meta.get("mirror_original_url", failure.request.url)


class BaseNewsSpider(scrapy.Spider):
    """Base class: ``errback`` turns any failure into one clear log line,
    a stat ``fetch/failed_<reason>_count`` and a recorded drop."""

    # set by subclasses: the outlet name of the site itself
    site_name: str = ""
    # set in from_crawler: which listings are complete (crawler/ledger.py)
    ledger: ListingLedger

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        # an honest user agent naming the project and its contact URL (-s CONTACT_URL=…)
        contact = settings.get("CONTACT_URL")
        if contact and settings.getpriority("USER_AGENT") <= settings.getpriority("CONTACT_URL"):
            settings.set("USER_AGENT", f"syndication-crawler/0.1 (+{contact})", priority=settings.getpriority("CONTACT_URL"))

    def now(self) -> datetime:
        return datetime.now(CHINA_TZ)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.ledger = ListingLedger()
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    # --- requests and their outcomes (the ledger decides which listings are complete) ---
    def listing_request(self, url: str, callback, parent: str | None = None, **cb_kwargs) -> scrapy.Request:
        self.ledger.spawned(parent)
        return scrapy.Request(
            url, callback=callback, errback=self.errback_listing, cb_kwargs=cb_kwargs,
            meta={"listing": True, "from_listing": parent},
        )

    def page_request(self, url: str, callback, parent: str | None, meta: dict | None = None, **cb_kwargs) -> scrapy.Request:
        self.ledger.spawned(parent)
        return scrapy.Request(
            url, callback=callback, errback=self.errback_page, cb_kwargs=cb_kwargs,
            meta={**(meta or {}), "from_listing": parent},
        )

    def request_dropped(self, request, spider):
        # a duplicate request (another listing linked the same page): that one answers
        self.ledger.done(request.meta.get("from_listing"), ok=True)

    def record_failure(self, url: str, reason: str, detail: str, *, kind: str, article_url: str | None = None) -> None:
        """Count, log and record (drops table) a page that did not become a story."""
        self.crawler.stats.inc_value(stats_keys.fetch_failed(reason))
        self.crawler.stats.inc_value(stats_keys.fetch_failed(kind))
        log = logger.error if kind == "listing" else logger.warning
        log("%s: %s %s — %s (%s)", self.name, "cannot read listing" if kind == "listing" else "dropped", url, detail, reason)
        self.crawler.signals.send_catch_log(page_failed, url=url, reason=reason, detail=detail, source=self.name, kind=kind, article_url=article_url)

    def errback_page(self, failure):
        """Errback for article/text requests."""
        parent = failure.request.meta.get("from_listing")
        if failure.check(Skipped):
            # incremental skip: counted by the middleware, not a drop; a URL
            # waiting to be retried keeps its listing incomplete (read again next run)
            self.ledger.done(parent, ok=failure.value.settled)
            return
        if failure.check(StoppedEarly):
            self.ledger.done(parent, ok=False)
            return  # thrown away by a stopping crawl: the next run asks again, not a drop
        url = failed_url(failure)
        reason, detail = failure_reason(failure)
        self.crawler.stats.inc_value(stats_keys.FETCH_FAILED_ARTICLE_REQUESTS)
        # a page that may come back (HTTP error, network) keeps its listing "incomplete"
        self.ledger.done(parent, ok=reason in PERMANENT_FAILURES)
        self.record_failure(url, reason, detail, kind="article", article_url=failure.request.meta.get("article_url"))

    def errback_listing(self, failure):
        """Errback for start/list/feed requests: the source may be down."""
        parent = failure.request.meta.get("from_listing")
        if failure.check(NotModified):
            self.crawler.stats.inc_value(stats_keys.LISTING_NOT_MODIFIED)
            self.ledger.done(parent, ok=True)
            return  # unchanged since the last clean run: nothing new there
        if failure.check(StoppedEarly):
            self.ledger.done(parent, ok=False)
            return
        url = failed_url(failure)
        reason, detail = failure_reason(failure)
        self.ledger.done(parent, ok=reason in PERMANENT_FAILURES)
        self.record_failure(url, reason, detail, kind="listing")
