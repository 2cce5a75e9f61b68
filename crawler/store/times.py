"""Time columns an analyst cannot misuse, derived from what the crawl stored.

``published_at`` stays as it was written: ISO 8601 with the page's offset
(``2022-06-08T07:30:00+08:00``). Next to it the store keeps

- ``published_utc``: the same instant in UTC, ``2022-06-07T23:30:00Z`` —
  sortable as text, parsed to UTC by pandas like ``first_seen``;
- ``published_day``: the calendar day in the offset the page gave, i.e. the
  source's zone (China time for every declared source): ``2022-06-08``.
  ``date(published_at)`` would give the UTC day — 2022-06-07 here;
- ``date_precision``: how much the page said — ``second``, ``minute``,
  ``day``, ``month`` or ``year``. A date-only page is stored at
  ``T00:00:00`` of its day: its ``published_utc`` hour means nothing, its
  ``published_day`` does;
- ``first_seen_day``: the China day of ``first_seen`` (UTC, ``+00:00``), the
  day the crawl first stored the story.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))  # China has kept +08:00 all year since 1991
PRECISIONS = ("year", "month", "day", "minute", "second")

_SECONDS_RE = re.compile(r"\d{1,2}\s*[:：时]\s*\d{2}\s*[:：分]\s*\d{2}")
_MINUTES_RE = re.compile(r"\d{1,2}\s*[:：时]\s*\d{2}")
_DAY_RE = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年_]?\s*(?:1[0-2]|0?[1-9])\s*[-/.月_]?\s*(?:3[01]|[12]\d|0?[1-9])(?!\d)"
    r"|(?:1[0-2]|0?[1-9])\s*月\s*(?:3[01]|[12]\d|0?[1-9])\s*日"
    r"|[0-3]?\d/[0-3]?\d/(?:19|20)\d{2}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+[0-3]?\d|[0-3]?\d\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
    re.I,
)
_MONTH_RE = re.compile(r"(?:19|20)\d{2}\s*(?:年\s*|[-/.])(?:1[0-2]|0?[1-9])(?!\d)")


def _parse(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        value = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=CHINA)


def utc_iso(iso: str | None) -> str | None:
    """``2022-06-07T23:30:00Z`` for any ISO 8601 time (China time when it has no offset)."""
    value = _parse(iso)
    if value is None:
        return None
    try:
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError):  # year 9999 with a negative offset
        return None


def local_day(iso: str | None) -> str | None:
    """The calendar day in the offset the value is written with."""
    value = _parse(iso)
    return value.date().isoformat() if value is not None else None


def china_day(iso: str | None) -> str | None:
    value = _parse(iso)
    if value is None:
        return None
    try:
        return value.astimezone(CHINA).date().isoformat()
    except (OverflowError, ValueError):
        return None


def infer_precision(date_raw: str | None, published_at: str | None) -> str | None:
    """The precision of a stored date whose item did not say it (stories stored before
    the column): read from the raw text, else from the stored time of day."""
    if not published_at:
        return None
    raw = date_raw or ""
    if _SECONDS_RE.search(raw):
        return "second"
    if _MINUTES_RE.search(raw):
        return "minute"
    if _DAY_RE.search(raw):
        return "day"
    if _MONTH_RE.search(raw):
        return "month"
    value = _parse(published_at)
    if value is None:
        return None
    if (value.hour, value.minute, value.second) == (0, 0, 0):
        return "day"
    return "second" if value.second else "minute"


def time_columns(row: dict) -> dict:
    """``published_utc``, ``published_day``, ``date_precision`` (kept when the row has
    a known one) and ``first_seen_day`` of a stories row."""
    precision = row.get("date_precision")
    if precision not in PRECISIONS:
        precision = infer_precision(row.get("date_raw"), row.get("published_at"))
    return {
        "published_utc": utc_iso(row.get("published_at")),
        "published_day": local_day(row.get("published_at")),
        "date_precision": precision,
        "first_seen_day": china_day(row.get("first_seen")),
    }
