"""Test-only pipeline: kills the crawl process hard after N items (a crash)."""

import os


class CrashAfterItems:
    def __init__(self, limit: int):
        self.limit = limit
        self.seen = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("TEST_CRASH_AFTER_ITEMS", 3))

    def process_item(self, item):
        self.seen += 1
        if self.seen > self.limit:
            os._exit(9)  # no cleanup, no spider_closed: like a power cut or an OOM kill
        return item


class RaiseOnItem:
    """Test-only pipeline: the second item makes it raise (a bug, a store error)."""

    def __init__(self):
        self.seen = 0

    def process_item(self, item):
        self.seen += 1
        if self.seen == 2:
            raise RuntimeError("pipeline bug")
        return item
