"""Article body: cleaning, sanitizing and plain text.

Two entry points:
- ``clean_body_element``: a site's body node (an lxml element) → one-line,
  sanitized body HTML (``<p>…</p> <p>…</p>``), without the ``摘要：`` lead,
  scripts, comments, share widgets, editor lines or ``　　`` indentation,
  with absolute image and link URLs.
- ``sanitize_html``: any HTML fragment (e.g. an aggregator's body) → the same
  allow-list, keeping the fragment's own block separators.
"""

from __future__ import annotations

import copy
import functools
import re
import threading
from dataclasses import dataclass
from html import escape as _html_escape
from urllib.parse import urljoin, urlsplit

import lxml.html
import nh3
from lxml import etree

from .text import FULLWIDTH_SPACE, is_blank, normalize_space, strip_fullwidth_indent

# Every element is an HtmlElement (text_content(), drop_tree() …), found by lxml in C.
# lxml.html's own lookup is a Python method called for each element Python touches, to give
# <form>, <input>, <select>, <textarea> and <label> classes of their own that extraction never
# uses: it made touching an element three times dearer (64 elements: 22.5 → 7.2 µs; issue 12).
_ELEMENT_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity
)
_parsers = threading.local()


def html_parser() -> lxml.html.HTMLParser:
    """This thread's HTML parser, made once: for the page (``article.parse_html``) and for the
    fragments read back after it (trafilatura's and readability's bodies, ``body_text``).
    A new parser sets up libxml2's parser context again, which made each page's parse a
    third dearer (60 → 85 µs on a 4 KB page; issue 12). lxml lets one thread parse with a
    parser at a time, so each thread has its own."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        # huge_tree: libxml2 otherwise drops everything nested deeper than 256 elements, which
        # old pages reach with unclosed <font> or <div> tags. collect_ids=False: no table of the
        # id attributes (only XPath's id() reads it, and no extractor calls it): 0.2 of a
        # 2.1 ms parse (228 corpus pages)
        parser = _parsers.parser = lxml.html.HTMLParser(huge_tree=True, collect_ids=False)
        parser.set_element_class_lookup(_ELEMENT_CLASSES)
    return parser


ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "a", "img",
    "ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "blockquote", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "pre", "code", "hr",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
ALLOWED_CLASSES = {"p": {"em_media"}}
URL_SCHEMES = {"http", "https", "mailto"}

BLOCK_TAGS = {"p", "table", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "pre", "hr"}
CONTAINER_TAGS = {"div", "section", "article", "center", "main", "font", "span", "tbody"}
DROP_TAGS = {"script", "style", "noscript", "iframe", "form", "button", "input", "textarea", "select", "object", "embed", "video", "audio", "link", "meta", "svg"}

# class/id fragments of widgets that are never article text
_JUNK_ATTR_RE = re.compile(
    r"share|bdshare|jiathis|social|related|xgxw|xgyd|recommend|tuijian|comment|pinglun|"
    r"advert|\bad\b|banner|qrcode|erweima|print|fontsize|(?<!trs_)editor|bianji|copyright|disclaimer|pager|page-nav|"
    r"autopage|zdfy",
    re.I,
)
# paragraphs that are boilerplate, not body text
_JUNK_TEXT_RE = re.compile(
    r"^[（(【\[]?\s*(?:分享到|分享让更多人看到|扫一扫|【纠错】|【打印】|【关闭】|纠错|责任编辑|责编|编辑\s*[:：]|返回顶部|打印本页|关闭窗口|"
    r"原标题\s*[:：]|版权声明|免责声明|声明\s*[:：]|相关(?:新闻|阅读|文章)|推荐阅读|延伸阅读)"
    # an article pager left inside the body: "1 2 下一页", "共3页 上一页 1 2 3"
    # (a word of the pager must be there: a row of small numbers is not a pager)
    r"|^(?=.*(?:上一页|下一页|尾页|末页|共\s*\d+\s*页))(?:共\s*\d+\s*页\s*)?(?:(?:\d{1,2}|上一页|下一页|首页|尾页|末页)\s*){1,}$"
)
# every boilerplate line _JUNK_TEXT_RE matches holds one of these words (页 for the pager); a
# node's text is a substring of the body's, so a body without any has no such line (issue 12)
_JUNK_TEXT_WORDS_RE = re.compile("分享|扫一扫|纠错|打印|关闭|责编|编辑|返回顶部|原标题|声明|相关新闻|相关阅读|相关文章|推荐阅读|延伸阅读|页")
_SUMMARY_RE = re.compile(r"^[【\[]?(?:内容)?摘\s*要[】\]]?\s*[:：]?")
_SOURCE_LINE_RE = re.compile(r"^[（(]\s*(?:文章)?来源\s*[:：][^）)]*[）)]$")


def _absolute(value: str, base_url: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if base_url:
        value = urljoin(base_url, value)
    scheme = urlsplit(value).scheme.lower()
    if scheme and scheme not in URL_SCHEMES:
        return None
    return value


_base_url = threading.local()  # the page whose links the cleaner's attribute filter makes absolute


# the attribute holding each element's URL, made absolute (by the sanitizer's filter, or on
# the tree by make_urls_absolute)
_URL_ATTRIBUTES = {"a": "href", "img": "src"}


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if _URL_ATTRIBUTES.get(tag) == attr:
        return _absolute(value, getattr(_base_url, "value", None))
    return value


_NH3_OPTIONS: dict = {
    "tags": ALLOWED_TAGS, "attributes": ALLOWED_ATTRIBUTES, "allowed_classes": ALLOWED_CLASSES,
    "url_schemes": URL_SCHEMES, "attribute_filter": _attribute_filter, "link_rel": None, "strip_comments": True,
}


def _cleaner(options: dict):
    """A function cleaning HTML with these options: a cleaner built once (nh3 ≥ 0.3), since
    nh3.clean() converts the allow-lists on every call, half of its cost on a small body
    (issue 12); nh3.clean itself on older nh3."""
    return nh3.Cleaner(**options).clean if hasattr(nh3, "Cleaner") else functools.partial(nh3.clean, **options)


# the filter reads the page's URL from _base_url
_CLEAN = _cleaner(_NH3_OPTIONS)
# for HTML whose link and image URLs were made absolute on its tree (a site body,
# make_urls_absolute): no Python callback per attribute; nh3 still checks every URL's scheme
_CLEAN_URLS_DONE = _cleaner({k: v for k, v in _NH3_OPTIONS.items() if k != "attribute_filter"})
_EMPTY_P_RE = re.compile(r"<p>(?:\s|&nbsp;|<br>)*</p>\s?")
# replaced by the literal "<p>": a replacement with a group reference (r"\1") is expanded by a
# Python function per match, a literal one in C
_P_LEADING_SPACE_RE = re.compile(r"<p>\s+")
_EMPTY_P_TAG_RE = re.compile(r"<p></p>\s?")


def sanitize_html(html: str, base_url: str | None = None, *, urls_absolute: bool = False) -> str:
    """Allow-list sanitize an HTML fragment and put it on one line.

    No script, style, event handler or ``javascript:`` URL survives; image and
    link URLs become absolute against ``base_url``; ``　　`` indentation is
    removed; line breaks become spaces. Other whitespace is kept as written.
    ``urls_absolute``: the caller has already made them so (``make_urls_absolute``).
    """
    html = strip_fullwidth_indent(html or "")
    if urls_absolute:
        cleaned = _CLEAN_URLS_DONE(html)
    else:
        _base_url.value = base_url
        try:
            cleaned = _CLEAN(html)
        finally:
            _base_url.value = None
    return _one_line(cleaned)


def _one_line(cleaned: str) -> str:
    """The sanitizer's output on one line, without empty paragraphs."""
    cleaned = join_lines(cleaned)
    cleaned = cleaned.replace(' class=""', "")  # a class outside the allow-list leaves an empty attribute
    # a <p> with nothing in it is layout, not content
    cleaned = _EMPTY_P_RE.sub("", cleaned)
    return cleaned.strip()


