"""The shape of a source declaration and of its site extraction rules.

A source is one small module in ``crawler/sources/`` defining ``SOURCE``, a
``SourceDecl``. Nothing else needs to change to add one: the spider loader
builds a spider for every declaration (``scrapy list``, ``scrapy crawl NAME``)
and extraction finds the rules by URL host.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from cssselect import ExpressionError, SelectorError
from cssselect.parser import Class, CombinedSelector, Element, Hash
from lxml import etree
from lxml.cssselect import LxmlHTMLTranslator

SELECTOR_FIELDS = ("title", "body", "date", "outlet", "meta", "editor")
_ASCII_UPPER, _ASCII_LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"


class _Translator(LxmlHTMLTranslator):
    """What lxml's element.cssselect() uses (HTML rules, case-insensitive names), except that
    ``:contains()`` is plain XPath (``translate()`` folds ASCII case) instead of lxml's
    lower-case() extension: an expression calling an extension had to be compiled again on
    every call (it loses the function's namespace after other documents are parsed), which made a ``:contains()`` selector cost twice another (issue 12,
    bench/site_rules.py). Only non-ASCII capitals (É, Ж) are no longer folded."""

    # The combinators below test the subject's ancestors (or parent) instead of walking down from
    # every match of the left side: "div.rm_txt h1" is h1[ancestor::div[…rm_txt…]], not
    # div[…rm_txt…]/descendant::h1. The page has few h1 and each has few ancestors, while the
    # class test would run on every div: a third of the cost (15.5 → 5.9 µs on a people.com.cn
    # page; issue 12). The node-set is the same, in the same document order, as long as the
    # context node is the page's root element (nothing is above it) — Template.select's
    # contract — and no step counts positions (position(), last(), [n]: they differ per axis),
    # for which cssselect's own form is kept.
    def xpath_descendant_combinator(self, left, right):
        if _single_step(left) and _single_step(right) and (right.element != "*" or right.condition):
            return right.add_condition(f"ancestor::{left}")
        return super().xpath_descendant_combinator(left, right)

    def xpath_child_combinator(self, left, right):
        if _single_step(left) and _single_step(right):
            return right.add_condition(f"parent::{left}")
        return super().xpath_child_combinator(left, right)

    # A subject that names no element ("#artiContent", ".artTitle") is tested on every element of
    # the page, which libxml2 does slowly: reaching the elements through their id or class
    # attributes, *[…] → */@id[. = 'x']/parent::*[…], halves it (88 elements: 22.5 → 9.9 µs;
    # issue 12). The attribute step is only a necessary condition (the full test stays on the
    # parent), so the nodes are the same, in document order. A subject with a tag is left
    # alone: libxml2's name test already skips the other elements faster than this would.
    def selector_to_xpath(self, selector, prefix="descendant-or-self::", translate_pseudo_elements=False):
        expression = super().selector_to_xpath(selector, prefix, translate_pseudo_elements)
        step = _attribute_step(selector.parsed_tree, self)
        if step and prefix == "descendant-or-self::" and not selector.pseudo_element:
            subject = self.xpath(selector.parsed_tree)
            if _single_step(subject) and subject.element == "*":
                return f"{prefix}*/{step}/parent::{subject}"
        return expression

    def xpath_contains_function(self, xpath, function):
        if function.argument_types() not in (["STRING"], ["IDENT"]):
            raise ExpressionError(f"Expected a single string or ident for :contains(), got {function.arguments!r}")
        value = function.arguments[0].value.lower()
        if not any(char in _ASCII_LOWER for char in value):
            # translate() changes only A–Z: text without ASCII letters ("来源") is found the same
            # in the text as written, without folding each element's text first
            return xpath.add_condition(f"contains(string(.), {self.xpath_literal(value)})")
        folded = f"translate(string(.), '{_ASCII_UPPER}', '{_ASCII_LOWER}')"
        return xpath.add_condition(f"contains({folded}, {self.xpath_literal(value)})")


def _attribute_step(tree, translator) -> str | None:
    """``@id[. = 'x']`` or ``@class[contains(., 'x')]`` for a selector whose subject (its last
    compound) has an id or a class and no element name; None otherwise."""
    subject = tree.subselector if isinstance(tree, CombinedSelector) else tree
    id_step = class_step = None
    while not isinstance(subject, Element):
        if isinstance(subject, Hash):
            id_step = id_step or f"@id[. = {translator.xpath_literal(subject.id)}]"
        elif isinstance(subject, Class):
            class_step = class_step or f"@class[contains(., {translator.xpath_literal(subject.class_name)})]"
        subject = getattr(subject, "selector", None)
        if subject is None:
            return None
    return None if subject.element is not None else id_step or class_step


def _single_step(expression) -> bool:
    """An XPathExpr that is one step (a name test and a predicate, no path) counting no positions."""
    return not expression.path and not _POSITIONAL_RE.search(str(expression))


_TRANSLATOR = _Translator()
# Compiled lxml XPath objects are not shared between threads: lxml forbids using one
# from another thread than the one that built it. So the CSS is translated and checked
# once, at declaration, and the XPath object is cached per thread. (No expression calls
# an lxml extension function: _Translator writes :contains() as plain XPath.)
_local = threading.local()


# Two rewrites of cssselect's XPath that select the same nodes at less cost (issue 12: the
# selectors were a third of a source's site-rule time, bench/site_rules.py):
# - the descendant combinator ``A B`` is written A/descendant-or-self::*/B (every element below A,
#   then the children of each, sorted and deduplicated): A/descendant::B is the same node-set in
#   one step — unless a predicate counts positions (position(), last(), [n]), which differ per axis;
# - a class test builds a padded, whitespace-normalized copy of every class attribute: the token
#   must then be a plain substring of the attribute first (a token holds no whitespace), which
#   most attributes fail without the copy; and that test alone, without "@class and" before it
#   (an element without the attribute fails it too): a fifth of the class test's cost.
_DESCENDANT_STEP = "/descendant-or-self::*/"
_POSITIONAL_RE = re.compile(r"position\(\)|last\(\)|\[\s*\d")
_CLASS_TEST_RE = re.compile(r"@class and contains\(concat\(' ', normalize-space\(@class\), ' '\), ' ([^'\s]+) '\)")


def _cheaper(expression: str) -> str:
    if not _POSITIONAL_RE.search(expression):
        expression = expression.replace(_DESCENDANT_STEP, "/descendant::")
    # cssselect < 1.6 writes the class test without the contains(@class) filter, 1.6 with it
    # and with "@class and" in front: both become the filter, then the exact test
    expression = _CLASS_TEST_RE.sub(lambda m: f"contains(@class, '{m.group(1)}') and {m.group(0)[len('@class and '):]}", expression)
    return expression.replace("@class and contains(@class, ", "contains(@class, ")


def _xpath(expression: str) -> etree.XPath:
    cache = _local.__dict__.setdefault("xpaths", {})
    compiled = cache.get(expression)
    if compiled is None:
        # no EXSLT regular expressions (no selector calls them): lxml would otherwise register
        # them for every evaluation, a few tenths of a µs of each
        compiled = cache[expression] = etree.XPath(expression, regexp=False, smart_strings=False)
    return compiled


class TemplateError(ValueError):
    """A template selector that does not compile (raised when the template is declared)."""


@dataclass(frozen=True)
class Template:
    """Selectors (CSS) for one page design of a site.

    A template applies to a page when its ``title`` and one of its ``body``
    selectors both match. ``date`` and ``outlet`` point at the nodes whose text
    holds them; ``meta`` at a meta line holding both (date first, then the
    outlet, labelled ``来源：`` or not). Name templates by design and version
    (``v2019-showbox``) and keep old ones while old pages are still served.

    Every selector is compiled to XPath when the template is declared, as
    Fundus parsers do: a bad selector fails at import with
    ``TemplateError`` naming the template and the selector, never silently per
    page during a crawl.
    """

    name: str
    title: str
    body: tuple[str, ...]
    date: str | None = None
    outlet: str | None = None
    meta: str | None = None
    editor: str | None = None
    # years this design was seen in use, for documentation
    seen: str = ""
    # field name -> the XPath of each alternative, filled in __post_init__
    xpaths: dict = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.body, str):  # body=("div.x") forgot the comma: a string, not a tuple
            raise TemplateError(f"template {self.name!r}: body must be a tuple of selectors, got the string {self.body!r}")
        for which in SELECTOR_FIELDS:
            value = getattr(self, which)
            selectors = () if value is None else (value,) if isinstance(value, str) else tuple(value)
            compiled = []
            for selector in selectors:
                try:
                    expression = _cheaper(_TRANSLATOR.css_to_xpath(selector))
                    _xpath(expression)
                except (SelectorError, etree.XPathError) as exc:
                    raise TemplateError(f"template {self.name!r}: {which} selector {selector!r} does not compile: {exc}") from exc
                compiled.append(expression)
            self.xpaths[which] = tuple(compiled)

    def select(self, root: etree._Element, which: str) -> etree._Element | None:
        """The first node the ``which`` selector matches in the page whose root element is
        ``root`` (for ``body``, of the first alternative that matches anything), or None."""
        for expression in self.xpaths[which]:
            found = _xpath(expression)(root)
            if found:
                return found[0]
        return None


@dataclass(frozen=True)
class Discovery:
    """How a source's article URLs are found. Any combination may be given.

    - ``feeds``: RSS 0.9x/2.0, Atom or RDF feed URLs
    - ``sitemaps``: sitemap, sitemap index, Google News sitemap or robots.txt URLs
    - ``listings``: channel list pages; article links are recognised by the
      source's ``article_url`` and pagination (下一页 / ``index_N``) is followed
      up to ``max_list_pages``

    The declaration is the truth. One setting may replace a source's
    ``listings`` for a run: ``<NAME>_LISTINGS`` (``SourceDecl.listings_setting``,
    e.g. ``CHINADEVELOPMENT_LISTINGS``; comma-separated URLs or a list), and the
    run logs that it did. ``LIST_MAX_PAGES`` likewise replaces
    ``max_list_pages`` of every source for a run.
    """

    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    max_list_pages: int = 5


@dataclass(frozen=True)
class SourceDecl:
    name: str                               # spider name and stored ``source``
    outlet: str                             # outlet name: post tag ``<outlet>新闻`` and category slug
    site_names: tuple[str, ...]             # names the site appends to <title>, stripped from titles/outlets
    allowed_domains: tuple[str, ...]
    discovery: Discovery
    article_url: re.Pattern[str]            # matches article URLs (canonical form)
    skip_url: re.Pattern[str] | None = None  # never an article, even if article_url matches
    templates: tuple[Template, ...] = ()
    # group 1 of this pattern on the article URL is the source's own id → story id ``<name>-<id>``
    story_id: re.Pattern[str] | None = None
    # continuation pages of a multi-page article: the first page's URL with this
    # suffix before the extension, ``{n}`` = 2, 3, … (e.g. ``_{n}`` → a_2.shtml)
    continuation: str | None = None
    # the number the site writes for page 2 (TRS sites write _1 for page 2)
    continuation_first: int = 2
    timezone: str = "Asia/Shanghai"
    download_delay: float = 1.0
    concurrency: int = 2
    # True when the site's <title>/meta name the outlet, so pages whose
    # 来源 names another outlet are filed under that outlet
    outlet_from_page: bool = True
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [t.name for t in self.templates]
        if len(set(names)) != len(names):
            raise TemplateError(f"source {self.name!r}: two templates share a name: {names}")

    @property
    def listings_setting(self) -> str:
        """The one setting that may replace the declared ``listings`` for a run."""
        return re.sub(r"\W", "_", self.name).upper() + "_LISTINGS"

    def owns_host(self, host: str) -> bool:
        host = host.lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def is_article_url(self, url: str) -> bool:
        if self.skip_url is not None and self.skip_url.search(url):
            return False
        if self.continuation_number(url) is not None:
            return False
        return bool(self.article_url.search(url))

    def source_story_id(self, url: str) -> str | None:
        if self.story_id is None:
            return None
        match = self.story_id.search(url)
        return f"{self.name}-{match.group(1)}" if match else None

    # --- multi-page articles ------------------------------------------------------
    def _suffix_re(self) -> re.Pattern[str] | None:
        if not self.continuation:
            return None
        before, _, after = self.continuation.partition("{n}")
        return re.compile(re.escape(before) + r"(\d{1,2})" + re.escape(after) + r"(\.[A-Za-z]{2,6})$")

    def continuation_number(self, url: str) -> int | None:
        """n when ``url`` is page n ≥ 2 of a multi-page article, else None."""
        pattern = self._suffix_re()
        if pattern is None:
            return None
        match = pattern.search(urlsplit(url).path)
        if match and int(match.group(1)) >= self.continuation_first:
            return int(match.group(1)) - self.continuation_first + 2
        return None

    def continuation_url(self, first_url: str, n: int) -> str | None:
        """The URL of page ``n`` of the article whose first page is ``first_url``."""
        if not self.continuation:
            return None
        parts = urlsplit(first_url)
        stem, dot, ext = parts.path.rpartition(".")
        if not dot or "/" in ext:
            return None
        path = f"{stem}{self.continuation.format(n=n - 2 + self.continuation_first)}.{ext}"
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
