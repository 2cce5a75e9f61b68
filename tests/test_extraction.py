"""The extraction chain on small invented pages (no network, no mirror)."""

from datetime import datetime

import lxml.html
import pytest

from crawler.extraction.article import apply_template, extract_article, parse_html
from crawler.extraction.body import body_blocks
from crawler.extraction.boilerplate import trim_blocks
from crawler.extraction.dates import CHINA_TZ
from crawler.extraction.decode import decode_html, detect_encoding, normalize_encoding
from crawler.extraction.generic import title_with_source
from crawler.extraction.page_metadata import page_metadata
from crawler.sources import DECLARED, source_for_url
from crawler.sources.chinadevelopment import TEMPLATES

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=CHINA_TZ)
CDN = DECLARED["chinadevelopment"]
PARAS = "".join(f"<p>　　第{i}段正文，讲述一件发生在某地的事情，内容足够长，用来测试抽取。</p>" for i in range(1, 5))


def page(body: str, title: str = "页面标题_中国发展网", head: str = "") -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>{body}</body></html>"


def test_template_1_fields():
    html = page(
        '<h1 id="article-content-title"> 标题一 </h1><div class="article-infos ov"><span class="date fl-l">2022-06-08 11:39</span>'
        f'<span class="source fl-l">来源：经济日报</span></div><div class="article-detail-inner">{PARAS}</div><p>责任编辑：李四</p>'
    )
    result = extract_article(html, "http://www.chinadevelopment.com.cn/news/zj/2022/06/1800001.shtml", source=CDN, fetched_at=NOW)
    assert result.extractor == "site:chinadevelopment/v1-main"
    assert (result.title, result.published_at, result.date_raw, result.outlet, result.editor) == (
        "标题一", "2022-06-08T11:39:00+08:00", "2022-06-08 11:39", "经济日报", "李四")
    assert result.date_stage == "site_meta_line"
    assert result.body_text.startswith("第1段正文") and result.body_text.count("\n") == 3


@pytest.mark.parametrize(
    "markup, name",
    [
        (f'<div class="show_box"><h1>标题</h1><p class="show_box_info"><span>2022-06-08 11:39</span><span>来源：x-中国发展网</span></p><div class="show_box_m">{PARAS}</div></div>', "v2-showbox"),
        (f'<div class="tips"><h1>标题</h1></div><div class="rqly">2019-04-11 10:55 来源：人民日报</div><div class="am-container"><div class="content">{PARAS}</div></div>', "v3-tips"),
        (f'<div class="con_title"><h1>标题</h1></div><div class="con_time">2019-04-09 13:34 中国发展网</div><div class="content article-content">{PARAS}</div>', "v4-contitle"),
        (f'<h1>标题</h1><p class="subtitle">2019-04-03 中国发展网</p><div class="article">{PARAS}</div>', "v5-special"),
    ],
)
def test_each_template_is_recognised(markup, name):
    root = parse_html(page(markup))
    matched = [t.name for t in TEMPLATES if apply_template(root, t) is not None]
    assert matched[0] == name


def test_no_template_falls_back_to_generic_with_date_near_title():
    html = page(
        f'<article><h2 class="headline">某地推进一项新工作</h2><time>2022年06月10日 09:15</time> 来源：人民日报'
        f'<section>{PARAS * 2}</section></article><footer>版权所有 2005-2022</footer>',
        title="某地推进一项新工作-中国发展网",
    )
    result = extract_article(html, "http://www.chinadevelopment.com.cn/news/zj/2022/0610/1800002.shtml", source=CDN, fetched_at=NOW)
    assert result.extractor == "generic:trafilatura"
    assert result.title == "某地推进一项新工作"
    assert result.published_at == "2022-06-10T09:15:00+08:00"
    assert result.outlet == "人民日报"
    assert result.body_text.startswith("第1段正文")


def test_metadata_date_when_the_page_has_no_meta_line():
    html = page(
        f'<h1 id="article-content-title">标题</h1><div class="article-detail-inner">{PARAS}</div>',
        head='<meta name="publishdate" content="2022-06-08 11:39:00">',
    )
    result = extract_article(html, "http://www.chinadevelopment.com.cn/news/zj/2022/06/1800003.shtml", source=CDN, fetched_at=NOW)
    assert result.published_at == "2022-06-08T11:39:00+08:00" and result.date_stage == "metadata:meta.publishdate"


