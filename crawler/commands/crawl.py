"""``scrapy crawl`` that exits non-zero when the source failed.

Scrapy's own crawl command exits 0 even when every request failed; cron and
CI need to notice an unreachable source.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand


class Command(ScrapyCrawlCommand):
    def _create_crawler(self, spname):
        crawler = super()._create_crawler(spname)
        self._crawler = crawler
        return crawler

    def run(self, args, opts):
        super().run(args, opts)
        crawler = getattr(self, "_crawler", None)
        if crawler is None or crawler.stats is None:
            return
        failed = crawler.stats.get_value("source/failed")
        if failed:
            print(f"{crawler.spidercls.name}: FAILED — {failed}", file=sys.stderr)
            self.exitcode = 1
