"""``scrapy crawl`` with exit statuses cron and CI can act on.

Scrapy's own crawl command exits 0 even when every request failed, when the
crawl was stopped by a signal, or when the store filled up. Here:

- 1 when the source failed (nothing could be fetched) or the store stopped
  taking writes (``store full: …``, one line);
- 2 for bad arguments or a store that cannot be opened / is damaged;
- 128 + the signal number (130 Ctrl-C, 143 SIGTERM) after a graceful stop:
  the run is recorded ``interrupted`` and the next run continues.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from .. import stats_keys
from ..store import store_problem
from . import process_of, settings_of


def remember_stop_signal(process) -> dict:
    """Record which signal stopped ``process`` (a CrawlerProcess) before Scrapy's
    graceful shutdown runs; the dict gets ``signum``."""
    seen: dict = {}
    shutdown = process._signal_shutdown

    def _signal_shutdown(signum, frame):
        seen.setdefault("signum", signum)
        shutdown(signum, frame)

    # CrawlerProcess.start() installs self._signal_shutdown: the instance attribute wins
    process._signal_shutdown = _signal_shutdown
    return seen


class Command(ScrapyCrawlCommand):
    def _create_crawler(self, spname):
        crawler = super()._create_crawler(spname)
        self._crawler = crawler
        return crawler

    def run(self, args, opts):
        if len(args) == 1:
            try:
                spidercls = process_of(self).spider_loader.load(args[0])
            except KeyError:
                print(f"crawl: no spider named {args[0]!r} (see: scrapy list)", file=sys.stderr)
                self.exitcode = 2
                return
            check = getattr(spidercls, "argument_problem", None)
            problem = (check(dict(opts.spargs)) if check else None) or store_problem(settings_of(self).get("STORE_PATH"))
            if problem:
                print(f"{args[0]}: {problem}", file=sys.stderr)
                self.exitcode = 2
                return
        stopped = remember_stop_signal(self.crawler_process)
        super().run(args, opts)
        crawler = getattr(self, "_crawler", None)
        if crawler is None or crawler.stats is None:
            return
        name = crawler.spidercls.name
        broken = crawler.stats.get_value(stats_keys.STORE_BROKEN)
        failed = crawler.stats.get_value(stats_keys.SOURCE_FAILED)
        if broken:
            print(f"{name}: {broken}", file=sys.stderr)
            self.exitcode = 1
        elif failed:
            print(f"{name}: FAILED — {failed}", file=sys.stderr)
            self.exitcode = 1
        if "signum" in stopped:
            print(f"{name}: stopped by signal {stopped['signum']}: run recorded as interrupted, the next run continues", file=sys.stderr)
            self.exitcode = 128 + stopped["signum"]