def join_lines(text: str) -> str:
    """Each run of whitespace holding a line break → one space: ``re.sub(r"\\s*[\\r\\n]+\\s*", " ", text)``.

    Written with str.split(): that regex starts with ``\\s*``, so re tries it at every character,
    which cost 15 µs on a 450-character body and 370 µs on an 11,000-character one, against
    1.3 and 23 µs here (issue 12; tests/test_body.py checks both agree)."""
    if "\r" in text:
        text = text.replace("\r", "\n")
    elif "\n" not in text:
        return text
    lines = text.split("\n")
    # the whitespace around each break goes; lines of whitespace alone join the run around them
    inner = [line for line in map(str.strip, lines[1:-1]) if line]
    return " ".join([lines[0].rstrip(), *inner, lines[-1].lstrip()])


def string_value(el: etree._Element) -> str:
    """The element's text (its descendants' text nodes, without its tail): what lxml.html's
    ``text_content()`` returns — both are libxml2's node content — at a quarter of the cost
    of that method's XPath ``string()`` call (issue 12: site rules read the text of many nodes).
    An element without child nodes (most paragraphs, titles, meta lines) holds its own text
    only, read without the serializer."""
    if not len(el):
        return el.text or ""
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def _text_of(el: etree._Element) -> str:
    return normalize_space(string_value(el)) if hasattr(el, "text_content") else ""


