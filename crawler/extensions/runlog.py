"""Run bookkeeping: a ``runs`` row per crawl, a ``drops`` row per page that
did not become a story, and a verdict on the source's health.

A source none of whose listing pages could be fetched (unreachable host,
HTTP error, nothing configured) is marked failed: one clear line per source in the log, ``status='failed'``
in its run row and the stat ``source/failed`` (the crawl command then exits
non-zero).
"""

from __future__ import annotations

import logging
from collections import Counter
from urllib.parse import urlsplit

from datetime import datetime, timezone

from scrapy import signals

from ..store import get_run_context
from ..drops import DropStory, DuplicateStory

from ..health import Flag, HealthSettings, check_run, notify
from ..signals import page_failed

logger = logging.getLogger(__name__)


FETCH_ERRORS = {"dns_error", "connection_refused", "timeout", "connection_lost"}


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc or url
    except ValueError:
        return url


class RunLog:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.drop_reasons: Counter[str] = Counter()
        self.listing_failures: list[tuple[str, str]] = []
        self.article_failures: list[tuple[str, str]] = []

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.page_failed, signal=page_failed)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    @property
    def ctx(self):
        return get_run_context(self.crawler)

    def spider_opened(self, spider):
        # the run row is inserted here, before any request is scheduled: every
        # drop, arrival and story of this crawl is recorded against it
        self.stats.set_value("run/id", self.ctx.start())
        logger.info("%s: run %d, store %s", spider.name, self.ctx.run_id, self.crawler.settings.get("STORE_PATH"))

    def _drop(self, source: str, url: str | None, reason: str, detail: str) -> None:
        self.drop_reasons[reason] += 1
        self.stats.inc_value("runlog/drop_count")
        self.ctx.store.record_drop(self.ctx.run_id, source, url, reason, detail)

    def item_dropped(self, item, response, exception, spider):
        if isinstance(exception, DuplicateStory):
            return
        reason = exception.reason if isinstance(exception, DropStory) else "dropped"
        detail = exception.detail if isinstance(exception, DropStory) else str(exception)
        self._drop(spider.name, item.get("url"), reason, detail)

    def item_error(self, item, response, spider, failure):
        """A pipeline raised (e.g. the store stayed locked past every retry)."""
        url = item.get("url") if hasattr(item, "get") else None
        self.stats.inc_value("runlog/error_count")
        self._drop(spider.name, url or getattr(response, "url", None), "pipeline_error", f"{failure.type.__name__}: {failure.value}")

    def spider_error(self, failure, response, spider):
        """A callback raised: the page is counted, with its URL, not lost."""
        self.stats.inc_value("runlog/error_count")
        self._drop(spider.name, getattr(response, "url", None), "spider_error", f"{failure.type.__name__}: {failure.value}")

    def page_failed(self, url, reason, detail, source, kind):
        if reason in FETCH_ERRORS or reason.startswith(("http_", "fetch_error_")) or kind == "listing":
            self.stats.inc_value("runlog/error_count")
        self._drop(source, url, reason, detail)
        (self.listing_failures if kind == "listing" else self.article_failures).append((url, detail))

    def spider_closed(self, spider, reason):
        # the run is written when the engine stops: other components still
        # add their stats (and write to the store) in their spider_closed handlers
        self._closed = (spider, reason)

    def engine_stopped(self):
        if getattr(self, "_closed", None) is None:
            return
        spider, reason = self._closed
        try:
            self.finish(spider, reason)
        finally:
            self.ctx.close()

    def finish(self, spider, reason):
        stats = self.stats.get_stats()
        listing_ok = stats.get("listing/page_count", 0) + stats.get("listing/not_modified_count", 0)
        listing_failed = stats.get("fetch/failed_listing_count", 0)
        # a source of which no page at all could be read has failed, whether the
        # requests errored or never left (e.g. start URLs outside allowed_domains)
        failed = listing_ok == 0 and stats.get("article/page_count", 0) == 0 and not stats.get("incremental/skipped_known_count")
        if failed:
            hosts = Counter()
            for url, detail in self.listing_failures or self.article_failures or [("no listing", "no page was fetched (none configured, or all filtered as offsite)")]:
                hosts[(_host(url), detail)] += 1
            summary = "; ".join(f"{host}: {detail}" + (f" (x{n})" if n > 1 else "") for (host, detail), n in hosts.items())
            self.stats.set_value("source/failed", summary)
            logger.error("SOURCE FAILED %s — %s", spider.name, summary)
        elif listing_failed:
            logger.warning("%s: %d of %d listing pages failed", spider.name, listing_failed, listing_failed + listing_ok)
        fields = {
            "status": "failed" if failed else "finished",
            "finish_reason": reason,  # Scrapy's close reason: "finished" even for a failed source
            "failure_cause": self.stats.get_value("source/failed") if failed else None,
            "requests": stats.get("downloader/request_count", 0),
            "responses": stats.get("downloader/response_count", 0),
            "stored": stats.get("store/stored_count", 0),
            "updated": stats.get("store/updated_count", 0),
            "duplicates": stats.get("dedupe/duplicate_count", 0),
            "dropped": sum(self.drop_reasons.values()),
            "dropped_by_reason": dict(self.drop_reasons),
            # this crawler's own errors (Scrapy's log counts are shared by every
            # crawler of a process): failed fetches, unreadable listings, raised errors
            "errors": stats.get("runlog/error_count", 0),
            "stats": {k: v for k, v in stats.items()},
        }
        start = stats.get("start_time")
        fields["duration_s"] = round((datetime.now(timezone.utc) - start).total_seconds(), 3) if start else None
        flags = self.check_health(spider.name, stats, fields, failed)
        fields["health"] = [f.as_dict() for f in flags]
        self.ctx.store.finish_run(self.ctx.run_id, fields)
        if flags:
            self.ctx.store.record_health_flags(self.ctx.run_id, spider.name, flags)
            self.alert(spider.name, flags)
        logger.info(
            "%s: run %d %s — stored %d, updated %d, duplicates %d, seen again %d, dropped %d %s",
            spider.name,
            self.ctx.run_id,
            fields["status"],
            fields["stored"],
            fields["updated"],
            fields["duplicates"],
            stats.get("dedupe/seen_again_count", 0),
            fields["dropped"],
            dict(self.drop_reasons) or "",
        )

    def check_health(self, spider_name: str, stats: dict, fields: dict, failed: bool) -> list[Flag]:
        history = self.ctx.store.run_history(spider_name, before_run_id=self.ctx.run_id)
        current = {"stats": stats, "stored": fields["stored"], "started_at": self.ctx.store.run_started_at(self.ctx.run_id)}
        flags = check_run(history, current, cfg=HealthSettings.from_settings(self.crawler.settings))
        if failed:
            flags.insert(0, Flag("source_failed", f"no page could be fetched: {stats.get('source/failed')}", {"reason": stats.get("source/failed")}))
        for flag in flags:
            logger.warning("HEALTH %s: %s — %s", spider_name, flag.check, flag.message)
        self.stats.set_value("health/flag_count", len(flags))
        return flags

    def alert(self, spider_name: str, flags: list[Flag]) -> None:
        settings = self.crawler.settings
        command, webhook = settings.get("ALERT_COMMAND"), settings.get("ALERT_WEBHOOK_URL")
        if not (command or webhook):
            return
        payload = {"source": spider_name, "run_id": self.ctx.run_id, "flags": [f.as_dict() for f in flags]}
        for problem in notify(payload, command=command, webhook=webhook):
            self.stats.inc_value("health/alert_failed_count")


