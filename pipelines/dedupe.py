"""First-level deduplication: same canonical URL, or same normalized body text.

A story is stored once. Every further URL/source it arrives from is recorded
against it in ``story_urls``; the same page seen again changes nothing but
its ``last_seen``.
"""

from __future__ import annotations

from crawler import stats_keys
from crawler.drops import DuplicateStory
from crawler.store import StoreComponent

# what the verdict reads of a stored story (``classify``, and its id for the arrival)
KEYS = ("id", "content_hash", "published_at")


def _dates_it(item: dict, story: dict) -> bool:
    """The item brings a date to a story stored undated."""
    return bool(item.get("published_at")) and not story.get("published_at")


def classify(item: dict, by_url: dict | None, by_hash: dict | None) -> tuple[str, dict | None]:
    """Pure: ``new``, ``seen_again`` (same page, same text), ``changed`` (same
    page, new text — or the same text with the date an undated story lacked)
    or ``duplicate`` (another page with a stored story's text).

    An undated story dedupes like any other (its content hash is unique), with
    one exception: a dated page of the same text takes it over (``changed``),
    so the text is published under that page's date instead of held back."""
    if by_url is not None:
        if by_url["content_hash"] == item.get("content_hash"):
            return ("changed" if _dates_it(item, by_url) else "seen_again"), by_url
        if by_hash is not None and by_hash["id"] != by_url["id"]:
            return "duplicate", by_hash
        return "changed", by_url
    if by_hash is not None:
        return ("changed" if _dates_it(item, by_hash) else "duplicate"), by_hash
    return "new", None


class DedupePipeline(StoreComponent):
    def process_item(self, item):
        ctx = self.run_context
        store = ctx.store
        # a story another crawler of this process (crawlall) holds in its open batch is
        # not visible from this connection until that batch is committed
        store.flush_other_batches()
        url = item["canonical_url"]
        own = store.story_by_own_url(url, KEYS) or store.story_by_id(item["story_id"], KEYS)
        copy_of = None if own else store.story_arrived_from(url, KEYS)
        existing: dict | None
        if copy_of is not None:
            # a page known as a copy of another source's story: met again, it
            # never rewrites that story, whatever it says now
            verdict, existing = "seen_again", copy_of
        else:
            verdict, existing = classify(dict(item), own, store.story_by_hash(item["content_hash"], KEYS))
        if verdict == "new":
            item["verdict"] = verdict
            return item
        if existing is None:  # classify pairs every verdict but "new" with a stored story
            raise RuntimeError(f"dedupe verdict {verdict!r} without a stored story")
        if verdict == "changed":
            item["verdict"] = f"changed:{existing['id']}"
            return item
        store.record_arrival(existing["id"], dict(item), "duplicate" if verdict == "duplicate" else "original", ctx.run_id)
        self.stats.inc_value(stats_keys.dedupe_verdict(verdict))
        raise DuplicateStory(existing["id"], verdict)
