"""Every code the store records: drop reasons (``drops.reason``, ``runs.dropped_by_reason``)
and stage codes (``stories.date_stage``, ``title_stage``, ``extractor``).

One registry, read by ``python -m crawler.tools.codes --write`` to write
``docs/codes.md``; ``tests/test_codes.py`` fails when a reason written in the
code is missing here or the document is out of date. A code ending in ``*``
is a family: ``http_*`` is ``http_404``, ``http_503`` …
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    kind: str  # "fetch", "refusal", "listing", "page", "item", "error" (drops); "date_stage", "title_stage", "extractor"
    where: str  # the module that writes it
    meaning: str


DROP_REASONS: tuple[Code, ...] = (
    # a request that got no usable answer (crawler/spiders/base.py failure_reason)
    Code("http_*", "fetch", "crawler/failures.py", "the server answered with this HTTP error status (http_404, http_503 …)"),
    Code("dns_error", "fetch", "crawler/failures.py", "the host name does not resolve"),
    Code("connection_refused", "fetch", "crawler/failures.py", "the host refused the connection"),
    Code("timeout", "fetch", "crawler/failures.py", "no answer within DOWNLOAD_TIMEOUT"),
    Code("connection_lost", "fetch", "crawler/failures.py", "the connection closed before the whole response arrived"),
    Code("robots_disallowed", "fetch", "crawler/failures.py", "robots.txt forbids the URL"),
    Code("ignored", "fetch", "crawler/failures.py", "a downloader middleware ignored the request (its message is the detail)"),
    Code("fetch_error_*", "fetch", "crawler/failures.py", "any other download failure, named after its exception (fetch_error_sslerror …)"),
    # hostile input refused (crawler/middlewares/limits.py, safety.py; discovery/sitemaps.py)
    Code("page_too_large", "refusal", "crawler/middlewares/limits.py", "an article page larger than MAX_PAGE_BYTES (announced, received or decompressed)"),
    Code("listing_too_large", "refusal", "crawler/middlewares/limits.py", "a feed or list page larger than MAX_LISTING_BYTES"),
    Code("sitemap_too_large", "refusal", "crawler/discovery/sitemaps.py", "a sitemap larger than SITEMAP_MAX_BYTES after decompression"),
    Code("element_too_long", "refusal", "crawler/discovery/sitemaps.py", "a sitemap field longer than SITEMAP_MAX_ELEMENT_CHARS (that entry), or a text node libxml2 refuses (the rest of the sitemap)"),
    Code("too_many_links", "refusal", "crawler/middlewares/limits.py", "a page with more than MAX_PAGE_LINKS links: a link list, not an article"),
    Code("url_too_long", "refusal", "crawler/middlewares/safety.py", "a URL longer than URLLENGTH_LIMIT"),
    Code("redirect_loop", "refusal", "crawler/middlewares/safety.py", "a redirect chain that comes back to a URL it passed"),
    Code("too_many_redirects", "refusal", "crawler/middlewares/safety.py", "a redirect chain longer than REDIRECT_MAX_TIMES"),
    Code("redirect_to_private_address", "refusal", "crawler/middlewares/safety.py", "a redirect or meta refresh to a loopback, private, link-local or reserved address (unless ALLOW_PRIVATE_REDIRECTS)"),
    # a listing (feed, sitemap, list page, API list) that could not be read
    Code("feed_unreadable", "listing", "crawler/spiders/news.py", "a feed feedparser cannot read"),
    Code("sitemap_unreadable", "listing", "crawler/spiders/news.py", "a sitemap that is not XML or not a sitemap"),
    Code("listing_not_html", "listing", "crawler/spiders/news.py", "a list page that is not HTML"),
    Code("listing_bad_json", "listing", "crawler/spiders/eastmoney.py", "an aggregator list endpoint that did not return JSON"),
    Code("listing_unknown_shape", "listing", "crawler/spiders/eastmoney.py", "aggregator JSON without a records/nodeList/record array"),
    Code("item_bad_field", "listing", "crawler/spiders/eastmoney.py", "an aggregator list item with a field of the wrong type"),
    Code("item_without_infocode", "listing", "crawler/spiders/eastmoney.py", "an aggregator list item without its infoCode"),
    Code("not_a_url", "listing", "crawler/spiders/generic.py", "a line of a URL list that is not an http(s) URL"),
    # an article page that was fetched but gave no story
    Code("not_html", "page", "crawler/spiders/news.py", "the article URL answered with something that is not text/HTML"),
    Code("extraction_failed", "page", "crawler/spiders/news.py", "the page could not be parsed (empty, not HTML)"),
    Code("incomplete_multipage", "page", "crawler/spiders/news.py", "a continuation page of a multi-page article failed: the story is not stored half"),
    Code("worker_crashed", "page", "crawler/spiders/news.py", "the extraction worker process died on this page, twice (the second time alone); retried by the next run"),
    Code("extraction_timeout", "page", "crawler/spiders/news.py", "the page's extraction took longer than EXTRACT_TIMEOUT seconds; retried by the next run"),
    Code("text_bad_json", "page", "crawler/spiders/eastmoney.py", "the aggregator's text endpoint did not return JSON"),
    # an extracted item the pipelines refused (pipelines/validate.py, render.py, store.py)
    Code("no_url", "item", "pipelines/validate.py", "the item has no URL"),
    Code("no_title", "item", "pipelines/validate.py", "no title found on the page nor in its feed/sitemap entry"),
    Code("bad_title", "item", "pipelines/validate.py", "the title is not text"),
    Code("title_too_long", "item", "pipelines/validate.py", "a title longer than MAX_TITLE_CHARS: a body or junk in the title"),
    Code("no_publication_date", "item", "pipelines/validate.py", "no publication date found (the crawl time is never used instead)"),
    Code("empty_body", "item", "pipelines/validate.py", "no body text"),
    Code("body_too_short", "item", "pipelines/validate.py", "a body shorter than MIN_BODY_CHARS"),
    Code("no_outlet", "item", "pipelines/validate.py", "no outlet name for the post's category"),
    Code("bad_publication_date", "item", "pipelines/render.py", "a publication date that cannot be written as a post date"),
    Code("store_conflict", "item", "pipelines/store.py", "the store refused the row (the same story stored by another process a moment before)"),
    Code("dropped", "item", "crawler/extensions/runlog.py", "a pipeline dropped the item without a reason code"),
    # something raised
    Code("pipeline_error", "error", "crawler/extensions/runlog.py", "a pipeline raised (e.g. the store stayed locked past every retry)"),
    Code("spider_error", "error", "crawler/extensions/runlog.py", "a spider callback raised"),
)

STAGE_CODES: tuple[Code, ...] = (
    Code("site_meta_line", "date_stage", "crawler/extraction/article.py", "the date in the meta line a source's template selects"),
    Code("metadata:*", "date_stage", "crawler/extraction/article.py", "page metadata: JSON-LD, Open Graph, publishdate-style meta tags, itemprop/<time> (the origin follows the colon)"),
    Code("generic:text_near_title", "date_stage", "crawler/extraction/generic.py", "a date in the text next to the headline"),
    Code("generic:labelled_meta_line", "date_stage", "crawler/extraction/generic.py", "a labelled line: 发布时间：, 发表于"),
    Code("generic:text_above_body", "date_stage", "crawler/extraction/generic.py", "a line just above the body (来源：… 2022-06-08 11:39)"),
    Code("generic:body_attribution", "date_stage", "crawler/extraction/generic.py", "a reprint's closing attribution (——《北京之春》1996年6月号)"),
    Code("script:*", "date_stage", "crawler/extraction/article.py", "a publication time handed to page scripts (pubtime: '…')"),
    Code("feed:*", "date_stage", "crawler/spiders/news.py", "the feed entry's date (feed:published, feed:updated)"),
    Code("sitemap:*", "date_stage", "crawler/spiders/news.py", "the sitemap entry's date (sitemap:news:publication_date, sitemap:lastmod)"),
    Code("url", "date_stage", "crawler/extraction/article.py", "the date in the URL path (a full day only)"),
    Code("metadata_modified:*", "date_stage", "crawler/extraction/article.py", "the page's modification time, the last resort"),
    Code("api:*", "date_stage", "crawler/spiders/eastmoney.py", "the aggregator API's time field (api:showtime, api:datetime)"),
    Code("site:*", "title_stage", "crawler/extraction/article.py", "a source's template (site:<source>/<template>)"),
    Code("metadata", "title_stage", "crawler/extraction/article.py", "og:title / JSON-LD headline"),
    Code("title", "title_stage", "crawler/extraction/article.py", "<title> without the site name"),
    Code("generic:*", "title_stage", "crawler/extraction/generic.py", "the generic extractor's headline (generic:h1 …)"),
    Code("feed:title", "title_stage", "crawler/spiders/news.py", "the feed entry's title (the page gave none)"),
    Code("sitemap:news:title", "title_stage", "crawler/spiders/news.py", "the news sitemap's title (the page gave none)"),
    Code("api:list", "title_stage", "crawler/spiders/eastmoney.py", "the aggregator list item's title"),
    Code("api:text", "title_stage", "crawler/spiders/eastmoney.py", "the aggregator text endpoint's title"),
    Code("site:*", "extractor", "crawler/extraction/article.py", "a source's template read the page (site:<source>/<template>)"),
    Code("generic:*", "extractor", "crawler/extraction/generic.py", "the generic extraction (generic:trafilatura, generic:readability)"),
    Code("api:eastmoney/*", "extractor", "crawler/spiders/eastmoney.py", "the aggregator's API (records, nodeList, record shapes)"),
    Code("*+Npages", "extractor", "crawler/spiders/news.py", "suffix: a multi-page article joined from N pages"),
)

KIND_TITLES = {
    "fetch": "drop: a request got no usable answer",
    "refusal": "drop: hostile input refused",
    "listing": "drop: a listing that could not be read",
    "page": "drop: an article page that gave no story",
    "item": "drop: an item the pipelines refused",
    "error": "drop: something raised",
    "date_stage": "stories.date_stage: the step that found the date",
    "title_stage": "stories.title_stage: the step that found the title",
    "extractor": "stories.extractor: the path that read the body",
}


def known_reason(reason: str) -> bool:
    """True when ``reason`` is a registered drop reason or belongs to a registered family."""
    for entry in DROP_REASONS:
        if entry.code.endswith("*") and reason.startswith(entry.code[:-1]) or reason == entry.code:
            return True
    return False
