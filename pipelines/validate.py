"""The quality gate: never store a half-empty article."""

from __future__ import annotations

from crawler.drops import DropStory


def problems(item: dict, *, min_body_chars: int = 30) -> list[tuple[str, str]]:
    """Reasons (code, detail) this item must not be stored; empty when it may."""
    found = []
    if not item.get("canonical_url"):
        found.append(("no_url", "item has no URL"))
    if not item.get("title"):
        found.append(("no_title", "no title found"))
    if not item.get("published_at"):
        found.append(("no_publication_date", f"no publication date (raw: {item.get('date_raw')!r})"))
    text = item.get("body_text") or ""
    if not text.strip() or not item.get("content_hash"):
        found.append(("empty_body", "no body text"))
    elif len(text) < min_body_chars:
        found.append(("body_too_short", f"body has {len(text)} characters, fewer than {min_body_chars}"))
    if not item.get("outlet"):
        found.append(("no_outlet", "no outlet name for the post's category"))
    return found


class ValidatePipeline:
    def __init__(self, stats, min_body_chars: int):
        self.stats = stats
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.getint("MIN_BODY_CHARS", 30))

    def process_item(self, item):
        found = problems(dict(item), min_body_chars=self.min_body_chars)
        if found:
            reason, detail = found[0]
            self.stats.inc_value(f"validate/dropped_{reason}_count")
            raise DropStory(reason, f"{detail} — {item.get('url')}")
        return item
