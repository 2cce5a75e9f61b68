"""Generic extraction for pages no site rule covers.

Body: trafilatura (fast mode, once per page, on the parsed tree) and, when its
answer is doubtful (``doubtful``: empty, short, a sliver of the page, or holding
a block that is not prose), readability (trafilatura's port of readability-lxml,
the algorithm of its own comparison) as a second opinion, both cut into blocks
and cleaned of Chinese news boilerplate (``boilerplate.trim_blocks``); where
they disagree, the one whose *own* blocks (those the other lacks) are article
prose rather than navigation, link lists or notices wins. Title: ``<h1>``/``og:title``/``<title>`` without
the site-name part. Date: the Chinese-aware search near the headline, in labelled meta lines and
just above the body, then a closing attribution line of the body
(``——《北京之春》1996年6月号``).
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lxml.html
import trafilatura
from lxml import etree

# trafilatura's port of readability: the algorithm its own comparison uses, ~3x faster than
# readability-lxml (which is therefore not a dependency)
from trafilatura.readability_lxml import Document as _ReadabilityDocument

from . import trafilatura_paths
from .body import Block, body_blocks, html_parser, join_blocks
from .boilerplate import is_copyright, is_junk_line, is_link_list, is_prose, trim_blocks
from .bylines import parse_editor, parse_outlet
from .dates import FoundDate, find_attribution_date, find_date, find_last_date
from .options import ExtractionOptions
from .text import normalize_space
from .titles import clean_title, headline_from_title

logger = logging.getLogger(__name__)

# a labelled publication time: short labels need their colon (时间：), longer ones do not (发表于 2005-9-15)
DATE_LABEL_RE = re.compile(
    r"(?:(?:发布|发表|发稿|更新|出版|刊发|上传)(?:时间|日期)|时间|日期|Date)\s*[:：]\s*"
    r"|(?:发表于|发布于|更新于|发帖于|Posted(?:\s+on)?|Published(?:\s+on)?)\s*[:：]?\s*",
    re.I,
)


@dataclass
class GenericResult:
    title: str
    body_html: str
    date: FoundDate | None
    outlet: str | None
    editor: str | None
    extractor: str
    date_stage: str | None = None
    title_source: str | None = None


# --- title ----------------------------------------------------------------------------

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‹": "'", "›": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
                         "–": "-", "—": "-", "\u200b": None, "\u00ad": None})


def _comparable(text: str) -> str:
    """Text for comparing headlines: quotes, dashes, case and invisible characters aside."""
    return text.translate(_QUOTES).casefold()


def title_with_source(root: etree._Element, site_names=()) -> tuple[str, str | None]:
    """``(title, where it came from)``. The headline: an ``<h1>`` (else ``<h2>``) that
    agrees with the headline part of ``<title>`` or with ``og:title`` (quotes and case
    aside), else ``og:title``, else the headline part of ``<title>``, else the first ``<h1>``.
    (Preferring a page's only ``<h1>`` to ``og:title`` was measured on fundus-dev: worse.)"""
    raw_title = normalize_space(" ".join(el.text_content() for el in root.iter("title")))
    page_title = headline_from_title(clean_title(raw_title, site_names))
    og = root.xpath("//meta[@property='og:title' or @name='og:title']/@content")
    og_title = clean_title(og[0], site_names) if og else ""
    if og_title and og_title == clean_title(raw_title, site_names):  # a copy of <title>, suffix and all
        og_title = headline_from_title(og_title)
    references = [_comparable(t) for t in (page_title, og_title) if t]
    for tag in ("h1", "h2"):
        best, best_ratio = "", 0.0
        for el in root.iter(tag):
            head = normalize_space(el.text_content())
            if not 4 <= len(head) <= 200:
                continue
            key = _comparable(head)
            for ref in references:
                if key == ref:
                    return head, tag
                if key in ref or ref in key:
                    ratio = min(len(head), len(ref)) / max(len(head), len(ref))
                    if ratio >= 0.5 and ratio > best_ratio:
                        best, best_ratio = head, ratio
        if best:
            return best, tag
    if og_title:
        return og_title, "og:title"
    if page_title:
        return page_title, "title"
    h1s = [normalize_space(h.text_content()) for h in root.iter("h1")]
    h1s = [h for h in h1s if 4 <= len(h) <= 200]
    return (h1s[0], "h1") if h1s else ("", None)


# --- body -----------------------------------------------------------------------------

def _container(html: str | None) -> etree._Element | None:
    if not html or not html.strip():
        return None
    try:
        node = lxml.html.fromstring(html, parser=html_parser())
    except (etree.ParserError, ValueError):
        return None
    body = node.find(".//body")
    return body if body is not None else node


def _split_text_dump(container: etree._Element) -> etree._Element:
    """trafilatura's whole-page fallback is one ``<p>`` of newline-separated lines:
    make each line a paragraph so boilerplate lines can be told from prose."""
    for p in list(container.iter("p")):
        if len(p) or not p.text or p.text.count("\n") < 2:
            continue
        parent = p.getparent()
        if parent is None:
            continue
        index = parent.index(p)
        for offset, line in enumerate(x for x in p.text.split("\n") if x.strip()):
            new = lxml.html.Element("p")
            new.text = line
            parent.insert(index + offset, new)
        new_tail, p.text = p.tail, None
        parent.remove(p)
        if new_tail and len(parent):
            last = parent[min(index + offset, len(parent) - 1)] if len(parent) else None
            if last is not None:
                last.tail = (last.tail or "") + new_tail
    return container


@dataclass
class TrafilaturaResult:
    body: etree._Element | None
    title: str | None
    date: str | None


class AllJustextStoplists:
    """Stands in for trafilatura's ``JT_STOPLIST``: the words of all of justext's stoplists,
    which its justext fallback uses for a page of unknown language. trafilatura builds them
    as a tuple of 154,000 strings, and justext's ``define_stoplist`` (cached by its argument)
    makes a lower-cased frozenset of them: both stay in every extraction worker, 27 MB
    (tracemalloc), and each justext call hashes the whole tuple again (1.8 ms). This object
    yields the same words when iterated and hashes in constant time, so the frozenset, built
    once per process, is all that is kept (15.5 MB). The words, and so the extraction, are
    the same (``tests/test_extraction_memory.py``)."""

    __slots__ = ()

    def __iter__(self):
        from justext.utils import get_stoplist, get_stoplists

        for language in sorted(get_stoplists()):
            yield from get_stoplist(language)

    def __bool__(self) -> bool:
        return True

    def __hash__(self) -> int:
        return hash(AllJustextStoplists)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AllJustextStoplists)


