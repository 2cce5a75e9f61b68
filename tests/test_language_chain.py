"""Issue 11: the language-aware chain, hints as a stage of the date chain, date precision,
metadata coverage and time zones (small invented pages; no network)."""

import json
from datetime import datetime

import pytest

from crawler.batch_extract import extract_manifest_line, extract_page
from crawler.extraction.article import extract_article
from crawler.extraction.dates import CHINA_TZ
from crawler.extraction.language import detect_language
from crawler.extraction.options import Hints
from crawler.sources import DECLARED

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=CHINA_TZ)
EN_PARAS = "".join(
    f"<p>Paragraph {i}: The harbour authority said on Tuesday that the new ferry terminal will open next spring, "
    "after two years of building work and a long dispute about its cost.</p>"
    for i in range(1, 6)
)
ZH_PARAS = "".join(f"<p>第{i}段正文，讲述一件发生在某地的事情，内容足够长，用来测试抽取的效果。</p>" for i in range(1, 5))
FEED_HINT = Hints(date_raw="Thu, 09 Jun 2022 07:30:00 +0800", origin="feed:published", title="Feed title")


def en_page(head: str = "", meta_line: str = "") -> str:
    return (
        f"<html><head><title>Ferry terminal to open next spring | Example Times</title>{head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>Ferry terminal to open next spring</h1>{meta_line}{EN_PARAS}</article>"
        "<footer>© Example Times</footer></body></html>"
    )


def zh_page(head: str = "", meta_line: str = "") -> str:
    return (
        f"<html><head><meta charset='utf-8'><title>某地举行秋季运动会_示例网</title>{head}</head><body>"
        f"<div class='main'><h1>某地举行秋季运动会</h1>{meta_line}<div class='content'>{ZH_PARAS}</div></div></body></html>"
    )


@pytest.mark.parametrize(
    "text, language",
    [
        ("某地举行秋季运动会，来自全市的选手参加了比赛。Home News", "zh"),
        ("The harbour authority said on Tuesday 中国 that the terminal will open.", "other"),
        ("東京都は火曜日、新しいフェリーターミナルが来春開業すると発表した。", "ja"),
        ("이재명 더불어민주당 대선 후보가 15일 전남 순천시에서 연설하고 있다.", "ko"),
        ("12345 !!!", ""),
    ],
)
def test_language_is_told_from_the_text(text, language):
    assert detect_language(text) == language


def test_feed_time_beats_the_day_in_the_url():
    # the page states no date; the URL names the day, the feed the minute
    result = extract_article(zh_page(), "http://news.example.cn/2022/0609/77.html", hints=FEED_HINT)
    assert (result.published_at_page, result.date_stage, result.date_precision) == (
        "2022-06-09T07:30:00+08:00", "feed:published", "second")
    # without the hint the URL's day is all there is
    plain = extract_article(zh_page(), "http://news.example.cn/2022/0609/77.html")
    assert (plain.published_at_page, plain.date_precision) == ("2022-06-09T00:00:00+08:00", "day")
    assert plain.date_stage.startswith("url")


def test_a_feed_time_refines_a_day_only_page_date_but_never_contradicts_it():
    day_only = '<meta name="publishdate" content="2022-06-09">'
    refined = extract_article(zh_page(head=day_only), "http://news.example.cn/a/77.html", hints=FEED_HINT)
    assert (refined.published_at_page, refined.date_stage, refined.date_precision) == (
        "2022-06-09T07:30:00+08:00", "feed:published", "second")
    other_day = '<meta name="publishdate" content="2022-06-01">'
    kept = extract_article(zh_page(head=other_day), "http://news.example.cn/a/77.html", hints=FEED_HINT)
    assert kept.published_at_page == "2022-06-01T00:00:00+08:00" and kept.date_stage.startswith("metadata:")
    # a page's own time of day is not replaced by the feed's
    with_time = extract_article(zh_page(meta_line="<p>发布时间：2022-06-09 11:39</p>"), "http://news.example.cn/a/77.html", hints=FEED_HINT)
    assert with_time.published_at_page == "2022-06-09T11:39:00+08:00" and with_time.date_precision == "minute"


def test_hints_pass_through_the_batch_command_as_in_the_crawl(tmp_path):
    (tmp_path / "p.html").write_text(zh_page(), encoding="utf-8")
    line = json.dumps({"id": "p", "url": "http://news.example.cn/2022/0609/77.html", "path": "p.html",
                       "hints": {"date_raw": FEED_HINT.date_raw, "origin": FEED_HINT.origin}})
    result = extract_manifest_line(line, tmp_path)
    assert (result["published_at"], result["date_stage"], result["date_precision"]) == (
        "2022-06-09T07:30:00+08:00", "feed:published", "second")


