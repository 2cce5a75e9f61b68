"""The extraction chain: site rules → page metadata → generic extraction.

``extract_article`` is what spiders and the batch command call. It never
raises on page content: a page it cannot read comes back with ``error`` set.
Each field records the stage that produced it.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

import lxml.html
from lxml import etree

from ..sources.base import SourceDecl, Template
from . import generic
from .body import body_text, clean_body_element, html_parser, string_value
from .bylines import parse_editor, parse_outlet
from .dates import date_from_url, find_date, parse_date
from .decode import decode_html, unwrap_crawl_wrapper
from .language import detect_language
from .options import ExtractionOptions, Hints
from .page_metadata import PageMetadata, page_metadata, script_date
from .result import Extraction
from .text import normalize_space
from .titles import clean_title

logger = logging.getLogger(__name__)


_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*>", re.I)
# characters libxml2 refuses in a document (C0 controls but tab/newline/return, non-characters)
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# a stray </html> or </body> in the middle of a page (a CMS header include) makes libxml2 drop
# everything after it; browsers ignore it, and so do we (the parser closes both at the end)
_END_TAGS_RE = re.compile(r"</(?:html|body)\s*>", re.I)


def without_refused_characters(html: str) -> str:
    """``_CONTROL_RE.sub("", html)``, the text searched first with numpy over its UTF-16 code
    units: the regex's scan of a 230 KB page took 1.1 ms (a 29-character class checked per
    character), this 0.2, and nearly every page has none of them (issue 12)."""
    import numpy as np  # (loaded by the extraction workers' fork server anyway)

    units = np.frombuffer(html.encode("utf-16-le", "surrogatepass"), dtype="<u2")
    controls = units[units < 0x20]
    if ((controls != 0x09) & (controls != 0x0A) & (controls != 0x0D)).any() or "\ufffe" in html or "\uffff" in html:
        return _CONTROL_RE.sub("", html)
    return html


def _parse_document(html: str) -> etree._Element:
    """libxml2's parse of a page's text: the one parse of the page (bench/site_rules.py times it)."""
    return lxml.html.document_fromstring(html, parser=html_parser())


def parse_html(html: str | bytes) -> etree._Element | None:
    """An lxml document for page text or bytes (decoded by ``decode_html``), or None.

    The ``<text id=… encoding=…>`` crawl wrapper of saved corpora, an XML
    declaration and characters libxml2 refuses are removed first."""
    if isinstance(html, (bytes, bytearray)):
        html, _ = decode_html(bytes(html))
    if not html or not html.strip():
        return None
    html, _ = unwrap_crawl_wrapper(html)
    html = without_refused_characters(_XML_DECLARATION_RE.sub("", html, count=1))
    html = _END_TAGS_RE.sub("", html)
    if not html.strip():
        return None
    try:
        root = _parse_document(html)
    except UnicodeEncodeError:  # lone surrogates
        try:
            root = _parse_document(html.encode("utf-8", "replace").decode("utf-8"))
        except (etree.ParserError, ValueError):
            return None
    except (etree.ParserError, ValueError):
        return None
    return root


def _text(el: etree._Element | None) -> str:
    return normalize_space(string_value(el)) if el is not None else ""


def apply_template(root: etree._Element, template: Template) -> dict | None:
    """Fields read by one template's selectors, or None when it does not apply."""
    # selectors are compiled when the template is declared (Template.select)
    title = _text(template.select(root, "title"))
    if not title:
        return None
    body_el = template.select(root, "body")
    if body_el is None:
        return None
    meta_text = _text(template.select(root, "meta"))
    return {
        "title": title,
        "body": body_el,
        "date_text": _text(template.select(root, "date")) or meta_text,
        "outlet_text": _text(template.select(root, "outlet")) or meta_text,
        "editor_text": _text(template.select(root, "editor")),
    }


