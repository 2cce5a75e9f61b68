"""Test-only extraction job: the real page job, with faults a test asks for.

Selected by ``-s EXTRACT_JOB=tests.pool_faults.faulty_job`` (never by a page on
its own: production runs ``crawler.page_job.run_job_timed``). A fault is
asked for by a marker in the page text (in-process tests build their pages) or
by the environment of the crawl process (end-to-end tests): the worker whose
page matches dies (``os._exit``, like a segfault or the OOM killer), sleeps, or
hangs with SIGALRM blocked (stuck in C code)."""

from __future__ import annotations

import os
import signal
import time

from crawler.page_job import Job, JobResult, PageJob, run_job, run_job_timed

CRASH_MARK = "<!--test:crash-worker-->"
SLOW_MARK = "<!--test:slow-->"
STUCK_MARK = "<!--test:stuck-->"
# a URL substring: the page whose URL holds it kills its worker (end-to-end crawls)
CRASH_URL_ENV = "TEST_POOL_CRASH_URL"


def faulty_job(job: Job, timeout: float) -> JobResult:
    crash_url = os.environ.get(CRASH_URL_ENV)
    html = job.html if isinstance(job, PageJob) else ""   # a FingerprintJob has the URL only
    if CRASH_MARK in html or (crash_url and crash_url in job.url):
        os._exit(13)
    if STUCK_MARK in html:
        # a long C call: SIGALRM cannot interrupt it, only the pool's kill ends it
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        try:
            time.sleep(30)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
    return run_job_timed(job, timeout, work=_slow_then_run)


def _slow_then_run(job: Job) -> JobResult:
    if isinstance(job, PageJob) and SLOW_MARK in job.html:
        time.sleep(30)  # interrupted by the job's SIGALRM (EXTRACT_TIMEOUT)
    return run_job(job)
