"""Publication dates on Chinese news pages.

dateparser does the free-form parsing (relative ``3小时前``, English month
names, meta values); this module finds the date substring first
(dateparser returns None for ``来源：中国发展网 2022-06-08 11:39``), supplies
the year for year-less forms (dateparser reads ``06月08日`` as 2006 without
``languages`` and as None with it), and rejects dates out of range.
All times are China time unless the text says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")
EARLIEST = datetime(1990, 1, 1, tzinfo=CHINA_TZ)
# A page may be dated slightly ahead of the crawl clock (clock skew, time zones).
FUTURE_TOLERANCE = timedelta(days=1)

_SEP = r"\s*[-/.年]\s*"
_TIME = r"(?:\s*(?:T|\s)?\s*(?P<H>[01]?\d|2[0-3])\s*[:：时]\s*(?P<M>[0-5]\d)(?:\s*[:：分]\s*(?P<S>[0-5]\d))?)?"
FULL_DATE_RE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})" + _SEP + r"(?P<m>1[0-2]|0?[1-9])\s*[-/.月]\s*(?P<d>3[01]|[12]\d|0?[1-9])(?!\d)\s*日?" + _TIME
)
# 新华网 writes the year apart from month/day: "2026 11/26 06:05:12"
SPLIT_YEAR_RE = re.compile(
    r"(?<![\d/])(?P<y>(?:19|20)\d{2})\s+(?P<m>1[0-2]|0?[1-9])\s*/\s*(?P<d>3[01]|[12]\d|0?[1-9])(?![\d/])" + _TIME
)
YEARLESS_RE = re.compile(
    r"(?<![\d年/.-])(?P<m>1[0-2]|0?[1-9])\s*月\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*日" + _TIME
)
_CLOCK = r"(?:\s*,?\s*(?:at\s+)?(?P<H>[01]?\d|2[0-3])\s*:\s*(?P<M>[0-5]\d)(?:\s*:\s*(?P<S>[0-5]\d))?(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?))?)?"
# 7/5/2005 9:23:57 PM, 17/09/2004: month-first when an AM/PM clock says "US style" or the
# first number cannot be a month; day-first otherwise
SLASH_DATE_RE = re.compile(r"(?<![\d/.-])(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)/(?P<y>(?:19|20)\d{2})(?![\d/])" + _CLOCK)
_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
# September 10th, 2005 10:56 am / 10 September 2005
ENGLISH_DATE_RE = re.compile(
    r"(?<![A-Za-z])(?:" + _MONTHS + r"\.?\s+[0-3]?\d(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}"
    r"|[0-3]?\d(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTHS + r"\.?,?\s+(?:19|20)\d{2})(?!\d)" + _CLOCK,
    re.I,
)
# a year and month only, e.g. the issue in 《北京之春》1996年6月号
MONTH_ONLY_RE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>1[0-2]|0?[1-9])\s*月(?!\s*\d{1,2}\s*日)")
# the closing attribution of a reprint: ——《北京之春》1996年6月号, （原载《南方周末》2005年3月10日）
ATTRIBUTION_LINE_RE = re.compile(r"(?:^|[—\-－(（\s])(?:原载|刊于|载于|发表于|选自|转自|摘自|来源[:：]?)?\s*《[^》]{1,30}》[^\n。]{0,12}?(?:19|20)\d{2}\s*年")
# "刚刚" (just now) is deliberately absent: it would make the crawl time a publication time
RELATIVE_RE = re.compile(r"(?:\d+\s*(?:秒|分钟|小时|天)前|(?:今天|昨天|前天)\s*\d{1,2}[:：]\d{2})")
URL_DATE_RE = re.compile(
    r"/(?P<y>(?:19|20)\d{2})[-/_]?(?:zt/[^/]+/(?:19|20)\d{2}/)?(?P<m>0[1-9]|1[0-2])(?:[-/_]?(?P<d>0[1-9]|[12]\d|3[01]))?/"
)

_PARSER_SETTINGS = {
    "TIMEZONE": "Asia/Shanghai",
    "TO_TIMEZONE": "Asia/Shanghai",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "DATE_ORDER": "YMD",
    "PREFER_DATES_FROM": "past",
}


@dataclass(frozen=True)
class FoundDate:
    """A date found in a page: the raw text and its China-time value."""

    raw: str
    value: datetime
    has_time: bool
    precision: str = "day"  # "day", or "month"/"year" for a date naming no day

    @property
    def exact_precision(self) -> str:
        """``year``, ``month``, ``day``, ``minute`` or ``second``: how much the raw text said."""
        if self.precision in ("year", "month") or not self.has_time:
            return self.precision
        if _SECONDS_RE.search(self.raw) or self.value.second:
            return "second"
        return "minute"

    @property
    def zone_given(self) -> bool:
        """The raw text states its UTC offset or zone (``Z``, ``+02:00``, ``GMT``)."""
        return bool(_EXPLICIT_ZONE_RE.search(self.raw))

    @cached_property
    def iso(self) -> str:
        """China time (what the store keeps)."""
        return to_iso(self.value)

    @property
    def page_iso(self) -> str:
        """The same instant in the offset the page gave (2022-02-06T13:48:06+01:00), China time
        when it gave none: the calendar day a reader of the page sees."""
        if self.value.tzinfo is CHINA_TZ:  # most dates: the China-time text itself
            return self.iso
        value = self.value if self.value.tzinfo is not None else self.value.replace(tzinfo=CHINA_TZ)
        return value.replace(microsecond=0).isoformat()


PRECISION_RANK = {"year": 0, "month": 1, "day": 2, "minute": 3, "second": 4}
_SECONDS_RE = re.compile(r"\d{1,2}\s*[:：时]\s*\d{2}\s*[:：分]\s*\d{2}")


def same_period(coarse: FoundDate, fine: FoundDate, precision: str) -> bool:
    """``fine`` falls in the year/month/day that ``coarse`` names (read in ``coarse``'s offset)."""
    a = coarse.value
    b = fine.value.astimezone(a.tzinfo) if a.tzinfo is not None and fine.value.tzinfo is not None else fine.value
    size = {"year": 4, "month": 7}.get(precision, 10)
    return a.date().isoformat()[:size] == b.date().isoformat()[:size]


def in_zone(value: datetime, zone: str) -> datetime:
    """A wall-clock time that was read as China time, re-read in ``zone``."""
    if not zone or zone == "Asia/Shanghai":
        return value
    return value.astimezone(CHINA_TZ).replace(tzinfo=ZoneInfo(zone))


def to_iso(value: datetime) -> str:
    """ISO 8601 in China time with its offset, e.g. 2022-06-08T11:39:00+08:00."""
    # most values are China time already, to the second: then neither step changes them, and
    # skipping both halves the cost of this, which runs for every date found (issue 12)
    if value.tzinfo is not CHINA_TZ:
        value = value.astimezone(CHINA_TZ)
    if value.microsecond:
        value = value.replace(microsecond=0)
    return value.isoformat()


def to_post_date(iso_value: str) -> str:
    """The Jekyll front-matter form: 2022-06-08 11:39:20 +0800."""
    value = datetime.fromisoformat(iso_value).astimezone(CHINA_TZ)
    return value.strftime("%Y-%m-%d %H:%M:%S %z")


def _parse(text: str, relative_base: datetime | None = None) -> datetime | None:
    if relative_base is None:
        return _parse_absolute(text)
    # RELATIVE_RE finds Chinese forms only (3小时前, 昨天 10:30): Chinese is their language
    return _dateparser(text, relative_base, ("zh",))


_NORMALIZED_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?$")


@lru_cache(maxsize=2048)
def _parse_absolute(text: str) -> datetime | None:
    if _NORMALIZED_RE.match(text):
        # the regexes above already took the date apart: no need to have it re-read
        try:
            return datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ)
        except ValueError:  # 2022-02-30
            return None
    return _dateparser(text, None)


