"""Log lines for dropped items: the reason and URL, not the whole item."""

import logging
import sqlite3

from scrapy import logformatter


class QuietDropLogFormatter(logformatter.LogFormatter):
    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped: %(exception)s"
        return entry

    def item_error(self, item, exception, response, spider):
        entry = super().item_error(item, exception, response, spider)
        if isinstance(exception, sqlite3.DatabaseError) and not any(w in str(exception) for w in ("locked", "busy")):
            # a full or damaged store: the run log says so in one line and stops the
            # crawl; a traceback per story in flight would bury that line
            entry["level"] = logging.DEBUG
        return entry
