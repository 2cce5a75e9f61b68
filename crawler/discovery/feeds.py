"""RSS 0.9x/2.0, Atom and RDF feeds, parsed with feedparser."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from ..extraction.dates import CHINA_TZ, FoundDate, in_range, parse_date
from ..extraction.decode import decode_html
from ..extraction.text import normalize_space


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    date_raw: str | None
    date_field: str | None


@dataclass(frozen=True)
class Feed:
    title: str | None
    entries: list[FeedEntry]
    problem: str | None     # set when the feed could not be read at all
    malformed: bool         # feedparser had to recover from broken XML


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> Feed:
    """Entries of a feed; relative links are resolved against ``url``.

    The bytes are decoded by the same charset logic as pages (a GBK feed
    labelled UTF-8 comes out right); broken XML is read as far as it goes.
    """
    # imported here, not at module level: a run whose feeds all answer 304 never parses one
    import feedparser

    text, _ = decode_html(body, content_type)
    parsed = feedparser.parse(
        text,
        response_headers={"content-location": url, "content-type": "application/xml; charset=utf-8"},
        sanitize_html=False,
        resolve_relative_uris=True,
    )
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or next((alt.get("href") for alt in entry.get("links", []) if alt.get("href")), None)
        if not link:
            continue
        field = next((f for f in ("published", "updated", "created", "dc_date") if entry.get(f)), None)
        entries.append(
            FeedEntry(
                url=link.strip(),
                title=normalize_space(entry.get("title")) or None,
                date_raw=entry.get(field) if field else None,
                date_field=field,
            )
        )
    problem = None
    if not entries and parsed.get("bozo"):
        problem = f"feed could not be parsed: {type(parsed.get('bozo_exception')).__name__}: {parsed.get('bozo_exception')}"
    elif not entries and not parsed.get("version"):
        problem = "not a feed (no RSS/Atom/RDF root)"
    return Feed(
        title=normalize_space(parsed.feed.get("title")) or None,
        entries=entries,
        problem=problem,
        malformed=bool(parsed.get("bozo")),
    )


def parse_feed_date(raw: str | None, now: datetime | None = None) -> FoundDate | None:
    """RFC 822 (RSS), ISO 8601 (Atom) or a Chinese form; no zone means China time."""
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        value = None
    if value is not None:
        if value.tzinfo is None:
            value = value.replace(tzinfo=CHINA_TZ)
        return FoundDate(raw, value, True) if in_range(value, now) else None
    return parse_date(raw, now=now)
