"""China Development Net (中国发展网): channel lists → articles."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse

from ..extraction.article import extract_article
from ..items import ArticleItem
from ..sources.chinadevelopment import SOURCE
from ..urls import canonicalize
from .base import BaseNewsSpider

NEXT_PAGE_TEXT_RE = re.compile(r"^\s*(?:下一页|下页|后一页|next|>|›|»)\s*$", re.I)
LIST_PAGE_NUMBER_RE = re.compile(r"/index_(\d+)\.s?html?$")
ARTICLE_ID_RE = re.compile(r"/(\d{6,8})\.shtml$")


def _is_next_page(url: str, text: str, list_url: str, channel_dir: str, page: int) -> bool:
    """A link to the next page of the same channel list: labelled 下一页, or
    the numbered page ``index_<page+1>.shtml``."""
    parts = urlsplit(url)
    if parts.netloc != urlsplit(list_url).netloc or not parts.path.startswith(channel_dir):
        return False
    if NEXT_PAGE_TEXT_RE.match(text or ""):
        return True
    match = LIST_PAGE_NUMBER_RE.search(parts.path)
    return bool(match) and int(match.group(1)) == page + 1


class ChinaDevelopmentSpider(BaseNewsSpider):
    name = "chinadevelopment"
    source = SOURCE
    site_name = SOURCE.outlet
    allowed_domains = list(SOURCE.allowed_domains)
    custom_settings = {
        "DOWNLOAD_DELAY": SOURCE.download_delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": SOURCE.concurrency,
    }

    async def start(self):
        for url in self.settings.getlist(SOURCE.start_urls_setting):
            yield scrapy.Request(
                url,
                callback=self.parse_list,
                errback=self.errback_listing,
                cb_kwargs={"page": 1},
                meta={"listing": True},
            )

    def parse_list(self, response, page: int):
        self.crawler.stats.inc_value("listing/page_count")
        if not isinstance(response, TextResponse):
            self.record_failure(response.url, "listing_not_html", "list page is not HTML", kind="listing")
            return
        channel_dir = urlsplit(response.url).path.rsplit("/", 1)[0] + "/"
        seen: set[str] = set()
        next_page = None
        for link in response.css("a[href]"):
            href = (link.attrib.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            url = canonicalize(response.urljoin(href))
            if SOURCE.is_article_url(url):
                if url not in seen:
                    seen.add(url)
                    yield scrapy.Request(url, callback=self.parse_article, errback=self.errback_page)
                continue
            if next_page is None and _is_next_page(url, " ".join(link.css("::text").getall()), response.url, channel_dir, page):
                next_page = url
        max_pages = self.settings.getint("LIST_MAX_PAGES", 5)
        if next_page and page < max_pages:
            yield scrapy.Request(
                next_page,
                callback=self.parse_list,
                errback=self.errback_listing,
                cb_kwargs={"page": page + 1},
                meta={"listing": True},
            )

    def parse_article(self, response):
        self.crawler.stats.inc_value("article/page_count")
        if not isinstance(response, TextResponse):
            self.record_failure(response.url, "not_html", f"content type {response.headers.get('Content-Type')!r}", kind="article")
            return
        fetched_at = self.now()
        result = extract_article(response.text, response.url, source=SOURCE, fetched_at=fetched_at)
        self.crawler.stats.inc_value(f"extract/{result.extractor.split('/')[0] or 'none'}_count")
        if result.error:
            self.record_failure(response.url, "extraction_failed", result.error, kind="article")
            return
        match = ARTICLE_ID_RE.search(urlsplit(response.url).path)
        yield ArticleItem(
            story_id=f"{SOURCE.name}-{match.group(1)}" if match else None,
            url=response.url,
            source=self.name,
            site=SOURCE.outlet,
            outlet=result.outlet or SOURCE.outlet,
            editor=result.editor,
            title=result.title,
            date_raw=result.date_raw,
            published_at=result.published_at,
            date_stage=result.date_stage,
            body_html=result.body_html,
            body_text=result.body_text,
            extractor=result.extractor,
            encoding=response.encoding,
            fetched_at=fetched_at.isoformat(timespec="seconds"),
        )
