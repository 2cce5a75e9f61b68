"""Structured page metadata: JSON-LD, Open Graph / ``article:`` tags and the
``publishdate``/``PubDate``/``ptime``-style meta tags Chinese CMSs write."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from .dates import FoundDate, parse_date
from .text import normalize_space

# meta tags holding a publication time, most trusted first
DATE_META_NAMES = (
    "article:published_time", "og:article:published_time", "og:release_date", "publishdate", "publish_date",
    "pubdate", "ptime", "publishtime", "publish-time", "publication_date", "dc.date.issued", "dc.date",
    "date", "sailthru.date", "weibo:article:create_at", "og:time", "firstpublishedtime",
    "datepublished", "datecreated", "parsely-pub-date", "article.published", "published_time", "pub_date",
    # variants real sites write: Open Graph without "_time", Dublin Core, Parse.ly, Sailthru, CMS names
    "article:published", "og:published_time", "article:published_date", "og:article:published", "dcterms.created",
    "dcterms.date", "dc.date.created", "dc.created", "article_date_original", "cxenseparse:recs:publishtime",
    "originalpublicationdate", "article.created", "publication-date", "publish-date", "release_date", "displaydate",
    "dateline", "pubdate:date",
)
# modification times: a last resort when the page states no publication time
MODIFIED_META_NAMES = (
    "article:modified_time", "og:updated_time", "datemodified", "dateupdate", "lastmodifiedtime",
    "dc.date.modified", "modified",
)
# a publication time Chinese CMSs put in a page script or data attribute:
# var __$pubtime='2020-10-04 20:30:00'; pagepubtime: '2019-11-25'; "pubDate": "2019-09-05T11:10:52"
SCRIPT_DATE_RE = re.compile(
    # (?<![\w$]): the key starts where a name starts. Without it the lazy [\w$]*? was tried
    # from every character of a long name or base64 run: quadratic (168 ms on 12 kB of script)
    r"""["']?(?<![\w$])(?P<key>[\w$]*?(?:pub_?time|pub_?date|publish_?time|publish_?date|date_?published|first_?publish(?:ed)?_?time))["']?"""
    r"""\s*[:=]\s*["'](?P<value>(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?)["']""",
    re.I,
)
# Bounds of the script scan (a 2 MB page can be all script): a script longer than this is a data
# blob or a bundle, not a CMS handing its page a publication time (the longest script with such a
# date on the corpora is 31 kB), and no more than this many characters of script are scanned per page
MAX_SCRIPT_CHARS = 500_000
SCRIPT_SCAN_BUDGET = 1_000_000
TITLE_META_NAMES = ("og:title", "twitter:title", "title", "articletitle", "headline")
OUTLET_META_NAMES = ("source", "og:site_name", "mediaid")
# JSON-LD types whose dates are the page's: Article and its subtypes (NewsArticle,
# ReportageNewsArticle, AnalysisNewsArticle, …), BlogPosting/LiveBlogPosting, WebPage
_JSONLD_ARTICLE_TYPE_RE = re.compile(r"(?:article|posting|webpage)$")


@dataclass
class PageMetadata:
    dates: list[tuple[str, str]]
    title: str | None
    outlet: str | None
    date_origin: str | None = None
    modified: list[tuple[str, str]] = field(default_factory=list)

    def date(self, now: datetime | None = None) -> FoundDate | None:
        for origin, raw in self.dates:
            found = parse_date(raw, now=now)
            if found is not None:
                self.date_origin = origin
                return found
        return None

    def modified_date(self, now: datetime | None = None) -> tuple[FoundDate | None, str | None]:
        """The page's own modification time, with where it was found."""
        for origin, raw in self.modified:
            found = parse_date(raw, now=now)
            if found is not None:
                return found, origin
        return None, None


# the start of the name that ends at the search's endpos
_NAME_START_RE = re.compile(r"(?<![\w$])[\w$]*\Z")
_PUB_RE = re.compile("pub", re.I)


def _script_date_matches(text: str):
    """``SCRIPT_DATE_RE.finditer(text)``, tried only where a name holding "pub" starts (every
    key the pattern knows holds it): a scan for three letters instead of the pattern at every
    character (~100 ns each, 36 ms on a page of 300 kB of script)."""
    tried = -1
    found = _PUB_RE.search(text)
    while found is not None:
        at = found.start()
        # the start of the name holding this "pub" (the pattern's key starts there: (?<![\w$]))
        window = max(0, at - 200)
        run = _NAME_START_RE.search(text, window, at)
        if run is not None:
            start = run.start()
        else:  # a name longer than the window (rare): walk on to its start
            start = window
            while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_$"):
                start -= 1
        if start > tried:
            tried = start
            match = SCRIPT_DATE_RE.match(text, start)
            if match:
                yield match
                found = _PUB_RE.search(text, match.end())
                continue
        found = _PUB_RE.search(text, at + 3)


def script_date(root: etree._Element, now: datetime | None = None) -> tuple[FoundDate | None, str | None]:
    """The first publication time written into an inline script or a ``data-*publish*``
    attribute (how many Chinese CMSs hand it to their page scripts)."""
    for attr in root.xpath("//@*[starts-with(name(), 'data-') and contains(name(), 'publish')][1]"):
        found = parse_date(str(attr), now=now)
        if found is not None:
            return found, f"attribute.{attr.attrname}"
    budget = SCRIPT_SCAN_BUDGET
    for script in root.iter("script"):
        text = script.text
        if not text or len(text) > MAX_SCRIPT_CHARS:
            continue
        if budget <= 0:
            break
        budget -= len(text)
        for match in _script_date_matches(text):
            found = parse_date(match.group("value"), now=now)
            if found is not None:
                return found, f"script.{match.group('key')}"
    return None, None