# "责任编辑" or "责编": one regex scan instead of two substring searches, which in text with
# Chinese characters cost four times as much (2.4 against 0.6 µs over a page's 1,400 characters)
_EDITOR_WORD_RE = re.compile("责(?:任编辑|编)")


def _page_editor(root: etree._Element) -> str | None:
    # a node's text is a substring of the page's: a page without the words has no such node,
    # and most pages are then done without reading the text of every p/div/span (issue 12)
    if not _EDITOR_WORD_RE.search(string_value(root)):
        return None
    for el in root.iter("p", "div", "span"):
        text = string_value(el)
        if len(text) < 80 and _EDITOR_WORD_RE.search(text):
            editor = parse_editor(text)
            if editor:
                return editor
    return None


def extract_article(
    html: str | bytes,
    url: str,
    *,
    source: SourceDecl | None = None,
    fetched_at: datetime | None = None,
    hints: Hints | None = None,
    timezone: str | None = None,
    language: str | None = None,
) -> Extraction:
    """Title, publication time, outlet, editor and body of one article page.

    Year-less dates (06月08日) take their year from the URL, else from ``fetched_at``;
    relative ones (3小时前) need ``fetched_at``. Without it (a saved page) neither is
    guessed. ``hints`` (a feed's or sitemap's date and title) are a stage of the chain;
    ``timezone`` is the zone of offset-less dates when no source is declared; ``language``
    overrides the detection from the page text."""
    result = Extraction(url=url)
    try:
        options = ExtractionOptions.for_page(
            url, source=source, fetched_at=fetched_at, hints=hints, timezone=timezone, language=language
        )
        _extract(html, options, result)
    except Exception as exc:  # the extractor must never stop a crawl; the page is dropped with this error
        logger.exception("extraction failed for %s: %s: %s", url, type(exc).__name__, exc)
        result.error = f"extractor_exception: {type(exc).__name__}: {exc}"
    return result


def _extract(html, options: ExtractionOptions, result: Extraction) -> None:
    root = parse_html(html)
    if root is None:
        result.error = "empty_or_unparseable_html"
        return
    meta = page_metadata(root)
    # 1. site rules
    _apply_site_rules(root, options, result)
    # 2. page metadata (JSON-LD, Open Graph, microdata, CMS meta tags)
    result.set_date(meta.date(options.now), f"metadata:{meta.date_origin}")
    # 3. generic extraction: body, then title (h1 agreeing with <title>/og:title …) and date in the text
    if not result.body_html:
        text = generic.visible_text(root)
        language = options.language or detect_language(text)
        result.stages["language"] = language
        if language == "zh" or not language:
            _apply_generic(root, text, options, result)
        else:
            _apply_other_language(root, text, options, result)
    # 4.–7. dates the page states outside its text, the feed's or sitemap's, the URL's
    _apply_late_dates(root, meta, options, result)
    _apply_fallback_title(root, meta, options, result)
    result.settle_zone(options)
    result.stages["date"] = result.date_stage
    result.body_text = body_text(result.body_html)
    result.outlet = result.outlet or meta.outlet


_MIDNIGHT_RE = re.compile(r"T00:00:00$")


def _apply_other_language(root: etree._Element, text: str, options: ExtractionOptions, result: Extraction) -> None:
    """Pages not in Chinese: trafilatura's body and htmldate's date, no Chinese rules."""
    # a date with a time of day (from site rules or page metadata) is final: the later stages
    # (htmldate, the text near the headline) could not change it (``Extraction.set_date``), so
    # they are not run
    date_wanted = not result.has_final_date()
    generic_result, htmldate_raw = generic.extract_other_language(root, options, text, date_wanted=date_wanted)
    _take_generic(generic_result, result)
    if htmldate_raw:
        # htmldate writes 00:00:00 when it found only a day (and no offset)
        raw = htmldate_raw[:10] if _MIDNIGHT_RE.search(htmldate_raw) else htmldate_raw
        result.set_date(parse_date(raw, now=options.now), "htmldate")
    if generic_result.extractor == "generic:trafilatura_full" and not result.has_final_date():
        # a date written next to the headline: the only one on some pages, a time on others
        found, stage, _ = generic.find_generic_date(text, result.title, [], options)
        result.set_date(found, stage or "generic:text_near_title")


