"""Article pages are extracted in worker processes, awaited from the asyncio reactor.

``ExtractionPool`` is an extension (built with ``from_crawler``; ``NotConfigured``
when ``EXTRACT_WORKERS`` is 0, and the spider then extracts in the crawl process
as before). The spider's ``async def`` callbacks hand it a ``PageJob``
(``crawler/page_job.py``) and await the ``PageResult``, so the reactor keeps
downloading while workers parse; dedupe, validation and the store stay in the
crawl process, in order.

- **Started lazily**, on the first article page: a run that fetches no article
  (every listing answered 304) starts no process.
- **One pool per process**: ``scrapy crawlall`` runs its sources at once in one
  process; a pool per crawler would start ``sources × cores`` workers. Crawlers
  with the same ``EXTRACT_WORKERS`` share one executor, shut down when the last
  of them closes (``spider_closed``, which a graceful stop reaches too).
- **forkserver** start method: the crawl process has threads (the reactor's
  thread pool, alert hooks), which ``fork`` would copy in whatever state they are
  in. The fork server imports the extraction modules once (``PRELOAD``), so a new
  worker starts in milliseconds. ``max_tasks_per_child`` replaces a worker after
  ``MAX_TASKS_PER_CHILD`` pages, which bounds what a worker's memory can grow to.
- **A worker that dies** (a segfault in a C library, the OOM killer) breaks the
  executor: every job in flight fails with ``BrokenProcessPool``. The executor is
  replaced and each of those jobs runs again, alone (new jobs wait meanwhile), so
  an innocent page is not lost; the page that kills its worker a second time,
  alone, raises ``WorkerCrashed`` (dropped ``worker_crashed``, retried next run).
- **A slow page**: the worker raises ``JobTimeout`` after ``EXTRACT_TIMEOUT``
  seconds (SIGALRM inside the job); a worker stuck in C code past the deadline
  is killed. Either way ``ExtractionTimedOut`` (dropped ``extraction_timeout``).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object

from .. import stats_keys
from ..page_job import PRELOAD, JobTimeout, PageJob, PageResult
from ..settings import EXTRACT_WORKERS as DEFAULT_EXTRACT_WORKERS  # the cores this process may use

logger = logging.getLogger(__name__)

# pages a worker extracts before it is replaced (bounds the memory a worker can grow to;
# a replacement forks from the fork server with the modules loaded, a few ms)
MAX_TASKS_PER_CHILD = 500
# a job whose worker does not answer this long after EXTRACT_TIMEOUT (stuck in C code,
# where SIGALRM cannot interrupt) gets its worker killed
KILL_GRACE_S = 10.0
DEFAULT_JOB = "crawler.page_job.run_page_job_timed"


class WorkerCrashed(Exception):
    """The page's worker died, on the first try and again when the page ran alone."""


class ExtractionTimedOut(Exception):
    """The page's extraction took longer than EXTRACT_TIMEOUT."""


def _worker_init(lifeline: Connection) -> None:
    # Ctrl-C in a terminal reaches the whole process group: the crawl process decides
    # how to stop (finish the pages in flight), the workers must not die of it first
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A crawl process killed hard (SIGKILL, the OOM killer, os._exit) cannot shut the
    # pool down, and its workers would wait for the next job forever, holding the
    # crawl's stdout/stderr open (the fork server too: it lives while any worker does).
    # The crawl process holds the only write end of ``lifeline``: its death is EOF here.
    threading.Thread(target=_exit_with_crawl, args=(lifeline,), name="exit-with-crawl", daemon=True).start()


def _exit_with_crawl(lifeline: Connection) -> None:
    try:
        while True:
            lifeline.recv()
    except (EOFError, OSError):
        os._exit(0)


