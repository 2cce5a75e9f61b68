"""The Scrapy components one at a time, in-process: middlewares, pipelines and
extensions built from a crawler (``scrapy.utils.test.get_crawler``, as
Scrapy's own tests do) and fed requests, responses and items directly. No
reactor, no download; the store is a tmp_path file. End-to-end paths are
tested by real crawls (test_e2e.py, test_incremental.py, test_hostile.py)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from twisted.internet.defer import CancelledError
from twisted.internet.error import DNSLookupError

from crawler.drops import DropStory, DuplicateStory
from crawler.extensions.quietlog import NetworkTracebackFilter
from crawler.extensions.runlog import RunLog
from crawler.extraction.dates import CHINA_TZ
from crawler.middlewares.encoding import EncodingRepairMiddleware
from crawler.middlewares.incremental import AlreadyStored, ConditionalRequestMiddleware, KnownArticleMiddleware, NotModified
from crawler.middlewares.limits import Refused, ResponseLimitsMiddleware
from crawler.middlewares.mirror import ORIGINAL_URL_KEY, MirrorMiddleware
from crawler.middlewares.safety import SafeMetaRefreshMiddleware, SafeRedirectMiddleware
from crawler.signals import page_failed
from crawler.store import get_run_context
from pipelines.dedupe import DedupePipeline
from pipelines.normalize import NormalizePipeline
from pipelines.render import RenderPipeline
from pipelines.store import StorePipeline
from pipelines.validate import ValidatePipeline

from .helpers import build, make_item, rows, source_spider, start_run

ARTICLE = "http://finance.chinadevelopment.com.cn/yw/2022/06/1800123.shtml"
LISTING = "http://finance.chinadevelopment.com.cn/yw/"
PIPELINES = (NormalizePipeline, ValidatePipeline, DedupePipeline, RenderPipeline, StorePipeline)


@pytest.fixture()
def site_crawler(crawler_factory):
    """A chinadevelopment crawler with its run row started (as on spider_opened)."""
    def make(**settings):
        crawler = crawler_factory(source_spider("chinadevelopment"), {"MIRROR_URL": None, **settings})
        start_run(crawler)
        return crawler
    return make


def through_pipelines(crawler, item: dict):
    """An item through the project's pipelines, in ITEM_PIPELINES order, then closed as
    Scrapy closes them (the store pipeline commits its open batch)."""
    components = [build(cls, crawler) for cls in PIPELINES]
    try:
        for component in components:
            item = component.process_item(item)
    finally:
        for component in components:
            if hasattr(component, "close_spider"):
                component.close_spider()
    return item


def article_item(**over) -> dict:
    item = make_item(**{"url": ARTICLE, "story_id": "chinadevelopment-1800123", **over})
    item.pop("post")
    return item


def store_of(crawler):
    return get_run_context(crawler).store


# --- incremental ---------------------------------------------------------------

def test_a_known_article_never_leaves_and_a_new_one_does(site_crawler):
    crawler = site_crawler()
    through_pipelines(crawler, article_item())
    mw = build(KnownArticleMiddleware, crawler)
    with pytest.raises(AlreadyStored):
        mw.process_request(Request(ARTICLE + "?spm=1", meta={"article_url": ARTICLE}))
    assert mw.process_request(Request(ARTICLE.replace("1800123", "1800999"), meta={"article_url": ARTICLE.replace("1800123", "1800999")})) is None
    assert mw.process_request(Request(LISTING, meta={"listing": True})) is None  # not an article: not looked up
    assert crawler.stats.get_value("incremental/skipped_known_count") == 1


@pytest.mark.parametrize(
    "settings, published_hours_ago, fetched",
    [
        ({"RECRAWL": True}, 24 * 365, True),
        ({"RECRAWL_HOURS": 48}, 3, True),
        ({"RECRAWL_HOURS": 48}, 72, False),
        ({}, 3, False),
    ],
)
def test_a_recrawl_fetches_known_articles_in_its_window(site_crawler, settings, published_hours_ago, fetched):
    crawler = site_crawler(**settings)
    published = (datetime.now(CHINA_TZ) - timedelta(hours=published_hours_ago)).replace(microsecond=0).isoformat()
    through_pipelines(crawler, article_item(published_at=published))
    mw = build(KnownArticleMiddleware, crawler)
    request = Request(ARTICLE, meta={"article_url": ARTICLE})
    if fetched:
        assert mw.process_request(request) is None
        assert crawler.stats.get_value("incremental/recrawled_count") == 1
    else:
        with pytest.raises(AlreadyStored):
            mw.process_request(request)


def test_listings_are_asked_with_the_validators_of_the_last_complete_read(site_crawler):
    crawler = site_crawler()
    store_of(crawler).save_validators({LISTING: ('"abc"', "Wed, 08 Jun 2022 03:00:00 GMT")})
    mw = build(ConditionalRequestMiddleware, crawler)
    request = Request(LISTING, meta={"listing": True})
    assert mw.process_request(request) is None
    assert request.headers["If-None-Match"] == b'"abc"'
    assert request.headers["If-Modified-Since"] == b"Wed, 08 Jun 2022 03:00:00 GMT"
    article = Request(ARTICLE, meta={"article_url": ARTICLE})
    mw.process_request(article)
    assert b"If-None-Match" not in article.headers
    with pytest.raises(NotModified):
        mw.process_response(request, Response(LISTING, status=304, request=request))


def test_a_recrawl_asks_listings_unconditionally(site_crawler):
    crawler = site_crawler(RECRAWL=True)
    store_of(crawler).save_validators({LISTING: ('"abc"', None)})
    request = Request(LISTING, meta={"listing": True})
    build(ConditionalRequestMiddleware, crawler).process_request(request)
    assert b"If-None-Match" not in request.headers


def test_validators_are_saved_only_for_listings_read_completely(site_crawler):
    crawler = site_crawler()
    mw = build(ConditionalRequestMiddleware, crawler)
    complete, failed = LISTING, "http://fz.chinadevelopment.com.cn/rd/"
    for url, etag in ((complete, b'"v1"'), (failed, b'"v2"')):
        request = Request(url, meta={"listing": True})
        mw.process_response(request, Response(url, status=200, headers={"ETag": etag}, request=request))
    ledger = crawler.spider.ledger
    for url, ok in ((complete, True), (failed, False)):
        ledger.opened(url)
        ledger.spawned(url)  # one article request …
        ledger.settled(url)
        ledger.done(url, ok=ok)  # … answered, or failed with a 503
    mw.spider_closed(crawler.spider, "finished")
    assert store_of(crawler).validators(complete)["etag"] == '"v1"'
    assert store_of(crawler).validators(failed) is None
    assert crawler.stats.get_value("conditional/withheld_count") == 1


# --- encoding, mirror, limits, safety -------------------------------------------

PAGE = "<html><head><title>中国发展网</title></head><body><p>中国发展网讯 近日，多地推进城市更新。堃</p></body></html>"


def test_a_mislabelled_gbk_page_is_reread_as_gb18030(crawler_factory):
    crawler = crawler_factory()
    mw = build(EncodingRepairMiddleware, crawler)
    request = Request(ARTICLE)
    response = HtmlResponse(ARTICLE, body=PAGE.encode("gbk"), headers={"Content-Type": "text/html; charset=utf-8"}, request=request)
    repaired = mw.process_response(request, response)
    assert repaired.encoding == "gb18030" and "堃" in repaired.text  # in GBK, not in GB2312
    assert crawler.stats.get_value("encoding/repaired_count") == 1


def test_the_mirror_fetches_from_itself_and_answers_under_the_original_url(crawler_factory):
    mirror = "http://127.0.0.1:8000"
    crawler = crawler_factory(settings={"MIRROR_URL": mirror})
    mw = build(MirrorMiddleware, crawler)
    rewritten = mw.process_request(Request(ARTICLE + "?a=1"))
    assert rewritten.url == f"{mirror}/finance.chinadevelopment.com.cn/yw/2022/06/1800123.shtml?a=1"
    assert rewritten.meta[ORIGINAL_URL_KEY] == ARTICLE + "?a=1" and rewritten.meta["dont_obey_robotstxt"]
    assert mw.process_request(rewritten) is None  # already mirrored
    response = mw.process_response(rewritten, Response(rewritten.url, status=302, headers={"Location": "/yw/other.shtml"}, request=rewritten))
    assert response.url == ARTICLE + "?a=1"
    assert response.headers["Location"] == b"http://finance.chinadevelopment.com.cn/yw/other.shtml"


def test_without_a_mirror_url_the_mirror_is_off(crawler_factory):
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        build(MirrorMiddleware, crawler_factory(settings={"MIRROR_URL": None, "MIRROR_HOST_URLS": {}}))


def test_each_request_gets_the_size_cap_of_its_kind(crawler_factory):
    crawler = crawler_factory(source_spider("chinadevelopment"), {"MAX_PAGE_BYTES": 100, "MAX_LISTING_BYTES": 200, "SITEMAP_MAX_BYTES": 300})
    mw = build(ResponseLimitsMiddleware, crawler)
    spider = crawler.spider
    article, listing = Request(ARTICLE), Request(LISTING, meta={"listing": True})
    sitemap = Request("http://x.cn/sitemap.xml", callback=spider.parse_sitemap, meta={"listing": True})
    for request in (article, listing, sitemap):
        mw.process_request(request)
    assert [r.meta["download_maxsize"] for r in (article, listing, sitemap)] == [100, 200, 300]
    # a download cut by Scrapy once its bytes passed the cap fails with a bare CancelledError
    mw.bytes_received(b"x" * 150, article, spider)
    with pytest.raises(Refused) as refused:
        mw.process_exception(article, CancelledError())
    assert refused.value.reason == "page_too_large"
    assert mw.process_exception(listing, DNSLookupError("x")) is None  # not a size problem


def redirect(mw, request, location, status=302):
    response = Response(request.url, status=status, headers={"Location": location}, request=request)
    return mw.process_response(request, response)


def test_a_redirect_to_an_internal_address_is_refused_unless_allowed(crawler_factory):
    request = Request("http://public.example/go")
    with pytest.raises(Refused) as refused:
        redirect(build(SafeRedirectMiddleware, crawler_factory()), request, "http://127.0.0.1:9/secret")
    assert refused.value.reason == "redirect_to_private_address"
    allowed = build(SafeRedirectMiddleware, crawler_factory(settings={"ALLOW_PRIVATE_REDIRECTS": True}))
    followed = redirect(allowed, request, "http://127.0.0.1:9/secret")
    assert followed.url == "http://127.0.0.1:9/secret"
    assert followed.meta["redirect_chain"] == ["http://public.example/go", "http://127.0.0.1:9/secret"]


def test_a_meta_refresh_to_an_internal_address_is_refused(crawler_factory):
    mw = build(SafeMetaRefreshMiddleware, crawler_factory())
    request = Request("http://public.example/go")
    page = HtmlResponse(request.url, body=b'<html><head><meta http-equiv="refresh" content="0; url=http://10.0.0.5/admin"></head></html>', request=request)
    with pytest.raises(Refused) as refused:
        mw.process_response(request, page)
    assert refused.value.reason == "redirect_to_private_address"


def test_a_redirect_loop_and_an_over_long_chain_are_refused(crawler_factory):
    mw = build(SafeRedirectMiddleware, crawler_factory())
    second = redirect(mw, Request("http://news.example/a"), "http://news.example/b")
    with pytest.raises(Refused) as loop:
        redirect(mw, second, "http://news.example/a")
    assert loop.value.reason == "redirect_loop"

    mw = build(SafeRedirectMiddleware, crawler_factory(settings={"REDIRECT_MAX_TIMES": 3}))
    request = Request("http://news.example/r0")
    for i in range(3):
        request = redirect(mw, request, f"http://news.example/r{i + 1}")
    with pytest.raises(Refused) as chain:
        redirect(mw, request, "http://news.example/r4")
    assert chain.value.reason == "too_many_redirects"


# --- pipelines ----------------------------------------------------------------

def test_an_article_goes_through_every_pipeline_into_the_store(site_crawler):
    crawler = site_crawler()
    item = through_pipelines(crawler, article_item())
    assert item["post"].startswith("---\nlayout: post\n") and item["verdict"] == "new"
    stored = rows(crawler.settings.get("STORE_PATH"), "SELECT id, canonical_url, slug, post FROM stories")
    assert stored == [{"id": "chinadevelopment-1800123", "canonical_url": ARTICLE, "slug": "zhongguofazhanwang", "post": item["post"]}]
    assert crawler.stats.get_value("store/stored_count") == 1


@pytest.mark.parametrize(
    "over, reason",
    [({"title": ""}, "no_title"), ({"body_html": "<p>短</p>", "body_text": ""}, "body_too_short")],
)
def test_a_half_empty_article_is_dropped_with_its_reason(site_crawler, over, reason):
    crawler = site_crawler()
    with pytest.raises(DropStory) as dropped:
        through_pipelines(crawler, article_item(**over))
    assert dropped.value.reason == reason
    assert crawler.stats.get_value(f"validate/dropped_{reason}_count") == 1


def test_dedupe_verdicts_seen_again_duplicate_and_changed(site_crawler):
    crawler = site_crawler()
    store_path = crawler.settings.get("STORE_PATH")
    through_pipelines(crawler, article_item())
    with pytest.raises(DuplicateStory) as again:
        through_pipelines(crawler, article_item())
    assert again.value.relation == "seen_again"
    # the same text from the aggregator: recorded against the stored story, not stored again
    copy_url = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW1"
    with pytest.raises(DuplicateStory):
        through_pipelines(crawler, article_item(url=copy_url, story_id="NW1", source="eastmoney"))
    arrivals = rows(store_path, "SELECT story_id, relation FROM story_urls WHERE source = 'eastmoney'")
    assert arrivals == [{"story_id": "chinadevelopment-1800123", "relation": "duplicate"}]
    # the page itself with new text: the story is updated and the change recorded
    changed = through_pipelines(crawler, article_item(body_html="<p>更正：第一段正文内容，足够长的一段文字。</p><p>第二段正文内容，也足够长。</p>"))
    assert changed["verdict"] == "changed:chinadevelopment-1800123"
    assert [r["story_id"] for r in rows(store_path, "SELECT story_id FROM story_changes")] == ["chinadevelopment-1800123"]
    assert rows(store_path, "SELECT count(*) AS n FROM stories")[0]["n"] == 1
    assert crawler.stats.get_value("dedupe/seen_again_count") == 1 and crawler.stats.get_value("dedupe/duplicate_count") == 1


# --- extensions ---------------------------------------------------------------

def test_the_run_log_records_drops_and_finishes_the_run_row(crawler_factory):
    crawler = crawler_factory(source_spider("chinadevelopment"), {"MIRROR_URL": None})
    runlog = crawler.get_extension(RunLog)  # built with the crawler, as EXTENSIONS lists it
    spider = crawler.spider
    runlog.spider_opened(spider)
    run_id = crawler.stats.get_value("run/id")
    crawler.signals.send_catch_log(page_failed, url=ARTICLE, reason="http_404", detail="HTTP status 404", source=spider.name, kind="article")
    runlog.item_dropped({"url": LISTING + "x.shtml"}, None, DropStory("body_too_short", "too short"), spider)
    runlog.item_dropped({"url": ARTICLE}, None, DuplicateStory("chinadevelopment-1", "seen_again"), spider)  # not a drop
    crawler.stats.set_value("listing/page_count", 1)
    runlog.spider_closed(spider, "finished")
    runlog.engine_stopped()
    store = crawler.settings.get("STORE_PATH")
    assert rows(store, "SELECT run_id, url, reason FROM drops ORDER BY id") == [
        {"run_id": run_id, "url": ARTICLE, "reason": "http_404"},
        {"run_id": run_id, "url": LISTING + "x.shtml", "reason": "body_too_short"},
    ]
    run = rows(store, "SELECT status, dropped, errors FROM runs")[0]
    assert run == {"status": "finished", "dropped": 2, "errors": 1}


def test_a_source_whose_listings_all_failed_is_marked_failed(crawler_factory):
    crawler = crawler_factory(source_spider("chinadevelopment"), {"MIRROR_URL": None})
    runlog = crawler.get_extension(RunLog)  # built with the crawler, as EXTENSIONS lists it
    runlog.spider_opened(crawler.spider)
    crawler.signals.send_catch_log(page_failed, url=LISTING, reason="connection_refused", detail="connection refused",
                                   source="chinadevelopment", kind="listing")
    runlog.spider_closed(crawler.spider, "finished")
    runlog.engine_stopped()
    assert "connection refused" in crawler.stats.get_value("source/failed")
    run = rows(crawler.settings.get("STORE_PATH"), "SELECT status FROM runs")[0]
    assert run["status"] == "failed"


def test_network_errors_are_logged_in_one_line_without_a_traceback():
    try:
        raise DNSLookupError("no-such-host.invalid")
    except DNSLookupError:
        import sys

        record = logging.LogRecord("scrapy.core.engine", logging.ERROR, __file__, 1, "fetch failed", (), sys.exc_info())
    assert NetworkTracebackFilter().filter(record)
    assert record.exc_info is None and record.levelname == "WARNING"


def test_a_continuation_thrown_away_by_a_stopping_crawl_is_no_drop(crawler_factory):
    """A multi-page article whose page 2 a stopping crawl never fetched is not the
    article's fault: no drop (a transient drop would hold it back for an hour), and its
    listing stays incomplete so the next run fetches it again from page 1."""
    from twisted.python.failure import Failure

    from crawler.drops import StoppedEarly
    from crawler.extraction.options import Hints
    from crawler.spiders.news import PartialArticle

    crawler = crawler_factory(source_spider("ce"), {"MIRROR_URL": None})
    start_run(crawler)
    spider = crawler.spider
    failed: list[dict] = []

    def on_failed(**kw):  # a named receiver: the dispatcher holds it weakly
        failed.append(kw)

    crawler.signals.connect(on_failed, signal=page_failed)
    first = "http://www.ce.cn/xwzx/gnsz/gdxw/202406/12/t20240612_1.shtml"
    spider.ledger.opened(LISTING, None)
    spider.ledger.spawned(LISTING)
    spider.ledger.spawned(LISTING)
    partial = PartialArticle(first_url=first, result=None, bodies=["<p>page one</p>"])
    for exc, drops in ((StoppedEarly("crawl stopping (shutdown)"), 0), (DNSLookupError("no such host"), 1)):
        request = Request(first.replace(".shtml", "_1.shtml"), meta={"from_listing": LISTING},
                          cb_kwargs={"partial": partial, "hints": Hints(), "page": 2})
        failure = Failure(exc)
        failure.request = request
        spider.errback_continuation(failure)
        assert len(failed) == drops
    assert failed[0]["reason"] == "incomplete_multipage"
    spider.ledger.settled(LISTING)
    assert not spider.ledger.complete(LISTING)
