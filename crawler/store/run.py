"""The run lifecycle, shared by the Scrapy components of one crawler.

One ``RunContext`` per crawler holds the opened store and, once started,
the id of this crawl's ``runs`` row. Its lifecycle is explicit:

- ``get_run_context(crawler)`` opens (and migrates) the store on first use;
- ``start()`` inserts the run row — called once, by the run-bookkeeping
  extension (``crawler.extensions.runlog.RunLog``) on ``spider_opened``,
  before any request is scheduled;
- ``run_id`` reads it (and refuses before ``start``);
- ``close()`` closes the store, when the engine has stopped.

Debug commands (``scrapy shell``, ``parse``, ``fetch``, ``view``, ``check``)
set ``RUN_RECORDING = False``: they read the store (known URLs) but start no
run row; ``run_id`` is then None.
"""

from __future__ import annotations

import weakref

from .. import syndication
from .queries import Store


class RunNotStarted(RuntimeError):
    pass


class RunContext:
    """The store and the current run row of one crawler."""

    def __init__(self, store: Store, spider_name: str, recording: bool = True):
        self.store = store
        self.spider_name = spider_name
        self.recording = recording
        self._run_id: int | None = None
        # after a run that stopped early (signal, time budget, crash) or failed,
        # listings are walked in full until a run ends cleanly: what the broken
        # run stored says nothing about older pages it never reached
        self.catch_up = False

    def start(self) -> int | None:
        """Insert this crawl's run row (marking an unfinished earlier one
        ``interrupted``); the run id. Calling it again returns the same id."""
        if self._run_id is None and self.recording:
            self._run_id = self.store.start_run(self.spider_name)
            self.catch_up = self.store.needs_catch_up(self.spider_name, self._run_id)
        return self._run_id

    @property
    def started(self) -> bool:
        return self._run_id is not None

    @property
    def run_id(self) -> int | None:
        if self._run_id is None and self.recording:
            raise RunNotStarted(
                f"{self.spider_name}: the run row is not started yet (RunContext.start(), "
                "called by crawler.extensions.runlog.RunLog on spider_opened)"
            )
        return self._run_id

    def close(self) -> None:
        self.store.close()


# one context per crawler object, without setting attributes on Scrapy's Crawler
_contexts: weakref.WeakKeyDictionary[object, RunContext] = weakref.WeakKeyDictionary()


def get_run_context(crawler) -> RunContext:
    """The crawler's RunContext, its store opened on first use (pipelines,
    middlewares, extensions and the spider all reach the same one)."""
    ctx = _contexts.get(crawler)
    if ctx is None:
        store = Store.open(crawler.settings.get("STORE_PATH"),
                           syndication_config=syndication.Config.from_settings(crawler.settings))
        # the retry-later schedule of transient failures and undated stories
        store.retry_base_hours = crawler.settings.getfloat("RETRY_LATER_BASE_HOURS", Store.retry_base_hours)
        store.retry_max_attempts = crawler.settings.getint("RETRY_LATER_MAX_ATTEMPTS", Store.retry_max_attempts)
        ctx = RunContext(store, crawler.spidercls.name, crawler.settings.getbool("RUN_RECORDING", True))
        _contexts[crawler] = ctx
    return ctx


class StoreComponent:
    """Base of the Scrapy components (pipelines, middlewares) that work with
    the crawl's store and run row."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def run_context(self) -> RunContext:
        return get_run_context(self.crawler)