def test_url_date_is_the_last_resort_and_month_urls_give_none():
    body = f'<h1 id="article-content-title">标题</h1><div class="article-detail-inner">{PARAS}</div>'
    dated = extract_article(page(body), "http://www.chinadevelopment.com.cn/zxsd/2026/0825/2011961.shtml", source=CDN, fetched_at=NOW)
    assert dated.published_at == "2026-08-25T00:00:00+08:00" and dated.date_stage == "url"
    undated = extract_article(page(body), "http://www.chinadevelopment.com.cn/news/zj/2019/04/1486809.shtml", source=CDN, fetched_at=NOW)
    assert undated.published_at is None and undated.date_raw is None


@pytest.mark.parametrize("garbage", [b"", b"   ", b"\x00\xff\xfe garbage \x81", b"<html><body><div><div><p>", b"<" * 10000, "<html>" + "<div>" * 5000])
def test_extractor_never_raises_on_garbage(garbage):
    result = extract_article(garbage, "http://example.com/x.html", fetched_at=NOW)
    # no invented title, date or article: garbage yields at most its own few characters
    assert result.published_at is None and result.title == ""
    assert len(result.body_text) < 20


def test_json_ld_and_open_graph_metadata():
    root = parse_html(page(
        "<p>x</p>",
        head='<script type="application/ld+json">{"@type":"NewsArticle","headline":"JSON标题","datePublished":"2022-06-08T11:39:00+08:00"}</script>'
        '<meta property="og:title" content="OG标题"><meta property="article:published_time" content="2022-06-07T10:00:00+08:00">',
    ))
    meta = page_metadata(root)
    assert meta.title == "JSON标题"
    assert meta.date(NOW).iso == "2022-06-08T11:39:00+08:00" and meta.date_origin == "jsonld.datePublished"


def test_marked_up_dates_are_what_their_xpaths_find():
    """_marked_up_dates walks the page's elements once (issue 12): it finds what the three
    XPaths of the definition find, in their order, on pages of every mix of the markup."""
    import random

    import lxml.html

    from crawler.extraction.page_metadata import _marked_up_dates
    from crawler.extraction.text import normalize_space

    def by_xpath(root):
        found = []
        for el in root.xpath("//body//*[contains(concat(' ', normalize-space(@itemprop), ' '), ' datePublished ')]"):
            value = el.get("datetime") or el.get("content") or normalize_space(el.text_content())
            if value:
                found.append(("markup.itemprop", value))
        found += [("markup.time_pubdate", el.get("datetime")) for el in root.xpath("//time[@pubdate][@datetime]")]
        if not found:
            found += [("markup.time", el.get("datetime"))
                      for el in root.xpath("(//article//time[@datetime] | //header//time[@datetime])[1]")]
        return found[:3]

    props = ['itemprop="datePublished"', 'itemprop=" author\tdatePublished\n"', 'itemprop="datePublishedX"',
             'itemprop="dateModified"', "itemprop=''", 'itemprop="a\u00a0datePublished"', 'content="2024-05-0{n}"',
             'datetime="2024-06-0{n}"', "datetime=''", "pubdate", 'class="x"']
    tags = ["div", "span", "time", "meta", "article", "header", "p", "TIME"]
    rng = random.Random(7)

    def element(depth, n):
        tag = rng.choice(tags)
        attrs = " ".join(rng.choice(props).format(n=n % 10) for _ in range(rng.randint(0, 3)))
        inner = "".join(element(depth + 1, n * 3 + i) for i in range(rng.randint(0, 3))) if depth < 4 else "x"
        return f"<{tag} {attrs}>{inner} {n}</{tag}>"

    hits = 0
    for n in range(400):
        head = element(3, n) if rng.random() < 0.3 else ""
        root = lxml.html.document_fromstring(f"<html><head>{head}</head><body>{element(0, n)}{element(1, n + 1)}</body></html>")
        expected = by_xpath(root)
        assert _marked_up_dates(root) == expected, lxml.html.tostring(root)
        hits += bool(expected)
    assert 100 < hits < 400   # the mixes found dates of every kind, and none