def _is_junk_widget(el: etree._Element, css_class: str | None, element_id: str | None) -> bool:
    """Whether an element with this class or id (one of them given) is a share button, pager,
    ad … rather than text."""
    if _is_junk_name(f"{css_class} {element_id}" if css_class and element_id else css_class or element_id):
        # a container of real text that happens to carry such a class stays
        return len(_text_of(el)) < 200 or el.tag in {"ul", "ol"}
    return False


@functools.lru_cache(maxsize=4096)
def _is_junk_name(attrs: str) -> bool:
    # a site repeats the same few class names on every page
    return _JUNK_ATTR_RE.search(attrs) is not None


def remove_junk(root: etree._Element) -> None:
    """Drop scripts, comments, widgets and boilerplate paragraphs in place, and give
    lazy-loaded images their ``src``."""
    # one pass in document order: a comment's text is no node's text, so dropping comments
    # among the elements, rather than all before them, leaves the same tree (issue 12); an
    # image's src is no widget's text either, so images are fixed in the same pass (one of
    # them inside a widget dropped before it is fixed in vain, and dropped with the widget)
    for node in list(root.iter()):
        tag = node.tag
        if not isinstance(tag, str):
            if tag is etree.Comment or tag is etree.ProcessingInstruction:
                _drop(node)
        elif tag in DROP_TAGS:
            _drop(node)
        else:
            if tag == "img":
                _fix_image(node)
            if node is not root:
                # most nodes have neither: looked at here, without a call per node
                css_class, element_id = node.get("class"), node.get("id")
                if (css_class or element_id) and _is_junk_widget(node, css_class, element_id):
                    _drop(node)
    if not _JUNK_TEXT_WORDS_RE.search(string_value(root)):
        return
    for node in list(root.iter("p", "div", "span", "font", "strong", "li", "td")):
        # the node's own text holds a word first (libxml2 reads it faster than itertext()); then,
        # the pattern being anchored, the start of the text before all of it
        if not _JUNK_TEXT_WORDS_RE.search(string_value(node)) or not _JUNK_TEXT_RE.match(_text_prefix(node)):
            continue
        text = _text_of(node)
        if text and len(text) < 120 and _JUNK_TEXT_RE.match(text) and not node.findall(".//img"):
            _drop(node)