def _install_all_justext_stoplists() -> None:
    import trafilatura.external

    # only where trafilatura still keeps the lazily built global this replaces
    if getattr(trafilatura.external, "JT_STOPLIST", ()) is None:
        trafilatura.external.JT_STOPLIST = AllJustextStoplists()  # type: ignore[assignment]


_install_all_justext_stoplists()
# trafilatura's costliest XPath expressions as Python passes, same answers (issue 12)
trafilatura_paths.install()


# The one way this module calls trafilatura (``run_trafilatura``), in two settings:
# Chinese pages: fast mode (no external fallbacks inside trafilatura: readability is our own
# second opinion), images kept, no metadata (the Chinese date/title rules do that)
CHINESE_SETTINGS: dict = {
    "fast": True, "with_metadata": False, "include_images": True, "include_formatting": True,
    "include_links": False, "include_tables": True, "include_comments": True,
}
# other pages: its full extraction (its fallbacks included) with its metadata in the same pass
# (title, htmldate's date with time and offset); settings measured on fundus-dev (body F1): its
# defaults 0.942; favor_precision 0.933, favor_recall 0.934; with images (their captions) 0.930;
# fast (no readability/justext comparison inside, ~4 ms a page less) 0.927, recall 0.967 → 0.950
OTHER_FORMATTING = True
OTHER_IMAGES = False
# htmldate (trafilatura's date library, run inside its metadata step) keeping time and offset
DATE_PARAMS: dict[str, Any] = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
OTHER_SETTINGS: dict = {
    "fast": False, "with_metadata": True, "include_images": OTHER_IMAGES, "include_formatting": OTHER_FORMATTING,
    "include_links": False, "include_tables": True,
    # comments are extracted apart (and ignored): without it, a comment section's heading
    # and blurb stay at the end of the body
    "include_comments": True,
    "date_extraction_params": DATE_PARAMS,
}
# the same extraction without its metadata pass (~7 of ~29 ms a page on fundus-dev: author,
# site name, categories, license … which we never read): used when our own chain already has
# the title, htmldate then runs alone when its date could still count (``htmldate_date``)
OTHER_BODY_SETTINGS: dict = {**OTHER_SETTINGS, "with_metadata": False,
                             # comments out, their tails kept, in trafilatura's own copy of the tree
                             # (see trafilatura_document)
                             "prune_xpath": "//comment()|//processing-instruction()"}


