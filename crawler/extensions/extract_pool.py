"""Article pages are extracted in worker processes, awaited from the asyncio reactor.

``ExtractionPool`` is an extension (built with ``from_crawler``; ``NotConfigured``
when ``EXTRACT_WORKERS`` is 0, and the spider then extracts in the crawl process
as before). The spider's ``async def`` callbacks hand it a ``PageJob``
(``crawler/page_job.py``) and await the ``PageResult``, so the reactor keeps
downloading while workers parse; then, for a one-page article whose text is not a
stored story's, a ``FingerprintJob`` (``fingerprint``: the story's syndication
fingerprint). Dedupe, validation and the store stay in the crawl process, in order.

- **Started lazily**, on the first article page: a run that fetches no article
  (every listing answered 304) starts no process.
- **One pool per process**: ``scrapy crawlall`` runs its sources at once in one
  process; a pool per crawler would start ``sources × cores`` workers. Crawlers
  with the same ``EXTRACT_WORKERS`` share one executor, shut down when the last
  of them closes (``spider_closed``, which a graceful stop reaches too).
- **forkserver** start method: the crawl process has threads (the reactor's
  thread pool, alert hooks), which ``fork`` would copy in whatever state they are
  in. The fork server imports the extraction modules once (``PRELOAD``), so a new
  worker starts in milliseconds. The workers are replaced after
  ``EXTRACT_WORKER_MAX_PAGES`` pages each, which bounds what their memory can grow to.
- **A worker that dies** (a segfault in a C library, the OOM killer) breaks the
  executor: every job in flight fails with ``BrokenProcessPool`` (or is woken by the
  pool, should the executor not settle it). The executor is
  replaced and each of those jobs runs again, alone (new jobs wait meanwhile), so
  an innocent page is not lost; the page that kills its worker a second time,
  alone, raises ``WorkerCrashed`` (dropped ``worker_crashed``, retried next run).
- **A slow page**: the worker raises ``JobTimeout`` after ``EXTRACT_TIMEOUT``
  seconds (SIGALRM inside the job); a worker stuck in C code past the deadline
  is killed. Either way ``ExtractionTimedOut`` (dropped ``extraction_timeout``).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, cast

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object

from .. import stats_keys
from ..page_job import PRELOAD, FingerprintJob, FingerprintResult, Job, JobResult, JobTimeout, PageJob, PageResult
from ..settings import EXTRACT_WORKER_MAX_PAGES as DEFAULT_MAX_PAGES
from ..settings import EXTRACT_WORKERS as DEFAULT_EXTRACT_WORKERS  # the cores this process may use

if TYPE_CHECKING:
    from ..syndication import Fingerprint

logger = logging.getLogger(__name__)

# a job whose worker does not answer this long after twice EXTRACT_TIMEOUT (stuck in
# C code, where SIGALRM cannot interrupt) gets its worker killed
KILL_GRACE_S = 10.0
# a retired generation's workers get this long to exit before the next generation starts
# anyway (they exit in milliseconds once their last job is done)
EXIT_WAIT_S = 5.0
EXIT_POLL_S = 0.01
DEFAULT_JOB = "crawler.page_job.run_job_timed"
# a worker's young-generation threshold (see _worker_init)
WORKER_GC_THRESHOLD = 10_000


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
    # An extraction makes and drops a great many small containers (trafilatura's lists and
    # dicts per node): at CPython's default (a young collection every 700 net allocations)
    # the collector took ~1 ms of a 36 ms page (2.8 %, median of 5 alternating rounds over
    # the corpora). The preloaded modules' objects are frozen (never traversed again), and
    # the young generation is collected every WORKER_GC_THRESHOLD allocations: at most a
    # few MB of cyclic garbage waits for it.
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


def _exit_with_crawl(lifeline: Connection) -> None:
    try:
        while True:
            lifeline.recv()
    except (EOFError, OSError):
        os._exit(0)


@dataclass(eq=False)
class _Generation:
    """One executor and its workers. Replaced whole: after ``pages`` jobs (its workers'
    memory is then given back), or when a worker crashed or was killed."""

    executor: ProcessPoolExecutor
    lifeline: Connection            # the write end its workers watch
    submitted: int = 0
    in_flight: int = 0              # submitted jobs whose caller still waits
    warm: bool = False              # a worker has answered (its start-up time is over)
    retired: bool = False
    pids: tuple[int, ...] = ()      # its worker processes, taken when it is retired
    # settled when the generation is discarded: its waiting jobs stop waiting (a broken
    # executor's futures are not always settled: its manager thread may be stuck). One
    # future that every job waits on beside its own (a task per job waiting on an Event
    # cost the crawl process about 0.1 ms a page)
    broken: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    drained: asyncio.Event = field(default_factory=asyncio.Event)

    def close_lifeline(self) -> None:
        if not self.lifeline.closed:
            self.lifeline.close()


class _SharedPool:
    """The executor of one process (per worker count and job function), with the
    bookkeeping that replaces it: after ``max_pages`` pages per worker, after a crash."""

    def __init__(self, workers: int, job: Callable[[Job, float], JobResult], max_pages: int):
        self.workers = workers
        self.job = job
        # pages one generation takes before it is replaced. Not ProcessPoolExecutor's
        # max_tasks_per_child: on Python 3.11-3.13 the executor then stops handing out
        # queued jobs once a worker has reached its limit (CPython gh-115634), and the
        # crawl hangs after that many pages (it did here, at page ~500)
        self.pages_per_generation = max(1, max_pages) * workers
        self.users = 0
        self.current: _Generation | None = None
        self._retired: list[_Generation] = []
        # retired generations that have drained but whose workers may not have exited yet
        self._exiting: list[_Generation] = []
        self._exits: asyncio.Future | None = None
        # after a crash, the jobs that were in flight run again one at a time; new jobs
        # wait until they are done (so a page that crashes again is known to be the culprit)
        self._retrying = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._alone = asyncio.Lock()

    def _start(self, stats: Any) -> _Generation:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        watched_end, lifeline = context.Pipe(duplex=False)
        executor = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=_worker_init, initargs=(watched_end,),
        )
        stats.inc_value(stats_keys.EXTRACT_POOL_STARTS)   # the crawler whose page needed it
        logger.info("extraction pool started: %d worker processes", self.workers)
        return _Generation(executor, lifeline)

    async def _generation(self, stats: Any) -> _Generation:
        """The generation to submit to: the current one until it has taken its pages;
        then it is retired (its workers finish their jobs and exit), and the next one
        starts once the retired one has drained and its workers have exited, so no more
        than ``workers`` processes hold extraction memory at a time."""
        while True:
            gen = self.current
            if gen is not None and gen.submitted < self.pages_per_generation:
                return gen
            if gen is not None:
                self._retire(gen)
            draining = next((g for g in self._retired if g.in_flight), None)
            if draining is not None:
                await draining.drained.wait()
            elif self._exiting:
                await self._workers_exited()
            else:
                self.current = self._start(stats)
                return self.current

    async def _workers_exited(self) -> None:
        """Wait (every waiting job the same wait) until the drained generations' workers
        have exited: a new worker started before would briefly add to the memory the old
        ones still hold (a 50,000-page crawl replaces its workers about 50 times)."""
        if self._exits is None:
            self._exits = asyncio.ensure_future(self._wait_for_exits())
        await asyncio.shield(self._exits)

    async def _wait_for_exits(self) -> None:
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + EXIT_WAIT_S
            while self._exiting and loop.time() < deadline:
                self._exiting = [gen for gen in self._exiting if any(map(_process_alive, gen.pids))]
                if self._exiting:
                    await asyncio.sleep(EXIT_POLL_S)
            if self._exiting:
                logger.warning("retired extraction workers still running after %g s: starting new ones anyway", EXIT_WAIT_S)
            self._exiting.clear()
        finally:
            self._exits = None

    def _retire(self, gen: _Generation) -> None:
        if self.current is gen:
            self.current = None
        gen.retired = True
        # before shutdown, which forgets them
        gen.pids = tuple(p.pid for p in (getattr(gen.executor, "_processes", None) or {}).values() if p.pid)
        gen.executor.shutdown(wait=False)   # its queued jobs still run
        if gen.in_flight:
            self._retired.append(gen)
        else:
            self._drained(gen)

    def _drained(self, gen: _Generation) -> None:
        gen.close_lifeline()
        gen.drained.set()
        if gen in self._retired:
            self._retired.remove(gen)
        if gen.pids and not gen.broken.done():
            self._exiting.append(gen)

    def _discard(self, gen: _Generation, *, kill: bool = False) -> None:
        """Stop using a broken (or stuck) generation; the next job starts a new one."""
        if gen.broken.done():
            return
        gen.broken.set_result(None)
        if kill:
            # ProcessPoolExecutor has no public way to stop a running job: kill its workers
            for process in list((getattr(gen.executor, "_processes", None) or {}).values()):
                process.kill()
        if self.current is gen:
            self.current = None
        gen.executor.shutdown(wait=False, cancel_futures=True)
        gen.close_lifeline()   # any worker of it still alive exits

    async def _attempt(self, job: Job, timeout: float, stats: Any) -> JobResult:
        gen = await self._generation(stats)
        try:
            future: Future = gen.executor.submit(self.job, job, timeout)
        except BrokenProcessPool:
            self._discard(gen)
            raise
        # pages bound what a worker's memory grows to; a fingerprint job's text does not count
        gen.submitted += isinstance(job, PageJob)
        gen.in_flight += 1
        waiting = asyncio.wrap_future(future)
        # A job marked running may still wait for a worker: the executor queues one job
        # more than it has workers. It waits at most one job, which SIGALRM ends at
        # ``timeout``: a worker silent for two timeouts (and a grace) is stuck in C code.
        deadline = 2 * timeout + KILL_GRACE_S if timeout > 0 else None
        try:
            while True:
                done, _ = await asyncio.wait({waiting, gen.broken}, timeout=deadline, return_when=asyncio.FIRST_COMPLETED)
                if waiting in done and not waiting.cancelled():
                    try:
                        result = waiting.result()
                    except BrokenProcessPool:
                        self._discard(gen)
                        raise
                    except JobTimeout:
                        gen.warm = True
                        raise ExtractionTimedOut(f"extraction took longer than {timeout:g} s") from None
                    gen.warm = True
                    return result
                if done or gen.broken.done():
                    # the generation was discarded (another job's worker crashed or was
                    # killed): this page runs again
                    raise BrokenProcessPool("the extraction pool was replaced while this page waited")
                if not future.running() or not gen.warm:
                    # still queued behind other pages, or the workers are still starting:
                    # its time has not started (a later wait gives it the full deadline)
                    continue
                # the worker does not answer (stuck in C code): kill it; the other jobs
                # in flight fail with BrokenProcessPool and run again
                logger.warning("extraction of %s did not stop at its time limit: its worker is killed", job.url)
                self._discard(gen, kill=True)
                raise ExtractionTimedOut(f"extraction took longer than {timeout:g} s (worker killed)") from None
        finally:
            # a result nobody reads any more (the page runs again): read it here, so that
            # asyncio does not log "exception was never retrieved"
            waiting.add_done_callback(lambda done: done.cancelled() or done.exception())
            gen.in_flight -= 1
            if gen.retired and not gen.in_flight:
                self._drained(gen)

    async def run(self, job: Job, timeout: float, stats: Any) -> JobResult:
        await self._quiet.wait()
        try:
            return await self._attempt(job, timeout, stats)
        except BrokenProcessPool:
            stats.inc_value(stats_keys.EXTRACT_POOL_CRASHES)
        self._retrying += 1
        self._quiet.clear()
        try:
            async with self._alone:
                stats.inc_value(stats_keys.EXTRACT_POOL_RETRIES)
                try:
                    return await self._attempt(job, timeout, stats)
                except BrokenProcessPool as exc:
                    stats.inc_value(stats_keys.EXTRACT_POOL_CRASHES)
                    raise WorkerCrashed("the extraction worker died on this page (twice; the second time alone)") from exc
        finally:
            self._retrying -= 1
            if not self._retrying:
                self._quiet.set()

    def shutdown(self) -> None:
        for gen in [*self._retired, *([self.current] if self.current else [])]:
            gen.executor.shutdown(wait=True, cancel_futures=True)
            gen.close_lifeline()
        if self.current is not None:
            logger.info("extraction pool stopped")
        self.current = None
        self._retired.clear()
        self._exiting.clear()


def _process_alive(pid: int) -> bool:
    """Whether the process still holds memory: not gone, and not a zombie waiting for its
    parent (the fork server) to reap it. Without /proc (not Linux) it is taken as gone:
    the next generation then starts at once, as it did before this wait existed."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # "pid (comm) S ...": the state follows the last ')' (comm may hold any byte)
            return stat.read().rpartition(b")")[2].split()[:1] != [b"Z"]
    except OSError:
        return False