def _dateparser(text: str, relative_base: datetime | None, languages: tuple[str, ...] = ("zh", "en")) -> datetime | None:
    """dateparser on a date substring the regexes found, always with its languages named:
    it then never runs its language detection (the costliest part of a call)."""
    settings = dict(_PARSER_SETTINGS)
    if relative_base is not None:
        settings["RELATIVE_BASE"] = relative_base.astimezone(CHINA_TZ).replace(tzinfo=None)
    # imported at first use: dateparser costs 50–100 ms to import, which a run that reads no page should not pay
    import dateparser

    try:
        value = dateparser.parse(text, languages=list(languages), settings=settings)
    except (ValueError, OverflowError, TypeError):
        return None
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA_TZ)
    return value


def in_range(value: datetime, now: datetime | None = None) -> bool:
    now = now or datetime.now(CHINA_TZ)
    return EARLIEST <= value <= now + FUTURE_TOLERANCE


def _normalized_match(match: re.Match[str], year: str | None = None) -> str:
    """Rebuild a clean date string from a regex match for dateparser."""
    y, m, d, hour, minute, second = (year, *match.group("m", "d", "H", "M", "S")) if year else match.group("y", "m", "d", "H", "M", "S")
    if (y + m + d).isascii() and (hour is None or hour.isascii()):
        # ASCII digits (nearly every date): zero-padding the strings is what int() and :02d
        # give, at a third of the cost (issue 12)
        y, m, d, hour = y.zfill(4), m.zfill(2), d.zfill(2), hour and hour.zfill(2)
    else:
        # \d also matches other scripts' digits (２), which int() reads and zfill() would keep
        y, m, d, hour = f"{int(y):04d}", f"{int(m):02d}", f"{int(d):02d}", hour and f"{int(hour):02d}"
    text = f"{y}-{m}-{d}"
    if hour is not None:
        text += f" {hour}:{minute}"
        if second is not None:
            text += f":{second}"
    return text