def run_trafilatura(tree: etree._Element, url: str, settings: dict, *, chinese: bool = False) -> TrafilaturaResult | None:
    """trafilatura's ``bare_extraction`` on a parsed page (never a string: the page is parsed
    once) and its body as an ``lxml.html`` node; None when it fails or finds nothing.

    trafilatura copies the tree it is given before cleaning it (``bare_extraction``: "if tree is
    filecontent: tree = copy(tree)"; tests/test_extraction_once.py checks it), so ``tree`` can
    be handed on afterwards. Its result is plain ``lxml.etree``; our block code wants
    ``lxml.html`` elements, so the (small) body is serialized and read back. ``chinese``: the
    body as the Chinese chain's rules were measured with it (``trafilatura.extract(
    output_format="html")``'s indented serialization, the page's class/id attributes kept for
    the widget rules: a ``class="copyright"`` notice goes); else without those attributes."""
    from trafilatura.htmlprocessing import convert_to_html

    try:
        # output_format "html": the body stays a tree (no plain-text rendering of it)
        doc = trafilatura.bare_extraction(tree, url=url or None, deduplicate=False, output_format="html", **settings)
    except Exception as exc:  # a library failure on one page is a missing opinion, not a crash
        logger.warning("trafilatura failed on %s: %s: %s", url, type(exc).__name__, exc)
        return None
    if doc is None or isinstance(doc, dict):  # a dict only when as_dict is asked for
        return None
    body = None
    if doc.body is not None and len(doc.body):
        html_tree = convert_to_html(doc.body)
        if not chinese:
            # the page's class/id attributes are noise here, and our widget rules would read
            # them (class="editor-p" is a paragraph, not a Chinese CMS's editor line)
            for el in html_tree.iter():
                for attr in ("class", "id", "style"):
                    el.attrib.pop(attr, None)
        body = _container(etree.tostring(html_tree, encoding="unicode", pretty_print=chinese))
    return TrafilaturaResult(body=body, title=doc.title, date=doc.date)


def trafilatura_body(root: etree._Element, url: str) -> etree._Element | None:
    """trafilatura's main-text node (fast mode: the second opinion comes from readability)."""
    doc = run_trafilatura(root, url, CHINESE_SETTINGS, chinese=True)
    if doc is None or doc.body is None:
        return None
    return _split_text_dump(doc.body)


def readability_body(root: etree._Element, url: str, *, spend: bool = False) -> etree._Element | None:
    """The readability algorithm's article node (links are made absolute later, when
    the body is sanitized). ``root`` should be ``prepared`` (no comments or scripts);
    the algorithm rewrites the tree it reads, so it gets a copy unless ``spend``."""
    try:
        summary = _ReadabilityDocument(root if spend else copy.deepcopy(root)).summary()
    except Exception as exc:  # as for trafilatura: the other opinion still stands
        logger.warning("readability failed on %s: %s: %s", url, type(exc).__name__, exc)
        return None
    return _container(summary)


def _shingles(text: str) -> set[str]:
    if len(text) < 4:
        return {text} if text else set()
    return {text[i:i + 4] for i in range(len(text) - 3)}


SHORT_BLOCKS_SEARCHED = 32


