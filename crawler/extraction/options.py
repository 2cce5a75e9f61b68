"""What every stage of the extraction chain needs to know about the page being read.

Made once per page (``ExtractionOptions.for_page``) and handed down the chain,
like trafilatura's ``Extractor``, instead of threading ``now``/``site_names``/
``default_year``/… through every call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .dates import CHINA_TZ, year_from_url

if TYPE_CHECKING:  # the declarations import extraction code; only the type is needed here
    from ..sources.base import SourceDecl

# the zone of dates written without an offset on pages of no declared source
# (the GENERIC_TIMEZONE setting; China time, where most crawled sites are)
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass
class Hints:
    """What a feed, sitemap or manifest said about an article (its date and title): a stage
    of the chain, after the page's own statements and before the date in the URL."""

    title: str | None = None
    date_raw: str | None = None
    origin: str | None = None          # e.g. feed:published, sitemap:news:publication_date
    outlet: str | None = None          # e.g. the feed's title, for generic spiders

    @classmethod
    def from_dict(cls, data: dict | None) -> Hints | None:
        if not isinstance(data, dict):
            return None
        return cls(**{k: (str(v) if v is not None else None) for k, v in data.items() if k in ("title", "date_raw", "origin", "outlet")})


@dataclass(frozen=True)
class ExtractionOptions:
    url: str
    now: datetime  # the fetch time, else the time of extraction
    # False for a saved page read later: relative dates (3小时前) and the year of
    # year-less ones (06月08日) cannot be taken from the clock then
    fetch_time_known: bool
    source: SourceDecl | None = None
    site_names: tuple[str, ...] = ()  # the serving site's names, cut from titles and outlets
    default_year: int | None = None  # the year of a year-less date: the URL's, else the fetch time's
    hints: Hints | None = None
    language: str | None = None  # "zh", "other", …; None: detected from the page text
    timezone: str = DEFAULT_TIMEZONE  # the zone of dates written without an offset
    zone_assumed: bool = False  # timezone is a setting's guess, not a declared source's zone

    @classmethod
    def for_page(
        cls,
        url: str,
        *,
        source: SourceDecl | None = None,
        fetched_at: datetime | None = None,
        hints: Hints | None = None,
        language: str | None = None,
        timezone: str | None = None,
    ) -> ExtractionOptions:
        now = fetched_at or datetime.now(CHINA_TZ)
        known = fetched_at is not None
        return cls(
            url=url,
            now=now,
            fetch_time_known=known,
            source=source,
            site_names=tuple(source.site_names) if source else (),
            default_year=year_from_url(url) or (now.year if known else None),
            hints=hints,
            language=language,
            timezone=(source.timezone if source else None) or timezone or DEFAULT_TIMEZONE,
            zone_assumed=source is None,
        )
