"""Incremental crawling: what the store already holds is not fetched again.

``KnownArticleMiddleware`` looks every article request up in the store before
it leaves (requests carry their canonical story URL in ``meta["article_url"]``)
and drops the ones already stored — unless a recrawl is asked for:

- ``-s RECRAWL=1``: fetch every article again (changes are recorded);
- ``-s RECRAWL_HOURS=48``, or ``recrawl_hours`` in a source declaration:
  fetch again articles published in the last N hours.

It also reads the remembered outcome of article URLs that did not become a
story (``url_outcomes``, written with each drop by the store):

- a permanent drop (too short, not an article, robots, 404 …) is not fetched
  again — unless ``RECRAWL`` (every one) or ``RECRAWL_HOURS`` (those first met
  in the last N hours);
- a transient failure (5xx, timeout, connection error) waits for its
  ``next_attempt_at`` (``RETRY_LATER_BASE_HOURS``, doubling), and after
  ``RETRY_LATER_MAX_ATTEMPTS`` is given up;
- an undated stored story is fetched again on the same schedule, so a later
  fetch can fill its date.

A skipped article is not a drop. For the listing ledger a known, permanently
dropped or given-up article is settled (its listing can be complete), but a
transient one waiting for a later run is not: its listing is read again in
full next run (no 304), which is how the URL is met again when it is due.

``ConditionalRequestMiddleware`` remembers the ETag / Last-Modified of every
listing (feed, sitemap, list page) and asks again with If-None-Match /
If-Modified-Since; an unchanged listing costs a 304 and nothing else. The
validators of a listing are saved only when it was read completely (every
page it led to answered, none failed: ``crawler/ledger.py``), so a crash, a
time budget or a failed article never makes the next run skip a page.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from .. import stats_keys
from ..extraction.dates import CHINA_TZ
from ..store import StoreComponent
from .mirror import ORIGINAL_URL_KEY


class Skipped(IgnoreRequest):
    """An article request that does not leave; not a drop. ``settled``: its
    listing may still count as complete (see ``crawler/ledger.py``)."""

    settled = True


class AlreadyStored(Skipped):
    """An article the store already holds: not fetched, not a drop."""


class RememberedDrop(Skipped):
    """An article dropped for its content (or given up) by an earlier run."""


class WaitingRetry(Skipped):
    """A transient failure of an earlier run, not due again yet."""

    settled = False


class NotModified(IgnoreRequest):
    """A listing unchanged since the last clean run (HTTP 304)."""


def recrawl_window(settings, spider) -> float | None:
    """None: never recrawl; 0: recrawl everything; N: recrawl the last N hours."""
    if settings.getbool("RECRAWL"):
        return 0.0
    hours = settings.getfloat("RECRAWL_HOURS", 0.0)
    source = getattr(spider, "source", None)
    if not hours and source is not None:
        hours = float(source.extra.get("recrawl_hours", 0) or 0)
    return hours or None


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value)


class KnownArticleMiddleware(StoreComponent):
    def process_request(self, request):
        article_url = request.meta.get("article_url")
        if not article_url or ORIGINAL_URL_KEY in request.meta or request.meta.get("incremental_checked"):
            return None
        request.meta["incremental_checked"] = True
        store = self.run_context.store
        window = recrawl_window(self.crawler.settings, self.crawler.spider)
        outcome = store.url_outcome(article_url)
        now = datetime.now(timezone.utc)
        if outcome is not None and outcome["kind"] != "undated":
            return self._remembered(article_url, outcome, window, now)
        if not store.known_url(article_url):
            return None
        if outcome is not None and not outcome["gave_up"] and outcome["next_attempt_at"] and _utc(outcome["next_attempt_at"]) <= now:
            # stored without a date: a later fetch may find one
            self.stats.inc_value(stats_keys.INCREMENTAL_UNDATED_REFETCH)
            return None
        if window is not None:
            if window == 0:
                self.stats.inc_value(stats_keys.INCREMENTAL_RECRAWLED)
                return None
            published = store.story_published_at(article_url)
            if published and datetime.fromisoformat(published) >= datetime.now(CHINA_TZ) - timedelta(hours=window):
                self.stats.inc_value(stats_keys.INCREMENTAL_RECRAWLED)
                return None
        self.stats.inc_value(stats_keys.INCREMENTAL_SKIPPED_KNOWN)
        raise AlreadyStored(f"already stored: {article_url}")

    def _remembered(self, article_url: str, outcome: dict, window: float | None, now: datetime):
        """An article URL an earlier run dropped: fetch it again, or skip it."""
        if window == 0:
            self.stats.inc_value(stats_keys.INCREMENTAL_RECRAWLED)
            return None
        if outcome["kind"] == "permanent" or outcome["gave_up"]:
            if window is not None and _utc(outcome["first_at"]) >= now - timedelta(hours=window):
                self.stats.inc_value(stats_keys.INCREMENTAL_RECRAWLED)
                return None
            self.stats.inc_value(stats_keys.INCREMENTAL_SKIPPED_REMEMBERED)
            raise RememberedDrop(f"dropped before ({outcome['reason']}{', given up' if outcome['gave_up'] else ''}): {article_url}")
        if outcome["next_attempt_at"] and _utc(outcome["next_attempt_at"]) > now:
            self.stats.inc_value(stats_keys.INCREMENTAL_SKIPPED_WAITING)
            raise WaitingRetry(f"{outcome['reason']} {outcome['attempts']}x, next attempt {outcome['next_attempt_at']}: {article_url}")
        self.stats.inc_value(stats_keys.INCREMENTAL_RETRIED)
        return None


class ConditionalRequestMiddleware(StoreComponent):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.pending: dict[str, tuple[str | None, str | None]] = {}
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def process_request(self, request):
        if not request.meta.get("listing") or ORIGINAL_URL_KEY in request.meta or request.meta.get("conditional_checked"):
            return None
        request.meta["conditional_checked"] = True
        if recrawl_window(self.crawler.settings, self.crawler.spider) is not None:
            return None  # a recrawl walks the listings again to find the articles
        known = self.run_context.store.validators(request.url)
        if not known:
            return None
        if known.get("etag"):
            request.headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            request.headers["If-Modified-Since"] = known["last_modified"]
        self.stats.inc_value(stats_keys.CONDITIONAL_ASKED)
        return None

    def process_response(self, request, response):
        if not request.meta.get("listing"):
            return response
        url = request.meta.get(ORIGINAL_URL_KEY, request.url)
        if response.status == 304:
            self.stats.inc_value(stats_keys.CONDITIONAL_NOT_MODIFIED)
            raise NotModified(f"not modified: {url}")
        if response.status == 200:
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
            if etag or last_modified:
                self.pending[url] = (
                    etag.decode("latin-1") if etag else None,
                    last_modified.decode("latin-1") if last_modified else None,
                )
        return response

    def spider_closed(self, spider, reason):
        ledger = getattr(spider, "ledger", None)
        if ledger is not None:
            # only listings read completely: every page they led to answered, none failed
            keep = {url: v for url, v in self.pending.items() if ledger.complete(url)}
        else:
            keep = self.pending if reason == "finished" else {}
        if keep:
            self.run_context.store.save_validators(keep)
        self.stats.set_value(stats_keys.CONDITIONAL_SAVED, len(keep))
        self.stats.set_value(stats_keys.CONDITIONAL_WITHHELD, len(self.pending) - len(keep))
