"""Hostile page text through a real ``jekyll build`` of an exported site.

Jekyll renders a post's content with Liquid, then kramdown: text from pages
(titles, digests, bodies, outlet names, URLs) must be neither. One build for
all hostile posts; skipped only when Debian's ``jekyll`` is not installed
(``scripts/test`` installs it via apt-get when run as root).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest

from crawler.export import export_site
from crawler.extraction.body import plain_text, sanitize_html
from crawler.post import harden_post, render_post
from crawler.store import Store
from pipelines.store import story_row

from .helpers import make_item

EVAL = "{{ 6173 | times: 7 }}"  # 43211 when Liquid evaluates it
EVALUATED = "43211"

HOSTILE = [
    # (title, outlet, digest, body_html, url)
    (
        f"{EVAL} {{% include nope.html %}} <img src=x onerror=alert(1)> [t](javascript:alert(1))",
        "{{ site.source }}日报",
        f"[d](javascript:alert(1)) {EVAL} {{% if x %}} <script>alert(1)</script> *e*{{: onmouseover=\"alert(1)\"}} "
        "{::nomarkdown}<b onclick=alert(1)>q</b>{:/} <javascript:alert(1)>",
        "<p>a [x](javascript:alert(1)) {% if %} b</p> <p>[y] (javascript:alert(1))</p> [w](javascript:alert(5)) "
        "<p><a href=\"http://example.com/{{site.source}}\">ok</a> *em*{: onmouseover=\"alert(1)\"}</p>",
        "http://example.com/{{site.source}}/a.html",
    ),
    (
        "*x*{: onclick=\"alert(1)\"} {% raw %} {% endraw %}",
        "<b onmouseover=alert(1)>网</b>",
        None,
        # an aggregator's plain-text body: bare text lines, no tags
        sanitize_html(
            f"[x](javascript:alert(1)) {EVAL} {{% raw %}}{{% endraw %}} {{% include x.html %}}\n"
            "![i](javascript:alert(3)) [r] {{{ site.source }}} {%- comment -%}\n[r]: javascript:alert(2)\n"
            "{: onclick=\"alert(4)\"}"
        ),
        "http://example.com/b.html",
    ),
    (
        "普通标题",
        "某网",
        plain_text("摘要 &lt;img src=x onerror=alert(1)&gt; [a]: javascript:alert(1) [a]"),
        "<p>正文 {% endraw %} [^1] 文字</p> <p>[^1]: <a href=\"http://e/x\">javascript:alert(1)</a> {{</p>",
        "http://example.com/c.html",
    ),
]

LAYOUT_POST = """<!DOCTYPE html><html><head><title>{{ page.title }}</title></head>
<body><h1>{{ page.title }}</h1><h2>{{ page.title | markdownify }}</h2><p>{{ page.tags | join: " " }}</p>
{{ content }}</body></html>
"""
LAYOUT_CATEGORY = """<!DOCTYPE html><html><head><title>{{ page.title }}</title></head>
<body><h1>{{ page.title }}</h1><ul>{% for post in site.categories[page.category] %}
<li>{{ post.title }} {{ post.excerpt }}</li>{% endfor %}</ul>{{ content }}</body></html>
"""
URL_ATTRS = {"href", "src", "action", "formaction", "data", "srcset", "poster", "background", "xlink:href", "cite"}


def jekyll_or_skip() -> str:
    exe = shutil.which("jekyll")
    if not exe:
        pytest.skip("jekyll is not installed: scripts/test installs Debian's jekyll package with apt-get "
                    "when run as root; install it with `apt-get install jekyll` to run this test")
    return exe


def hostile_store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "stories.sqlite")
    for n, (title, outlet, digest, body, url) in enumerate(HOSTILE):
        item = make_item(story_id=f"hostile-{n}", url=url, outlet=outlet, title=title,
                         published_at=f"2022-06-0{n + 1}T10:00:00+08:00", body_html=body,
                         body_text=f"正文第{n}篇，足够长的一段文字，与其他篇不同。")
        item["post"] = render_post(title=item["title"], published_at=item["published_at"], slug=item["slug"],
                                   tag=item["tag"], outlet=item["outlet"], body_html=item["body_html"],
                                   link=item["url"], digest=digest)
        store.insert_story(story_row(item), None)
    # a post stored by an earlier version, before page text was made inert
    item = make_item(story_id="old-0", url="http://example.com/old.html", title="旧 {{ site.source }}",
                     published_at="2022-06-05T10:00:00+08:00", body_text="旧的正文，足够长的一段文字，与其他篇不同。")
    item["post"] = (
        '---\nlayout: post\ntitle: "旧 {{ site.source }} <i onclick=alert(1)>x</i>"\ndate: 2022-06-05 10:00:00 +0800\n'
        "categories: zhongguofazhanwang\ntags: 中国发展网新闻\n---\n"
        f"> [d](javascript:alert(1)) {EVAL}\n\n<p>{EVAL} {{% include nope.html %}}</p> [w](javascript:alert(5))"
        '<p class="em_media">（文章来源：中国发展网）</p>\n\n<http://example.com/{{site.source}}>\n\n'
        "[返回中国发展网新闻](//finews.withounder.com/category/zhongguofazhanwang.html)｜[返回首页](//finews.withounder.com/)"
    )
    store.insert_story(story_row(item), None)
    return store


def active_content(page: Path) -> list[str]:
    found = []
    root = lxml.html.fromstring(page.read_text(encoding="utf-8"))
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag.lower() in {"script", "iframe", "object", "embed", "base", "form"}:
            found.append(f"<{el.tag}>")
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"<{el.tag} {name}=…>")
            if name.lower() in URL_ATTRS and value.strip().lower().replace("\t", "").replace("\n", "").startswith(("javascript:", "vbscript:", "data:")):
                found.append(f"<{el.tag} {name}={value!r}>")
    return found


def test_hostile_posts_build_and_stay_inert(tmp_path):
    jekyll = jekyll_or_skip()
    site = tmp_path / "site"
    store = hostile_store(tmp_path)
    report = export_site(store, site)
    store.close()
    assert len([p for p in report.written if p.startswith("_posts/")]) == len(HOSTILE) + 1
    (site / "_layouts").mkdir()
    (site / "_layouts" / "post.html").write_text(LAYOUT_POST, encoding="utf-8")
    (site / "_layouts" / "category.html").write_text(LAYOUT_CATEGORY, encoding="utf-8")
    (site / "_config.yml").write_text("title: test\nmarkdown: kramdown\n", encoding="utf-8")
    out = tmp_path / "_site"
    build = subprocess.run([jekyll, "build", "--source", str(site), "--destination", str(out)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= len(HOSTILE) + 2  # the posts and their category pages
    problems = {str(p.relative_to(out)): active_content(p) for p in pages}
    assert {k: v for k, v in problems.items() if v} == {}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert EVALUATED not in html, page
        assert str(site) not in html, f"{page}: {{{{ site.source }}}} was evaluated"
    post0 = next(p for p in pages if "hostile-0" in p.name)
    text = lxml.html.fromstring(post0.read_text(encoding="utf-8")).text_content()
    # the page text is still readable: the reader sees what the page said
    assert EVAL in text and "[x](javascript:alert(1))" in text and "{{ site.source }}日报" in text


def test_posts_without_markers_are_unchanged_by_hardening(seed_post):
    assert harden_post(seed_post) == seed_post


def test_hostile_posts_render_idempotently():
    for title, outlet, digest, body, url in HOSTILE:
        post = render_post(title=title, published_at="2022-06-08T11:39:20+08:00", slug="x", tag=f"{outlet}新闻",
                           outlet=outlet, body_html=body, link=url, digest=digest)
        assert harden_post(post) == post
        assert "{{" not in post and "{%" not in post and "{:" not in post
        assert "](javascript" not in post
