"""The extractor never raises, whatever it is given (hypothesis property tests).

Each property checks the same contract: ``extract_article`` and the batch
command's ``extract_page`` return a result (possibly with ``error`` set) for
any bytes or text, the body HTML stays inside the sanitizer's allow-list and
a date, when given, is ISO 8601 with an offset and not in the future.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crawler.batch_extract import RESULT_FIELDS, extract_page
from crawler.extraction.article import extract_article
from crawler.extraction.body import body_text, sanitize_html
from crawler.extraction.dates import CHINA_TZ, find_date, parse_date
from crawler.extraction.decode import decode_html, detect_encoding

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=CHINA_TZ)
URL = "http://news.example.cn/2022/0608/123.html"
FAST = settings(max_examples=int(__import__("os").environ.get("ROBUSTNESS_EXAMPLES", "25")), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
FORBIDDEN_RE = re.compile(r"<\s*(?:script|style|iframe|object|embed|form)|\son\w+\s*=|javascript:", re.I)

PARAGRAPH = "<p>　　国家统计局今天发布数据，前五个月全国规模以上工业增加值同比增长，经济运行总体平稳，发展质量稳步提升。</p>"
ARTICLE = (
    "<html><head><meta charset='utf-8'><title>工业增加值同比增长_新闻中心</title></head><body>"
    "<div class='nav'><a href='/'>首页</a> <a href='/a'>国内</a></div>"
    "<h1>工业增加值同比增长</h1><div class='info'>发布时间：2022-06-08 11:39 来源：新华社</div>"
    f"<div class='content'>{PARAGRAPH * 6}<p>责任编辑：张三</p></div>"
    "<div class='footer'>版权所有 © 2022 新闻中心</div></body></html>"
)


def check(result) -> None:
    """The invariants every extraction result keeps."""
    assert isinstance(result.body_text, str) and isinstance(result.body_html, str) and isinstance(result.title, str)
    assert not FORBIDDEN_RE.search(result.body_html)
    if result.published_at is not None:
        assert ISO_RE.match(result.published_at)
        assert datetime.fromisoformat(result.published_at) <= NOW + timedelta(days=1)


def check_line(line: dict) -> None:
    assert set(RESULT_FIELDS) <= set(line)
    assert line["error"] is None or isinstance(line["error"], str)
    assert not FORBIDDEN_RE.search(line["body_html"] or "")
    if line["published_at"] is not None:
        assert ISO_RE.match(line["published_at"])


@FAST
@given(st.binary(max_size=3000))
def test_random_bytes(data):
    check(extract_article(data, URL, fetched_at=NOW))
    check_line(extract_page(data, URL, fetched_at=NOW))


@FAST
@given(st.text(max_size=2000))
def test_random_text(text):
    check(extract_article(text, URL, fetched_at=NOW))


@FAST
@given(st.integers(min_value=0, max_value=len(ARTICLE)))
def test_truncated_documents(cut):
    result = extract_article(ARTICLE[:cut], URL, fetched_at=NOW)
    check(result)
    if cut == len(ARTICLE):
        assert "国家统计局" in result.body_text and "责任编辑" not in result.body_text
        assert result.published_at == "2022-06-08T11:39:00+08:00"


@FAST
@given(st.integers(min_value=1, max_value=3000), st.sampled_from(["div", "span", "p", "b", "section", "font"]))
def test_deeply_nested_tags(depth, tag):
    html = f"<html><body>{f'<{tag}>' * depth}{PARAGRAPH * 3}{f'</{tag}>' * (depth // 2)}</body></html>"
    result = extract_article(html, URL, fetched_at=NOW)
    check(result)
    if depth <= 1000:  # deeper than libxml2's default limit of 256 (unclosed <font> on old pages)
        assert "国家统计局" in result.body_text


@settings(max_examples=5, deadline=None)
@given(st.integers(min_value=1, max_value=200))
def test_nested_tables(depth):
    html = f"<html><body>{'<table><tr><td>' * depth}{PARAGRAPH * 3}</body></html>"
    check(extract_article(html, URL, fetched_at=NOW))


@settings(max_examples=3, deadline=None)
@given(st.integers(min_value=2000, max_value=6000))
def test_huge_pages(paragraphs):
    html = ARTICLE.replace(PARAGRAPH * 6, PARAGRAPH * paragraphs)
    result = extract_article(html, URL, fetched_at=NOW)
    check(result)
    assert result.body_text.count("国家统计局") >= paragraphs // 2


@FAST
@given(st.sampled_from(["", " ", "<html></html>", "<html><body></body></html>", "<body><div></div></body>", "<p></p>" * 50,
                        "<html><head><title>只有标题</title></head><body></body></html>", "<!-- only a comment -->",
                        "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>", "\x00\x01<p>\x0b</p>"]))
def test_empty_bodies(html):
    result = extract_article(html, URL, fetched_at=NOW)
    check(result)
    assert result.body_text.strip() == "" or result.error is None


@FAST
@given(
    st.sampled_from(["gbk", "gb18030", "big5", "utf-8", "utf-16", "shift_jis", "latin-1"]),
    st.sampled_from(["utf-8", "gbk", "gb2312", "iso-8859-1", "big5", "x-unknown-charset", ""]),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=200),
)
@example(real="gbk", declared="utf-8", chinese="龦")  # a character GBK lacks (found by CI)
def test_wrong_declared_charsets(real, declared, chinese):
    chinese = "据" + chinese[:20]  # a paragraph opening, not by chance a boilerplate label such as 责编
    html = ARTICLE.replace("<meta charset='utf-8'>", f"<meta charset='{declared}'>").replace("国家统计局", chinese)
    data = html.encode(real, "replace")
    text, encoding = decode_html(data, f"text/html; charset={declared}")
    assert isinstance(text, str) and encoding
    line = extract_page(data, URL, content_type=f"text/html; charset={declared}", fetched_at=NOW)
    check_line(line)
    if real in ("gbk", "gb18030", "utf-8") and declared != "utf-16":
        # what the page holds: a character its charset lacks (龦 U+9FA6 is not in GBK) was
        # written as "?" by the page's own encoder, not lost by us
        written = chinese.encode(real, "replace").decode(real)
        assert written in line["body_text"]


@FAST
@given(st.binary(max_size=500))
def test_decoding_never_raises(data):
    assert detect_encoding(data)
    text, encoding = decode_html(data, "text/html; charset=nonsense")
    assert isinstance(text, str)


@FAST
@given(st.text(max_size=300))
def test_date_functions_never_raise(text):
    found = find_date(text, now=NOW, default_year=2022)
    if found is not None:
        assert found.value <= NOW + timedelta(days=1)
    parse_date(text, now=NOW)


@FAST
@given(st.text(max_size=500))
def test_sanitizer_output_is_always_safe(text):
    html = sanitize_html(f"<p>{text}</p><script>alert(1)</script><a href='javascript:x'>y</a>", "http://example.cn/")
    assert not FORBIDDEN_RE.search(html)
    body_text(html)


@pytest.mark.parametrize("garbage", [b"\xff" * 5000, b"<" * 20000, b"<html>" + b"<div>" * 20000, "<td>" * 5000 + "文字"])
def test_pathological_inputs(garbage):
    check(extract_article(garbage, URL, fetched_at=NOW))


def test_many_inline_elements_and_lines_stay_linear():
    links = "".join(f"<a href='/{i}'>链接{i}</a> " for i in range(20000))
    started = time.perf_counter()
    check(extract_article(f"<html><body>{links}{PARAGRAPH * 5}</body></html>", URL, fetched_at=NOW))
    lines = extract_article("<html><body><div>" + "一行没有句号的文字<br>" * 3000 + "</div></body></html>", URL, fetched_at=NOW)
    assert lines.body_text.count("一行没有句号的文字") == 3000  # verse-like text without sentences stays
    assert time.perf_counter() - started < 20
