"""One article page's CPU-bound work, as a pure function a worker process can run.

``run_page_job(PageJob) -> PageResult``: the extraction chain
(``extract_article``, which gives the body's plain text too), — for a source
with continuation pages — the scan of the page's links for the next page, and
the content hash of a one-page article's text (the dedupe key, ``content_hash``).
``run_fingerprint_job(FingerprintJob) -> FingerprintResult``: the syndication
fingerprint of a story the store would hold (MinHash: about 3–6 ms a page, the
store's costliest step). The spider asks for it as a second job, and only when the
page is not an exact copy of a stored story (its content hash is new): computed
with the page, it was thrown away for every exact copy (issue 12).
The spider builds the jobs from the response (text, URL, encoding) and what it
knows (source name, fetch time, hints, zone); ``crawler/extensions/extract_pool.py``
runs them in a pool of worker processes (``run_job``), or the spider calls
``run_page_job`` in-process (``EXTRACT_WORKERS=0``, where the store computes the
fingerprints of the stories it stores). Either way the result is the same: this is
the one code path.

Everything in a job pickles (text, strings, datetimes, ``Hints``): the source is
sent by name and looked up here in ``DECLARED``, since a declaration holds
compiled rules and callables that need not pickle. Hence this module sits in
the *sources* layer, just above the declarations it reads.

Measured in-process on zh-dev + fundus-dev (166 pages, before this module):
extraction 136 ms/page, the link scan 25 ms, the response's decoding 1 ms — the
first two move here (the body's plain text comes with the extraction); decoding
stays with Scrapy.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urljoin

from parsel import Selector
from w3lib.html import get_base_url

from .extraction.options import Hints
from .extraction.text import content_hash, normalize_space
from .sources import DECLARED, SourceDecl
from .urls import canonicalize

if TYPE_CHECKING:
    from .extraction.result import Extraction
    from .syndication import Fingerprint

# TRS CMS pagers are written by script: createPageHTML(<pages>, <current index>, …)
_SCRIPT_PAGER_RE = re.compile(r"createPageHTML\(\s*(\d+)\s*,")

# Imported by the forkserver before it forks any worker, so that a new worker (after a
# crash, or when the pool replaces its workers after EXTRACT_WORKER_MAX_PAGES pages each) starts with the extraction code loaded.
# Modules that are imported lazily by the extraction code are named here too; a name
# that does not import is skipped by the forkserver.
PRELOAD = [
    "crawler.page_job", "crawler.extraction.article", "crawler.extraction.generic", "crawler.extraction.dates", "crawler.extraction.page_metadata",
    "trafilatura", "htmldate", "dateparser", "lxml.html", "parsel", "w3lib.html", "crawler.syndication",
    "crawler.syndication.minhash",  # datasketch's MinHash without scipy: not "datasketch"
]


class JobTimeout(BaseException):
    """Raised in a worker when a job passes its time limit. A BaseException, so that
    ``extract_article``'s catch-all (``except Exception``) does not turn it into an
    ``extraction_failed`` drop."""


@dataclass
class PageJob:
    html: str
    url: str
    encoding: str | None = None
    source: str | None = None           # a declared source's name (DECLARED), or None: generic
    fetched_at: datetime | None = None
    hints: Hints | None = None
    timezone: str | None = None
    # the next page of a multi-page article: its canonical URL and this page's number
    continuation: str | None = None
    page: int = 1
    selector_type: str = "html"         # what Scrapy's response.css would parse the text as

    # Sent to a worker, the page text travels as UTF-16: pickle writes a str as UTF-8, which
    # for text held as 2-byte code units (211 of the 228 corpus pages) cost 0.2-0.4 ms in
    # the crawl process and 0.11 to read back, against 0.10 and 0.06. Strict UTF-16 gives
    # back the very text; a text it cannot encode (a lone surrogate) and ASCII (which pickle
    # copies as it is) go as str.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        html = state["html"]
        if not html.isascii():
            try:
                state["html"] = _Utf16Text(html.encode("utf-16-le"))
            except UnicodeEncodeError:
                pass
        return state

    def __setstate__(self, state: dict) -> None:
        html = state["html"]
        if isinstance(html, _Utf16Text):
            state["html"] = html.data.decode("utf-16-le")
        self.__dict__.update(state)


@dataclass(frozen=True)
class _Utf16Text:
    """A page text on its way to a worker (``PageJob.__getstate__``)."""
    data: bytes


@dataclass
class PageResult:
    extraction: Extraction
    has_next_page: bool = False         # the continuation page is linked or announced
    malformed_links: int = 0            # links of the scan that could not be parsed (a stat)
    cpu_s: float = 0.0                  # CPU seconds the job took where it ran
    # content_hash(body_text) of a one-page article: the normalize pipeline's dedupe key,
    # computed off the crawl process (None: continuation pages, and an empty body)
    content_hash: str | None = None

    @property
    def body_text(self) -> str:
        """The body's plain text: the extraction chain derives it last (one copy travels back)."""
        return self.extraction.body_text


def has_next_article_page(html: str, links: set[str], wanted: str, page: int) -> bool:
    """Page ``page + 1`` exists: linked from this page, or announced by a script pager."""
    if wanted in links:
        return True
    match = _SCRIPT_PAGER_RE.search(html or "")
    return match is not None and int(match.group(1)) > page


