"""The quality gate: never store a half-empty article."""

from __future__ import annotations

from crawler import stats_keys
from crawler.drops import DropStory


def problems(item: dict, *, min_body_chars: int = 30, max_title_chars: int = 300, require_date: bool = True) -> list[tuple[str, str]]:
    """Reasons (code, detail) this item must not be stored; empty when it may.

    The pipeline passes ``require_date=False``: an article without a date is
    stored undated (held back from the export until a later fetch finds one)
    rather than dropped and fetched again every run."""
    found = []
    if not item.get("canonical_url"):
        found.append(("no_url", "item has no URL"))
    if not item.get("title"):
        found.append(("no_title", "no title found"))
    elif not isinstance(item["title"], str):
        found.append(("bad_title", f"title is a {type(item['title']).__name__}"))
    elif max_title_chars and len(item["title"]) > max_title_chars:
        # no headline is this long: a page or feed put its body (or junk) in the title
        found.append(("title_too_long", f"title has {len(item['title'])} characters, more than {max_title_chars}"))
    if require_date and not item.get("published_at"):
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
    def __init__(self, stats, min_body_chars: int, max_title_chars: int = 300):
        self.stats = stats
        self.min_body_chars = min_body_chars
        self.max_title_chars = max_title_chars

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.getint("MIN_BODY_CHARS", 30), crawler.settings.getint("MAX_TITLE_CHARS", 300))

    def process_item(self, item):
        found = problems(dict(item), min_body_chars=self.min_body_chars, max_title_chars=self.max_title_chars, require_date=False)
        if not item.get("published_at"):
            self.stats.inc_value(stats_keys.VALIDATE_UNDATED)
        if found:
            reason, detail = found[0]
            self.stats.inc_value(stats_keys.validate_dropped(reason))
            raise DropStory(reason, f"{detail} — {item.get('url')}")
        return item