def test_refused_characters_go_as_the_regex_removes_them():
    """parse_html looks for the characters libxml2 refuses with numpy before the regex
    removes them (issue 12): the text must be the regex's, for every mix."""
    import random

    from crawler.extraction.article import _CONTROL_RE, without_refused_characters

    alphabet = [chr(c) for c in range(0x20)] + ["a", " ", "<p>", "中", "\ufffd", "\ufffe", "\uffff", "\U0001F600", "\udc80", "\u0100"]
    rng = random.Random(11)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert without_refused_characters(text) == _CONTROL_RE.sub("", text), repr(text)
    clean = "<p>a\tb\nc\r中\U0001F600</p>"
    assert without_refused_characters(clean) is clean   # nothing to remove: the text itself


def test_choose_title_prefers_h1_that_agrees_with_title_tag():
    root = parse_html(page("<h1>网站名称</h1><h1>真正的标题文字</h1>", title="真正的标题文字_中国发展网"))
    assert title_with_source(root, ("中国发展网",)) == ("真正的标题文字", "h1")


def test_leading_headline_and_meta_line_are_dropped_from_generic_bodies():
    container = lxml.html.fragment_fromstring("<h2>标题文字</h2><p>来源：中国发展网 2022-06-08</p><p>正文第一句。</p>", create_parent="div")
    blocks = trim_blocks(body_blocks(container, None, split_br=True), "标题文字")
    assert [block.text for block in blocks] == ["正文第一句。"]


def test_decoding_gbk_served_as_utf8():
    text = "<html><head><meta charset='gb2312'></head><body>中国发展网讯 堃</body></html>"
    raw = text.encode("gbk")
    decoded, encoding = decode_html(raw, "text/html; charset=utf-8")
    assert encoding == "gb18030" and "中国发展网讯 堃" in decoded
    assert detect_encoding("纯文本".encode()) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf<p>x</p>") == "utf-8"
    assert normalize_encoding("GB2312") == "gb18030" and normalize_encoding("nonsense") is None


def test_source_lookup_by_host():
    assert source_for_url("http://finance.chinadevelopment.com.cn/yw/2022/06/1.shtml") is CDN
    assert source_for_url("http://example.com/") is None
    assert CDN.is_article_url("http://special.chinadevelopment.com.cn/2019zt/topic/2019/04/1484552.shtml")
    assert CDN.is_article_url("http://gjxq.chinadevelopment.com.cn/zxbd/2019/1484552.shtml")
    assert not CDN.is_article_url("http://www.chinadevelopment.com.cn/jbxx/1000001.shtml")
    assert not CDN.is_article_url("http://www.chinadevelopment.com.cn/news/zj/index_2.shtml")


def test_the_page_editor_is_the_first_short_editor_line():
    # _page_editor first looks for the words in the page's text (issue 12); the answer must be
    # the plain search's: the first p/div/span, in document order, whose text holds 责任编辑
    # or 责编, is shorter than 80 characters and names an editor
    import lxml.html

    from crawler.extraction.article import _page_editor
    from crawler.extraction.body import string_value
    from crawler.extraction.bylines import parse_editor

    def plain(root):
        for el in root.iter("p", "div", "span"):
            text = string_value(el)
            if ("责任编辑" in text or "责编" in text) and len(text) < 80 and parse_editor(text):
                return parse_editor(text)
        return None

    pages = [
        "<div><p>正文</p><span>责任</span><b>编辑：张三</b> 尾巴</div>",  # the word split over two nodes
        "<div><p>正文</p><b>x</b>责编：李四<p>后</p></div>",  # in a tail
        "<div><p>" + "长" * 90 + "责任编辑：王五</p><span>责任编辑：赵六</span></div>",  # too long, then a span
        "<div><p>责任心</p><p>编辑：孙七</p></div>",  # 责 without either word
        "<table><tr><td>责任编辑：周八</td></tr></table>",  # no p/div/span holds it
    ]
    for body in pages:
        root = lxml.html.document_fromstring(f"<html><body>{body}</body></html>")
        assert _page_editor(root) == plain(root), body
    assert [_page_editor(lxml.html.document_fromstring(f"<html><body>{b}</body></html>")) for b in pages[:3]] == ["张三", "李四后", "赵六"]