def _matching_template(root: etree._Element, source: SourceDecl) -> tuple[Template, dict] | tuple[None, None]:
    """The first of the source's templates that applies, with the fields it read."""
    for template in source.templates:
        fields = apply_template(root, template)
        if fields is not None:
            return template, fields
    return None, None


def _apply_site_rules(root: etree._Element, options: ExtractionOptions, result: Extraction) -> None:
    source = options.source
    if source is None:
        return
    template, fields = _matching_template(root, source)
    if template is None or fields is None:  # found together or not at all
        return
    result.extractor = f"site:{source.name}/{template.name}"
    result.title = clean_title(fields["title"], options.site_names)
    result.stages["title"] = result.stages["body"] = result.extractor
    result.body_html = clean_body_element(fields["body"], options.url)
    found = find_date(fields["date_text"], default_year=options.default_year, now=options.now, allow_relative=options.fetch_time_known)
    result.set_date(found, "site_meta_line")
    result.outlet = parse_outlet(fields["outlet_text"], options.site_names)
    result.editor = parse_editor(fields["editor_text"]) or _page_editor(root)


def _apply_generic(root: etree._Element, text: str, options: ExtractionOptions, result: Extraction) -> None:
    _take_generic(generic.extract(root, options, text), result)


def _take_generic(generic_result: generic.GenericResult, result: Extraction) -> None:
    result.extractor = generic_result.extractor
    result.stages["body"] = generic_result.extractor
    result.body_html = generic_result.body_html
    if not result.title and generic_result.title:
        result.title = generic_result.title
        result.stages["title"] = f"generic:{generic_result.title_source}"
    result.set_date(generic_result.date, generic_result.date_stage or "generic:text_near_title")
    result.outlet = result.outlet or generic_result.outlet
    result.editor = result.editor or generic_result.editor


def _apply_late_dates(root: etree._Element, meta: PageMetadata, options: ExtractionOptions, result: Extraction) -> None:
    # 4. a publication time handed to the page's scripts (var pubtime = '2019-09-23 07:48')
    if not result.published_at:
        found, origin = script_date(root, options.now)
        result.set_date(found, f"script:{origin}")
    # 5. the feed's or sitemap's date (before the URL's day: it is usually more precise)
    _apply_date_hint(options, result)
    # 6. the date written in the URL path (a full day only)
    result.set_date(date_from_url(options.url, now=options.now), "url", trusted=False)
    # 7. the page's own modification time, when it states nothing else
    if not result.published_at:
        found, origin = meta.modified_date(options.now)
        result.set_date(found, f"metadata_modified:{origin}", trusted=False)


def _apply_date_hint(options: ExtractionOptions, result: Extraction) -> None:
    hints = options.hints
    if hints is None or not hints.date_raw:
        return
    from ..discovery.feeds import parse_feed_date  # discovery imports extraction, not the reverse

    origin = hints.origin or "hint"
    found = parse_feed_date(hints.date_raw, options.now) if origin.startswith("feed") else parse_date(hints.date_raw, now=options.now)
    result.set_date(found, origin)


def _apply_fallback_title(root: etree._Element, meta: PageMetadata, options: ExtractionOptions, result: Extraction) -> None:
    if not result.title and meta.title:
        result.title = clean_title(meta.title, options.site_names)
        result.stages["title"] = "metadata"
    if not result.title:
        result.title = clean_title(_text(root.find(".//title")), options.site_names)
        result.stages["title"] = "title"
    # the feed's or sitemap's title, when the page names none
    if not result.title and options.hints is not None and options.hints.title:
        result.title = clean_title(options.hints.title, options.site_names)
        result.stages["title"] = "feed:title" if (options.hints.origin or "").startswith("feed") else "sitemap:news:title"
