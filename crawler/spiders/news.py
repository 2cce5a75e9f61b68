"""The one news spider: discovery (feeds, sitemaps, list pages) → articles.

Declared sources get a subclass each (crawler/spiders/sources.py) with
``source`` set; the generic ``feed``, ``sitemap`` and ``urls`` spiders use it
with ``source = None`` and find rules per URL. Article pages go through
``crawler.extraction.article.extract_article``; multi-page articles are
joined into one story keyed on the first page's URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse, XmlResponse

from .. import stats_keys
from ..discovery.feeds import parse_feed
from ..discovery.listings import is_next_page
from ..discovery.sitemaps import iter_sitemap, robots_sitemaps
from ..drops import StoppedEarly
from ..extensions.extract_pool import ExtractionPool, ExtractionTimedOut, WorkerCrashed
from ..extraction.body import body_text
from ..extraction.dates import parse_date
from ..extraction.options import DEFAULT_TIMEZONE, Hints
from ..failures import failure_reason
from ..items import ArticleItem
from ..middlewares.limits import page_problem
from ..page_job import PageJob, PageResult, fingerprint_job, run_page_job
from ..page_job import has_next_article_page as has_next_article_page  # where it used to live
from ..sources import DECLARED, SourceDecl, source_for_url
from ..store import get_run_context
from ..urls import canonicalize
from .base import BaseNewsSpider

if TYPE_CHECKING:
    from ..extraction.result import Extraction
    from ..syndication import Fingerprint

MAX_ARTICLE_PAGES = 20


@dataclass
class PartialArticle:
    """A multi-page article being assembled."""

    first_url: str
    result: Extraction
    bodies: list[str] = field(default_factory=list)
    encoding: str | None = None
    # a one-page article's: the content hash of its text (from its page job) and its
    # syndication fingerprint (from a worker, when the text is not a stored story's)
    content_hash: str | None = None
    fingerprint: Fingerprint | None = None


# what a callback returns for a page dropped for a transient reason (see _outcome)
_UNSETTLED = object()


class NewsSpider(BaseNewsSpider):
    source: SourceDecl | None = None

    @classmethod
    def argument_problem(cls, args: dict) -> str | None:
        """What is wrong with the ``-a`` arguments, checked before the crawl starts."""
        return None

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        if cls.source is not None:
            # per-source politeness, below anything given on the command line
            settings.set("DOWNLOAD_DELAY", cls.source.download_delay, priority="spider")
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", cls.source.concurrency, priority="spider")

    # --- which source a URL belongs to -------------------------------------------------
    def source_of(self, url: str) -> SourceDecl | None:
        return self.source or source_for_url(url)

    def accepts_article(self, url: str) -> bool:
        """Declared sources fetch only their article URLs; generic spiders fetch
        what they were given, except a declared source's known non-articles."""
        if self.source is not None:
            return self.source.is_article_url(url)
        other = source_for_url(url)
        return not (other is not None and other.skip_url is not None and other.skip_url.search(url))

    def article_request(self, url: str, hints: Hints | None = None, parent: str | None = None) -> scrapy.Request:
        return self.page_request(url, self.parse_article, parent, meta={"article_url": url}, hints=hints or Hints())

    def link(self, response, href: str) -> str | None:
        """The canonical absolute URL of a link; None (and a stat) for one that cannot be parsed."""
        try:
            return canonicalize(response.urljoin(href.strip()))
        except ValueError:
            self.crawler.stats.inc_value(stats_keys.DISCOVERY_MALFORMED_LINKS)
            return None

    def is_known(self, url: str) -> bool:
        # a remembered permanent drop counts too: a list page of them is not "new"
        return get_run_context(self.crawler).store.settled_url(url)

    # --- discovery -------------------------------------------------------------------
    def _ledgered(self, response, reader, **kwargs):
        """Read a listing, telling the ledger what it led to."""
        listing = response.url
        self.ledger.opened(listing, response.meta.get("from_listing"))
        try:
            yield from reader(response, listing, **kwargs)
        finally:
            self.ledger.settled(listing)

    def parse_feed(self, response):
        return self._ledgered(response, self._read_feed)

    def parse_sitemap(self, response):
        return self._ledgered(response, self._read_sitemap)

    def parse_list(self, response, page: int = 1):
        return self._ledgered(response, self._read_list, page=page)

    def _unreadable(self, listing: str, reason: str, detail: str) -> None:
        self.ledger.failed(listing)
        self.record_failure(listing, reason, detail, kind="listing")

    def _read_feed(self, response, listing: str):
        feed = parse_feed(response.body, response.url, response.headers.get("Content-Type", b"").decode("latin-1"))
        if feed.problem:
            self._unreadable(listing, "feed_unreadable", feed.problem)
            return
        self.crawler.stats.inc_value(stats_keys.LISTING_PAGES)
        if feed.malformed:
            self.crawler.stats.inc_value(stats_keys.FEED_MALFORMED)
            self.logger.warning("%s: feed %s is malformed XML; read %d entries anyway", self.name, response.url, len(feed.entries))
        for entry in feed.entries[: self.settings.getint("FEED_MAX_ENTRIES") or None]:
            url = self.link(response, entry.url)
            self.crawler.stats.inc_value(stats_keys.FEED_ENTRIES)
            if url is None or not self.accepts_article(url):
                self.crawler.stats.inc_value(stats_keys.FEED_SKIPPED_ENTRIES)
                continue
            yield self.article_request(
                url, Hints(title=entry.title, date_raw=entry.date_raw, origin=f"feed:{entry.date_field}", outlet=feed.title), listing
            )

    def _read_sitemap(self, response, listing: str):
        if urlsplit(response.url).path.endswith("/robots.txt"):
            self.crawler.stats.inc_value(stats_keys.LISTING_PAGES)
            for sitemap_url in robots_sitemaps(response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")):
                yield self.listing_request(sitemap_url, self.parse_sitemap, listing)
            return
        # SITEMAP_MAX_URLS caps the articles requested from one sitemap per run. URLs
        # already stored do not count (they cost a store lookup, no request), so the
        # next run continues after the last one's share; a capped sitemap is not
        # read completely and keeps no validators.
        limit = self.settings.getint("SITEMAP_MAX_URLS", 50000)
        recrawl = self.settings.getbool("RECRAWL") or self.settings.getint("RECRAWL_HOURS")
        requested = 0
        caps = {"max_bytes": self.settings.getint("SITEMAP_MAX_BYTES"), "max_element_chars": self.settings.getint("SITEMAP_MAX_ELEMENT_CHARS")}
        try:
            for entry in iter_sitemap(response.body, max_entries=2**62, **caps):
                if entry.problem:
                    self.record_failure(entry.loc, entry.problem, f"in sitemap {listing}", kind="article")
                    continue
                url = self.link(response, entry.loc)
                if url is None:
                    continue
                if entry.kind == "sitemap":
                    if self.child_sitemap_unchanged(url, entry.lastmod):
                        self.crawler.stats.inc_value(stats_keys.SITEMAP_UNCHANGED_CHILDREN_SKIPPED)
                        continue
                    yield self.listing_request(url, self.parse_sitemap, listing)
                    continue
                self.crawler.stats.inc_value(stats_keys.SITEMAP_URLS)
                if not self.accepts_article(url):
                    self.crawler.stats.inc_value(stats_keys.SITEMAP_SKIPPED_URLS)
                    continue
                known = not recrawl and self.is_known(url)
                if not known:
                    if limit and requested >= limit:
                        self.ledger.failed(listing)
                        self.crawler.stats.inc_value(stats_keys.SITEMAP_CAPPED)
                        self.logger.warning("%s: sitemap %s: %d new URLs requested (SITEMAP_MAX_URLS), the rest next run", self.name, listing, limit)
                        break
                    requested += 1
                date_raw, origin = (entry.news_date, "sitemap:news:publication_date") if entry.news_date else (None, None)
                yield self.article_request(url, Hints(title=entry.news_title, date_raw=date_raw, origin=origin), listing)
        except ValueError as exc:
            self._unreadable(listing, getattr(exc, "reason", "sitemap_unreadable"), str(exc))
            return
        self.crawler.stats.inc_value(stats_keys.LISTING_PAGES)

    def child_sitemap_unchanged(self, url: str, lastmod: str | None) -> bool:
        """A child sitemap whose <lastmod> is older than our last complete read of it
        is not walked again (a 304 would still cost a request per child)."""
        if not lastmod or self.settings.getbool("RECRAWL"):
            return False
        known = get_run_context(self.crawler).store.validators(url)
        modified = parse_date(lastmod)
        if not known or not known.get("checked_at") or modified is None:
            return False
        return modified.value <= datetime.fromisoformat(known["checked_at"])

    def _read_list(self, response, listing: str, page: int = 1):
        if not isinstance(response, TextResponse):
            self._unreadable(listing, "listing_not_html", "list page is not HTML")
            return
        self.crawler.stats.inc_value(stats_keys.LISTING_PAGES)
        articles, next_page = self._list_links(response, page)
        for url in articles:
            yield self.article_request(url, parent=listing)
        if next_page and self._follow_older_list_page(response, articles, page):
            yield self.listing_request(next_page, self.parse_list, listing, page=page + 1)

    def _list_links(self, response, page: int) -> tuple[list[str], str | None]:
        """The list page's article links (in page order, once each) and its next page."""
        articles: dict[str, None] = {}
        next_page = None
        for link in response.css("a[href]"):
            href = (link.attrib.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            url = self.link(response, href)
            if url is None:
                continue
            if self.accepts_article(url):
                articles.setdefault(url)
            elif next_page is None and is_next_page(url, " ".join(link.css("::text").getall()), response.url, page):
                next_page = url
        return list(articles), next_page

    def _follow_older_list_page(self, response, articles: list[str], page: int) -> bool:
        """Page ``page + 1`` is wanted: within LIST_MAX_PAGES, and this page is not mostly
        known already (lists are newest first: once a page is, older pages are too)."""
        max_pages = self.settings.getint("LIST_MAX_PAGES", self.source.discovery.max_list_pages if self.source else 5)
        if page >= max_pages:
            return False
        if not articles or self.settings.getbool("RECRAWL"):
            return True
        ctx = get_run_context(self.crawler)
        if ctx.catch_up:  # after a run that stopped early, listings are walked in full until one ends cleanly
            return True
        known = sum(1 for url in articles if self.is_known(url))
        if known / len(articles) < self.settings.getfloat("LISTING_STOP_KNOWN_SHARE", 0.5):
            return True
        self.crawler.stats.inc_value(stats_keys.LISTING_STOPPED_KNOWN)
        self.logger.info("%s: %s: %d of %d articles already stored, not following older pages", self.name, response.url, known, len(articles))
        return False

    # --- articles -----------------------------------------------------------------------
    def _outcome(self, response, value):
        """An article's outcome is known (item or counted drop) unless another page must be fetched."""
        parent = response.meta.get("from_listing")
        if isinstance(value, scrapy.Request):
            value.meta["from_listing"] = parent
        elif value is _UNSETTLED:
            # a transient drop (worker crash, time limit): the listing is read again next run
            self.ledger.done(parent, ok=False)
            return None
        else:
            self.ledger.done(parent, ok=True)
        return value

    async def parse_article(self, response, hints: Hints | None = None):
        # no hints when called by hand (scrapy parse URL --callback parse_article)
        return self._outcome(response, await self._read_article(response, hints or Hints()))

    async def parse_continuation(self, response, partial: PartialArticle, hints: Hints, page: int):
        return self._outcome(response, await self._read_continuation(response, partial, hints, page))

    def _extraction_pool(self) -> ExtractionPool | None:
        """The crawler's extraction pool; None: extract in this process (EXTRACT_WORKERS=0,
        or a spider driven without a crawl, as in unit tests)."""
        try:
            return self.crawler.get_extension(ExtractionPool)
        except RuntimeError:  # no extension manager yet
            return None

    def _page_job(self, response, source: SourceDecl | None, hints: Hints | None, timezone: str | None, page: int,
                  first_url: str) -> PageJob:
        wanted = None
        if source is not None and source.continuation and page < MAX_ARTICLE_PAGES:
            wanted = source.continuation_url(first_url, page + 1)
        return PageJob(
            html=response.text, url=response.url, encoding=response.encoding,
            source=source.name if source is not None else None,
            fetched_at=self.now(), hints=hints, timezone=timezone,
            continuation=canonicalize(wanted) if wanted else None, page=page,
            selector_type="xml" if isinstance(response, XmlResponse) else "html",
        )

    async def _extract(self, response, source: SourceDecl | None, hints: Hints | None, timezone: str | None,
                       page: int, first_url: str) -> PageResult | str:
        """The page job's result (in a worker process, or here), or the reason of a
        transient failure of the worker (``worker_crashed``, ``extraction_timeout``)."""
        job = self._page_job(response, source, hints, timezone, page, first_url)
        pool = self._extraction_pool()
        # a declaration that is not the registered one of its name (built by hand) does not
        # travel by name: such pages are extracted here
        if pool is None or (source is not None and DECLARED.get(source.name) is not source):
            return run_page_job(job, source)
        try:
            return await pool.extract(job)
        except WorkerCrashed as exc:
            return f"worker_crashed:{exc}"
        except ExtractionTimedOut as exc:
            return f"extraction_timeout:{exc}"

    def _worker_failed(self, url: str, failure: str, article_url: str | None):
        reason, _, detail = failure.partition(":")
        self.record_failure(url, reason, detail, kind="article", article_url=article_url)
        return _UNSETTLED

    async def _read_article(self, response, hints: Hints):
        self.crawler.stats.inc_value(stats_keys.ARTICLE_PAGES)
        if not isinstance(response, TextResponse):
            self.record_failure(response.url, "not_html", f"content type {response.headers.get('Content-Type')!r}", kind="article", article_url=response.meta.get("article_url"))
            return None
        problem = page_problem(response.body, self.settings.getint("MAX_PAGE_BYTES"), self.settings.getint("MAX_PAGE_LINKS"))
        if problem:
            self.record_failure(response.url, *problem, kind="article", article_url=response.meta.get("article_url"))
            return None
        source = self.source_of(response.url)
        # the feed's or sitemap's date and title are a stage of the extraction chain, so that
        # `python -m crawler.batch_extract` (manifest `hints`) runs exactly what the crawl does
        job = await self._extract(
            response, source, hints, self.settings.get("GENERIC_TIMEZONE") or DEFAULT_TIMEZONE, 1, response.url,
        )
        if isinstance(job, str):
            return self._worker_failed(response.url, job, response.meta.get("article_url"))
        result = job.extraction
        self.crawler.stats.inc_value(stats_keys.extracted_by(result.extractor))
        if result.error:
            self.record_failure(response.url, "extraction_failed", result.error, kind="article", article_url=response.meta.get("article_url"))
            return None
        partial = PartialArticle(first_url=response.url, result=result, bodies=[result.body_html], encoding=response.encoding,
                                 content_hash=job.content_hash)
        if job.content_hash is not None:  # a one-page article (the job saw no next page)
            partial.fingerprint = await self._story_fingerprint(job, response.url)
        return self._next_page_or_item(job, partial, hints, source)

    async def _story_fingerprint(self, page: PageResult, url: str) -> Fingerprint | None:
        """The syndication fingerprint of a one-page article's story, computed by a worker
        (the store's costliest step, where it costs the crawl process nothing); None when the
        store is to compute it (no pool, or a worker failed on it) or need not: the page's
        text is a stored story's (the dedupe pipeline records it as a copy of that story).
        A second job rather than part of the page's: an exact copy's would be thrown away."""
        pool = self._extraction_pool()
        if pool is None or page.content_hash is None:
            return None
        if get_run_context(self.crawler).store.has_content_hash(page.content_hash):
            self.crawler.stats.inc_value(stats_keys.SYNDICATION_FINGERPRINT_SKIPPED)
            return None
        try:
            return await pool.fingerprint(fingerprint_job(page.extraction, url))
        except (WorkerCrashed, ExtractionTimedOut):
            return None

    async def _read_continuation(self, response, partial: PartialArticle, hints: Hints, page: int):
        self.crawler.stats.inc_value(stats_keys.ARTICLE_CONTINUATION_PAGES)
        source = self.source_of(partial.first_url)
        job = await self._extract(response, source, None, None, page, partial.first_url) if isinstance(response, TextResponse) else None
        if isinstance(job, str):
            return self._worker_failed(partial.first_url, job, partial.first_url)
        result = job.extraction if job is not None else None
        if job is None or result is None or result.error or not result.body_html:
            detail = result.error if result is not None and result.error else "continuation page has no body"
            self.record_failure(partial.first_url, "incomplete_multipage", f"page {page} ({response.url}): {detail}", kind="article", article_url=partial.first_url)
            return None
        partial.bodies.append(result.body_html)
        return self._next_page_or_item(job, partial, hints, source, page)

    def errback_continuation(self, failure):
        partial: PartialArticle = failure.request.cb_kwargs["partial"]
        page = failure.request.cb_kwargs["page"]
        self.ledger.done(failure.request.meta.get("from_listing"), ok=False)
        if failure.check(StoppedEarly):
            # thrown away by a stopping crawl, like any page request (errback_page): not
            # the article's fault, so no drop; its listing stays incomplete and the next
            # run fetches the article again from its first page
            return
        _, detail = failure_reason(failure)
        self.record_failure(partial.first_url, "incomplete_multipage", f"page {page}: {detail}", kind="article", article_url=partial.first_url)

    def _next_page_or_item(self, job: PageResult, partial: PartialArticle, hints: Hints, source, page: int = 1):
        # the page job scanned the links for the next page (PageJob.continuation)
        if job.malformed_links:
            self.crawler.stats.inc_value(stats_keys.DISCOVERY_MALFORMED_LINKS, job.malformed_links)
        if job.has_next_page and source is not None:
            wanted = source.continuation_url(partial.first_url, page + 1)
            return scrapy.Request(
                wanted,
                callback=self.parse_continuation,
                errback=self.errback_continuation,
                cb_kwargs={"partial": partial, "hints": hints, "page": page + 1},
            )
        return self.make_item(partial, hints, source)

    def make_item(self, partial: PartialArticle, hints: Hints, source: SourceDecl | None) -> ArticleItem:
        result = partial.result
        url = partial.first_url
        body_html = " ".join(b for b in partial.bodies if b)
        title, title_stage = result.title, result.stages.get("title")
        if title_stage in ("feed:title", "sitemap:news:title"):
            self.crawler.stats.inc_value(stats_keys.HINTS_TITLE_USED)
        return ArticleItem(
            story_id=source.source_story_id(url) if source else None,
            url=url,
            source=self.name,
            site=source.outlet if source else urlsplit(url).hostname,
            outlet=self._outlet(result, hints, source, url),
            editor=result.editor,
            title=title,
            title_stage=title_stage,
            date_raw=result.date_raw,
            # in the offset the page gave (an English page's Z stays UTC), else the source's zone
            published_at=result.published_at_page or result.published_at,
            date_stage=result.date_stage,
            date_precision=result.date_precision,
            body_html=body_html,
            # a one-page article's text came with its page job (computed off the reactor)
            body_text=result.body_text if len(partial.bodies) == 1 else body_text(body_html),
            extractor=result.extractor + (f"+{len(partial.bodies)}pages" if len(partial.bodies) > 1 else ""),
            encoding=partial.encoding,
            fetched_at=self.now().isoformat(timespec="seconds"),
            content_hash=partial.content_hash if len(partial.bodies) == 1 else None,
            syndication_fingerprint=partial.fingerprint if len(partial.bodies) == 1 else None,
        )

    @staticmethod
    def _outlet(result: Extraction, hints: Hints, source: SourceDecl | None, url: str) -> str | None:
        """The page's outlet (unless the source says its pages name none reliably), else the
        source's, the feed's, the host."""
        outlet = result.outlet if (source is None or source.outlet_from_page) else None
        return outlet or (source.outlet if source else None) or hints.outlet or urlsplit(url).hostname
