"""Each page's work done once (issue 12): linear block comparison, the second opinion only
when the first answer is doubtful, bounded scans, dates found before dateparser runs."""

from __future__ import annotations

import random

from crawler.extraction import generic
from crawler.extraction.body import Block


def _block(text: str) -> Block:
    return Block(element=None, text=text)  # type: ignore[arg-type]  # the comparison reads only .text


def _own_blocks_reference(blocks: list[Block], other: list[Block]) -> list[Block]:
    """The former quadratic definition: a block found verbatim in the other's text is not
    its own; else it is when more than half its 4-character shingles are missing there."""
    other_text = "\n".join(b.text.replace(" ", "") for b in other)
    theirs: set[str] = set()
    for line in other_text.split("\n"):
        theirs |= generic._shingles(line)
    own = []
    for block in blocks:
        text = block.text.replace(" ", "")
        if not text or text in other_text:
            continue
        mine = generic._shingles(text)
        if len(mine - theirs) > 0.5 * len(mine):
            own.append(block)
    return own


def test_own_blocks_agrees_with_the_quadratic_definition():
    rng = random.Random(12)
    alphabet = "新闻正文发布时间来源ab c"
    for _ in range(300):
        pool = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(8)]
        blocks = [_block(rng.choice(pool)[: rng.randint(0, 12)]) for _ in range(rng.randint(0, 6))]
        other = [_block(rng.choice(pool)) for _ in range(rng.randint(0, 6))]
        assert generic._own_blocks(blocks, other) == _own_blocks_reference(blocks, other)
    # many blocks shorter than a shingle: looked up in a set of the other's substrings
    for _ in range(20):
        other = [_block("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))) for _ in range(8)]
        blocks = [_block("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4)))) for _ in range(100)]
        assert generic._own_blocks(blocks, other) == _own_blocks_reference(blocks, other)


def test_own_blocks_of_a_megabyte_body_keeps_what_only_one_side_has():
    # ~1.1 MB of UTF-8 on each side, as in the page that once took 6.4 s (no timing asserted here:
    # the figure is in the README; a quadratic comparison would take minutes on this input)
    shared = [_block(f"第{i}段，这是一段很长的新闻正文，用来测量在上限以内的页面需要多长时间。") for i in range(10_000)]
    mine = [_block("只有这一边才有的一段话，内容足够长。")]
    theirs = [_block("另一边独有的段落，同样足够长的文字。")]
    assert generic._own_blocks(shared + mine, shared + theirs) == mine
    assert generic._own_blocks(shared + theirs, shared + mine) == theirs


# --- one parse, one trafilatura call, the second opinion when doubtful -------------------

PROSE = "这是一篇新闻报道的正文段落，讲述了一件事情的经过，内容足够长，读起来像文章。"


def _page(paragraphs: list[str], extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>新闻标题在这里_测试网</title></head><body><h1>新闻标题在这里</h1>"
            f"<div class='article'>{body}</div>{extra}</body></html>")


def test_trafilatura_leaves_the_tree_it_is_handed_as_it_was():
    # generic_body hands one prepared copy to trafilatura and then to readability: it
    # relies on trafilatura copying the tree before cleaning it
    from lxml import etree

    from crawler.extraction.article import parse_html

    root = parse_html(_page([PROSE + str(i) for i in range(8)], "<ul><li><a href='/x'>链接</a></li></ul>"))
    before = etree.tostring(root)
    for settings in (generic.CHINESE_SETTINGS, generic.OTHER_SETTINGS):
        result = generic.run_trafilatura(root, "http://news.example.cn/a/1.html", settings)
        assert result is not None and result.body is not None
    assert etree.tostring(root) == before


def test_doubtful_answers():
    prose = [_block(PROSE) for _ in range(6)]
    assert not generic.doubtful(prose, page_chars=2 * sum(len(b.text) for b in prose))
    assert generic.doubtful([], page_chars=1000)
    assert generic.doubtful(prose[:1], page_chars=100)  # short
    assert generic.doubtful(prose, page_chars=100 * sum(len(b.text) for b in prose))  # a sliver of the page
    assert generic.doubtful(prose + [_block("分享到")], page_chars=1000)  # a non-prose line


def test_readability_runs_only_on_a_doubtful_answer(monkeypatch):
    from crawler.extraction.article import extract_article

    calls = []
    real = generic._ReadabilityDocument

    def counting(tree):
        calls.append(tree)
        return real(tree)

    monkeypatch.setattr(generic, "_ReadabilityDocument", counting)
    clean = extract_article(_page([PROSE + str(i) for i in range(8)]), "http://news.example.cn/a/1.html", language="zh")
    assert clean.extractor == "generic:trafilatura" and PROSE in clean.body_text
    assert calls == []
    # a subheading in the middle (no sentence punctuation: not prose) makes the answer doubtful
    paragraphs = [PROSE + str(i) for i in range(8)]
    noisy = extract_article(_page(paragraphs[:4] + ["第二部分的小标题"] + paragraphs[4:]),
                            "http://news.example.cn/a/2.html", language="zh")
    assert PROSE in noisy.body_text
    assert len(calls) == 1



# --- trafilatura's metadata pass, only when its answer could count ----------------------

EN_PROSE = ("The council met on Tuesday evening and voted to extend the library's opening hours, "
            "after months of debate about the cost of staff and heating in the winter. ")


def _english_page(head: str = "", comment: str = "<!-- ad slot -->") -> str:
    body = "".join(f"<p>{EN_PROSE}Paragraph {i}.</p>" for i in range(6))
    return (f"<html><head><title>Council extends library hours - The Gazette</title>{head}</head><body>"
            f"<h1>Council extends library hours</h1><article>{body}"
            f"<p>Read the {comment}<a href='/report'>full report</a> online, said the clerk.</p>"
            f"</article><footer>Published 2024-03-05</footer></body></html>")


def test_trafilatura_without_its_metadata_pass_gives_the_same_body_and_date():
    from lxml import etree

    from crawler.extraction.article import parse_html

    url = "https://gazette.example.com/news/library-hours"
    root = parse_html(_english_page())
    before = etree.tostring(root)
    full = generic.trafilatura_document(root, url)
    lean = generic.trafilatura_document(root, url, title_known=True, date_wanted=True)
    bare = generic.trafilatura_document(root, url, title_known=True, date_wanted=False)
    assert full is not None and lean is not None and bare is not None
    assert full.date and lean.date == full.date and bare.date is None
    assert full.title and lean.title is None
    assert all(doc.body is not None for doc in (full, lean, bare))
    bodies = {etree.tostring(doc.body) for doc in (full, lean, bare) if doc.body is not None}
    assert len(bodies) == 1
    # the comment goes, its tail stays (trafilatura alone would cut the sentence), in both ways
    assert full.body is not None and "Read the full report online" in " ".join(full.body.text_content().split())
    assert etree.tostring(root) == before  # the caller's tree is handed on as it was


def test_metadata_pass_and_htmldate_run_only_when_their_answer_could_count(monkeypatch):
    import htmldate
    import trafilatura.core

    from crawler.extraction.article import extract_article

    passes: list[str] = []
    htmldates: list[str] = []
    real_pass, real_htmldate = trafilatura.core.extract_metadata, htmldate.find_date

    def counted_pass(*args, **kwargs):
        passes.append("x")
        return real_pass(*args, **kwargs)

    def counted_htmldate(*args, **kwargs):
        htmldates.append("x")
        return real_htmldate(*args, **kwargs)

    monkeypatch.setattr(trafilatura.core, "extract_metadata", counted_pass)
    monkeypatch.setattr(htmldate, "find_date", counted_htmldate)
    url = "https://gazette.example.com/news/library-hours"
    timed = "<meta property='article:published_time' content='2024-03-05T09:30:00+01:00'>"
    page = extract_article(_english_page(timed), url, language="en")
    assert page.published_at_page == "2024-03-05T09:30:00+01:00" and page.title == "Council extends library hours"
    assert EN_PROSE.strip() in page.body_text
    assert passes == [] and htmldates == []  # a date with a time of day is final
    day_only = extract_article(_english_page("<meta name='date' content='2024-03-05'>"), url, language="en")
    assert (day_only.published_at_page or "").startswith("2024-03-05")
    assert passes == [] and htmldates == ["x"]  # htmldate could add a time: asked alone


# --- bounded scans -----------------------------------------------------------------------

def test_script_date_matches_are_the_patterns_matches():
    import re

    from crawler.extraction.page_metadata import SCRIPT_DATE_RE, _script_date_matches

    unanchored = re.compile(SCRIPT_DATE_RE.pattern.replace("(?<![\\w$])", ""), SCRIPT_DATE_RE.flags)
    blob = "A" * 5000
    texts = [
        'var x={"datePublished": "2021-03-04T10:00:00Z", pubDate: "2020-01-02"};',
        f"{blob}pubdate: '2020-05-06'; İstanbul pub PUB_TIME='2001-01-01 10:00'",  # İ lowers to two characters
        f"var img='{blob}';" + "a$pub_time = '2019-1-2 10:00'; publisher='x'; first_published_time=\"2018-02-03\"",
        "pubtime pubtime='2020-01-01' ÄpubDate='2020-01-01'",
    ]
    for text in texts:
        expected = [(m.group("key"), m.group("value")) for m in unanchored.finditer(text)]
        assert [(m.group("key"), m.group("value")) for m in _script_date_matches(text)] == expected
        assert expected


def test_script_date_scan_is_bounded():
    from crawler.extraction.article import parse_html
    from crawler.extraction.page_metadata import MAX_SCRIPT_CHARS, SCRIPT_SCAN_BUDGET, script_date

    late = "var pubtime = '2020-10-04 20:30:00';"
    found, origin = script_date(parse_html(f"<html><body><script>{late}</script><p>x</p></body></html>"))
    assert found is not None and origin == "script.pubtime"
    huge = f"<script>var a='{'x' * MAX_SCRIPT_CHARS}';{late}</script>"
    assert script_date(parse_html(f"<html><body>{huge}<p>x</p></body></html>")) == (None, None)
    many = "".join(f"<script>var a{i}='{'x' * 100_000}';</script>" for i in range(SCRIPT_SCAN_BUDGET // 100_000 + 1))
    assert script_date(parse_html(f"<html><body>{many}<script>{late}</script><p>x</p></body></html>")) == (None, None)


def test_jsonld_read_is_bounded():
    from crawler.extraction.article import parse_html
    from crawler.extraction.page_metadata import JSONLD_MAX_CHARS, page_metadata

    article = '{"@type": "NewsArticle", "datePublished": "2022-06-08T11:39:00+08:00", "headline": "标题"}'
    padded = '{"@type": "NewsArticle", "datePublished": "2022-06-08T11:39:00+08:00", "x": "' + "y" * JSONLD_MAX_CHARS + '"}'
    ld = "<script type='application/ld+json'>{}</script>"
    assert page_metadata(parse_html(f"<html><head>{ld.format(article)}</head><body></body></html>")).dates
    assert not page_metadata(parse_html(f"<html><head>{ld.format(padded)}</head><body></body></html>")).dates


def test_labelled_date_reads_the_top_of_the_text():
    from datetime import datetime

    from crawler.extraction.dates import CHINA_TZ
    from crawler.extraction.options import ExtractionOptions

    options = ExtractionOptions.for_page("http://news.example.cn/a/1.html", fetched_at=datetime(2024, 1, 1, tzinfo=CHINA_TZ))
    line = "发布时间：2022-06-08 11:39"
    assert generic.labelled_date("导航 " + line, options) is not None
    assert generic.labelled_date("字" * generic.LABEL_SCAN_CHARS + line, options) is None


# --- dates -------------------------------------------------------------------------------

def test_english_days_read_without_dateparser_as_dateparser_reads_them():
    from crawler.extraction.dates import _english_day, _parse_en

    for text in ("September 10 2005", "10 Sept. 2005", "sep 1 2024", "31 DECEMBER 1999", "May 31 2023",
                 "february 29 2024", "1 Mar 2000", "Oct. 9 2010"):
        assert _english_day(text) == _parse_en(text), text
    assert _english_day("June 31 2023") is None is _parse_en("June 31 2023")
