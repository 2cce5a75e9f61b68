"""Normalization: canonical URL, stable id, clean title/outlet, slug, tag, content hash."""

from __future__ import annotations

import hashlib

from crawler.extraction.body import body_text as html_body_text
from crawler.extraction.text import content_hash, normalize_space
from crawler.urls import canonicalize

from .slugs import slugify


def story_id_for(canonical_url: str) -> str:
    return "u" + hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()[:16]


def normalize(item: dict, *, slug_overrides: dict[str, str] | None = None) -> dict:
    """Pure: the item's fields completed and cleaned (a new dict)."""
    out = dict(item)
    out["url"] = normalize_space(out.get("url"))
    out["canonical_url"] = canonicalize(out["url"]) if out["url"] else ""
    out["story_id"] = out.get("story_id") or (story_id_for(out["canonical_url"]) if out["canonical_url"] else None)
    out["title"] = normalize_space(out.get("title"))
    out["outlet"] = normalize_space(out.get("outlet")) or normalize_space(out.get("site")) or None
    if not out.get("body_text") and out.get("body_html"):
        out["body_text"] = html_body_text(out["body_html"])
    out["body_text"] = out.get("body_text") or ""
    out["slug"] = slugify(out["outlet"], slug_overrides)
    out["tag"] = f"{out['outlet']}新闻" if out["outlet"] else ""
    # a one-page article's hash came from its page job (computed off the crawl process)
    # with the very body_text kept here; any other item's is computed now
    out["content_hash"] = out.get("content_hash") or content_hash(out["body_text"])
    if not out.get("published_at"):
        # stored undated, never dated with the crawl time: the stage says so
        out["published_at"] = None
        out["date_stage"] = "none"
    return out


class NormalizePipeline:
    def __init__(self, slug_overrides: dict[str, str]):
        self.slug_overrides = slug_overrides

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getdict("SLUG_OVERRIDES"))

    def process_item(self, item):
        for key, value in normalize(dict(item), slug_overrides=self.slug_overrides).items():
            item[key] = value
        return item