def _meta_tags(root: etree._Element) -> dict[str, str]:
    """``<meta>`` values by every name they are given: ``property``, ``name``, each word of
    a multi-valued ``itemprop`` (``itemprop="datePublished dateCreated"``), ``http-equiv``."""
    tags: dict[str, str] = {}
    for el in root.iter("meta"):
        value = el.get("content")
        if not value or not value.strip():
            continue
        keys = [el.get("property"), el.get("name"), el.get("http-equiv"), *(el.get("itemprop") or "").split()]
        for key in keys:
            key = (key or "").strip().lower()
            if key and key not in tags:
                tags[key] = value.strip()
    return tags


# Bounds of the JSON-LD read: a block longer than this is not an article's metadata (the longest
# on the corpora is 25 kB; json.loads reads ~100 MB/s, so the cap bounds it at a few ms), no more
# than this many blocks per page, and no more than this many objects looked at in them
JSONLD_MAX_CHARS = 300_000
JSONLD_MAX_SCRIPTS = 20
JSONLD_MAX_OBJECTS = 2_000


def _jsonld_objects(root: etree._Element):
    scripts = 0
    for script in root.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        scripts += 1
        if scripts > JSONLD_MAX_SCRIPTS:
            return
        if len(script.text) > JSONLD_MAX_CHARS:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        seen = 0
        while stack and seen < JSONLD_MAX_OBJECTS:
            seen += 1
            obj = stack.pop()
            if isinstance(obj, list):
                stack.extend(obj)
            elif isinstance(obj, dict):
                if "@graph" in obj:
                    stack.append(obj["@graph"])
                yield obj


# every element a marked-up date can be on, in document order: one pass over the page's
# elements (an XPath for each kind of markup was three passes, 0.9 ms a page; this, 0.55)
_DATE_MARKUP_XPATH = etree.XPath("//*[@itemprop or (self::time and @datetime)]")
# what XPath's normalize-space() parts an attribute value at
_XML_SPACE = " \t\r\n"
_XML_SPACES_RE = re.compile(f"[{_XML_SPACE}]+")


def _marked_up_dates(root: etree._Element) -> list[tuple[str, str]]:
    """Publication dates marked up in the page body: ``itemprop="datePublished"`` on any
    element and ``<time pubdate>``; else the first ``<time datetime>`` of an ``<article>``
    or ``<header>`` (not one of a sidebar's list). What the XPaths
    ``//body//*[contains(concat(' ', normalize-space(@itemprop), ' '), ' datePublished ')]``,
    ``//time[@pubdate][@datetime]`` and
    ``(//article//time[@datetime] | //header//time[@datetime])[1]`` find, in that order."""
    found = []
    times = []
    for el in _DATE_MARKUP_XPATH(root):
        if el.tag == "time" and el.get("datetime") is not None:
            times.append(el)
        prop = el.get("itemprop")
        if (prop is not None and "datePublished" in _XML_SPACES_RE.split(prop.strip(_XML_SPACE))
                and any(a.tag == "body" for a in el.iterancestors())):
            value = el.get("datetime") or el.get("content") or normalize_space(el.text_content())
            if value:
                found.append(("markup.itemprop", value))
    found.extend(("markup.time_pubdate", el.get("datetime")) for el in times if el.get("pubdate") is not None)
    if not found:
        for el in times:
            if any(a.tag in ("article", "header") for a in el.iterancestors()):
                found.append(("markup.time", el.get("datetime")))
                break
    return found[:3]


def page_metadata(root: etree._Element) -> PageMetadata:
    dates: list[tuple[str, str]] = []
    modified: list[tuple[str, str]] = []
    title = None
    for obj in _jsonld_objects(root):
        kind = obj.get("@type")
        kinds = {str(k).lower().rsplit("/", 1)[-1] for k in (kind if isinstance(kind, list) else [kind])}
        if not any(_JSONLD_ARTICLE_TYPE_RE.search(k) for k in kinds):
            continue
        for key in ("datePublished", "dateCreated"):
            if isinstance(obj.get(key), str):
                dates.append((f"jsonld.{key}", obj[key]))
        if isinstance(obj.get("dateModified"), str):
            modified.append(("jsonld.dateModified", obj["dateModified"]))
        if not title and isinstance(obj.get("headline"), str):
            title = obj["headline"]
    tags = _meta_tags(root)
    for name in DATE_META_NAMES:
        if name in tags:
            dates.append((f"meta.{name}", tags[name]))
    dates.extend(_marked_up_dates(root))
    modified.extend((f"meta.{name}", tags[name]) for name in MODIFIED_META_NAMES if name in tags)
    for name in TITLE_META_NAMES:
        if not title and tags.get(name):
            title = tags[name]
    outlet = None
    for name in OUTLET_META_NAMES[:1]:
        if tags.get(name):
            outlet = normalize_space(tags[name])[:40] or None
    return PageMetadata(dates=dates, title=normalize_space(title) or None, outlet=outlet, modified=modified)
