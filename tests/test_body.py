import copy
import random
import re
from html import escape

import lxml.html
from lxml import etree

from crawler.extraction.body import body_text, clean_body_element, join_lines, sanitize_html

BASE = "http://www.chinadevelopment.com.cn/news/zj/2022/06/1800001.shtml"


def clean(html: str) -> str:
    return clean_body_element(lxml.html.fragment_fromstring(html, create_parent="div"), BASE)


def test_sanitize_removes_scripts_handlers_and_javascript_urls():
    out = sanitize_html(
        '<p onclick="steal()">正文<script>alert(1)</script><a href="javascript:alert(1)">链接</a>'
        '<img src="x.jpg" onerror="boom()"></p><style>p{}</style><iframe src="http://evil"></iframe>',
        BASE,
    )
    assert "script" not in out and "onclick" not in out and "onerror" not in out
    assert "javascript" not in out and "iframe" not in out and "style" not in out
    assert 'src="http://www.chinadevelopment.com.cn/news/zj/2022/06/x.jpg"' in out


def test_sanitize_keeps_allowed_structure_and_em_media_class():
    html = (
        '<p>一<em>二</em><strong>三</strong><a href="http://a.cn/x">四</a></p> '
        '<ul><li>五</li></ul><table><tbody><tr><td>六</td></tr></tbody></table>'
        '<p class="em_media">（文章来源：中国发展网）</p><p class="evil">七</p>'
    )
    out = sanitize_html(html)
    assert '<em>二</em><strong>三</strong><a href="http://a.cn/x">四</a>' in out
    assert "<ul><li>五</li></ul>" in out and "<td>六</td>" in out
    assert '<p class="em_media">（文章来源：中国发展网）</p>' in out
    assert "<p>七</p>" in out


def test_sanitize_removes_fullwidth_indent_and_newlines_only():
    assert sanitize_html("<p>　　第一段  两个空格</p>\n<p>　　第二段</p>") == "<p>第一段  两个空格</p> <p>第二段</p>"