def page_links(html: str, url: str, encoding: str | None, selector_type: str = "html") -> tuple[set[str], int]:
    """The canonical absolute URLs of the page's ``<a href>``, and how many could not be
    parsed: what ``response.css("a::attr(href)")`` and ``response.urljoin`` give (the
    same base URL: a ``<base href>`` in the page's first 4096 characters)."""
    base = get_base_url(html[0:4096], url, encoding or "utf-8")
    links: set[str] = set()
    malformed = 0
    for href in Selector(text=html, type=selector_type, base_url=url).css("a::attr(href)").getall():
        try:
            links.add(canonicalize(urljoin(base, href.strip())))
        except ValueError:
            malformed += 1
    return links, malformed


def source_named(name: str | None) -> SourceDecl | None:
    return DECLARED[name] if name is not None else None


def run_page_job(job: PageJob, declaration: SourceDecl | None = None) -> PageResult:
    """The page's extraction (its body text included) and (for a continuation source) whether the
    next page exists. Pure: the same job gives the same result in any process.
    ``declaration``: the source itself, in the crawl process (else looked up by name)."""
    started = time.process_time()
    source = declaration if declaration is not None else source_named(job.source)
    # imported here: a run that fetches no article does not load the extraction chain
    from .extraction.article import extract_article

    result = extract_article(
        job.html, job.url, source=source, fetched_at=job.fetched_at, hints=job.hints, timezone=job.timezone,
    )
    out = PageResult(extraction=result)
    if result.error:
        return _timed(out, started)
    # the spider asks for the next page only of a page that gave a body (page 1: any page)
    if job.continuation and (job.page == 1 or result.body_html):
        links, out.malformed_links = page_links(job.html, job.url, job.encoding, job.selector_type)
        out.has_next_page = has_next_article_page(job.html, links, job.continuation, job.page)
    if job.page == 1 and not out.has_next_page:
        out.content_hash = content_hash(result.body_text or "")
    return _timed(out, started)


@dataclass
class FingerprintJob:
    """The syndication fingerprint of a one-page article's story: its title as the store
    will hold it (``normalize_space``) and its body text as extracted."""
    title: str
    body_text: str
    url: str = ""                       # the page's (for messages)


@dataclass
class FingerprintResult:
    fingerprint: Fingerprint
    cpu_s: float = 0.0                  # CPU seconds the job took where it ran


def run_fingerprint_job(job: FingerprintJob) -> FingerprintResult:
    started = time.process_time()
    from .syndication import fingerprint

    return _timed(FingerprintResult(fingerprint(job.title, job.body_text)), started)


def fingerprint_job(result: Extraction, url: str = "") -> FingerprintJob:
    """The fingerprint job of the story a one-page article becomes: of the title and body
    text the store will hold — the title as the normalize pipeline writes it
    (``normalize_space``), the body text as extracted (the item's ``body_text``). A
    multi-page article's text is joined later: the store computes its fingerprint."""
    return FingerprintJob(normalize_space(result.title), result.body_text or "", url)


Job = PageJob | FingerprintJob
JobResult = PageResult | FingerprintResult


def run_job(job: Job) -> JobResult:
    """Either job, as a worker runs it."""
    return run_fingerprint_job(job) if isinstance(job, FingerprintJob) else run_page_job(job)


_Result = TypeVar("_Result", PageResult, FingerprintResult)


def _timed(out: _Result, started: float) -> _Result:
    out.cpu_s = time.process_time() - started
    return out


def _on_alarm(signum, frame):
    raise JobTimeout()


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


# a worker's RSS growth since its last trim that triggers the next one (see release_free_memory)
TRIM_GROWTH_BYTES = 16 << 20
_rss_after_trim = 0


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system once a worker's RSS has grown by
    TRIM_GROWTH_BYTES since the last time. A page's parse trees (libxml2, lxml,
    trafilatura's copies) are freed when the job ends, but glibc keeps the freed memory in
    its arenas: one 357 KB page raised a worker's RSS by 21 MB for the rest of its life.
    Measured on zh-dev + fundus-dev (690 jobs in one process): peak RSS 164 MB without
    trimming, 138 MB trimming after every job, 148 MB with this threshold (17 trims). A trim
    after every job cost 2.6 ms a job (8 %: the released pages fault back in on the next
    page); the threshold's 17 trims were within the measurement's noise. Python's own
    allocator is not affected."""
    global _rss_after_trim
    trim = _malloc_trim()
    if trim is None:
        return
    rss = _rss_bytes()
    if rss is None or rss - _rss_after_trim < TRIM_GROWTH_BYTES:
        return
    trim(0)
    _rss_after_trim = _rss_bytes() or 0


def run_job_timed(job: Job, timeout: float, work: Callable[[Job], JobResult] = run_job) -> JobResult:
    """``run_job`` under a time limit, in a worker process: SIGALRM raises
    ``JobTimeout`` inside the job (between Python bytecodes: a long C call such as one
    libxml2 parse finishes first; the pool's own deadline covers that). The worker's free
    heap memory is released after each job (``release_free_memory``)."""
    try:
        if timeout <= 0:
            return work(job)
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            return work(job)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    finally:
        release_free_memory()
