from datetime import datetime

import pytest

from crawler.extraction.dates import CHINA_TZ, date_from_url, find_date, parse_date, to_post_date

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=CHINA_TZ)


@pytest.mark.parametrize(
    "text, iso",
    [
        ("2022-06-08 11:39", "2022-06-08T11:39:00+08:00"),
        ("2022年06月08日 11:39", "2022-06-08T11:39:00+08:00"),
        ("2022年6月8日", "2022-06-08T00:00:00+08:00"),
        ("来源：中国发展网 2022-06-08 11:39", "2022-06-08T11:39:00+08:00"),
        ("2019-04-11 10:55    来源：人民日报", "2019-04-11T10:55:00+08:00"),
        ("发布时间：2022/06/08 11:39:20 作者：张三", "2022-06-08T11:39:20+08:00"),
        ("2022.06.08", "2022-06-08T00:00:00+08:00"),
        (" 2026  11 / 26  06:05:12", "2026-11-26T06:05:12+08:00"),
    ],
)
def test_find_date_chinese_forms(text, iso):
    found = find_date(text, now=NOW)
    assert found is not None and found.iso == iso


def test_raw_string_is_the_matched_substring():
    found = find_date("来源：中国发展网 2022-06-08 11:39 责任编辑：张三", now=NOW)
    assert found.raw == "2022-06-08 11:39"


def test_yearless_date_needs_a_year():
    assert find_date("06月08日 11:39", now=NOW) is None
    found = find_date("06月08日 11:39", default_year=2022, now=NOW)
    assert found.iso == "2022-06-08T11:39:00+08:00"


def test_future_and_ancient_dates_are_rejected():
    assert find_date("2031-01-01 10:00", now=NOW) is None
    assert find_date("1970-01-01", now=NOW) is None
    # an out-of-range first date does not hide a good one later
    assert find_date("2031-01-01 然后 2022-06-08", now=NOW).iso.startswith("2022-06-08")


def test_relative_dates_resolve_against_fetch_time():
    assert find_date("3小时前", now=NOW).iso == "2026-11-28T09:00:00+08:00"
    assert find_date("3小时前", now=NOW, allow_relative=False) is None


def test_no_date_gives_none_not_now():
    assert find_date("没有日期的一段文字 2022", now=NOW) is None
    assert find_date("", now=NOW) is None
    assert parse_date(None) is None


def test_parse_date_iso_with_offset():
    assert parse_date("2022-06-08T03:39:00Z", now=NOW).iso == "2022-06-08T11:39:00+08:00"
    assert parse_date("2022-06-08 11:39:20", now=NOW).iso == "2022-06-08T11:39:20+08:00"


@pytest.mark.parametrize(
    "url, iso",
    [
        ("http://www.chinadevelopment.com.cn/zxsd/2026/0825/2011961.shtml", "2026-08-25T00:00:00+08:00"),
        ("http://x.cn/jjjyw/2019/0404/1486809.shtml", "2019-04-04T00:00:00+08:00"),
        ("http://www.chinadevelopment.com.cn/news/zj/2019/04/1486809.shtml", None),
        ("http://x.cn/zxbd/2019/1484552.shtml", None),
        ("http://x.cn/2022-06-08/abc.html", "2022-06-08T00:00:00+08:00"),
    ],
)
def test_date_from_url(url, iso):
    found = date_from_url(url, now=NOW)
    assert (found.iso if found else None) == iso


def test_post_date_format():
    assert to_post_date("2022-06-08T11:39:20+08:00") == "2022-06-08 11:39:20 +0800"
    assert to_post_date("2022-06-08T03:39:20+00:00") == "2022-06-08 11:39:20 +0800"


def test_just_now_is_never_a_publication_time():
    assert find_date("来源：某报 刚刚", now=NOW) is None


