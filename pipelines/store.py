"""Store: one row per story (with its post) and the URL it arrived from."""

from __future__ import annotations

import sqlite3

from crawler import stats_keys
from crawler.drops import DropStory
from crawler.store import StoreComponent


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
    return counts


class StorePipeline(StoreComponent):
    def process_item(self, item):
        ctx = self.run_context
        row = story_row(dict(item))
        verdict = item.get("verdict") or "new"
        try:
            # the store puts the story in its syndication cluster in the same transaction
            if verdict.startswith("changed:"):
                assignment = ctx.store.update_story(verdict.split(":", 1)[1], row, ctx.run_id)
                self.stats.inc_value(stats_keys.STORE_UPDATED)
            else:
                assignment = ctx.store.insert_story(row, ctx.run_id)
                self.stats.inc_value(stats_keys.STORE_STORED)
        except sqlite3.IntegrityError as exc:
            # e.g. the same story stored by a concurrent process a moment ago
            raise DropStory("store_conflict", f"{exc} — {item.get('url')}")
        for key, n in syndication_counts(assignment, new_story=not verdict.startswith("changed:")).items():
            self.stats.inc_value(key, n)
        return item