def _text_prefix(node: etree._Element, size: int = 24) -> str:
    parts, length = [], 0
    for piece in node.itertext():
        parts.append(piece)
        length += len(piece.strip())
        if length >= size:
            break
    return normalize_space("".join(parts))


def _drop(node: etree._Element) -> None:
    """Remove a node but keep its tail text."""
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail:
        prev = node.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)


def _summary_index(blocks: list[etree._Element], texts: list[str]) -> int | None:
    """Where the leading ``摘要：…`` paragraph is (a summary, not body text), if any."""
    for i, (block, text) in enumerate(zip(blocks[:3], texts)):
        if not text and block.find(".//img") is None:
            continue
        return i if _SUMMARY_RE.match(text) else None
    return None


def _fix_image(img: etree._Element) -> None:
    if not img.get("src"):
        for lazy in ("data-src", "data-original", "original", "data-lazy-src"):
            if img.get(lazy):
                img.set("src", img.get(lazy))
                break


_LAYOUT_CELL = etree.XPath(
    "boolean(descendant::*[self::td or self::th][descendant::p or descendant::div or descendant::table"
    " or descendant::ul or descendant::ol or string-length(normalize-space(.)) > 150])"
)


def _is_layout_table(table: etree._Element) -> bool:
    """A table that lays out a page (cells holding paragraphs or long text), not tabular data."""
    return bool(_LAYOUT_CELL(table))


def _has_br_child(el: etree._Element) -> bool:
    return any(c.tag == "br" for c in el)


def _blocks(container: etree._Element, split_br: bool = False, copy_blocks: bool = True) -> list[etree._Element]:
    """Flatten a body node into a list of block elements (<p>, <table>, …).

    ``split_br``: a ``<p>``/``<div>`` whose lines are separated by ``<br>`` becomes
    one block per line (generic extraction: boilerplate lines then stand alone).
    ``copy_blocks=False``: block elements are taken out of ``container`` itself (which the
    caller then no longer needs) instead of copied."""
    if not copy_blocks and not split_br and _only_blocks(container):
        # what the walk below returns for such a node, without walking it: its children
        blocks = list(container)
        for block in blocks:
            block.tail = None
        return blocks
    flattener = _Flattener(split_br, copy_blocks)
    flattener.walk(container)
    flattener.flush()
    return flattener.blocks


def _only_blocks(container: etree._Element) -> bool:
    """Whether every child is a block element and no text but whitespace lies around them
    (most site bodies: a row of <p>). Flattening such a node only detaches its children."""
    if not is_blank(container.text):
        return False
    for child in container:
        tag = child.tag
        if not isinstance(tag, str) or tag.lower() not in BLOCK_TAGS or not is_blank(child.tail):
            return False
    return True


