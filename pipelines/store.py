"""Store: one row per story (with its post) and the URL it arrived from.

Stories are written in batches: one transaction holds up to ``STORE_BATCH_SIZE``
story writes or ``STORE_BATCH_MS`` milliseconds, whichever comes first, and is
committed then, when the crawl is idle, and when the spider closes (every stop
that lets the spider close: the end, a signal, the time budget). A batch is
atomic; a hard kill loses the open one whole, with everything that joined it —
arrivals, drops, url_outcomes (see ``Store.begin_batch``) — and nothing vouches
for the lost stories: validators are written only when the spider closes (after
the last commit), and the run row stays ``running`` (the next run is a catch-up
that walks every listing), so the next run fetches them again.
``STORE_BATCH_SIZE = 1`` writes one transaction per story, as before.
"""

from __future__ import annotations

import logging
import sqlite3

from scrapy import signals
from twisted.internet import task

from crawler import stats_keys
from crawler.drops import DropStory
from crawler.store import StoreComponent, store_broken

logger = logging.getLogger(__name__)


def story_row(item: dict) -> dict:
    """Pure: the stories-table row of a rendered item."""
    return {
        "id": item["story_id"],
        "url": item["url"],
        "canonical_url": item["canonical_url"],
        "source": item["source"],
        "site": item.get("site"),
        "outlet": item.get("outlet"),
        "editor": item.get("editor"),
        "slug": item["slug"],
        "tag": item["tag"],
        "title": item["title"],
        "published_at": item["published_at"],
        "date_raw": item.get("date_raw"),
        "date_stage": item.get("date_stage"),
        # None: the store infers it from date_raw (crawler/store/times.py)
        "date_precision": item.get("date_precision"),
        "title_stage": item.get("title_stage"),
        "body_html": item["body_html"],
        "body_text": item["body_text"],
        "digest": item.get("digest"),
        "post": item.get("post"),
        "content_hash": item["content_hash"],
        "extractor": item.get("extractor"),
        "encoding": item.get("encoding"),
    }


def syndication_counts(assignment, *, new_story: bool) -> dict[str, int]:
    """Pure: the stats increments of one cluster assignment. A changed story that
    still matches nothing is not a new cluster (it had one already)."""
    if assignment is None:
        return {}
    counts = {}
    if new_story:
        key = stats_keys.SYNDICATION_NEW_CLUSTERS if assignment.is_new_cluster else stats_keys.SYNDICATION_COPIES
        counts[key] = 1
    if assignment.merged_clusters:
        counts[stats_keys.SYNDICATION_MERGED] = len(assignment.merged_clusters)
    if assignment.signature_from == "worker":
        counts[stats_keys.SYNDICATION_PRECOMPUTED] = 1
    elif assignment.signature_from == "stale":
        counts[stats_keys.SYNDICATION_STALE_FINGERPRINT] = 1
    return counts


def batch_due(writes: int, age_ms: float, size: int, max_ms: float) -> bool:
    """Pure: the open batch is committed now (``size`` story writes, or ``max_ms`` old)."""
    return writes >= size or age_ms >= max_ms


class StorePipeline(StoreComponent):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.batch_size = max(1, crawler.settings.getint("STORE_BATCH_SIZE", 100))
        self.batch_ms = max(0.0, crawler.settings.getfloat("STORE_BATCH_MS", 500.0))
        self._timer: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    def open_spider(self):
        if self.batch_size > 1 and self.batch_ms > 0:
            # the time bound holds while no item arrives (pages behind a crawl delay)
            self._timer = task.LoopingCall(self._commit_if_due)
            self._timer.start(max(self.batch_ms / 1000 / 2, 0.05), now=False)

    def close_spider(self):
        # before spider_closed: the validators the middleware saves then follow the stories
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.commit()

    def spider_idle(self):
        self.commit()

    def _due(self) -> bool:
        store = self.run_context.store
        return store.in_batch and batch_due(store.batch_writes, store.batch_age_ms, self.batch_size, self.batch_ms)

    def _commit_if_due(self):
        if self._due():
            self.commit()

    def commit(self, *, reraise: bool = False) -> None:
        """Commit the open batch. A failure loses its stories: counted, logged, and the
        listing ledger abandoned (no validator may vouch for them); a broken store
        (disk full) stops the crawl through the run log's item_error path (``reraise``,
        from process_item) or, at close, marks the run failed (``store/broken``)."""
        store = self.run_context.store
        if store.failed_batch is not None:  # a commit another Store forced failed
            (exc, lost), store.failed_batch = store.failed_batch, None
            self._lost(exc, lost)
        lost = store.batch_writes
        try:
            if store.commit_batch():
                self.stats.inc_value(stats_keys.STORE_BATCHES)
        except sqlite3.Error as exc:
            self._lost(exc, lost)
            if reraise:
                raise

    def _lost(self, exc: sqlite3.Error, stories: int) -> None:
        self.stats.inc_value(stats_keys.STORE_UNSTORED, stories)
        ledger = getattr(getattr(self.crawler, "spider", None), "ledger", None)
        if ledger is not None:
            ledger.abandon()
        problem = store_broken(exc)
        if problem and not self.stats.get_value(stats_keys.STORE_BROKEN):
            self.stats.set_value(stats_keys.STORE_BROKEN, problem)
        logger.error("a batch of %d stories could not be committed (%s): the next run fetches them again", stories, problem or exc)

    def process_item(self, item):
        ctx = self.run_context
        row = story_row(dict(item))
        verdict = item.get("verdict") or "new"
        # computed by an extraction worker; transport only (no column, no export)
        fingerprint = item.pop("syndication_fingerprint", None)
        if self.batch_size > 1:
            ctx.store.begin_batch()
        try:
            # the store puts the story in its syndication cluster in the same transaction
            if verdict.startswith("changed:"):
                assignment = ctx.store.update_story(verdict.split(":", 1)[1], row, ctx.run_id, fingerprint=fingerprint)
                self.stats.inc_value(stats_keys.STORE_UPDATED)
            else:
                assignment = ctx.store.insert_story(row, ctx.run_id, fingerprint=fingerprint)
                self.stats.inc_value(stats_keys.STORE_STORED)
        except sqlite3.IntegrityError as exc:
            # e.g. the same story stored by a concurrent process a moment ago
            raise DropStory("store_conflict", f"{exc} — {item.get('url')}")
        for key, n in syndication_counts(assignment, new_story=not verdict.startswith("changed:")).items():
            self.stats.inc_value(key, n)
        if self._due():
            self.commit(reraise=True)  # the run log's item_error stops the crawl when the store is broken
        return item
