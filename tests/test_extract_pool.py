"""The extraction pool (crawler/extensions/extract_pool.py) in-process: real worker
processes, a crawler from ``scrapy.utils.test.get_crawler``, no reactor (the
coroutines run on asyncio.run). Faults come from the test-only job
tests/pool_faults.py (``EXTRACT_JOB``). End-to-end: test_e2e.py runs the mirror
crawls with the pool (the default), and a crawl here kills a worker on one page."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse

from crawler import page_job, stats_keys
from crawler.extensions import extract_pool
from crawler.extensions.extract_pool import ExtractionPool, ExtractionTimedOut, WorkerCrashed
from crawler.page_job import PageJob, run_page_job
from crawler.signals import page_failed

from .helpers import CONTENT_COLUMNS, FAST_SETTINGS, MIRROR_DIR, MIRROR_SETTINGS, PROJECT, build, crawl_env, crawl_ok, rows, source_spider
from .pool_faults import CRASH_MARK, CRASH_URL_ENV, SLOW_MARK, STUCK_MARK

ARTICLE = "http://finance.chinadevelopment.com.cn/yw/2022/06/1800123.shtml"
PAGE = (MIRROR_DIR / "finance.chinadevelopment.com.cn/yw/2022/06/1800123.shtml").read_bytes()
FAULTY = {"EXTRACT_JOB": "tests.pool_faults.faulty_job", "EXTRACT_WORKERS": 2}


def page(url: str = ARTICLE, mark: str = "") -> HtmlResponse:
    body = PAGE.replace(b"</body>", mark.encode() + b"</body>") if mark else PAGE
    return HtmlResponse(url=url, body=body, encoding="gbk", request=Request(url, meta={"article_url": url}))


def job_of(response: HtmlResponse) -> PageJob:
    return PageJob(html=response.text, url=response.url, encoding=response.encoding, source="chinadevelopment")


@pytest.fixture()
def pool_crawler(crawler_factory):
    made = []

    def make(**settings):
        crawler = crawler_factory(source_spider("chinadevelopment"), {"MIRROR_URL": None, **FAULTY, **settings})
        pool = build(ExtractionPool, crawler)
        made.append(pool)
        return crawler, pool

    yield make
    for pool in made:
        pool.spider_closed()


def test_no_workers_no_pool(crawler_factory):
    crawler = crawler_factory(source_spider("chinadevelopment"), {"EXTRACT_WORKERS": 0})
    with pytest.raises(NotConfigured):
        build(ExtractionPool, crawler)


def test_a_worker_gives_what_the_crawl_process_gives(pool_crawler):
    crawler, pool = pool_crawler()
    job = job_of(page())
    from crawler.sources import DECLARED

    here = run_page_job(job, DECLARED["chinadevelopment"])
    there = asyncio.run(pool.extract(job))
    assert there.extraction == here.extraction and there.body_text == here.body_text and there.body_text
    assert crawler.stats.get_value(stats_keys.EXTRACT_POOL_JOBS) == 1
    assert crawler.stats.get_value(stats_keys.EXTRACT_POOL_JOB_CPU) > 0


@pytest.mark.parametrize("html", [
    "<p>中文页面，GBK 或 UTF-8 解码之后</p>", "<p>ASCII only</p>", "<p>Ünïcödé latin-1</p>", "<p>😀 astral 𠀀</p>",
    "<p>a lone \ud800 surrogate</p>", "<p>a pair of lone ones \ud83d\ude00</p>", "",
])
def test_a_page_job_pickles_to_the_very_same_text(html):
    # the page text travels to a worker as UTF-16 bytes (cheaper than pickle's UTF-8 for a
    # CJK page); what a worker reads back must be the very text, code point for code point
    import pickle

    job = PageJob(html=html, url="http://127.0.0.1:1/a.html", encoding="utf-8", page=2)
    state = job.__getstate__()
    if html and not html.isascii() and "\ud800" not in html and "\ud83d" not in html:
        assert isinstance(state["html"], page_job._Utf16Text)   # not sent as str
    back = pickle.loads(pickle.dumps(job))
    assert back == job and back.html == html and list(map(ord, back.html)) == list(map(ord, html))


def test_workers_collect_young_garbage_less_often(pool_crawler):
    import gc

    _, pool = pool_crawler()
    asyncio.run(pool.extract(job_of(page())))
    executor = pool._shared().current.executor
    assert executor.submit(gc.get_threshold).result(timeout=30)[0] == extract_pool.WORKER_GC_THRESHOLD > gc.get_threshold()[0]
    assert executor.submit(gc.get_freeze_count).result(timeout=30) > 0   # the preloaded modules


def test_a_fingerprint_job_only_for_a_text_not_stored(pool_crawler):
    """A one-page article's fingerprint comes from a second worker job, asked for only when
    its text is not a stored story's: an exact copy's would be thrown away (the dedupe
    pipeline records the copy against the stored story)."""
    from crawler.store import get_run_context
    from crawler.syndication import fingerprint
    from pipelines.normalize import normalize
    from pipelines.store import story_row

    crawler, pool = pool_crawler()
    spider = crawler.spider
    spider._extraction_pool = lambda: pool
    store = get_run_context(crawler).store
    copy_url = ARTICLE.replace("1800123", "1800999")

    async def crawl():   # one event loop, as in a crawl
        first = await spider.parse_article(page())
        jobs_then = crawler.stats.get_value(stats_keys.EXTRACT_POOL_FINGERPRINT_JOBS)
        store.insert_story(story_row(normalize(dict(first))), store.start_run("test"))
        return first, jobs_then, await spider.parse_article(page(copy_url))

    first, jobs_then, copy = asyncio.run(crawl())
    assert first["syndication_fingerprint"] == fingerprint(first["title"], first["body_text"])
    assert first["content_hash"] == normalize({**dict(first), "content_hash": None})["content_hash"]
    assert jobs_then == 1
    assert copy["url"] == copy_url and copy["content_hash"] == first["content_hash"]
    assert copy["syndication_fingerprint"] is None
    assert crawler.stats.get_value(stats_keys.EXTRACT_POOL_FINGERPRINT_JOBS) == 1
    assert crawler.stats.get_value(stats_keys.SYNDICATION_FINGERPRINT_SKIPPED) == 1
    assert crawler.stats.get_value(stats_keys.EXTRACT_POOL_JOBS) == 2


def test_a_page_that_kills_its_worker_is_dropped_and_the_others_are_not(pool_crawler):
    crawler, pool = pool_crawler()
    spider = crawler.spider
    spider._extraction_pool = lambda: pool
    failed: list[dict] = []
    crawler.signals.connect(lambda **kw: failed.append(kw), signal=page_failed, weak=False)
    urls = [ARTICLE.replace("1800123", str(1800200 + i)) for i in range(4)]

    async def crawl():
        responses = [page(urls[0], CRASH_MARK)] + [page(u) for u in urls[1:]]
        first = await asyncio.gather(*(spider.parse_article(r) for r in responses))
        after = await spider.parse_article(page(urls[1]))   # the next job, on a new pool
        return first, after

    first, after = asyncio.run(crawl())
    assert first[0] is None
    assert [f["reason"] for f in failed] == ["worker_crashed"] and failed[0]["url"] == urls[0]
    assert all(item is not None and item["body_text"] for item in first[1:])
    assert [item["url"] for item in first[1:]] == urls[1:]
    assert after is not None and after["title"] == first[1]["title"]
    assert crawler.stats.get_value(stats_keys.EXTRACT_POOL_CRASHES) >= 2   # the first try, then alone
    assert crawler.stats.get_value(stats_keys.EXTRACT_POOL_RETRIES) >= 1


def test_worker_crashed_is_a_transient_drop():
    from crawler.drops import outcome_kind

    assert outcome_kind("worker_crashed") == outcome_kind("extraction_timeout") == "transient"


def test_the_pool_raises_for_the_crashing_page_only(pool_crawler):
    _, pool = pool_crawler()

    async def run():
        jobs = [job_of(page(mark=CRASH_MARK)), job_of(page()), job_of(page())]
        return await asyncio.gather(*(pool.extract(j) for j in jobs), return_exceptions=True)

    results = asyncio.run(run())
    assert isinstance(results[0], WorkerCrashed)
    assert all(not isinstance(r, BaseException) and r.body_text for r in results[1:])


def test_a_slow_page_times_out_and_the_worker_goes_on(pool_crawler):
    crawler, pool = pool_crawler(EXTRACT_TIMEOUT=0.5)

    async def run():
        slow = pool.extract(job_of(page(mark=SLOW_MARK)))
        results = await asyncio.gather(slow, pool.extract(job_of(page())), return_exceptions=True)
        return results, await pool.extract(job_of(page()))

    (slow, other), after = asyncio.run(run())
    assert isinstance(slow, ExtractionTimedOut)
    assert other.body_text and after.body_text
    assert crawler.stats.get_value(stats_keys.EXTRACT_POOL_TIMEOUTS) == 1
    assert not crawler.stats.get_value(stats_keys.EXTRACT_POOL_CRASHES)


def test_a_stuck_worker_is_killed(pool_crawler, monkeypatch):
    monkeypatch.setattr(extract_pool, "KILL_GRACE_S", 0.5)
    crawler, pool = pool_crawler(EXTRACT_TIMEOUT=0.5)

    async def run():
        # both workers up first: the deadline counts from when a job is handed to the
        # workers, and a worker's start (the fork server's first imports) takes seconds here
        await asyncio.gather(pool.extract(job_of(page())), pool.extract(job_of(page())))
        stuck = pool.extract(job_of(page(mark=STUCK_MARK)))
        return await asyncio.gather(stuck, pool.extract(job_of(page())), return_exceptions=True)

    stuck, other = asyncio.run(run())
    assert isinstance(stuck, ExtractionTimedOut) and "killed" in str(stuck)
    assert not isinstance(other, BaseException) and other.body_text


def test_workers_are_replaced_after_their_pages_and_the_queue_goes_on(pool_crawler):
    """A backlog larger than a worker's page limit: every page is extracted by a fresh
    generation of workers, none is left waiting (ProcessPoolExecutor's own
    max_tasks_per_child hangs here on Python 3.11, CPython gh-115634)."""
    crawler, pool = pool_crawler(EXTRACT_WORKERS=1, EXTRACT_WORKER_MAX_PAGES=2)

    async def run():
        jobs = [pool.extract(job_of(page())) for _ in range(7)]
        return await asyncio.wait_for(asyncio.gather(*jobs), 120)

    results = asyncio.run(run())
    assert len(results) == 7 and all(r.body_text for r in results)
    assert crawler.stats.get_value(stats_keys.EXTRACT_POOL_STARTS) == 4   # pages 1-2, 3-4, 5-6, 7
    assert crawler.stats.get_value(stats_keys.EXTRACT_POOL_JOBS) == 7
    assert not crawler.stats.get_value(stats_keys.EXTRACT_POOL_CRASHES)


def test_a_new_generation_starts_only_once_the_old_workers_have_exited(pool_crawler, monkeypatch):
    """Replacing the workers never holds both generations' memory at once: when the next
    generation starts, no worker of the previous one is still running (the summed RSS of
    a long crawl otherwise peaks at every replacement)."""
    psutil = pytest.importorskip("psutil")
    crawler, pool = pool_crawler(EXTRACT_WORKERS=1, EXTRACT_WORKER_MAX_PAGES=2)
    starts = []   # at each start: the workers (the fork server's children) still running
    real_start = extract_pool._SharedPool._start

    def workers_running() -> list[int]:
        me = psutil.Process()
        found = []
        for child in me.children(recursive=True):
            try:
                if child.ppid() != me.pid and child.status() != psutil.STATUS_ZOMBIE:
                    found.append(child.pid)
            except psutil.NoSuchProcess:
                continue
        return found

    def recording_start(self, stats):
        starts.append(workers_running())
        return real_start(self, stats)

    monkeypatch.setattr(extract_pool._SharedPool, "_start", recording_start)

    async def run():
        jobs = [pool.extract(job_of(page())) for _ in range(5)]
        return await asyncio.wait_for(asyncio.gather(*jobs), 120)

    results = asyncio.run(run())
    assert all(r.body_text for r in results)
    assert len(starts) == 3            # pages 1-2, 3-4, 5
    assert starts == [[], [], []]


def test_pages_queued_behind_a_stuck_worker_run_again(pool_crawler, monkeypatch):
    """One worker, stuck on a page, with pages queued behind it: the stuck page is
    dropped, and the queued ones (their executor is discarded with it) still run."""
    monkeypatch.setattr(extract_pool, "KILL_GRACE_S", 0.5)
    crawler, pool = pool_crawler(EXTRACT_WORKERS=1, EXTRACT_TIMEOUT=0.5)

    async def run():
        await pool.extract(job_of(page()))   # the worker up first (its start is not page time)
        jobs = [pool.extract(job_of(page(mark=STUCK_MARK)))] + [pool.extract(job_of(page())) for _ in range(3)]
        return await asyncio.wait_for(asyncio.gather(*jobs, return_exceptions=True), 120)

    stuck, *queued = asyncio.run(run())
    assert isinstance(stuck, ExtractionTimedOut) and "killed" in str(stuck)
    assert all(not isinstance(r, BaseException) and r.body_text for r in queued), queued
    assert crawler.stats.get_value(stats_keys.EXTRACT_POOL_TIMEOUTS) == 1


# --- end to end ----------------------------------------------------------------

def test_a_crawl_survives_a_worker_crash(tmp_path, mirror_url, monkeypatch):
    """One page of a real crawl kills its worker: that page is a transient drop
    (worker_crashed, tried again next run), every other page is stored."""
    store = tmp_path / "s.sqlite"
    victim = "1800142"
    monkeypatch.setenv(CRASH_URL_ENV, victim)
    crawl_ok("chinadevelopment", store, mirror_url, **FAULTY)
    drops = rows(store, "SELECT url, reason FROM drops WHERE reason = 'worker_crashed'")
    assert len(drops) == 1 and victim in drops[0]["url"]
    outcome = rows(store, "SELECT kind FROM url_outcomes WHERE canonical_url LIKE ?", (f"%{victim}%",))
    assert [o["kind"] for o in outcome] == ["transient"]
    # everything else the clean crawl stores is stored
    clean = tmp_path / "clean.sqlite"
    crawl_ok("chinadevelopment", clean, mirror_url, EXTRACT_WORKERS=0)
    stored = {r["url"] for r in rows(store, "SELECT url FROM stories")}
    expected = {r["url"] for r in rows(clean, "SELECT url FROM stories")}
    assert stored == {u for u in expected if victim not in u} and len(stored) >= 5
    run = rows(store, "SELECT pages_per_s, cpu_s_per_page FROM runs")[0]
    assert run["pages_per_s"] > 0 and run["cpu_s_per_page"] > 0


def test_store_migrates_to_throughput_columns(tmp_path):
    from crawler.store import Store

    store = Store.open(tmp_path / "s.sqlite")
    store.close()
    conn = sqlite3.connect(tmp_path / "s.sqlite")
    columns = {r[1] for r in conn.execute("PRAGMA table_info(runs)")}
    conn.close()
    assert {"pages_per_s", "cpu_s_per_page"} <= columns


def _crawlall(store, mirror, **settings) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "scrapy", "crawlall", "-s", f"STORE_PATH={store}", "-s", f"MIRROR_URL={mirror}", "--progress", "0"]
    for key, value in {**FAST_SETTINGS, **MIRROR_SETTINGS, **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    return subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=300, env=crawl_env())


def test_workers_store_what_the_crawl_process_stores(tmp_path, mirror_url):
    """Every source of the mirror (multi-page articles, hints, GBK pages …) crawled with
    extraction in the crawl process and in 2 workers: the same stories and drops."""
    columns = ", ".join(c for c in CONTENT_COLUMNS if c != "first_seen")
    found = {}
    for workers in (0, 2):
        store = tmp_path / f"w{workers}.sqlite"
        result = _crawlall(store, mirror_url, EXTRACT_WORKERS=workers)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "pages/s" in result.stdout and "cpu_s/page" in result.stdout
        found[workers] = (
            # the outlets' pages (the aggregator's API texts never go to a worker, and which of
            # its list endpoints names a story first depends on arrival order; so does
            # cluster_id: which copy founds a cluster)
            rows(store, f"SELECT {columns}, title_stage, date_precision FROM stories WHERE source != 'eastmoney' ORDER BY id"),
            rows(store, "SELECT source, url, reason FROM drops WHERE source != 'eastmoney' ORDER BY source, url, reason"),
            rows(store, "SELECT spider, stats FROM runs ORDER BY spider"),
            # the syndication index: the workers' fingerprints (MinHash, bands) are what the
            # store computes in-process (not ts: an undated story's is its crawl time)
            rows(store, "SELECT g.story_id, g.minhash, g.length, g.outlet, g.named_source, b.band, b.hash "
                        "FROM story_signatures g JOIN stories s ON s.id = g.story_id JOIN lsh_bands b ON b.sig_id = g.sig_id "
                        "WHERE s.source != 'eastmoney' ORDER BY g.story_id, b.band"),
        )
    assert found[2][3] == found[0][3]
    precomputed = {w: sum(json.loads(r["stats"]).get(stats_keys.SYNDICATION_PRECOMPUTED, 0) for r in found[w][2]) for w in (0, 2)}
    stale = sum(json.loads(r["stats"]).get(stats_keys.SYNDICATION_STALE_FINGERPRINT, 0) for w in (0, 2) for r in found[w][2])
    # in-process the store computes every signature; with workers, each one-page article's came with it
    assert precomputed[0] == 0 and precomputed[2] > 0 and stale == 0
    stories, drops, runs, _ = found[2]
    assert len(stories) >= 30
    for mine, theirs in zip(stories, found[0][0]):
        assert {k: (v, theirs[k]) for k, v in mine.items() if v != theirs[k]} == {}, mine["id"]
    assert (stories, drops) == found[0][:2]
    jobs = sum(json.loads(r["stats"]).get(stats_keys.EXTRACT_POOL_JOBS, 0) for r in runs)
    pages = sum(json.loads(r["stats"]).get(stats_keys.ARTICLE_PAGES, 0) + json.loads(r["stats"]).get(stats_keys.ARTICLE_CONTINUATION_PAGES, 0)
                for r in runs)
    # every extracted page went through a worker (the aggregator's API texts are not pages)
    assert 0 < jobs <= pages
