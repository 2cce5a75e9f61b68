"""One line, not a traceback, for network failures Scrapy logs with exc_info
(e.g. robots.txt of an unreachable host): an operator reading the log needs
the host and the reason, and the crawl itself reports the source as failed."""

from __future__ import annotations

import logging

from ..failures import NETWORK_ERRORS

LOGGERS = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.core.scraper", "scrapy.core.engine")


class NetworkTracebackFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], NETWORK_ERRORS):
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class QuietNetworkErrors:
    def __init__(self):
        self.filter = NetworkTracebackFilter()
        for name in LOGGERS:
            logging.getLogger(name).addFilter(self.filter)

    @classmethod
    def from_crawler(cls, crawler):
        return cls()
