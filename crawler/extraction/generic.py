"""Generic extraction for pages no site rule covers: trafilatura for the
body, Chinese-aware title and date finding around it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import lxml.html
import trafilatura
from lxml import etree

from .body import clean_body_element
from .dates import FoundDate, find_date, year_from_url
from .meta import parse_editor, parse_outlet
from .text import normalize_space
from .titles import clean_title

DATE_LABEL_RE = re.compile(r"(?:发布时间|发布日期|发表时间|时间|日期|更新时间)\s*[:：]\s*")


@dataclass
class GenericResult:
    title: str
    body_html: str
    date: FoundDate | None
    outlet: str | None
    editor: str | None
    extractor: str


def choose_title(root: etree._Element, site_names=()) -> str:
    """``<h1>`` when it agrees with ``<title>``, else ``og:title``, else ``<title>``."""
    page_title = clean_title(" ".join(el.text_content() for el in root.iter("title")), site_names)
    og = root.xpath("//meta[@property='og:title' or @name='og:title']/@content")
    og_title = clean_title(og[0], site_names) if og else ""
    h1s = [normalize_space(h.text_content()) for h in root.iter("h1")]
    h1s = [h for h in h1s if 4 <= len(h) <= 200]
    for h1 in h1s:
        if page_title and (h1 in page_title or page_title in h1):
            return h1
    if og_title:
        return og_title
    if page_title:
        return page_title
    return h1s[0] if h1s else ""


def _visible_text(root: etree._Element) -> str:
    body = root.find("body")
    node = body if body is not None else root
    parts = []
    for text in node.itertext():
        parent = text.getparent() if hasattr(text, "getparent") else None
        if parent is not None and parent.tag in ("script", "style", "noscript"):
            continue
        parts.append(text)
    return normalize_space(" ".join(parts))


def date_near_title(text: str, title: str, *, default_year: int | None, now: datetime) -> tuple[FoundDate | None, str]:
    """The first date in the lines right after the headline; else a labelled date anywhere."""
    window = ""
    if title:
        key = title[: min(len(title), 12)]
        idx = text.find(key)
        if idx >= 0:
            window = text[idx + len(key) : idx + len(title) + 300]
    found = find_date(window, default_year=default_year, now=now) if window else None
    if found is None:
        for match in DATE_LABEL_RE.finditer(text):
            found = find_date(text[match.end() : match.end() + 40], default_year=default_year, now=now)
            if found is not None:
                break
    return found, window


META_LINE_RE = re.compile(r"(?:来源|作者|记者|编辑|发布时间|发布日期|时间|日期|字号|浏览|阅读)\s*[:：]|(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}")


def drop_leading_header_blocks(container: etree._Element, title: str) -> None:
    """Generic extractors often keep the headline and the meta line
    (``来源：… 2022-06-08``) as the first blocks of the body: drop them."""
    for block in list(container)[:4]:
        if not isinstance(block.tag, str):
            continue
        text = normalize_space(block.text_content())
        if not text:
            continue
        is_title = title and (text == title or (block.tag in ("h1", "h2", "h3") and (text in title or title in text)))
        is_meta = len(text) < 80 and "。" not in text and META_LINE_RE.search(text)
        if is_title or is_meta:
            block.getparent().remove(block)
            continue
        break


def extract(root: etree._Element, html: str | bytes, url: str, *, now: datetime, site_names=()) -> GenericResult:
    title = choose_title(root, site_names)
    document = lxml.html.tostring(root, encoding="unicode")
    body_html = ""
    extracted = trafilatura.extract(
        document,
        url=url,
        output_format="html",
        include_images=True,
        include_formatting=True,
        include_links=False,
        include_tables=True,
        with_metadata=False,
        deduplicate=False,
    )
    if extracted:
        body_root = lxml.html.fromstring(extracted)
        container = body_root.find(".//body")
        container = container if container is not None else body_root
        drop_leading_header_blocks(container, title)
        body_html = clean_body_element(container, url)
    text = _visible_text(root)
    found, window = date_near_title(text, title, default_year=year_from_url(url) or now.year, now=now)
    outlet = parse_outlet(window, site_names) if window and ("来源" in window) else None
    return GenericResult(
        title=title,
        body_html=body_html,
        date=found,
        outlet=outlet,
        editor=parse_editor(text[-3000:]) if ("责任编辑" in text) else None,
        extractor="generic:trafilatura",
    )