class _Flattener:
    """Walks a body node, collecting block elements; inline content between blocks is
    gathered into a pending ``<p>`` that becomes a block of its own when the next
    block starts (``flush``)."""

    def __init__(self, split_br: bool, copy_blocks: bool):
        self.split_br = split_br
        self.copy_blocks = copy_blocks
        self.blocks: list[etree._Element] = []
        self.pending = lxml.html.Element("p")
        self.last: etree._Element | None = None  # pending's last child (len() on lxml elements is O(n))

    def detach(self, el: etree._Element) -> etree._Element:
        if self.copy_blocks:
            return _strip_tail(el)
        el.tail = None
        return el

    def flush(self) -> None:
        if self.pending.text is None and self.last is None:
            return  # nothing collected: keep the empty element
        if self.last is None:
            # text alone (most often the whitespace between two blocks): its text is pending.text,
            # and emptied it is again the fresh element a new one would be
            if normalize_space(self.pending.text):
                self.blocks.append(self.pending)
                self.pending = lxml.html.Element("p")
            else:
                self.pending.text = None
            return
        if normalize_space(string_value(self.pending)) or self.pending.find(".//img") is not None:
            self.blocks.append(self.pending)
        self.pending, self.last = lxml.html.Element("p"), None

    def add_text(self, text: str | None) -> None:
        if not text:
            return
        if self.last is not None:
            self.last.tail = (self.last.tail or "") + text
        else:
            self.pending.text = (self.pending.text or "") + text

    def add_inline(self, el: etree._Element) -> None:
        self.pending.append(el)
        self.last = el

    def walk(self, node: etree._Element) -> None:
        self.add_text(node.text)
        for child in node:
            if isinstance(child.tag, str):
                self.child(child, child.tag.lower())
            else:
                self.add_text(child.tail)

    def child(self, child: etree._Element, tag: str) -> None:
        if self.split_br and tag == "table" and _is_layout_table(child):
            self.on_its_own(child, self.walk_layout)
        elif self.split_br and tag in ("p", "div") and _has_br_child(child) and not _has_block_child(child):
            self.on_its_own(child, self.walk)
        elif tag in BLOCK_TAGS:
            self.block(child)
        elif tag in CONTAINER_TAGS and _has_block_child(child):
            self.on_its_own(child, self.walk)
        elif tag == "div":
            self.block(child, as_paragraph=True)
        elif tag == "br" and _text_after_br(self.pending):
            self.flush()
            self.add_text(child.tail)
        else:
            self.add_inline(_strip_tail(child))
            self.add_text(child.tail)

    def on_its_own(self, child: etree._Element, walk) -> None:
        """A node whose content is walked between two flushes (nothing inline joins it)."""
        self.flush()
        walk(child)
        self.flush()
        self.add_text(child.tail)

    def block(self, child: etree._Element, as_paragraph: bool = False) -> None:
        self.flush()
        tail = child.tail
        block = self.detach(child)
        if as_paragraph:
            block.tag = "p"
        self.blocks.append(block)
        self.add_text(tail)

    def walk_layout(self, node: etree._Element) -> None:
        """A table used for page layout: each cell is a container of its own."""
        for sub in node:
            if not isinstance(sub.tag, str):
                continue
            self.flush()
            if sub.tag in ("td", "th"):
                self.walk(sub)
            elif sub.tag in ("tbody", "thead", "tfoot", "tr"):
                self.walk_layout(sub)
            self.flush()


def _strip_tail(el: etree._Element) -> etree._Element:
    el = copy.deepcopy(el)
    el.tail = None
    return el


_BLOCK_DESCENDANT = etree.XPath(
    "boolean(descendant::*[" + " or ".join(f"self::{t}" for t in sorted(BLOCK_TAGS | {"div", "section", "article"})) + "])"
)


def _has_block_child(el: etree._Element) -> bool:
    return bool(_BLOCK_DESCENDANT(el))


def _text_after_br(pending: etree._Element) -> bool:
    return bool(normalize_space(string_value(pending)))


@dataclass
class Block:
    """One paragraph (or table, list, heading) of a cleaned body."""

    element: etree._Element
    text: str            # whitespace-normalized text
    link_chars: int = 0  # characters inside <a> elements
    base_url: str | None = None
    _html: str | None = None

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0

    @property
    def html(self) -> str:
        """Sanitized one-line HTML ('' for an empty block)."""
        if self._html is None:
            # its link and image URLs were made absolute on the tree (_kept_blocks)
            html = sanitize_html(lxml.html.tostring(self.element, encoding="unicode"), self.base_url, urls_absolute=True)
            html = _P_LEADING_SPACE_RE.sub("<p>", html)
            self._html = "" if html in ("", "<p></p>") else html
        return self._html


