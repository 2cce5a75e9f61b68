"""trafilatura's XPath expressions evaluated in Python (crawler/extraction/trafilatura_paths.py)
give the XPath's answer: the same elements in the same order, on generated pages built to
reach every branch, on edge cases of XPath's string rules, and on the corpora's pages at the
very points where trafilatura evaluates them."""

from __future__ import annotations

import random
import re
from collections import Counter

import lxml.html
import pytest
from lxml import etree

from crawler.extraction import trafilatura_paths as paths

from .helpers import SHARED, shared_or_skip

INSTALLED = paths.install()
BY_PLACE = {m.where: m for m in INSTALLED}


def test_every_expression_is_replaced_for_the_installed_trafilatura():
    # a trafilatura whose expressions changed keeps its own: this says which to re-verify
    missing = [where for where, *_ in paths._EXPRESSIONS if where not in BY_PLACE]
    assert not missing, f"trafilatura's text changed for {missing}: check the matchers against it, then update the digests"
    import importlib

    baseline = importlib.import_module("trafilatura.baseline")
    assert baseline.BASIC_CLEAN_XPATH is BY_PLACE["settings.BASIC_CLEAN_XPATH"]
    assert paths.install() == INSTALLED  # idempotent


def _vocabulary() -> list[str]:
    """Words that reach the expressions' branches: their string literals and the pieces of
    their regular expressions, in several cases, with some noise."""
    words: set[str] = set()
    for matcher in INSTALLED:
        text = matcher.path
        for literal in re.findall(r"'([^']*)'", text):
            for piece in re.split(r"\|", literal):
                plain = re.sub(r"[\\^$()?:*+\[\]{}]", "", piece)
                if plain:
                    words.update({plain, plain.upper(), plain.capitalize()})
    words.update({"", " ", "x", "main", "hidden", "ad", "nav", "content", "display:none", "display: none",
                  "coo\u212aie-banner", "conſent-banner", "article-body", "Article-Body", "true", "false"})
    return sorted(words)


TAGS = ["div", "p", "span", "section", "article", "main", "aside", "footer", "item", "list", "h1", "a",
        "script", "style", "svg", "template", "fencedframe", "ul", "li", "table"]
ATTRS = ["class", "id", "style", "role", "aria-hidden", "itemprop", "data-component", "data-lp-replacement-content"]


def _random_value(rng: random.Random, vocabulary: list[str]) -> str:
    parts = [rng.choice(vocabulary) for _ in range(rng.choice((1, 1, 2, 3)))]
    return rng.choice((" ", "-", "_", "")).join(parts)


def _random_page(rng: random.Random, vocabulary: list[str]) -> etree._Element:
    root = lxml.html.Element("html")
    body = etree.SubElement(root, "body")
    nodes = [body]
    for _ in range(rng.randint(5, 80)):
        el = etree.SubElement(rng.choice(nodes), rng.choice(TAGS))
        for name in rng.sample(ATTRS, rng.randint(0, 4)):  # attributes in any order
            el.set(name, _random_value(rng, vocabulary))
        el.text = rng.choice(("", "text", None))
        el.tail = rng.choice(("", "tail", None))
        if rng.random() < 0.1:
            el.append(etree.Comment("a comment"))
        nodes.append(el)
    return root


def _answers_alike(matcher: paths.Matcher, context: etree._Element) -> bool:
    return matcher(context) == matcher.xpath(context)


def test_matchers_answer_as_their_xpath_on_generated_pages():
    rng = random.Random(20261205)
    vocabulary = _vocabulary()
    matched = Counter()
    for _ in range(400):
        page = _random_page(rng, vocabulary)
        contexts = [page, *rng.sample(list(page.iter(etree.Element)), 3)]
        for matcher in INSTALLED:
            for context in contexts:
                expected = matcher.xpath(context)
                assert matcher(context) == expected, (matcher.where, etree.tostring(context)[:2000])
                matched[matcher.where] += bool(expected)
    # the pages reach every expression: each of them found something somewhere
    assert set(matched) == set(BY_PLACE) and all(matched.values()), matched