def test_join_lines_equals_the_regex_it_replaces():
    # join_lines is written with str.split() for speed; the regex is what it must equal
    line_break_run = re.compile(r"\s*[\r\n]+\s*")
    pieces = [" ", "\n", "\r", "\r\n", "\t", "\u3000", "\xa0", "\x0b", "\x1c", "\u2028", "a", "中", "<p>"]
    rng = random.Random(7)
    for _ in range(30000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert join_lines(text) == line_break_run.sub(" ", text), repr(text)


def test_protocol_relative_images_become_absolute():
    assert 'src="http://img.eastmoney.com/x.jpg"' in sanitize_html('<img src="//img.eastmoney.com/x.jpg">', BASE)


def test_site_body_urls_are_made_absolute_on_the_tree_and_hostile_ones_removed():
    """clean_body_element makes link and image URLs absolute on the tree and sanitizes without
    the attribute callback (issue 12): no hostile scheme gets through either way, and URLs
    come out as the callback made them, but for whitespace around or inside the value
    (browsers drop it; the callback saw it %-escaped, which broke the link)."""
    hostile = [
        "javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "jav&#x61;script:alert(1)",
        "&#106;avascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)", "",
    ]
    links = "".join(f'<p><a href="{url}">链{n}</a><img src="{url}" alt="图{n}"></p>' for n, url in enumerate(hostile))
    out = clean(links)
    assert "javascript" not in out.lower() and "data:" not in out and "vbscript" not in out
    assert "href" not in out and "src" not in out
    assert all(f"链{n}" in out and f'alt="图{n}"' in out for n in range(len(hostile)))

    kept = (
        '<p><a href="../a.html">一</a> <a href="http://x.cn/b?c=1&amp;d=2#e">二</a> <a href="mailto:a@x.cn">三</a>'
        '<img src="//img.x.cn/1.jpg"><img data-src="/lazy.jpg"><img src="图片/二.jpg"></p>'
    )
    out = clean(kept)
    # what the sanitizer's callback makes of the same blocks
    from crawler.extraction.body import _join_elements, _kept_blocks

    # (without a base URL the tree keeps them relative: the callback joins them)
    blocks = _kept_blocks(lxml.html.fragment_fromstring(kept, create_parent="div"), split_br=False, in_place=True, base_url=None)
    assert out == _join_elements([block for block, _ in blocks], BASE, urls_absolute=False)
    assert 'href="http://www.chinadevelopment.com.cn/news/zj/2022/a.html"' in out
    assert 'href="http://x.cn/b?c=1&amp;d=2#e"' in out and 'href="mailto:a@x.cn"' in out
    assert 'src="http://img.x.cn/1.jpg"' in out and 'src="http://www.chinadevelopment.com.cn/lazy.jpg"' in out
    assert 'src="http://www.chinadevelopment.com.cn/news/zj/2022/06/%E5%9B%BE%E7%89%87/%E4%BA%8C.jpg"' in out

    spaced_links = '<p><a href=" http://x.cn/a.html\n ">一</a><img src="http://x.cn/1.jpg\n"><a href="htt\np://x.cn/b">二</a></p>'
    spaced = clean(spaced_links)
    assert 'href="http://x.cn/a.html"' in spaced and 'src="http://x.cn/1.jpg"' in spaced and 'href="http://x.cn/b"' in spaced
    # generic extraction's blocks too, joined or one by one
    from crawler.extraction.body import body_blocks, join_blocks

    blocks = body_blocks(lxml.html.fragment_fromstring(spaced_links + "<p>二段</p>", create_parent="div"), BASE, split_br=True)
    assert join_blocks(blocks) == spaced + " <p>二段</p>" and blocks[0].html == spaced
    hostile_blocks = body_blocks(lxml.html.fragment_fromstring(links, create_parent="div"), BASE)
    assert "href" not in join_blocks(hostile_blocks) and all("src" not in block.html for block in hostile_blocks)


def test_clean_body_drops_summary_comments_widgets_and_editor():
    out = clean(
        "<p>摘要：这是摘要，不是正文。</p>"
        "<!-- 注释 --><p>　　第一段正文内容。</p>"
        '<p><img src="../../images/a.jpg"></p>'
        "<script>var x = 1;</script>"
        '<div class="bdsharebuttonbox">分享到：微博 微信</div>'
        "<p>　　第二段正文内容。</p>"
        "<p>责任编辑：张三</p>"
    )
    assert "摘要" not in out and "注释" not in out and "分享" not in out and "责任编辑" not in out
    assert "var x" not in out
    assert out.startswith("<p>第一段正文内容。</p> ")
    assert 'src="http://www.chinadevelopment.com.cn/news/zj/images/a.jpg"' in out
    assert out.endswith("<p>第二段正文内容。</p>")
    assert "\n" not in out


def test_clean_body_wraps_loose_text_and_br_lines_in_paragraphs():
    out = clean("第一行文字<br>第二行文字<br><div>第三块</div>")
    assert out == "<p>第一行文字</p> <p>第二行文字</p> <p>第三块</p>"


def test_body_text_one_line_per_block_without_attribution():
    html = '<p>第一段。</p> <p>第二段 <strong>强调</strong>。</p><p class="em_media">（文章来源：中国发展网）</p>'
    assert body_text(html) == "第一段。\n第二段 强调。"


def test_body_text_of_garbage_is_empty():
    assert body_text("") == ""
    assert body_text("   ") == ""


def test_trs_editor_body_wrapper_is_not_a_widget_but_pagers_and_editor_notes_are():
    out = clean(
        '<div class="TRS_Editor"><p>短文正文第一段内容。</p><p>第二段。</p></div>'
        '<div class="zdfy clearfix"><a href="#">1</a><a href="#">2</a><a href="#">下一页</a></div>'
        '<div id="autopage"><a href="#">下一页</a></div>'
        "<p>1 2 下一页</p><p>（责编：王五、李六）</p><p>分享让更多人看到</p>"
    )
    assert out == "<p>短文正文第一段内容。</p> <p>第二段。</p>"


def test_string_value_is_text_content():
    """string_value (libxml2's node content, issue 12) returns what lxml.html's text_content() does:
    descendants' text, tails inside, no comments, no own tail, entities resolved."""
    from crawler.extraction.body import string_value

    root = lxml.html.fromstring(
        "<div><p>一<b>二</b>三<!-- 注释 -->四&amp;<span>五<i>六</i></span>七</p>尾<ul><li>&#x4e03; 八</li></ul><p></p>"
        "<p><!-- 只有注释 --></p><p>文字<!-- 注释 --></p><p>&lt;b&gt;不是标签&nbsp;</p><script>var a = '<p>';</script></div>"
    )
    for el in root.iter():
        if isinstance(el.tag, str):
            # a leaf is read as its own text, the others through the serializer: both as text_content()
            assert string_value(el) == el.text_content()
            assert string_value(el) == etree.tostring(el, method="text", encoding="unicode", with_tail=False)
    assert string_value(root[0]) == "一二三四&五六七"


def test_a_body_of_block_children_flattens_as_the_walk_does():
    # _blocks skips the walk when every child is a block with only whitespace around (issue 12);
    # the walk's answer on a copy is what it must give, and bodies that are not such a row walk
    from crawler.extraction.body import _blocks, _Flattener, _only_blocks

    def walked(container):
        flattener = _Flattener(split_br=False, copy_blocks=True)
        flattener.walk(container)
        flattener.flush()
        return [lxml.html.tostring(block, encoding="unicode") for block in flattener.blocks]

    bodies = {
        "<div>\n <p>一</p>\n <p>二<b>粗</b></p>\u3000<table><tr><td>表</td></tr></table> <h2>题</h2>\n</div>": True,
        "<div><p>一</p>夹着的字<p>二</p></div>": False,
        "<div>开头的字<p>一</p></div>": False,
        "<div><p>一</p><span>行内</span></div>": False,
        "<div><p>一</p><div>块</div></div>": False,
        "<div><P>大写</P><p>二</p></div>": True,
    }
    for html, only_blocks in bodies.items():
        container = lxml.html.fragment_fromstring(html)
        assert _only_blocks(container) is only_blocks, html
        expected = walked(copy.deepcopy(container))
        assert [lxml.html.tostring(block, encoding="unicode") for block in _blocks(container, copy_blocks=False)] == expected, html


def test_blocks_joined_by_a_space_sanitize_as_blocks_joined_by_a_line_break():
    # _serialize_blocks puts a space between the blocks where a line break used to be, which
    # sanitize_html turned into that space (issue 12): every block of every kind, with line
    # breaks, spaces and indentation inside and around its text, must come out the same
    from crawler.extraction.body import _join_elements, _serialize_blocks

    def newline_joined(elements):
        html = sanitize_html("\n".join(etree.tostring(e, method="html", encoding="unicode", with_tail=False) for e in elements), BASE)
        return re.sub(r"<p></p>\s?", "", re.sub(r"<p>\s+", "<p>", html)).strip()

    blocks = [
        "<p>一\n 二</p>", "<p>\n　　缩进\n</p>", "<pre>\ncode\n  kept</pre>", "<hr>", "<p> </p>", "<p></p>",
        "<table><tr><td>\n表\n</td></tr></table>", "<ul><li>一</li>\n<li>二</li></ul>", "<h2>\n题 </h2>",
        "<p><img src='a.jpg'>\n</p>", "<blockquote>\r\n引</blockquote>", "<p>&nbsp;<br></p>", "<p>尾 </p>",
    ]
    rng = random.Random(3)
    for _ in range(300):
        chosen = [lxml.html.fragment_fromstring(rng.choice(blocks)) for _ in range(rng.randint(1, 6))]
        assert " " in _serialize_blocks(chosen) or len(chosen) == 1
        assert _join_elements(chosen, BASE, urls_absolute=False) == newline_joined(chosen), [etree.tostring(e, encoding="unicode") for e in chosen]


def test_plain_paragraphs_come_out_as_nh3_makes_them():
    # _join_elements writes a body of text-only <p> itself instead of handing it to nh3
    # (issue 12): the output must be nh3's, character for character, whatever the text holds
    from crawler.extraction import body

    def via_nh3(elements):
        html = sanitize_html(body._serialize_blocks(elements), BASE, urls_absolute=True)
        return body._EMPTY_P_TAG_RE.sub("", body._P_LEADING_SPACE_RE.sub("<p>", html)).strip()

    pool = ["&", "<", ">", '"', "'", "&amp;", "&nbsp;", "&#x41;", "\xa0", "\u3000", "\u3000\u3000", " ", "\t", "\n",
            "\x7f", "\x85", "\u2028", "\u200b", "\ufeff", "\ufdd0", "a", "中", "<script>", "{{ x }}", "[a](b)", "😀"]
    attributes = ["", ' style="text-indent: 2em;"', ' align="center" id="p1"']
    rng = random.Random(11)
    plain = 0
    for _ in range(2000):
        paragraphs = "".join(
            f"<p{rng.choice(attributes)}>" + escape("".join(rng.choice(pool) for _ in range(rng.randint(0, 8))), quote=False) + "</p>"
            for _ in range(rng.randint(1, 5))
        )
        container = lxml.html.fragment_fromstring(paragraphs, create_parent="div")
        elements = list(container)
        plain += body._plain_paragraph_texts(elements) is not None
        assert body._join_elements(elements, BASE, urls_absolute=True) == via_nh3(elements), paragraphs
    assert plain == 2000  # every body above took the new path
    # what nh3 keeps or changes is left to it
    for kept in ['<p class="em_media">字</p>', '<p lang="en">a</p>', '<p title="t">a</p>', "<p>a<b>b</b></p>",
                 "<p>a<!-- c -->b</p>", "<h2>题</h2>", "<p>a&#13;b</p>"]:
        elements = list(lxml.html.fragment_fromstring(kept, create_parent="div"))
        assert body._plain_paragraph_texts(elements) is None, kept
        assert body._join_elements(elements, BASE, urls_absolute=True) == via_nh3(elements), kept