_POOLS: dict[tuple[int, str], _SharedPool] = {}


class ExtractionPool:
    """The crawler's handle on the process's extraction pool."""

    def __init__(self, crawler, workers: int, timeout: float, job_path: str = DEFAULT_JOB,
                 max_pages: int = DEFAULT_MAX_PAGES):
        self.crawler = crawler
        self.workers = workers
        self.timeout = timeout
        self.job_path = job_path
        self.max_pages = max_pages
        self._pool: _SharedPool | None = None

    @classmethod
    def from_crawler(cls, crawler) -> ExtractionPool:
        workers = crawler.settings.getint("EXTRACT_WORKERS", DEFAULT_EXTRACT_WORKERS)
        if workers <= 0:
            raise NotConfigured("EXTRACT_WORKERS=0: pages are extracted in the crawl process")
        # EXTRACT_JOB: the function a worker runs (tests wrap it to inject faults)
        settings = crawler.settings
        pool = cls(crawler, workers, settings.getfloat("EXTRACT_TIMEOUT", 60.0), settings.get("EXTRACT_JOB") or DEFAULT_JOB,
                   settings.getint("EXTRACT_WORKER_MAX_PAGES", DEFAULT_MAX_PAGES))
        crawler.signals.connect(pool.spider_closed, signal=signals.spider_closed)
        return pool

    def _shared(self) -> _SharedPool:
        if self._pool is None:
            key = (self.workers, self.job_path)
            shared = _POOLS.get(key)
            if shared is None:
                shared = _POOLS[key] = _SharedPool(self.workers, load_object(self.job_path), self.max_pages)
            shared.users += 1
            self._pool = shared
        return self._pool

    async def extract(self, job: PageJob) -> PageResult:
        """The job's result from a worker; raises WorkerCrashed or ExtractionTimedOut."""
        return cast(PageResult, await self._run(job, stats_keys.EXTRACT_POOL_JOBS))

    async def fingerprint(self, job: FingerprintJob) -> Fingerprint:
        """The story's syndication fingerprint from a worker; raises WorkerCrashed or
        ExtractionTimedOut, as ``extract`` does."""
        return cast(FingerprintResult, await self._run(job, stats_keys.EXTRACT_POOL_FINGERPRINT_JOBS)).fingerprint

    async def _run(self, job: Job, done_key: str) -> JobResult:
        stats = self.crawler.stats
        try:
            result = await self._shared().run(job, self.timeout, stats)
        except ExtractionTimedOut:
            stats.inc_value(stats_keys.EXTRACT_POOL_TIMEOUTS)
            raise
        stats.inc_value(done_key)
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
