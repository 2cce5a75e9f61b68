"""Run bookkeeping: a ``runs`` row per crawl, a ``drops`` row per page that
did not become a story, and a verdict on the source's health.

A source none of whose listing pages could be fetched (unreachable host,
HTTP error, nothing configured) is marked failed: one clear line per source in the log, ``status='failed'``
in its run row and the stat ``source/failed`` (the crawl command then exits
non-zero).

A run that stops before its end — SIGTERM/SIGINT (``shutdown``), the time
budget (``closespider_timeout``), a store that can take no more writes — is
recorded ``interrupted`` (or ``failed``), never ``finished``: the next runs then
walk the listings in full until one ends cleanly (``RunContext.catch_up``).
Validators are saved only for listings the ledger saw read completely (none
when the store broke: the ledger is abandoned). Requests waiting in
the downloader's slots (behind a crawl delay of minutes) are thrown away when
the close starts, so a stop or budget takes effect at once.

Debug commands (``RUN_RECORDING = False``) record nothing: the extension is off.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task
from twisted.python.failure import Failure

from .. import stats_keys
from ..drops import DropStory, DuplicateStory, StoppedEarly
from ..health import Flag, HealthSettings, check_run, notify
from ..signals import page_failed
from ..store import get_run_context, store_broken

logger = logging.getLogger(__name__)


FETCH_ERRORS = {"dns_error", "connection_refused", "timeout", "connection_lost"}
# close reasons of a crawl that ended by itself (the others stopped it early)
COMPLETE_REASONS = {"finished"}


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc or url
    except ValueError:
        return url


def throughput(pages: int, duration_s: float | None, cpu_s: float) -> tuple[float | None, float | None]:
    """(article pages per wall second, CPU seconds per article page); None without pages."""
    if not pages:
        return None, None
    per_s = round(pages / duration_s, 2) if duration_s else None
    return per_s, round(cpu_s / pages, 4)


class RunLog:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.drop_reasons: Counter[str] = Counter()
        self.listing_failures: list[tuple[str, str]] = []
        self.article_failures: list[tuple[str, str]] = []
        self.broken: str | None = None      # why the store takes no more writes
        self._dropper: task.LoopingCall | None = None
        self._cpu_start = time.process_time()   # this process's CPU when the spider opened

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("RUN_RECORDING", True):
            # a debug command: no run row, no health check (no message: Scrapy would log a warning)
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
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
        try:
            self.stats.set_value(stats_keys.RUN_ID, self.ctx.start())
        except sqlite3.Error as exc:
            if not self._broken_store(exc):
                raise
            return
        self._cpu_start = time.process_time()
        logger.info("%s: run %d, store %s", spider.name, self.ctx.run_id, self.crawler.settings.get("STORE_PATH"))

    # --- stopping early ----------------------------------------------------------
    def engine_started(self):
        # Scrapy's close waits for every request already handed to the downloader;
        # behind a crawl delay of 120 s a slot may hold dozens. Every early close
        # (signal, CLOSESPIDER_TIMEOUT, a full store) goes through close_spider_async.
        engine = self.crawler.engine
        close = engine.close_spider_async

        async def close_spider_async(*, reason: str = "cancelled") -> None:
            if reason not in COMPLETE_REASONS:
                self.stop_early(reason)
            await close(reason=reason)

        engine.close_spider_async = close_spider_async

    def stop_early(self, reason: str) -> None:
        # the ledger stays trustworthy: requests thrown away fail their listing,
        # requests never dequeued leave it unsettled; a listing read completely
        # before the stop keeps its validators (a source whose every run ends at
        # its budget, behind a 120 s crawl delay, still gets its 304s)
        self._drop_queued(reason)
        if self._dropper is None:
            # a request still inside a downloader middleware may reach a slot later
            self._dropper = task.LoopingCall(self._drop_queued, reason)
            self._dropper.start(0.5, now=False)

    def _drop_queued(self, reason: str) -> None:
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        # with JOBDIR the scheduler's queue is kept on disk when it closes (after
        # this): the requests thrown away go back to it, past the dupefilter that
        # has already seen them, so the resumed crawl fetches them
        scheduler = getattr(getattr(engine, "_slot", None), "scheduler", None) if self.crawler.settings.get("JOBDIR") else None
        for slot in list(getattr(downloader, "slots", {}).values()):
            while slot.queue:
                request, deferred = slot.queue.popleft()
                self.stats.inc_value(stats_keys.RUNLOG_DROPPED_QUEUED)
                if scheduler is not None:
                    scheduler.enqueue_request(request.replace(dont_filter=True))
                deferred.errback(Failure(StoppedEarly(f"crawl stopping ({reason}): {request.url} not fetched")))

    def _broken_store(self, exc: BaseException) -> bool:
        """True when ``exc`` says the store takes no more writes; the crawl is then stopped."""
        problem = store_broken(exc)
        if problem is None:
            return False
        if self.broken is None:
            self.broken = problem
            self.stats.set_value(stats_keys.STORE_BROKEN, problem)
            logger.error("%s", problem)
            if getattr(self.crawler.spider, "ledger", None) is not None:
                self.crawler.spider.ledger.abandon()
            reason = "store_full" if problem.startswith("store full") else "store_error"
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))
        return True

    def _drop(self, source: str, url: str | None, reason: str, detail: str, outcome_url: str | None = None) -> None:
        self.drop_reasons[reason] += 1
        self.stats.inc_value(stats_keys.RUNLOG_DROPS)
        if self.broken:
            return
        try:
            # an article's drop is also remembered as its URL's outcome (url_outcomes)
            self.ctx.store.record_drop(self.ctx.run_id, source, url, reason, detail, outcome_url=outcome_url)
        except sqlite3.Error as exc:
            if not self._broken_store(exc):
                raise

    def item_dropped(self, item, response, exception, spider):
        if isinstance(exception, DuplicateStory):
            return
        reason = exception.reason if isinstance(exception, DropStory) else "dropped"
        detail = exception.detail if isinstance(exception, DropStory) else str(exception)
        self._drop(spider.name, item.get("url"), reason, detail, outcome_url=item.get("canonical_url") or item.get("url"))

    def item_error(self, item, response, spider, failure):
        """A pipeline raised (e.g. the store stayed locked past every retry)."""
        url = item.get("url") if hasattr(item, "get") else None
        self.stats.inc_value(stats_keys.RUNLOG_ERRORS)
        if self.broken or self._broken_store(failure.value):
            self.stats.inc_value(stats_keys.STORE_UNSTORED)
            return
        self._drop(spider.name, url or getattr(response, "url", None), "pipeline_error", f"{failure.type.__name__}: {failure.value}")

    def spider_error(self, failure, response, spider):
        """A callback raised: the page is counted, with its URL, not lost."""
        self.stats.inc_value(stats_keys.RUNLOG_ERRORS)
        self._drop(spider.name, getattr(response, "url", None), "spider_error", f"{failure.type.__name__}: {failure.value}")

    def page_failed(self, url, reason, detail, source, kind, article_url=None):
        if reason in FETCH_ERRORS or reason.startswith(("http_", "fetch_error_")) or kind == "listing":
            self.stats.inc_value(stats_keys.RUNLOG_ERRORS)
        self._drop(source, url, reason, detail, outcome_url=article_url if kind == "article" else None)
        (self.listing_failures if kind == "listing" else self.article_failures).append((url, detail))

    def spider_closed(self, spider, reason):
        # the run is written when the engine stops: other components still
        # add their stats (and write to the store) in their spider_closed handlers
        self._closed = (spider, reason)
        if self._dropper is not None and self._dropper.running:
            self._dropper.stop()
        if self.broken and getattr(spider, "ledger", None) is not None:
            # stories that reached the pipeline count as answered for the ledger,
            # but a full store did not keep them: no listing is complete. Connected
            # before the middlewares' handlers (extensions are built first), so the
            # validators are judged after this.
            spider.ledger.abandon()

    def engine_stopped(self):
        if getattr(self, "_closed", None) is None:
            return
        spider, reason = self._closed
        if not self.ctx.started:  # the store could not take the run row
            logger.error("%s: no run row could be written (%s)", spider.name, self.broken)
            self.ctx.close()
            return
        try:
            self.finish(spider, reason)
        except sqlite3.Error as exc:
            if not self._broken_store(exc):
                raise
            logger.error("%s: the run row %s could not be finished (%s): it stays 'running', the next run treats it as interrupted",
                         spider.name, self.ctx.run_id, self.broken)
        finally:
            self.ctx.close()

    def finish(self, spider, reason):
        # the store pipeline's last commit (at close) may have failed on a full store
        self.broken = self.broken or self.stats.get_value(stats_keys.STORE_BROKEN)
        stats = self.stats.get_stats()
        listing_ok = stats.get(stats_keys.LISTING_PAGES, 0) + stats.get(stats_keys.LISTING_NOT_MODIFIED, 0)
        listing_failed = stats.get(stats_keys.FETCH_FAILED_LISTINGS, 0)
        # a source of which no page at all could be read has failed, whether the
        # requests errored or never left (e.g. start URLs outside allowed_domains)
        skipped = sum(stats.get(key, 0) for key in (stats_keys.INCREMENTAL_SKIPPED_KNOWN, stats_keys.INCREMENTAL_SKIPPED_REMEMBERED, stats_keys.INCREMENTAL_SKIPPED_WAITING))
        failed = listing_ok == 0 and stats.get(stats_keys.ARTICLE_PAGES, 0) == 0 and not skipped
        # a crawl stopped early (signal, time budget) before anything failed says nothing
        # about the source: it is interrupted, not failed (e.g. a 120 s crawl delay
        # and a short budget: only robots.txt was fetched)
        failed = failed and (reason in COMPLETE_REASONS or bool(self.listing_failures or self.article_failures))
        if failed:
            hosts: Counter[tuple[str, str]] = Counter()
            for url, detail in self.listing_failures or self.article_failures or [("no listing", "no page was fetched (none configured, or all filtered as offsite)")]:
                hosts[(_host(url), detail)] += 1
            summary = "; ".join(f"{host}: {detail}" + (f" (x{n})" if n > 1 else "") for (host, detail), n in hosts.items())
            self.stats.set_value(stats_keys.SOURCE_FAILED, summary)
            logger.error("SOURCE FAILED %s — %s", spider.name, summary)
        elif listing_failed:
            logger.warning("%s: %d of %d listing pages failed", spider.name, listing_failed, listing_failed + listing_ok)
        if failed or self.broken:
            status = "failed"
        elif reason not in COMPLETE_REASONS:
            status = "interrupted"   # the next runs catch up (RunContext.catch_up)
        else:
            status = "finished"
        start = stats.get("start_time")
        duration = round((datetime.now(timezone.utc) - start).total_seconds(), 3) if start else None
        self._record_throughput(stats, duration)
        stats = self.stats.get_stats()
        fields = {
            "status": status,
            "finish_reason": reason,  # Scrapy's close reason
            "failure_cause": self.stats.get_value(stats_keys.SOURCE_FAILED) if status == "failed" else None,
            "requests": stats.get(stats_keys.DOWNLOADER_REQUESTS, 0),
            "responses": stats.get(stats_keys.DOWNLOADER_RESPONSES, 0),
            "stored": stats.get(stats_keys.STORE_STORED, 0),
            "updated": stats.get(stats_keys.STORE_UPDATED, 0),
            "duplicates": stats.get(stats_keys.DEDUPE_DUPLICATES, 0),
            "dropped": sum(self.drop_reasons.values()),
            "dropped_by_reason": dict(self.drop_reasons),
            # this crawler's own errors (Scrapy's log counts are shared by every
            # crawler of a process): failed fetches, unreadable listings, raised errors
            "errors": stats.get(stats_keys.RUNLOG_ERRORS, 0),
            "stats": {k: v for k, v in stats.items()},
        }
        # transient failures of this source waiting for a later run (url_outcomes)
        fields["waiting"] = self.ctx.store.waiting_count(spider.name)
        self.stats.set_value(stats_keys.OUTCOMES_WAITING, fields["waiting"])
        fields["duration_s"] = duration
        fields["pages_per_s"] = stats.get(stats_keys.RUN_PAGES_PER_S)
        fields["cpu_s_per_page"] = stats.get(stats_keys.RUN_CPU_S_PER_PAGE)
        flags = [] if reason == "shutdown" or self.broken else self.check_health(spider.name, stats, fields, failed)
        fields["health"] = [f.as_dict() for f in flags]
        self.ctx.store.finish_run(self.ctx.run_id, fields)
        if flags:
            self.ctx.store.record_health_flags(self.ctx.run_id, spider.name, flags)
            self.alert(spider.name, flags)
        logger.info(
            "%s: run %d %s — stored %d, updated %d, duplicates %d, seen again %d, dropped %d %s, waiting %d",
            spider.name,
            self.ctx.run_id,
            fields["status"],
            fields["stored"],
            fields["updated"],
            fields["duplicates"],
            stats.get(stats_keys.DEDUPE_SEEN_AGAIN, 0),
            fields["dropped"],
            dict(self.drop_reasons) or "",
            fields["waiting"],
        )

    def _record_throughput(self, stats: dict, duration: float | None) -> None:
        """Pages per wall second and CPU seconds per page, as stats (and run columns).

        CPU: this process since the spider opened plus what each page job used in its
        worker (extract_pool/job_cpu_s). crawlall runs its sources at once in one
        process, so there each run counts the whole process's CPU meanwhile: an upper bound."""
        pages = stats.get(stats_keys.ARTICLE_PAGES, 0) + stats.get(stats_keys.ARTICLE_CONTINUATION_PAGES, 0)
        cpu = time.process_time() - self._cpu_start + stats.get(stats_keys.EXTRACT_POOL_JOB_CPU, 0.0)
        self.stats.set_value(stats_keys.RUN_CPU_S, round(cpu, 3))
        per_s, per_page = throughput(pages, duration, cpu)
        if per_s is not None:
            self.stats.set_value(stats_keys.RUN_PAGES_PER_S, per_s)
        if per_page is not None:
            self.stats.set_value(stats_keys.RUN_CPU_S_PER_PAGE, per_page)

    def check_health(self, spider_name: str, stats: dict, fields: dict, failed: bool) -> list[Flag]:
        history = self.ctx.store.run_history(spider_name, before_run_id=self.ctx.run_id)
        current = {"stats": stats, "stored": fields["stored"], "started_at": self.ctx.store.run_started_at(self.ctx.run_id)}
        flags = check_run(history, current, cfg=HealthSettings.from_settings(self.crawler.settings))
        if failed:
            flags.insert(0, Flag("source_failed", f"no page could be fetched: {stats.get(stats_keys.SOURCE_FAILED)}", {"reason": stats.get(stats_keys.SOURCE_FAILED)}))
        for flag in flags:
            logger.warning("HEALTH %s: %s — %s", spider_name, flag.check, flag.message)
        self.stats.set_value(stats_keys.HEALTH_FLAGS, len(flags))
        return flags

    def alert(self, spider_name: str, flags: list[Flag]) -> None:
        settings = self.crawler.settings
        command, webhook = settings.get("ALERT_COMMAND"), settings.get("ALERT_WEBHOOK_URL")
        if not (command or webhook):
            return
        payload = {"source": spider_name, "run_id": self.ctx.run_id, "flags": [f.as_dict() for f in flags]}
        timeout = settings.getfloat("ALERT_TIMEOUT", 5.0)
        # off the reactor thread: a hook that does not answer must not hold up the
        # crawl (crawlall's other sources) — notify() gives up after ``timeout``
        # seconds in all; the thread is not a daemon, so the process waits for
        # it (that long at most) before exiting and the alert is not cut off
        thread = threading.Thread(
            target=notify, args=(payload,), kwargs={"command": command, "webhook": webhook, "timeout": timeout},
            name=f"alert-{spider_name}",
        )
        thread.start()