class _SharedPool:
    """The executor of one process (per worker count and job function), with the
    bookkeeping that recovers from a crashed worker."""

    def __init__(self, workers: int, job: Callable[[PageJob, float], PageResult]):
        self.workers = workers
        self.job = job
        self.users = 0
        self.executor: ProcessPoolExecutor | None = None
        self.starts = 0
        # after a crash, the jobs that were in flight run again one at a time; new jobs
        # wait until they are done (so a page that crashes again is known to be the culprit)
        self._retrying = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._alone = asyncio.Lock()
        # a worker of the current executor has answered: until then its time may go to
        # starting the fork server and the workers (seconds on a loaded machine), not to pages
        self._warm = False
        self._lifeline: Connection | None = None   # the write end the workers watch

    def _executor(self) -> ProcessPoolExecutor:
        if self.executor is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            lifeline, self._lifeline = context.Pipe(duplex=False)
            self.executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_worker_init, initargs=(lifeline,),
                max_tasks_per_child=MAX_TASKS_PER_CHILD,
            )
            self.starts += 1
            self._warm = False
            logger.info("extraction pool started: %d worker processes", self.workers)
        return self.executor

    def _discard(self, executor: ProcessPoolExecutor, *, kill: bool = False) -> None:
        """Stop using a broken (or stuck) executor; the next job starts a new one."""
        if kill:
            # ProcessPoolExecutor has no public way to stop a running job: kill its workers
            for process in list((getattr(executor, "_processes", None) or {}).values()):
                process.kill()
        if self.executor is executor:
            self.executor = None
            self._close_lifeline()
        executor.shutdown(wait=False, cancel_futures=True)

    def _close_lifeline(self) -> None:
        if self._lifeline is not None:
            self._lifeline.close()
            self._lifeline = None

    async def _attempt(self, job: PageJob, timeout: float) -> PageResult:
        executor = self._executor()
        try:
            future: Future = executor.submit(self.job, job, timeout)
        except BrokenProcessPool:
            self._discard(executor)
            raise
        waiting = asyncio.wrap_future(future)
        deadline = timeout + KILL_GRACE_S if timeout > 0 else None
        while True:
            try:
                result = await asyncio.wait_for(asyncio.shield(waiting), deadline)
                self._warm = self._warm or self.executor is executor
                return result
            except BrokenProcessPool:
                self._discard(executor)
                raise
            except JobTimeout:
                self._warm = self._warm or self.executor is executor
                raise ExtractionTimedOut(f"extraction took longer than {timeout:g} s") from None
            except TimeoutError:
                if not future.running() or not self._warm:
                    # still queued behind other pages, or the workers are still starting:
                    # its time has not started (a later wait gives it the full deadline)
                    continue
                # the worker does not answer (stuck in C code): kill it; the other jobs
                # in flight fail with BrokenProcessPool and run again
                logger.warning("extraction of %s did not stop at its time limit: its worker is killed", job.url)
                self._discard(executor, kill=True)
                raise ExtractionTimedOut(f"extraction took longer than {timeout:g} s (worker killed)") from None

    async def run(self, job: PageJob, timeout: float, stats: Any) -> PageResult:
        await self._quiet.wait()
        try:
            return await self._attempt(job, timeout)
        except BrokenProcessPool:
            stats.inc_value(stats_keys.EXTRACT_POOL_CRASHES)
        self._retrying += 1
        self._quiet.clear()
        try:
            async with self._alone:
                stats.inc_value(stats_keys.EXTRACT_POOL_RETRIES)
                try:
                    return await self._attempt(job, timeout)
                except BrokenProcessPool as exc:
                    stats.inc_value(stats_keys.EXTRACT_POOL_CRASHES)
                    raise WorkerCrashed("the extraction worker died on this page (twice; the second time alone)") from exc
        finally:
            self._retrying -= 1
            if not self._retrying:
                self._quiet.set()

    def shutdown(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
            self._close_lifeline()
            logger.info("extraction pool stopped")


_POOLS: dict[tuple[int, str], _SharedPool] = {}


class ExtractionPool:
    """The crawler's handle on the process's extraction pool."""

    def __init__(self, crawler, workers: int, timeout: float, job_path: str = DEFAULT_JOB):
        self.crawler = crawler
        self.workers = workers
        self.timeout = timeout
        self.job_path = job_path
        self._pool: _SharedPool | None = None

    @classmethod
    def from_crawler(cls, crawler) -> ExtractionPool:
        workers = crawler.settings.getint("EXTRACT_WORKERS", DEFAULT_EXTRACT_WORKERS)
        if workers <= 0:
            raise NotConfigured("EXTRACT_WORKERS=0: pages are extracted in the crawl process")
        # EXTRACT_JOB: the function a worker runs (tests wrap it to inject faults)
        pool = cls(crawler, workers, crawler.settings.getfloat("EXTRACT_TIMEOUT", 60.0),
                   crawler.settings.get("EXTRACT_JOB") or DEFAULT_JOB)
        crawler.signals.connect(pool.spider_closed, signal=signals.spider_closed)
        return pool

    def _shared(self) -> _SharedPool:
        if self._pool is None:
            key = (self.workers, self.job_path)
            shared = _POOLS.get(key)
            if shared is None:
                shared = _POOLS[key] = _SharedPool(self.workers, load_object(self.job_path))
            shared.users += 1
            self._pool = shared
        return self._pool

    async def extract(self, job: PageJob) -> PageResult:
        """The job's result from a worker; raises WorkerCrashed or ExtractionTimedOut."""
        pool = self._shared()
        starts = pool.starts
        stats = self.crawler.stats
        try:
            result = await pool.run(job, self.timeout, stats)
        except ExtractionTimedOut:
            stats.inc_value(stats_keys.EXTRACT_POOL_TIMEOUTS)
            raise
        finally:
            if pool.starts > starts:
                stats.inc_value(stats_keys.EXTRACT_POOL_STARTS, pool.starts - starts)
        stats.inc_value(stats_keys.EXTRACT_POOL_JOBS)
        stats.inc_value(stats_keys.EXTRACT_POOL_JOB_CPU, result.cpu_s, start=0.0)
        return result

    def spider_closed(self, spider=None) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        pool.users -= 1
        if pool.users <= 0:
            pool.shutdown()
            _POOLS.pop((pool.workers, self.job_path), None)