def _own_blocks(blocks: list[Block], other: list[Block]) -> list[Block]:
    """Blocks of ``blocks`` that ``other`` does not have (most of their 4-character
    shingles missing).

    Linear in the size of both: one set of the other's shingles, one lookup per shingle.
    (Asking ``text in other_text`` for every block was quadratic: 6.4 s on a 1.1 MB page.)
    A block equal to one of the other's is settled at once (two extractors often agree block
    for block; the shingle set is then never built). A block found verbatim inside one of
    the other's has all its shingles there, so the shingle test settles it too, except a
    block shorter than a shingle: those are looked up among the other's substrings of 1–3
    characters (a set, when there are more than ``SHORT_BLOCKS_SEARCHED`` such blocks; else
    a search of the other's text for each: building the set costs ~20 ms on a long page)."""
    other_lines = [block.text.replace(" ", "") for block in other]
    same = set(other_lines)
    theirs: set[str] | None = None
    texts = [block.text.replace(" ", "") for block in blocks]
    shorts = sum(1 for text in texts if 0 < len(text) < 4 and text not in same)
    short_in: Callable[[str], bool]
    if shorts > SHORT_BLOCKS_SEARCHED:
        short_in = {line[i:i + n] for line in other_lines for n in (1, 2, 3) for i in range(len(line) - n + 1)}.__contains__
    else:
        short_in = "\n".join(other_lines).__contains__
    own = []
    for block, text in zip(blocks, texts):
        if not text or text in same:
            continue
        if len(text) < 4:
            if not short_in(text):
                own.append(block)
            continue
        if theirs is None:
            theirs = set()
            for line in other_lines:
                theirs |= _shingles(line)
        mine = _shingles(text)
        if len(mine - theirs) > 0.5 * len(mine):
            own.append(block)
    return own


def block_value(block: Block) -> float:
    """Positive for article prose, negative for navigation, link lists and notices."""
    text = block.text
    size = len(text)
    if (block.link_density >= 0.5 or is_junk_line(text, normalized=True) or is_copyright(text, normalized=True)
            or is_link_list(text, block.link_density)):
        return -size
    if is_prose(text, block.link_density, normalized=True):
        return size
    return -0.5 * size


def choose_blocks(primary: list[Block], second: list[Block]) -> tuple[list[Block], bool]:
    """``(blocks, second_won)``: the primary extraction unless the second opinion's own
    blocks are worth more than the primary's own blocks."""
    if not second:
        return primary, False
    if not primary:
        return second, True
    primary_own = sum(block_value(b) for b in _own_blocks(primary, second))
    second_own = sum(block_value(b) for b in _own_blocks(second, primary))
    if second_own > primary_own:
        return second, True
    return primary, False


_BLOCK_LEVEL = {
    "p", "div", "section", "article", "table", "ul", "ol", "dl", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "figure", "header", "footer", "nav", "aside", "form", "main",
}


def prepared(root: etree._Element) -> etree._Element:
    """A copy of the page without comments, scripts and styles: less work for both
    extractors (and the readability port trips over comments)."""
    work = copy.deepcopy(root)
    etree.strip_elements(work, etree.Comment, etree.ProcessingInstruction, "script", "style", "noscript", "template", with_tail=False)
    # a <section> holding only inline content is a paragraph (WeChat articles are built of
    # <section><span>…</span></section>, which neither extractor scores as text)
    for section in list(work.iter("section")):
        if not any(isinstance(c.tag, str) and c.tag in _BLOCK_LEVEL for c in section.iterdescendants()):
            section.tag = "p"
    return work


# a first answer shorter than this (characters of text) is doubtful: a teaser, a caption, a
# paywall stub, or the extractor caught one fragment of a page whose article it missed
DOUBTFUL_CHARS = 200
# ... and so is one holding less than this share of the page's visible text
DOUBTFUL_PAGE_SHARE = 0.1


def doubtful(blocks: list[Block], page_chars: int) -> bool:
    """Whether trafilatura's cleaned answer needs the second opinion: empty, short, a small
    part of the page, or holding any block that does not read as article prose (navigation,
    a link list, a notice, a headline-like line: ``block_value`` < 0). An answer of prose
    only is kept as it is; readability could only have won there by having more prose of
    its own, which on zh-dev and gne-pages never happened (every page it won, 17 of 97, had
    a non-prose block in trafilatura's answer; 15 pages are not doubtful and skip it)."""
    if not blocks:
        return True
    chars = sum(len(block.text) for block in blocks)
    if chars < DOUBTFUL_CHARS or chars < DOUBTFUL_PAGE_SHARE * page_chars:
        return True
    return any(block_value(block) < 0 for block in blocks)


def generic_body(root: etree._Element, url: str, title: str, page_chars: int = 0) -> tuple[list[Block], str]:
    """The cleaned body blocks and which extractor they came from: trafilatura's, or
    readability's when trafilatura's answer is ``doubtful`` and readability's own blocks
    are worth more (``choose_blocks``). ``page_chars``: length of the page's visible text."""
    work = prepared(root)
    node = trafilatura_body(work, url)  # trafilatura reads a copy of ``work``
    primary = trim_blocks(body_blocks(node, url, split_br=True, in_place=True), title) if node is not None else []
    if not doubtful(primary, page_chars):
        return primary, "trafilatura"
    node = readability_body(work, url, spend=True)  # the last reader of ``work``
    second = trim_blocks(body_blocks(node, url, split_br=True, in_place=True), title) if node is not None else []
    blocks, second_won = choose_blocks(primary, second)
    return blocks, "readability" if second_won else "trafilatura"


