"""Test-only extension: the deepest the scheduler's queue got during a crawl.

Added by a test with ``-s EXTENSIONS=…`` (the project's extensions plus this one);
it writes ``test/scheduler_max_pending`` into the crawl's stats, which the run row
keeps. Never part of a production crawl."""

from __future__ import annotations

from scrapy import signals

STAT = "test/scheduler_max_pending"


class SchedulerDepth:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        probe = cls(crawler)
        crawler.signals.connect(probe.request_scheduled, signal=signals.request_scheduled)
        return probe

    def request_scheduled(self, request, spider):
        # sent before the request is queued: the requests already waiting in the scheduler
        scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        if scheduler is not None:
            self.crawler.stats.max_value(STAT, len(scheduler))