@pytest.mark.parametrize("make_page", [en_page, zh_page])
def test_multi_valued_itemprop_and_article_published_are_read(make_page):
    head = '<meta property="article:published" itemprop="datePublished dateCreated" content="2019-11-19T11:00:09.000Z">'
    result = extract_article(make_page(head=head), "http://example.com/news/ferry")
    assert result.published_at_page == "2019-11-19T11:00:09+00:00"
    assert result.date_stage.startswith("metadata:") and result.date_precision == "second"


def test_microdata_with_several_itemprops_is_read():
    line = '<p>Published <time itemprop="dateCreated datePublished" datetime="2021-03-05T22:30:00-05:00">5 March</time></p>'
    result = extract_article(en_page(meta_line=line), "http://example.com/news/ferry")
    assert result.published_at_page == "2021-03-05T22:30:00-05:00"


def test_jsonld_graph_with_a_subtype_of_article():
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Example Times"},
        {"@type": ["AnalysisNewsArticle"], "headline": "Ferry terminal", "datePublished": "2024-05-03T15:47:42+02:00"},
    ]}
    head = f'<script type="application/ld+json">{json.dumps(graph)}</script>'
    result = extract_article(en_page(head=head), "http://example.com/news/ferry")
    assert result.published_at_page == "2024-05-03T15:47:42+02:00"


def test_utc_dates_keep_utc_in_the_item_and_the_batch_result():
    head = '<meta property="article:published_time" content="2024-08-01T23:30:00Z">'
    result = extract_page(en_page(head=head).encode(), "http://example.com/news/ferry")
    # the page's own offset: not turned into 2024-08-02T07:30:00+08:00 (another calendar day)
    assert result["published_at"] == "2024-08-01T23:30:00+00:00"
    assert "zone_assumed" not in result["date_stage"] and result["language"] == "other"


def test_zone_less_dates_take_the_declared_or_configured_zone():
    line = "<p>Published March 5th, 2021 10:56 am</p>"
    generic = extract_article(en_page(meta_line=line), "http://example.com/news/ferry", timezone="Europe/Berlin")
    assert generic.published_at_page == "2021-03-05T10:56:00+01:00"
    assert generic.date_stage.endswith(";zone_assumed=Europe/Berlin")
    # default: China time, and still said to be assumed
    default = extract_article(en_page(meta_line=line), "http://example.com/news/ferry")
    assert default.published_at_page == "2021-03-05T10:56:00+08:00" and default.date_stage.endswith(";zone_assumed=Asia/Shanghai")
    # a declared source's zone is not an assumption
    source = DECLARED["chinadevelopment"]
    declared = extract_article(zh_page(meta_line="<p>发布时间：2022-06-09 11:39</p>"), "http://www.chinadevelopment.com.cn/news/zj/2022/06/1.shtml", source=source)
    assert declared.published_at_page == "2022-06-09T11:39:00+08:00" and "zone_assumed" not in (declared.date_stage or "")


def test_english_pages_skip_the_chinese_rules():
    # trafilatura's body without the Chinese trimming; the headline is the title, not body
    result = extract_article(en_page(), "http://example.com/news/ferry")
    assert result.stages["language"] == "other" and result.extractor == "generic:trafilatura_full"
    assert result.body_text.startswith("Paragraph 1:") and result.body_text.count("Paragraph") == 5
    assert result.title == "Ferry terminal to open next spring"


def test_detection_answers_as_counting_every_letter_does():
    # detect_language stops at the first letter of a text without CJK characters, and counts
    # Han characters and letters as what is left once the runs of other characters go
    # (issue 12): its answer must be the one counting every letter gives, for every mix
    import random

    from crawler.extraction import language as lang

    def by_counting(text):
        sample = text[: lang.SAMPLE]
        letters = len(lang._LETTER_RE.findall(sample))
        if not letters:
            return ""
        han, kana, hangul = (len(r.findall(sample)) for r in (lang._HAN_RE, lang._KANA_RE, lang._HANGUL_RE))
        if hangul > max(han, kana) and hangul >= 0.2 * letters:
            return "ko"
        if kana >= 0.1 * letters:
            return "ja"
        return "zh" if han >= lang.CHINESE_SHARE * letters else "other"

    pieces = ["中文", "字", "かな", "カタ", "한국어", "ᄀ", "abc", "Déjà", "Ωμέγα", "12", "，", " ", "_", "٣", "①",
              "\u3400", "\uf900", "\u4dbf", "〇", "ー", "\U00020000", "\n"]
    rng = random.Random(4)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        assert detect_language(text) == by_counting(text), text
    assert detect_language(None) == "" and detect_language("12 , _") == ""