def body_blocks(
    body: etree._Element, base_url: str | None, *, split_br: bool = False, in_place: bool = False, count_links: bool = True
) -> list[Block]:
    """A body node → its blocks, after removing scripts, widgets and boilerplate lines.
    Blocks without text or image are left out; link and image URLs are made absolute
    (``make_urls_absolute``); HTML is sanitized when first asked for.
    ``in_place``: the node is the caller's to spend (no copy is made). ``count_links=False``:
    ``link_chars`` is left 0 (a caller that only joins the blocks does not read it)."""
    result = []
    for block, text in _kept_blocks(body, split_br=split_br, in_place=in_place, base_url=base_url):
        links = sum(len(normalize_space(string_value(a))) for a in block.iter("a")) if text and count_links else 0
        result.append(Block(block, text, links, base_url))
    return result


def _kept_blocks(body: etree._Element, *, split_br: bool, in_place: bool, base_url: str | None) -> list[tuple[etree._Element, str]]:
    """The body's block elements with their text, cleaned: no junk, no summary, none empty;
    links and images with the URLs the sanitizer's attribute filter would give them, made
    absolute against ``base_url`` (``make_urls_absolute``)."""
    # lxml's own deep copy, without copy.deepcopy's memo bookkeeping around it (a copy per page)
    root = body if in_place else body.__deepcopy__(None)
    root.tail = None
    remove_junk(root)
    make_urls_absolute(root, base_url)
    # root is ours either way (the caller's to spend, or the copy just made): its blocks are taken
    # out of it rather than copied a second time
    blocks = _blocks(root, split_br=split_br, copy_blocks=False)
    texts = [_text_of(block) for block in blocks]
    summary = _summary_index(blocks, texts)
    if summary is not None:
        del blocks[summary], texts[summary]
    kept = []
    for block, text in zip(blocks, texts):
        if block.tag == "h1":
            block.tag = "h2"
        if text or block.find(".//img") is not None:
            kept.append((block, text))
    return kept


def make_urls_absolute(root: etree._Element, base_url: str | None) -> None:
    """What the sanitizer's attribute filter does to ``a/@href`` and ``img/@src``, done on the
    tree: made absolute against ``base_url``, or removed when empty or of a scheme not allowed.
    The value is the attribute as written, where the filter sees it as lxml serializes it
    (non-ASCII, spaces, tabs and line breaks %-escaped): whitespace around it and tabs or line
    breaks in it are dropped, as browsers do, instead of ending in the URL as ``%0A`` (a broken
    link); the serializer escapes the rest of the joined URL as before. The sanitizer then runs
    without its Python callback (about 5 µs an attribute in a loop; issue 12)."""
    for node in root.iter(*_URL_ATTRIBUTES):
        name = _URL_ATTRIBUTES[node.tag]
        value = node.get(name)
        if value is None:
            continue
        absolute = _absolute(value, base_url)
        if absolute is None:
            del node.attrib[name]
        elif absolute != value:
            node.set(name, absolute)


def _serialize_blocks(elements: list[etree._Element]) -> str:
    """The elements' HTML, a space between two. A line break between them became that space in
    ``sanitize_html`` (``join_lines``): each element's HTML starts with ``<`` and ends with ``>``,
    so no other whitespace joins the break. Without it, a body with no line break inside its
    blocks is not split and joined again (issue 12). etree.tostring, not lxml.html.tostring:
    that one also runs a regex over the output to remove <meta http-equiv="Content-Type"> tags,
    which remove_junk has already dropped from every block (a tenth of a site body's cleaning)."""
    return " ".join(etree.tostring(element, method="html", encoding="unicode", with_tail=False) for element in elements)


def join_blocks(blocks) -> str:
    """The blocks' sanitized HTML on one line (one sanitizer pass for all of them)."""
    blocks = list(blocks)
    for block in blocks:
        if block._html is not None:
            return " ".join(html for html in (block.html for block in blocks) if html)
    return _join_elements([block.element for block in blocks], blocks[0].base_url if blocks else None)


