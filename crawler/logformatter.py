"""Log lines for dropped items: the reason and URL, not the whole item."""

from scrapy import logformatter


class QuietDropLogFormatter(logformatter.LogFormatter):
    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped: %(exception)s"
        return entry