def _slash_match(match: re.Match[str]) -> str | None:
    a, b = int(match.group("a")), int(match.group("b"))
    us_clock = match.group("ampm") is not None
    if a > 12 and b <= 12:
        day, month = a, b
    elif b > 12 and a <= 12:
        month, day = a, b
    elif a > 12 or b > 12 or not a or not b:
        return None
    elif us_clock:
        month, day = a, b
    else:
        day, month = a, b
    text = f"{int(match.group('y')):04d}-{month:02d}-{day:02d}"
    return text + _clock_text(match)


def _clock_text(match: re.Match[str]) -> str:
    if match.group("H") is None:
        return ""
    hour = int(match.group("H"))
    ampm = (match.group("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    text = f" {hour:02d}:{match.group('M')}"
    if match.group("S") is not None:
        text += f":{match.group('S')}"
    return text


def _english_match(match: re.Match[str]) -> str | None:
    clock = _clock_text(match)
    date_part = match.group(0)
    if match.group("H") is not None:
        date_part = date_part[: match.start("H") - match.start()]
    date_part = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", date_part, flags=re.I)
    date_part = re.sub(r"\b(?:of|at)\b|,", " ", date_part, flags=re.I)
    value = _english_day(normalize_date_words(date_part))
    if value is None:
        return None
    return value.strftime("%Y-%m-%d") + clock


def normalize_date_words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,.")


_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate((
        ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
        ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
        ("dec", "december"),
    ), start=1)
    for name in names
}
_ENGLISH_DAY_RE = re.compile(
    r"^(?:(?P<mon>[a-z]+)\.?\s+(?P<d>\d{1,2})|(?P<d2>\d{1,2})\s+(?P<mon2>[a-z]+)\.?)\s+(?P<y>\d{4})$", re.I
)


def _english_day(text: str) -> datetime | None:
    """``September 10 2005`` / ``10 Sept. 2005`` (what ``ENGLISH_DATE_RE`` found, ordinals,
    commas and "of" removed) as a day, without dateparser: the month names are those of the
    pattern. Same answers as ``dateparser.parse(text, languages=["en"])`` on every form the
    pattern finds (tests/test_extraction_once.py compares them), at ~1/300 of the cost."""
    match = _ENGLISH_DAY_RE.match(text)
    if match is None:
        return _parse_en(text)  # a form the table does not know: dateparser, as before
    month = _MONTH_NUMBERS.get((match.group("mon") or match.group("mon2")).lower())
    if month is None:
        return _parse_en(text)
    try:
        return datetime(int(match.group("y")), month, int(match.group("d") or match.group("d2")))
    except ValueError:  # 31 June
        return None


@lru_cache(maxsize=512)
def _parse_en(text: str) -> datetime | None:
    import dateparser

    try:
        return dateparser.parse(text, languages=["en"], settings={"DATE_ORDER": "MDY", "PREFER_DAY_OF_MONTH": "first"})
    except (ValueError, OverflowError, TypeError):
        return None


def _full_dates(text: str):
    """Every full date in ``text`` as ``(position, normalized string, match)``, in order."""
    found = []
    for match in FULL_DATE_RE.finditer(text):
        found.append((match.start(), _normalized_match(match), match))
    if "/" in text:
        for match in SPLIT_YEAR_RE.finditer(text):
            found.append((match.start(), _normalized_match(match), match))
        for match in SLASH_DATE_RE.finditer(text):
            normalized = _slash_match(match)
            if normalized:
                found.append((match.start(), normalized, match))
    if _MONTH_INITIAL_RE.search(text) and _MONTHS_RE.search(text):
        for match in ENGLISH_DATE_RE.finditer(text):
            normalized = _english_match(match)
            if normalized:
                found.append((match.start(), normalized, match))
    if len(found) > 1:
        found.sort(key=lambda item: item[0])
    return found


_MONTHS_RE = re.compile(_MONTHS, re.I)
# a month name starts with one of these (ſ: re.I matches the long s to s): a text without any,
# most Chinese meta lines, is not searched for month names (issue 12)
_MONTH_INITIAL_RE = re.compile("[JFMASONDjfmasondſ]")


def find_date(
    text: str | None,
    *,
    default_year: int | None = None,
    now: datetime | None = None,
    allow_relative: bool = True,
) -> FoundDate | None:
    """The first plausible publication date in ``text``, or None.

    Full dates (``2022-06-08 11:39``, ``2022年6月8日``, ``9/17/2004 5:54:13 AM``,
    ``September 10th, 2005``) win, the earliest first; a year-less date
    (``06月08日 11:39``) needs ``default_year``; relative forms (``3小时前``)
    are resolved against ``now`` (the fetch time) only when allowed.
    """
    if not text:
        return None
    text = text[:20000]
    for _, normalized, match in _full_dates(text):
        value = _parse(normalized)
        if value is not None and in_range(value, now):
            return FoundDate(match.group(0).strip(), value, match.group("H") is not None)
    if default_year is not None:
        for match in YEARLESS_RE.finditer(text):
            value = _parse(_normalized_match(match, str(default_year)))
            if value is not None and in_range(value, now):
                return FoundDate(match.group(0).strip(), value, match.group("H") is not None)
    if allow_relative and now is not None:
        match = RELATIVE_RE.search(text)
        if match:
            value = _parse(match.group(0), relative_base=now)
            if value is not None and in_range(value, now):
                return FoundDate(match.group(0), value, True)
    return None


def find_last_date(text: str | None, *, now: datetime | None = None) -> FoundDate | None:
    """The last plausible full date in ``text`` (e.g. the meta line just above a body)."""
    if not text:
        return None
    last = None
    for _, normalized, match in _full_dates(text[-2000:]):
        value = _parse(normalized)
        if value is not None and in_range(value, now):
            last = FoundDate(match.group(0).strip(), value, match.group("H") is not None)
    return last


def find_attribution_date(text: str | None, *, now: datetime | None = None) -> FoundDate | None:
    """The date in a reprint's closing attribution line (``——《北京之春》1996年6月号``,
    ``（原载《南方周末》2005年3月10日）``): a full day, or a year and month (precision
    ``month``, the 1st of the month). Lines without a ``《publication》`` give None."""
    if not text:
        return None
    for line in reversed([line for line in text.splitlines() if line.strip()][-3:]):
        line = line[-80:]  # the attribution closes the line (often the last paragraph itself)
        match = ATTRIBUTION_LINE_RE.search(line)
        if not match:
            continue
        rest = line[match.start():]
        found = find_date(rest, now=now, allow_relative=False)
        if found is not None:
            return found
        month = MONTH_ONLY_RE.search(rest)
        if month:
            value = _parse(f"{int(month.group('y')):04d}-{int(month.group('m')):02d}-01")
            if value is not None and in_range(value, now):
                return FoundDate(month.group(0), value, False, "month")
    return None


def parse_date(raw: str | None, *, now: datetime | None = None) -> FoundDate | None:
    """Parse a value that is meant to be a date (a meta tag, an API field)."""
    if not raw or not raw.strip():
        return None
    raw = raw.strip()
    value = _parse_iso(raw)  # keeps an explicit offset (2022-06-08T03:39:00Z)
    if value is not None:
        return FoundDate(raw, value, "T" in raw or ":" in raw) if in_range(value, now) else None
    found = find_date(raw, now=now, allow_relative=False)
    if found is not None:
        return FoundDate(raw, found.value, found.has_time)
    return None


@lru_cache(maxsize=1024)
def _parse_iso(raw: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA_TZ)
    return value


def date_from_url(url: str, *, now: datetime | None = None) -> FoundDate | None:
    """A full calendar day written in the URL path (``/2026/0825/``), or None.

    Paths with only a year and month (``/2022/06/``) do not name a day and
    give None: a month is not a publication time.
    """
    path = re.sub(r"^[a-z]+://[^/]+", "", url or "", flags=re.I).split("?")[0]
    for match in URL_DATE_RE.finditer(path):
        if match.group("d") is None:
            continue
        try:
            value = datetime(int(match.group("y")), int(match.group("m")), int(match.group("d")), tzinfo=CHINA_TZ)
        except ValueError:
            continue
        if in_range(value, now):
            return FoundDate(match.group(0).strip("/"), value, False)
    return None


def year_from_url(url: str) -> int | None:
    match = URL_DATE_RE.search(re.sub(r"^[a-z]+://[^/]+", "", url or "", flags=re.I))
    return int(match.group("y")) if match else None


_EXPLICIT_ZONE_RE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2}|\b(?:GMT|UTC|CST|EST|EDT|PST|PDT|JST|BST|CET|CEST)\b)\s*$|[+-]\d{2}:?\d{2}\b", re.I)


def in_source_zone(iso_value: str | None, date_raw: str | None, zone: str) -> str | None:
    """A publication time read as China time, re-read in the source's own zone.

    Dates on a page rarely carry an offset; they are read as China time. For a
    source declared in another zone, a raw date without an explicit offset is
    the same wall-clock time in that zone. Returns China-time ISO 8601.
    """
    if not iso_value or not zone or zone == "Asia/Shanghai":
        return iso_value
    if date_raw and _EXPLICIT_ZONE_RE.search(date_raw):
        return iso_value
    wall = datetime.fromisoformat(iso_value).astimezone(CHINA_TZ).replace(tzinfo=None)
    return to_iso(wall.replace(tzinfo=ZoneInfo(zone)))