@pytest.mark.parametrize("html, where", [
    # the string of @id|@class is the first of the two on the element
    ('<div><div class="reply-x" id="y">a</div><div id="y" class="reply-x">b</div></div>', "xpaths.OVERALL_DISCARD_XPATH[1]"),
    ('<div><div class="footer" id="x">a</div><div id="x" class="footer">b</div></div>', "settings.BASIC_CLEAN_XPATH"),
    # re:test(…, 'i') is Python's IGNORECASE: the Kelvin sign is a k
    ('<div><div class="coo\u212aiebot">a</div><p id="ONETRUST">b</p></div>', "settings.BASIC_CLEAN_XPATH"),
    # an attribute present but empty, and absent
    ('<div><div class="" id="">a</div><div>b</div><span role="">c</span><p data-lp-replacement-content="">d</p></div>', "xpaths.OVERALL_DISCARD_XPATH[0]"),
    # [not(.//h1) or …]: a heading below keeps an infinite-scroll block, unless it is an ad box
    ('<div><div class="infinite-scroll"><h1>t</h1></div><div class="infinite-scroll">x</div>'
     '<div class="mvp-post-add-box"><h1>t</h1></div></div>', "xpaths.RAW_TREE_PRUNE_XPATH[0]"),
    # .//*[p][1]: each parent's first matching child, not only the first of the page
    ('<div><section><div class="post">1</div><div class="entry">2</div></section>'
     '<main><div id="articleContent">3</div></main></div>', "xpaths.BODY_XPATH[0]"),
    # (.//*[p])[1]: the first of the page
    ('<div><section><div class="story">1</div></section><div class="FullText">2</div></div>', "xpaths.BODY_XPATH[2]"),
    ('<div><div id="Main-Content">1</div><div class="Page-Content">2</div></div>', "xpaths.BODY_XPATH[3]"),
    ('<div><p id="Teaser">1</p><span class="TEASER">2</span></div>', "xpaths.TEASER_DISCARD_XPATH[0]"),
])
def test_xpath_string_rules_are_kept(html, where):
    tree = lxml.html.fromstring(html)
    matcher = BY_PLACE[where]
    assert matcher.xpath(tree), "the case must select something"
    assert matcher(tree) == matcher.xpath(tree)


def test_a_whole_document_is_left_to_the_xpath():
    # an ElementTree context includes its root element in .//*: the XPath answers it
    doc = lxml.html.fromstring('<div class="footer"><p>x</p></div>').getroottree()
    matcher = BY_PLACE["settings.BASIC_CLEAN_XPATH"]
    assert matcher(doc) == matcher.xpath(doc) and matcher(doc)


def test_a_regex_memo_empties_when_full_and_still_answers(monkeypatch):
    monkeypatch.setattr(paths, "MEMO_LIMIT", 3)
    monkeypatch.setattr(paths, "_ANSWERS", {})
    search, other = paths._Search("^a", "i"), paths._Search("b$")
    answers = [(search(value), other(value)) for value in ("a", "b", "A", "ba", "ab", None, "a", "ab")]
    assert answers == [(True, False), (False, True), (True, False), (False, False), (True, True),
                       (False, False), (True, False), (True, True)]
    assert len(paths._ANSWERS) <= 3
    assert paths._Search("^a", "i")._slot == search._slot != other._slot  # one place per expression
    long_value = "a" + "x" * paths.MEMO_MAX_CHARS + "b"
    assert search(long_value) and other(long_value)
    assert long_value not in paths._ANSWERS  # a long value is searched, not kept


def test_matchers_answer_as_their_xpath_where_trafilatura_calls_them(monkeypatch):
    """On corpus pages, each time trafilatura evaluates one of the expressions (on its own
    cleaned and converted trees), the XPath's answer is the matcher's."""
    corpus = shared_or_skip(SHARED / "corpus")
    from crawler.extraction.article import extract_article
    from crawler.extraction.decode import decode_html

    files = [f for name in ("fundus-dev", "zh-dev", "gne-pages") for f in sorted((corpus / name / "html").glob("*"))]
    shared_or_skip(files[0] if files else corpus / "fundus-dev" / "html")
    differing: list[str] = []
    calls = Counter()
    for matcher in INSTALLED:
        def both(tree, matcher=matcher, own=matcher._match):
            answer = matcher.xpath(tree)
            calls[matcher.where] += 1
            if own(tree) != answer:
                differing.append(matcher.where)
            return answer
        monkeypatch.setattr(matcher, "_match", both)
    for i, path in enumerate(files[::3]):
        text, _ = decode_html(path.read_bytes())
        extract_article(text, f"http://127.0.0.1:1/p/{i}/0.html")
    assert not differing, Counter(differing)
    assert set(calls) == set(BY_PLACE), calls  # every expression was evaluated on real trees
