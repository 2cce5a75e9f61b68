"""``scrapy crawl`` that exits non-zero when the source failed.

Scrapy's own crawl command exits 0 even when every request failed; cron and
CI need to notice an unreachable source.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from .. import stats_keys
from ..store import store_problem


class Command(ScrapyCrawlCommand):
    def _create_crawler(self, spname):
        crawler = super()._create_crawler(spname)
        self._crawler = crawler
        return crawler

    def run(self, args, opts):
        if len(args) == 1:
            try:
                spidercls = self.crawler_process.spider_loader.load(args[0])
            except KeyError:
                print(f"crawl: no spider named {args[0]!r} (see: scrapy list)", file=sys.stderr)
                self.exitcode = 2
                return
            check = getattr(spidercls, "argument_problem", None)
            problem = (check(dict(opts.spargs)) if check else None) or store_problem(self.settings.get("STORE_PATH"))
            if problem:
                print(f"{args[0]}: {problem}", file=sys.stderr)
                self.exitcode = 2
                return
        super().run(args, opts)
        crawler = getattr(self, "_crawler", None)
        if crawler is None or crawler.stats is None:
            return
        failed = crawler.stats.get_value(stats_keys.SOURCE_FAILED)
        if failed:
            print(f"{crawler.spidercls.name}: FAILED — {failed}", file=sys.stderr)
            self.exitcode = 1