def test_dates_of_a_source_in_another_zone():
    from crawler.extraction.dates import in_source_zone

    # "2022-06-08 12:00" on a Tokyo page is 11:00 China time
    assert in_source_zone("2022-06-08T12:00:00+08:00", "2022-06-08 12:00", "Asia/Tokyo") == "2022-06-08T11:00:00+08:00"
    # a raw date with its own offset was already right
    assert in_source_zone("2022-06-08T11:00:00+08:00", "2022-06-08T12:00:00+09:00", "Asia/Tokyo") == "2022-06-08T11:00:00+08:00"
    assert in_source_zone("2022-06-08T12:00:00+08:00", "2022-06-08 12:00", "Asia/Shanghai") == "2022-06-08T12:00:00+08:00"
    assert in_source_zone(None, None, "Europe/Berlin") is None


def test_the_month_name_prefilter_knows_every_initial_the_search_accepts():
    # find_date skips the English month-name search when no possible first letter of a month is
    # in the text (issue 12); re.I also folds characters such as ſ onto s, so every BMP
    # character is tried in front of each month name's tail
    import re

    from crawler.extraction.dates import _MONTH_INITIAL_RE, _MONTHS_RE

    tails = {name[0].lower(): name[1:] for name in ("January", "February", "March", "April", "September", "October", "November", "December")}
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        for tail in tails.values():
            if _MONTHS_RE.match(char + tail):
                assert _MONTH_INITIAL_RE.match(char), hex(code)
    assert find_date("Published September 10th, 2005") is not None
    assert re.search("[A-Za-z]", "2022-06-08 11:39 来源：中国发展网") is None  # the common case the filter is for


def test_the_page_offset_form_of_a_found_date():
    from crawler.extraction.article import Extraction

    for text, page_iso in [("2022-06-08 11:39", "2022-06-08T11:39:00+08:00"), ("2022-02-06T13:48:06+01:00", "2022-02-06T13:48:06+01:00")]:
        found = parse_date(text)
        result = Extraction(url="http://example.test/a")
        assert result.set_date(found, "test")
        assert result.published_at_page == found.page_iso == page_iso


def test_to_iso_is_china_time_to_the_second_whatever_the_input():
    from datetime import timedelta, timezone

    from crawler.extraction.dates import to_iso

    china = datetime(2024, 6, 12, 9, 41, 5, tzinfo=CHINA_TZ)
    for value in (china, china.replace(microsecond=250), china.astimezone(timezone.utc), china.astimezone(timezone(timedelta(hours=-5)))):
        assert to_iso(value) == "2024-06-12T09:41:05+08:00"
        assert to_iso(value) == value.astimezone(CHINA_TZ).replace(microsecond=0).isoformat()


def test_normalized_match_pads_as_int_does_for_every_digit_script():
    """_normalized_match zero-pads ASCII digit strings as they are (issue 12); \\d also matches
    other scripts' digits (２, ٣), which int() reads: every combination gives what the int()
    form gives, and the dates found from it are the same."""
    import itertools

    from crawler.extraction.dates import FULL_DATE_RE, SPLIT_YEAR_RE, YEARLESS_RE, _normalized_match

    def by_int(match, year=None):
        y = year or match.group("y")
        text = f"{int(y):04d}-{int(match.group('m')):02d}-{int(match.group('d')):02d}"
        if match.group("H") is not None:
            text += f" {int(match.group('H')):02d}:{match.group('M')}"
            if match.group("S") is not None:
                text += f":{match.group('S')}"
        return text

    years, months, days = ("2022", "20２2", "٢٠٢٢"), ("6", "06", "1２", "٠٦"), ("8", "08", "3１", "٣")
    separators = (("-", "-", ""), ("年", "月", "日"), ("/", "/", ""), (" ", "/", ""))
    clocks = ("", " 9:05", " 09:05:33", " 1２:0５", "T23时59分59")
    checked = 0
    for y, m, d, (s1, s2, s3), clock in itertools.product(years, months, days, separators, clocks):
        text = f"发布 {y}{s1}{m}{s2}{d}{s3}{clock} 来源"
        for pattern in (FULL_DATE_RE, SPLIT_YEAR_RE):
            for match in pattern.finditer(text):
                assert _normalized_match(match) == by_int(match), text
                checked += 1
        for match in YEARLESS_RE.finditer(f"{m}月{d}日{clock}"):
            assert _normalized_match(match, "2022") == by_int(match, "2022")
            checked += 1
    assert checked >= 400
