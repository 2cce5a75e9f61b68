"""Structured page metadata: JSON-LD, Open Graph / ``article:`` tags and the
``publishdate``/``PubDate``/``ptime``-style meta tags Chinese CMSs write."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from .dates import FoundDate, parse_date
from .text import normalize_space

# meta tags holding a publication time, most trusted first
DATE_META_NAMES = (
    "article:published_time", "og:article:published_time", "og:release_date", "publishdate", "publish_date",
    "pubdate", "ptime", "publishtime", "publish-time", "publication_date", "dc.date.issued", "dc.date",
    "date", "sailthru.date", "weibo:article:create_at", "og:time", "firstpublishedtime",
)
TITLE_META_NAMES = ("og:title", "twitter:title", "title", "articletitle", "headline")
OUTLET_META_NAMES = ("source", "og:site_name", "mediaid")
JSONLD_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "blogposting", "webpage"}


@dataclass
class PageMetadata:
    dates: list[tuple[str, str]]
    title: str | None
    outlet: str | None
    date_origin: str | None = None

    def date(self, now: datetime | None = None) -> FoundDate | None:
        for origin, raw in self.dates:
            found = parse_date(raw, now=now)
            if found is not None:
                self.date_origin = origin
                return found
        return None


def _meta_tags(root: etree._Element) -> dict[str, str]:
    tags: dict[str, str] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "").strip().lower()
        value = el.get("content")
        if key and value and key not in tags:
            tags[key] = value.strip()
    return tags


def _jsonld_objects(root: etree._Element):
    for script in root.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack:
            obj = stack.pop()
            if isinstance(obj, list):
                stack.extend(obj)
            elif isinstance(obj, dict):
                if "@graph" in obj:
                    stack.append(obj["@graph"])
                yield obj


def page_metadata(root: etree._Element) -> PageMetadata:
    dates: list[tuple[str, str]] = []
    title = None
    for obj in _jsonld_objects(root):
        kind = obj.get("@type")
        kinds = {str(k).lower() for k in (kind if isinstance(kind, list) else [kind])}
        if not kinds & JSONLD_ARTICLE_TYPES:
            continue
        for key in ("datePublished", "dateCreated"):
            if isinstance(obj.get(key), str):
                dates.append((f"jsonld.{key}", obj[key]))
        if not title and isinstance(obj.get("headline"), str):
            title = obj["headline"]
    tags = _meta_tags(root)
    for name in DATE_META_NAMES:
        if name in tags:
            dates.append((f"meta.{name}", tags[name]))
    for name in TITLE_META_NAMES:
        if not title and tags.get(name):
            title = tags[name]
    outlet = None
    for name in OUTLET_META_NAMES[:1]:
        if tags.get(name):
            outlet = normalize_space(tags[name])[:40] or None
    return PageMetadata(dates=dates, title=normalize_space(title) or None, outlet=outlet)