# --- date -----------------------------------------------------------------------------

def visible_text(root: etree._Element) -> str:
    body = root.find("body")
    node = body if body is not None else root
    parts = []
    for el in node.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "noscript", "template"):
            if el.tail:
                parts.append(el.tail)
            continue
        if el.text:
            parts.append(el.text)
        if el.tail and el is not node:
            parts.append(el.tail)
    return normalize_space(" ".join(parts))


def date_near_title(text: str, title: str, options: ExtractionOptions) -> tuple[FoundDate | None, str]:
    """The first date in the lines right after the headline, and that text window."""
    found, window = None, ""
    if not title:
        return found, window
    key = title[: min(len(title), 12)]
    start = 0
    for _ in range(3):  # the headline may first appear in a breadcrumb
        idx = text.find(key, start)
        if idx < 0:
            break
        candidate = text[idx + len(key): idx + len(title) + 300]
        window = window or candidate
        found = find_date(candidate, default_year=options.default_year, now=options.now, allow_relative=options.fetch_time_known)
        if found is not None:
            return found, candidate
        start = idx + len(key)
    return found, window


# A labelled date is the page's own meta line, near its top: the label search reads this many
# characters of the visible text (as find_date and the language sample do; the latest label
# found on the corpora is at 8,700). Each label costs a find_date call, and long pages are
# full of "Date:"-like words.
LABEL_SCAN_CHARS = 20_000


def labelled_date(text: str, options: ExtractionOptions) -> FoundDate | None:
    """The first date right after a label such as ``发布时间：`` or ``发表于`` in the first
    ``LABEL_SCAN_CHARS`` of the text."""
    for match in DATE_LABEL_RE.finditer(text, 0, LABEL_SCAN_CHARS):
        found = find_date(text[match.end(): match.end() + 40], default_year=None, now=options.now, allow_relative=False)
        if found is not None:
            return found
    return None


def date_above_body(text: str, blocks: list[Block], options: ExtractionOptions) -> FoundDate | None:
    """The date in the lines just above the first paragraph of the body (the meta line
    between headline and article), when the headline itself was not found."""
    for block in blocks[:2]:
        key = block.text[:16]
        if len(key) < 6:
            continue
        idx = text.find(key)
        if idx > 0:
            return find_last_date(text[max(0, idx - 160): idx], now=options.now)
    return None


def body_attribution_date(blocks: list[Block], options: ExtractionOptions) -> FoundDate | None:
    """The date of a reprint's closing attribution line (``——《北京之春》1996年6月号``)."""
    return find_attribution_date("\n".join(block.text for block in blocks[-3:]), now=options.now)


def find_generic_date(text: str, title: str, blocks: list[Block], options: ExtractionOptions) -> tuple[FoundDate | None, str | None, str]:
    """``(date, stage, text window after the headline)``: the date chain after page
    metadata (see article.py), each stage only when the previous found nothing."""
    found, window = date_near_title(text, title, options)
    if found is not None:
        return found, "generic:text_near_title", window
    stages = (
        ("generic:labelled_meta_line", lambda: labelled_date(text, options)),
        ("generic:text_above_body", lambda: date_above_body(text, blocks, options) if blocks else None),
        ("generic:body_attribution", lambda: body_attribution_date(blocks, options) if blocks else None),
    )
    for stage, find in stages:
        found = find()
        if found is not None:
            return found, stage, window
    return None, None, window


def extract(root: etree._Element, options: ExtractionOptions, text: str | None = None) -> GenericResult:
    """The Chinese-aware generic chain; ``text`` is the page's visible text when already read."""
    title, title_source = title_with_source(root, options.site_names)
    text = visible_text(root) if text is None else text
    blocks, which = generic_body(root, options.url, title, len(text))
    found, stage, window = find_generic_date(text, title, blocks, options)
    outlet = parse_outlet(window, options.site_names) if window and ("来源" in window) else None
    return GenericResult(
        title=title,
        body_html=join_blocks(blocks),
        date=found,
        outlet=outlet,
        editor=parse_editor(text[-3000:]) if ("责任编辑" in text) else None,
        extractor=f"generic:{which}",
        date_stage=stage,
        title_source=title_source,
    )