def _join_elements(elements: list[etree._Element], base_url: str | None, *, urls_absolute: bool = True) -> str:
    """The elements' sanitized HTML on one line. ``urls_absolute``: their link and image URLs
    were made absolute on the tree (``_kept_blocks``), as for every caller but a test
    comparing with the sanitizer's callback."""
    texts = _plain_paragraph_texts(elements)
    if texts is not None:
        html = _one_line(" ".join(f"<p>{_escape_text(strip_fullwidth_indent(text))}</p>" for text in texts))
    else:
        html = sanitize_html(_serialize_blocks(elements), base_url, urls_absolute=urls_absolute)
    html = _P_LEADING_SPACE_RE.sub("<p>", html)
    return _EMPTY_P_TAG_RE.sub("", html).strip()


# Attributes nh3 removes from a <p> (the allow-lists keep its class, and lang and title on
# every element); a paragraph carrying others is left to nh3
_DROPPED_P_ATTRIBUTES = frozenset({"style", "align", "id"})


def _plain_paragraph_texts(elements: list[etree._Element]) -> list[str] | None:
    """The texts of the blocks when every one is a <p> holding text alone (no child node, no
    carriage return, no attribute nh3 keeps); None otherwise.

    Such a body (a row of paragraphs of text, as most bodies without an image are) needs no
    sanitizer: nh3 gives back each paragraph as ``<p>`` and its text escaped, which
    ``_escape_text`` writes without serializing the blocks for nh3 to parse them again, a
    third of the body cleaning of a small page (issue 12, bench/site_rules.py).
    ``test_plain_paragraphs_come_out_as_nh3_makes_them`` holds the two to the same output."""
    texts = []
    for element in elements:
        if element.tag != "p" or len(element) or (element.attrib and not _DROPPED_P_ATTRIBUTES.issuperset(element.attrib)):
            return None
        text = element.text or ""
        if "\r" in text:  # the HTML parser in nh3 makes a line break of it
            return None
        texts.append(text)
    return texts


def _escape_text(text: str) -> str:
    """Text as nh3 (html5ever) writes it between tags: ``&``, ``<`` and ``>`` escaped, and the
    no-break space as ``&nbsp;``."""
    return _html_escape(text, quote=False).replace("\xa0", "&nbsp;")


def clean_body_element(body: etree._Element, base_url: str | None) -> str:
    """A site's body node → sanitized one-line body HTML ('' when empty): ``join_blocks`` of
    its ``body_blocks``, without building Block objects only to take their elements back."""
    kept = _kept_blocks(body, split_br=False, in_place=False, base_url=base_url)
    return _join_elements([block for block, _ in kept], base_url)


# the blocks body_text writes a line for (a table, a list: their rows and items do)
_TEXT_LINE_TAGS = frozenset((BLOCK_TAGS - {"table", "ul", "ol"}) | {"li", "tr", "figcaption"})


def body_text(body_html: str) -> str:
    """Plain text of body HTML: one line per block, without the ``（文章来源：…）`` attribution."""
    if not body_html or not body_html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(body_html, create_parent="div", parser=html_parser())
    except (etree.ParserError, ValueError):
        return ""
    lines: list[str] = []
    for node in root.iter():
        if node is root or not isinstance(node.tag, str):
            continue
        if node.get("class") == "em_media":
            continue
        if node.tag in _TEXT_LINE_TAGS:
            if any(anc.tag in {"p", "li", "tr"} for anc in node.iterancestors() if anc is not root):
                continue
            text = normalize_space(node.text_content().replace(FULLWIDTH_SPACE, " "))
            if text and not _SOURCE_LINE_RE.match(text):
                lines.append(text)
    if not lines:
        text = normalize_space(root.text_content())
        if text:
            lines.append(text)
    return "\n".join(lines)



def plain_text(html: str | None) -> str:
    """Text of a fragment that may carry markup (an API's digest): every tag
    removed, special characters escaped, whitespace normalized."""
    if not html:
        return ""
    return normalize_space(nh3.clean(html, tags=set(), clean_content_tags={"script", "style"}))
