"""The news aggregator the predecessor read (Eastmoney news service).

List endpoints come in three shapes — ``records`` (rolling feed), ``nodeList``
(by outlet) and ``record`` (market feeds) — with different field names; each
item's body comes from the text endpoint. Every endpoint is a setting.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import quote

from .. import stats_keys
from ..extraction.body import body_text, plain_text, sanitize_html
from ..extraction.dates import parse_date
from ..extraction.text import normalize_space
from ..items import ArticleItem
from ..urls import canonicalize
from .base import BaseNewsSpider

LIST_SHAPES = ("records", "nodeList", "record")
DIGEST_LEAD_RE = re.compile(r"^\s*【[^】]*】\s*")


@dataclass(frozen=True)
class ListEntry:
    info_code: str
    title: str
    time_raw: str
    outlet: str | None
    digest: str | None
    shape: str
    problem: str | None = None   # a field of the wrong type: the item is dropped with this detail


def _first_value(raw: dict, *keys: str, problems: list[str] | None = None) -> str:
    """The first non-empty of ``keys`` as a string. Only strings and numbers
    count: a list, object or boolean (``["NWLIST"]``, ``True``) is not an id or
    a title; it is reported in ``problems`` instead of being stringified."""
    for key in keys:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value):
            continue
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if problems is not None:
            problems.append(f"{key} is a {type(value).__name__} ({repr(value)[:60]})")
        return ""
    return ""


def list_entries(data) -> tuple[str | None, list[ListEntry]]:
    """The list shape and its entries, whatever the shape; (None, []) if none."""
    if not isinstance(data, dict):
        return None, []
    containers = [data] + [v for v in data.values() if isinstance(v, dict)]
    for container in containers:
        for shape in LIST_SHAPES:
            items = container.get(shape)
            if isinstance(items, list):
                entries = [_entry(raw, shape) for raw in items if isinstance(raw, dict)]
                return shape, entries
    return None, []


def _entry(raw: dict, shape: str) -> ListEntry:
    problems: list[str] = []
    digest = _first_value(raw, "digest", "summary", problems=problems) if shape == "records" else ""
    return ListEntry(
        info_code=_first_value(raw, "infoCode", "infocode", "InfoCode", "code", problems=problems).strip(),
        title=normalize_space(_first_value(raw, "title", "Title", problems=problems)),
        time_raw=_first_value(raw, "showtime", "datetime", "showTime", "ShowTime", "time", problems=problems).strip(),
        outlet=normalize_space(_first_value(raw, "medianame", "from", "mediaName", "source", problems=problems)) or None,
        digest=plain_text(DIGEST_LEAD_RE.sub("", digest)) or None,
        shape=shape,
        problem="; ".join(problems) or None,
    )


def text_fields(data) -> dict:
    """The object holding ``text``/``content``, at top level or one level down."""
    if not isinstance(data, dict):
        return {}
    for candidate in [data] + [v for v in data.values() if isinstance(v, dict)]:
        if any(isinstance(candidate.get(k), str) for k in ("text", "content", "Text", "Content")):
            return candidate
    return {}


class EastmoneySpider(BaseNewsSpider):
    name = "eastmoney"
    # republishes other outlets: crawlall runs it after the outlets' own sites
    aggregator = True
    site_name = "东方财富"

    async def start(self):
        for url in self.settings.getlist("EASTMONEY_LIST_URLS"):
            yield self.listing_request(url, self.parse_list)

    def parse_list(self, response):
        listing = response.url
        self.ledger.opened(listing, response.meta.get("from_listing"))
        try:
            yield from self._read_list(response, listing)
        finally:
            self.ledger.settled(listing)

    def _read_list(self, response, listing: str):
        try:
            data = json.loads(response.text)
        except (ValueError, AttributeError) as exc:
            self.ledger.failed(listing)
            self.record_failure(listing, "listing_bad_json", f"list endpoint did not return JSON: {exc}", kind="listing")
            return
        shape, entries = list_entries(data)
        if shape is None:
            self.ledger.failed(listing)
            self.record_failure(listing, "listing_unknown_shape", "no records/nodeList/record array", kind="listing")
            return
        self.crawler.stats.inc_value(stats_keys.LISTING_PAGES)
        template = self.settings.get("EASTMONEY_TEXT_URL")
        for entry in entries:
            if entry.problem:
                self.record_failure(listing, "item_bad_field", f"item {entry.info_code or entry.title or '?'!r}: {entry.problem}"[:300], kind="article")
                continue
            if not entry.info_code:
                self.record_failure(listing, "item_without_infocode", f"item {entry.title!r} has no infoCode", kind="article")
                continue
            share_url = self.settings.get("EASTMONEY_SHARE_URL").format(infoCode=quote(entry.info_code, safe=""))
            yield self.page_request(
                template.format(infoCode=quote(entry.info_code, safe="")),
                self.parse_text,
                listing,
                meta={"article_url": canonicalize(share_url)},
                entry=entry,
            )

    def parse_text(self, response, entry: ListEntry):
        try:
            yield from self._read_text(response, entry)
        finally:
            self.ledger.done(response.meta.get("from_listing"), ok=True)

    def _read_text(self, response, entry: ListEntry):
        self.crawler.stats.inc_value(stats_keys.ARTICLE_PAGES)
        share_url = self.settings.get("EASTMONEY_SHARE_URL").format(infoCode=quote(entry.info_code, safe=""))
        try:
            data = json.loads(response.text)
        except (ValueError, AttributeError) as exc:
            self.record_failure(share_url, "text_bad_json", f"text endpoint did not return JSON: {exc}", kind="article")
            return
        fields = text_fields(data)
        raw_html = _first_value(fields, "text", "content", "Text", "Content")
        fetched_at = self.now()
        body_html = sanitize_html(raw_html, base_url=share_url)
        date = parse_date(entry.time_raw or _first_value(fields, "showtime", "datetime"), now=fetched_at)
        outlet = entry.outlet or normalize_space(_first_value(fields, "medianame", "from")) or None
        if entry.shape == "records" and not entry.outlet:
            outlet = self.settings.get("EASTMONEY_ROLLING_OUTLET")
        yield ArticleItem(
            story_id=entry.info_code,
            url=share_url,
            source=self.name,
            site=self.site_name,
            outlet=outlet,
            title=entry.title or normalize_space(_first_value(fields, "title", "Title")),
            title_stage="api:list" if entry.title else "api:text",
            date_raw=date.raw if date else (entry.time_raw or None),
            published_at=date.iso if date else None,
            date_stage="api:" + ("datetime" if entry.shape == "record" else "showtime") if date else None,
            body_html=body_html,
            body_text=body_text(body_html),
            digest=entry.digest if entry.shape == "records" else None,
            extractor=f"api:eastmoney/{entry.shape}",
            encoding=response.encoding,
            fetched_at=fetched_at.isoformat(timespec="seconds"),
        )
