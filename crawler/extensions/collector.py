"""The crawl process's garbage collector, set as the extraction workers' is.

At the engine's start, the objects made so far (modules, settings, components: about
80,000) are frozen, so a full collection no longer walks them, and the young generation is
collected every ``CRAWL_GC_THRESHOLD`` allocations instead of CPython's 700. A crawl makes
and drops many small containers per page (requests, responses, items, Deferreds); at the
default the collector took 0.37 s of CPU over the benchmark's 1,500 pages, and 0.13 s so
(``bench/throughput.py``'s crawl, measured with ``gc.callbacks``; issue 12).
``CRAWL_GC_THRESHOLD = 0`` leaves the collector as CPython sets it (``NotConfigured``).
"""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.exceptions import NotConfigured

from ..settings import CRAWL_GC_THRESHOLD as DEFAULT_THRESHOLD


class CollectorTuning:
    def __init__(self, threshold: int):
        self.threshold = threshold

    @classmethod
    def from_crawler(cls, crawler) -> CollectorTuning:
        threshold = crawler.settings.getint("CRAWL_GC_THRESHOLD", DEFAULT_THRESHOLD)
        if threshold <= 0:
            raise NotConfigured("CRAWL_GC_THRESHOLD=0: CPython's collector settings")
        tuning = cls(threshold)
        crawler.signals.connect(tuning.engine_started, signal=signals.engine_started)
        return tuning

    def engine_started(self) -> None:
        # (crawlall starts several engines in one process: freezing again only adds the
        # objects made since; the threshold is the same)
        gc.freeze()
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(self.threshold, older, oldest)
