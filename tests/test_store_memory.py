"""Memory and cost do not grow with the number of stored stories (issue 12).

No component loads per-story data at start or keeps it during a run: dedupe, the
known-article check, url outcomes, validators and syndication ask the store one
indexed question per page. This test records every SELECT the crawl components run
— opening the store, starting the run, the known-article middleware, dedupe and the
store pipeline on a new and a known article, the run's end — and has SQLite explain
each: none may scan a table that grows with the stories (a scan reads every row, and
a component that wanted them all would be holding them).
"""

from __future__ import annotations

import re
import sqlite3

from scrapy import Request

from crawler.middlewares.incremental import AlreadyStored, ConditionalRequestMiddleware, KnownArticleMiddleware
from crawler.store import get_run_context
from pipelines.dedupe import DedupePipeline
from pipelines.normalize import NormalizePipeline
from pipelines.render import RenderPipeline
from pipelines.store import StorePipeline, story_row
from pipelines.validate import ValidatePipeline

from .helpers import build, make_item, source_spider

# the tables whose rows grow with the stored stories (and their outcomes). Not `runs`: it
# grows with the runs, and RunContext.start's catch-up question scans it (no index on
# spider; a few thousand rows a month at a five-minute schedule)
GROWING = ("stories", "story_urls", "url_outcomes", "story_signatures", "lsh_bands", "clusters", "story_changes", "drops",
           "stories_fts")
ARTICLE = "http://finance.chinadevelopment.com.cn/yw/2022/06/1800123.shtml"


def _scans(conn: sqlite3.Connection, sql: str) -> list[str]:
    try:
        plan = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    except sqlite3.Error:
        return []
    found = []
    for row in plan:
        detail = row[-1]
        m = re.match(r"SCAN (\w+)", detail)
        # a scan of a covering index too: reading every content hash is the in-memory hash set
        if m and m.group(1) in GROWING:
            found.append(detail)
    return found


def test_the_crawl_components_never_scan_a_table_that_grows_with_the_stories(crawler_factory, tmp_path):
    from crawler.store import Store

    path = tmp_path / "store.sqlite"
    seed = Store.open(path)
    run = seed.start_run("chinadevelopment")
    for n in range(30):   # some stories already stored, so plans are the ones of a real store
        item = make_item(story_id=f"chinadevelopment-17{n:05d}", url=f"http://www.chinadevelopment.com.cn/news/zj/2022/06/17{n:05d}.shtml",
                         body_html=f"<p>第{n}篇已存正文，足够长的一段文字。</p>")
        seed.insert_story(story_row(item), run)
    seed.db.execute("ANALYZE")
    seed.close()

    crawler = crawler_factory(source_spider("chinadevelopment"), {"MIRROR_URL": None}, store=path)
    ctx = get_run_context(crawler)
    statements: list[str] = []
    ctx.store.db.conn.set_trace_callback(statements.append)
    ctx.start()
    known = build(KnownArticleMiddleware, crawler)
    conditional = build(ConditionalRequestMiddleware, crawler)
    conditional.process_request(Request("http://finance.chinadevelopment.com.cn/yw/", meta={"listing": True}))
    assert known.process_request(Request(ARTICLE, meta={"article_url": ARTICLE})) is None
    pipelines = [build(cls, crawler) for cls in (NormalizePipeline, ValidatePipeline, DedupePipeline, RenderPipeline, StorePipeline)]
    item = make_item(url=ARTICLE, story_id="chinadevelopment-1800123")
    item.pop("post")
    for p in pipelines:
        item = p.process_item(item)
    pipelines[-1].close_spider()
    try:
        known.process_request(Request(ARTICLE, meta={"article_url": ARTICLE}))
        raise AssertionError("a stored article left")
    except AlreadyStored:
        pass
    ctx.store.waiting_count("chinadevelopment")
    ctx.store.db.conn.set_trace_callback(None)

    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) > 10
    scans = {s: _scans(ctx.store.db.conn, s) for s in selects}
    assert {s: plan for s, plan in scans.items() if plan} == {}
