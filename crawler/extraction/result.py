"""What the extraction chain found on one page: ``Extraction``.

Its own module, light to import (dates and options, no parser): the crawl process unpickles
the ``Extraction`` each extraction worker sends back, and unpickling imports the class's
module. Defined in ``article.py``, it made every crawl process import the whole chain
(trafilatura, htmldate, justext, lxml.html.clean …) with its first result, in the
thread that reads the workers' results (issue 12).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .dates import PRECISION_RANK, FoundDate, in_zone, same_period, to_iso
from .options import ExtractionOptions


@dataclass
class Extraction:
    url: str
    title: str = ""
    date_raw: str | None = None
    published_at: str | None = None
    date_stage: str | None = None
    # how much the date says: "year", "month" (1996年6月号), "day", "minute" or "second"
    date_precision: str | None = None
    # published_at in the UTC offset the page gave; else in the source's zone (China time
    # for generic spiders unless GENERIC_TIMEZONE says otherwise; date_stage then says so)
    published_at_page: str | None = None
    outlet: str | None = None
    editor: str | None = None
    body_html: str = ""
    body_text: str = ""
    extractor: str = ""
    error: str | None = None
    stages: dict = field(default_factory=dict)
    found_date: FoundDate | None = field(default=None, repr=False)

    def set_date(self, found: FoundDate | None, stage: str, *, trusted: bool = True) -> bool:
        """Take ``found`` when no date is known yet, or when it comes from a trusted stage
        and adds a time (or a day) to the date held (a feed's 07:30 against a day from the
        URL or a day-only meta tag). Stages run most trusted first, so otherwise the first stays."""
        if found is None:
            return False
        precision = found.exact_precision
        current = self.found_date
        if current is not None:
            held = self.date_precision or "day"
            # only a date without a time of day is refined (a page's 11:39 is not replaced
            # by a feed's 11:39:00); the finer date must fall on the same day/month/year
            if not trusted or PRECISION_RANK[held] > PRECISION_RANK["day"] or PRECISION_RANK[precision] <= PRECISION_RANK[held]:
                return False
            if not same_period(current, found, held):
                return False
        self.found_date = found
        self.date_raw = found.raw
        self.published_at = found.iso
        self.date_stage = stage
        self.date_precision = precision
        self.published_at_page = found.page_iso
        return True

    def has_final_date(self) -> bool:
        """Whether the date held has a time of day: ``set_date`` then refuses every later one."""
        return self.found_date is not None and PRECISION_RANK[self.date_precision or "day"] > PRECISION_RANK["day"]

    def settle_zone(self, options: ExtractionOptions) -> None:
        """A date written without an offset is wall-clock time in the source's zone (for
        generic spiders the configured one, marked ``;zone_assumed=…`` in date_stage)."""
        found = self.found_date
        if found is None or found.zone_given:
            return
        value = in_zone(found.value, options.timezone)
        self.published_at = to_iso(value)
        self.published_at_page = value.replace(microsecond=0).isoformat()
        if options.zone_assumed:
            self.date_stage = f"{self.date_stage};zone_assumed={options.timezone}"