# --- pages not in Chinese -------------------------------------------------------------

def htmldate_date(root: etree._Element, url: str) -> str | None:
    """htmldate's publication date of the page as trafilatura's metadata pass finds it (same
    parameters, same URL: the page's ``og:url``/JSON-LD/canonical URL, else ``url``), without
    the rest of that pass. htmldate copies the tree before pruning it."""
    import htmldate
    from trafilatura.metadata import examine_meta, extract_meta_json, extract_url

    try:
        meta = examine_meta(root)
        try:
            meta = extract_meta_json(root, meta)
        except Exception as exc:  # trafilatura's JSON-LD reader fails on some pages; its pass goes on too
            logger.warning("trafilatura's JSON-LD metadata failed on %s: %s: %s", url, type(exc).__name__, exc)
        page_url = meta.url or extract_url(root, url or None)
        found = htmldate.find_date(root, url=page_url, **DATE_PARAMS)
    except Exception as exc:  # as for trafilatura: a missing opinion, not a crash
        logger.warning("htmldate failed on %s: %s: %s", url, type(exc).__name__, exc)
        return None
    return found if isinstance(found, str) else None


def trafilatura_document(root: etree._Element, url: str, *, title_known: bool = False,
                         date_wanted: bool = True) -> TrafilaturaResult | None:
    """trafilatura's full extraction (its fallbacks included): the body as HTML, its title
    and htmldate's publication date (time and offset kept).

    ``title_known``: the caller has the title, so trafilatura's metadata pass is skipped and
    htmldate runs alone, only when ``date_wanted`` (the caller may already hold a date that
    htmldate's could not change); the result's ``title`` is then None. The outcome is the same
    as the full pass's: the metadata pass reads the tree and does not steer the extraction."""
    # (without a URL, trafilatura's would come from the metadata)
    metadata_pass = not title_known or not url
    if (metadata_pass or date_wanted) and any(True for _ in root.iter(etree.Comment, etree.ProcessingInstruction)):
        # comments out, their tails kept: trafilatura drops a comment's tail with it (`<!-- -->`
        # before a link cuts the sentence); its own parser never keeps comments. A copy:
        # the tree is the caller's (a page without comments is handed on as it is). Without
        # metadata pass or htmldate, trafilatura's ``prune_xpath`` does the same in the copy it
        # makes anyway (OTHER_BODY_SETTINGS; its pruning keeps tails), saving this one
        root = copy.deepcopy(root)
        etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
    if metadata_pass:
        return run_trafilatura(root, url, OTHER_SETTINGS)
    doc = run_trafilatura(root, url, OTHER_BODY_SETTINGS)
    if doc is not None and date_wanted:  # (no document: the full pass gave no date either)
        doc.date = htmldate_date(root, url)
    return doc


def extract_other_language(root: etree._Element, options: ExtractionOptions, text: str | None = None,
                           *, date_wanted: bool = True) -> tuple[GenericResult, str | None]:
    """The chain for pages not written in Chinese: trafilatura's body without the Chinese
    boilerplate rules, our headline choice (h1 agreeing with <title>/og:title), and the
    date from the labelled/near-headline search of the page text. Also returns htmldate's
    date (a later stage of the date chain, after the page's own metadata), looked for only
    when ``date_wanted``."""
    title, title_source = title_with_source(root, options.site_names)
    doc = trafilatura_document(root, options.url, title_known=bool(title), date_wanted=date_wanted)
    if doc is None or doc.body is None:
        result = extract(root, options, text)
        return result, doc.date if doc else None
    blocks = body_blocks(doc.body, options.url, split_br=True, in_place=True)
    # the headline is the title, not body (trafilatura keeps an <h1> inside the article)
    headline = title or normalize_space(doc.title)
    while blocks and headline and blocks[0].text == headline:
        blocks.pop(0)
    if not title and doc.title:
        title, title_source = normalize_space(doc.title), "trafilatura"
    return GenericResult(
        title=title,
        body_html=join_blocks(blocks),
        date=None,
        outlet=None,
        editor=None,
        extractor="generic:trafilatura_full",
        date_stage=None,
        title_source=title_source,
    ), doc.date
