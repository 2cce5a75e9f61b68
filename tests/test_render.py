"""Rendering: the seed's format byte for byte, and titles that survive YAML."""

import re
from pathlib import Path

import pytest
import yaml

from crawler.post import render_post, yaml_double_quoted, yaml_scalar
from pipelines.slugs import slugify

GOLDEN = Path(__file__).parent / "golden"


def front_matter(post: str) -> dict:
    assert post.startswith("---\n")
    return yaml.safe_load(post.split("---\n")[1])


def seed_fields(seed: str) -> dict:
    fm = front_matter(seed)
    rest = seed.split("---\n", 2)[2]
    body, link, nav = rest.split("\n\n")
    return {
        "title": fm["title"],
        "date": fm["date"],
        "body": body,
        "link": link.strip("<>"),
        "nav": nav,
    }


def test_seed_post_reproduced_byte_for_byte(seed_post):
    fields = seed_fields(seed_post)
    post = render_post(
        title=fields["title"],
        published_at="2022-06-08T11:39:20+08:00",
        slug=slugify("中国发展网"),
        tag="中国发展网新闻",
        outlet="中国发展网",
        body_html=fields["body"],
        link=fields["link"],
    )
    assert post == seed_post
    assert not post.endswith("\n")


def test_invented_golden_post():
    post = render_post(
        title='央行回应"数字人民币\\试点": 进展顺利',
        published_at="2023-01-02T08:05:00+08:00",
        slug=slugify("安信国际证券(香港)"),
        tag="安信国际证券(香港)新闻",
        outlet="安信国际证券(香港)",
        body_html="<p>第一段。</p> <p>第二段，含<strong>强调</strong>。</p>",
        link="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW1",
    )
    expected = (GOLDEN / "invented-post.md").read_text(encoding="utf-8")
    assert post == expected
    assert front_matter(post)["title"] == '央行回应"数字人民币\\试点": 进展顺利'


HOSTILE_TITLES = [
    'He said "yes": it\'s \\done\\',
    "line one\nline two",
    "colon: space # hash & ampersand * star ! bang",
    "tab\there and \r carriage",
    '"""',
    "\\",
    "- looks like a list",
    "[not, a, list]",
    "{not: a map}",
    "null",
    "2022-06-08",
    "unicode \u2028 line separator \u0085 next line \ufeff bom",
    "中文标题：“引号”与‘单引号’",
    "control \x07 bell \x1b escape",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_round_trip_through_yaml(title):
    post = render_post(
        title=title,
        published_at="2022-06-08T11:39:20+08:00",
        slug="x",
        tag="某网新闻",
        outlet="某网",
        body_html="<p>正文</p>",
        link="http://example.com/a",
    )
    header = post.split("---\n")[1]
    assert len(re.findall(r"^title: ", header, flags=re.M)) == 1
    assert front_matter(post)["title"] == title
    # front matter is still exactly six keys
    assert set(front_matter(post)) == {"layout", "title", "date", "categories", "tags"}


def test_title_line_is_one_line():
    assert "\n" not in yaml_double_quoted("a\nb" * 500)


def test_plain_scalar_only_when_safe():
    assert yaml_scalar("中国发展网新闻") == "中国发展网新闻"
    assert yaml.safe_load("x: " + yaml_scalar("a: b新闻"))["x"] == "a: b新闻"
    assert yaml.safe_load("x: " + yaml_scalar("null"))["x"] == "null"


def test_rolling_feed_digest_is_a_quote_before_the_body():
    post = render_post(
        title="t", published_at="2022-06-08T11:39:20+08:00", slug="emnews", tag="东财滚动新闻",
        outlet="东财滚动", body_html="<p>正文</p>", link="http://e/x", digest="摘要一句",
    )
    body = post.split("---\n", 2)[2]
    assert body.startswith("> 摘要一句\n\n<p>正文</p>")


def test_site_story_gets_attribution_once():
    post = render_post(
        title="t", published_at="2022-06-08T11:39:20+08:00", slug="renminribao", tag="人民日报新闻",
        outlet="人民日报", body_html="<p>正文</p>", link="http://e/x",
    )
    assert post.count('class="em_media"') == 1
    assert '<p>正文</p><p class="em_media">（文章来源：人民日报）</p>' in post
    assert post.endswith("[返回人民日报新闻](//finews.withounder.com/category/renminribao.html)｜[返回首页](//finews.withounder.com/)")


# --- page text never becomes Liquid or Markdown syntax ------------------------------------

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.post import harden_post, inert_html, inert_text

MARKUP_TEXT = st.text(alphabet=st.sampled_from(list("{}[]()%:!<>&#^|*_`\\ \nab中文")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(title=MARKUP_TEXT, outlet=MARKUP_TEXT, digest=MARKUP_TEXT, text=MARKUP_TEXT)
def test_rendered_posts_hold_no_liquid_or_link_syntax_and_harden_is_the_identity(title, outlet, digest, text):
    body = "<p>" + html_escape(text) + "</p>"
    post = render_post(title=title, published_at="2022-06-08T11:39:20+08:00", slug="x", tag=f"{outlet}新闻",
                       outlet=outlet, body_html=body, link="http://e.test/a?q={{x}}", digest=digest or None)
    content = post.split("\n---\n", 1)[1]
    nav = content.rsplit("\n\n", 1)[1]
    assert "{{" not in post and "{%" not in post and "{:" not in post
    assert not re.search(r"\]\s*[(\[:]", content[: -len(nav)])
    assert harden_post(post) == post
    assert front_matter(post)["title"] == inert_text(title)


def html_escape(text: str) -> str:
    import html
    return html.escape(text, quote=False)


@pytest.mark.parametrize("text", ["普通正文", "a [b] c", "{not liquid}", "price: 5%", "x } y %} z", "S&P 500"])
def test_text_without_markers_is_unchanged(text):
    assert inert_html(text) == text and inert_text(text) == text


def test_markers_become_entities():
    assert inert_html("{{ site.source }}") == "&#123;{ site.source }}"
    assert inert_html("{% if %}{%- x -%}") == "&#123;% if %}&#123;%- x -%}"
    assert inert_html("*x*{: onclick=1}") == "*x*&#123;: onclick=1}"
    assert inert_html("[x](javascript:1)") == "&#91;x&#93;(javascript:1)"
    assert inert_html("[r]: javascript:1") == "&#91;r&#93;: javascript:1"
    assert inert_text("<img onerror=1> & [a] (b)") == "&lt;img onerror=1&gt; &amp; &#91;a&#93; (b)"


def test_render_pipeline_drops_a_date_that_cannot_be_a_post_date():
    from scrapy.settings import Settings

    from crawler import settings as project_settings
    from crawler.drops import DropStory
    from pipelines.render import RenderPipeline

    pipeline = RenderPipeline(Settings({k: getattr(project_settings, k) for k in ("SITE_BASE", "POST_CATEGORY_URL", "POST_HOME_URL")}))
    item = {"title": "t", "published_at": "9999-12-31T23:59:59-12:00", "slug": "x", "tag": "某网新闻", "outlet": "某网",
            "body_html": "<p>正文</p>", "url": "http://e.test/a"}
    with pytest.raises(DropStory) as caught:
        pipeline.process_item(item)
    assert caught.value.reason == "bad_publication_date"
    item["published_at"] = "2022-06-08T11:39:20+08:00"
    assert pipeline.process_item(item)["post"].startswith("---\nlayout: post\n")
