"""Incremental crawling against the mirror: a second run costs what is new."""

import shutil
import signal
import sqlite3
import subprocess
import time

import pytest

from crawler import stats_keys

from .helpers import (
    EXPECTED,
    MIRROR_DIR,
    MIRROR_SETTINGS,
    PROJECT,
    crawl_command,
    crawl_env,
    golden,
    rows,
    run_stats,
    wait_for_rows,
)
from .helpers import (
    crawl_ok as crawl,
)

pytestmark = pytest.mark.e2e


@pytest.fixture()
def mirror_copy(tmp_path, serve_dir):
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR_DIR, root)
    return root, serve_dir(root)


@pytest.mark.parametrize("spider", ["chinadevelopment", "eastmoney"])
def test_second_run_downloads_no_article_and_gets_304s(mirror_crawled_twice, spider):
    store = mirror_crawled_twice["store"]
    first, second = run_stats(store, 0, spider=spider), run_stats(store, 1, spider=spider)
    assert first.get("article/page_count", 0) > 0
    assert second.get("article/page_count", 0) == 0
    # the start listings answer 304 (so older pages are not walked): each fetched once at most
    assert 1 <= second.get("listing/not_modified_count", 0) <= first["listing/page_count"]
    assert second.get("listing/page_count", 0) == 0
    assert second["downloader/request_count"] - second.get("robotstxt/request_count", 0) == second["listing/not_modified_count"]
    last = rows(store, "SELECT stored, status FROM runs WHERE spider = ? ORDER BY id", [spider])[-1]
    assert last == {"stored": 0, "status": "finished"}


def test_new_article_is_the_only_download(site_crawled_once, mirror_copy):
    root, mirror = mirror_copy
    store = site_crawled_once
    # a new article appears at the top of the finance channel list
    page = root / "finance.chinadevelopment.com.cn/yw/2022/0610/1800201.shtml"
    page.parent.mkdir(parents=True)
    template = (root / "finance.chinadevelopment.com.cn/yw/2022/06/1800123.shtml").read_text(encoding="utf-8")
    page.write_text(template.replace("多家银行加大绿色信贷投放", "新文章：绿色金融再提速").replace("记者从多家商业银行了解到", "记者从监管部门了解到"), encoding="utf-8")
    listing = root / "finance.chinadevelopment.com.cn/yw/index.html"
    text = listing.read_text(encoding="utf-8")
    marker = '<ul class="list">' if '<ul class="list">' in text else "<ul"
    text = text.replace(marker, marker + '\n<li><a href="/yw/2022/0610/1800201.shtml">新文章：绿色金融再提速</a><span>2022-06-10</span></li>', 1)
    time.sleep(1.1)  # Last-Modified has a one-second resolution
    listing.write_text(text, encoding="utf-8")
    crawl("chinadevelopment", store, mirror)
    stats = run_stats(store)
    assert stats.get(stats_keys.ARTICLE_PAGES) == 1
    assert stats.get(stats_keys.LISTING_PAGES) == 1 and stats.get(stats_keys.LISTING_NOT_MODIFIED) == 2
    new = rows(store, "SELECT title FROM stories WHERE id = 'chinadevelopment-1800201'")
    assert new and new[0]["title"].startswith("新文章：绿色金融再提速")


def test_recrawl_refreshes_and_records_changes(site_crawled_once, mirror_copy):
    root, mirror = mirror_copy
    store = site_crawled_once
    before = {r["id"]: r for r in rows(store, "SELECT id, content_hash, title FROM stories")}
    page = root / "fz.chinadevelopment.com.cn/rd/2022/0607/1800097.shtml"
    page.write_text(page.read_text(encoding="utf-8").replace("近年来，各地积极运用", "更正：近年来，各地积极运用"), encoding="utf-8")
    crawl("chinadevelopment", store, mirror, RECRAWL="True")
    stats = run_stats(store)
    assert stats.get(stats_keys.INCREMENTAL_RECRAWLED, 0) >= len(before) - 1
    changes = rows(store, "SELECT * FROM story_changes")
    assert [c["story_id"] for c in changes] == ["chinadevelopment-1800097"]
    assert changes[0]["old_hash"] == before["chinadevelopment-1800097"]["content_hash"] != changes[0]["new_hash"]
    after = rows(store, "SELECT body_text FROM stories WHERE id = 'chinadevelopment-1800097'")[0]
    assert after["body_text"].startswith("更正：")
    # everything else was fetched again and found unchanged
    assert stats.get(stats_keys.DEDUPE_SEEN_AGAIN, 0) == len(before) - 1
    assert stats.get(stats_keys.STORE_UPDATED) == 1


def test_resumed_run_after_a_graceful_interrupt_matches_an_uninterrupted_one(tmp_path, mirror_url, mirror_crawled_twice):
    # the uninterrupted run: the shared crawl's first chinadevelopment run (the
    # aggregator crawled after it adds rows of its own source only)
    clean_store = mirror_crawled_twice["store"]
    store, jobdir = tmp_path / "s.sqlite", tmp_path / "job"
    settings = {**MIRROR_SETTINGS, "DOWNLOAD_DELAY": "0.4", "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "JOBDIR": str(jobdir)}
    cmd = crawl_command("chinadevelopment", store, mirror_url, **settings)
    proc = subprocess.Popen(cmd, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=crawl_env())
    # the store file, its tables and its rows appear in turn while the crawl runs
    stored = wait_for_rows(store, "SELECT count(*) AS n FROM stories", 2, proc=proc)
    proc.send_signal(signal.SIGINT)  # an operator's Ctrl-C: Scrapy closes gracefully and keeps JOBDIR
    _, stderr = proc.communicate(timeout=60)
    assert stored >= 2, stderr[-2000:]
    partial = rows(store, "SELECT count(*) AS n FROM stories")[0]["n"]
    clean_ids = rows(clean_store, "SELECT id FROM stories WHERE source = 'chinadevelopment'")
    assert 2 <= partial < len(clean_ids)
    # the resumed run need not be slow: only the first one had to be caught mid-way
    resume = crawl_command("chinadevelopment", store, mirror_url, **{**settings, "DOWNLOAD_DELAY": "0"})
    resumed = subprocess.run(resume, cwd=PROJECT, capture_output=True, text=True, timeout=120, env=crawl_env())
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    columns = "id, canonical_url, title, published_at, body_html, post, content_hash"
    assert rows(store, f"SELECT {columns} FROM stories ORDER BY id") == rows(
        clean_store, f"SELECT {columns} FROM stories WHERE source = 'chinadevelopment' ORDER BY id"
    )
    assert rows(store, "SELECT count(*) AS n FROM story_urls")[0]["n"] == rows(
        clean_store, "SELECT count(*) AS n FROM story_urls WHERE source = 'chinadevelopment'"
    )[0]["n"]
    assert jobdir.is_dir()


def test_an_article_that_failed_is_fetched_again_next_run(tmp_path, mirror_copy):
    """A 503 on an article keeps its listing's validators unsaved: later runs
    read the (unchanged) listing again, skip the article until its retry is due
    (RETRY_LATER_BASE_HOURS), and store it once it is back."""
    root, mirror = mirror_copy
    store = tmp_path / "s.sqlite"
    page = root / "finance.chinadevelopment.com.cn/yw/2022/06/1800123.shtml"
    sidecar = page.with_name(page.name + ".http")
    sidecar.write_text('{"status": 503, "headers": {"Content-Type": "text/html"}}', encoding="utf-8")
    crawl("chinadevelopment", store, mirror)
    assert not rows(store, "SELECT id FROM stories WHERE id = 'chinadevelopment-1800123'")
    assert rows(store, "SELECT reason FROM drops WHERE url LIKE '%1800123.shtml'")[0]["reason"] == "http_503"
    first = run_stats(store)
    assert first[stats_keys.CONDITIONAL_WITHHELD] == 1  # the finance list page
    assert rows(store, "SELECT waiting FROM runs ORDER BY id DESC LIMIT 1")[0]["waiting"] == 1
    sidecar.unlink()
    # not due yet: not fetched, and the listing is still incomplete (no 304 next time either)
    crawl("chinadevelopment", store, mirror)
    waiting = run_stats(store)
    assert waiting.get("incremental/skipped_waiting_count") == 1 and waiting.get("article/page_count", 0) == 0
    assert waiting["conditional/withheld_count"] == 1 and waiting.get("listing/page_count") == 1
    # an hour later (faked: the retry is made due) it is fetched and stored
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE url_outcomes SET next_attempt_at = '2000-01-01T00:00:00+00:00'")
    crawl("chinadevelopment", store, mirror)
    assert rows(store, "SELECT id FROM stories WHERE id = 'chinadevelopment-1800123'")
    assert not rows(store, "SELECT * FROM url_outcomes WHERE kind = 'transient'")
    assert rows(store, "SELECT waiting FROM runs ORDER BY id DESC LIMIT 1")[0]["waiting"] == 0
    second = run_stats(store)
    assert second.get(stats_keys.ARTICLE_PAGES) == 1 and second.get(stats_keys.LISTING_PAGES) == 1


def test_aggregator_first_then_site_keeps_one_story_and_a_recrawl_never_rewrites_it(tmp_path, mirror_copy):
    root, mirror = mirror_copy
    store = tmp_path / "s.sqlite"
    crawl("eastmoney", store, mirror)
    crawl("chinadevelopment", store, mirror)
    # the site page with the aggregator item's text is recorded as a copy of it
    dup = rows(store, "SELECT * FROM story_urls WHERE canonical_url = ?", ["http://finance.chinadevelopment.com.cn/yw/2022/06/1800123.shtml"])
    assert len(dup) == 1 and dup[0]["relation"] == "duplicate" and dup[0]["story_id"] == "NW202206082405403299"
    expected = len(golden("chinadevelopment")["articles"]) + len(EXPECTED["eastmoney"])
    assert rows(store, "SELECT count(*) AS n FROM stories WHERE published_at IS NOT NULL")[0]["n"] == expected
    before = rows(store, "SELECT * FROM stories WHERE id = 'NW202206082405403299'")[0]
    page = root / "finance.chinadevelopment.com.cn/yw/2022/06/1800123.shtml"
    page.write_text(page.read_text(encoding="utf-8").replace("记者从多家商业银行了解到", "改动：记者了解到"), encoding="utf-8")
    crawl("chinadevelopment", store, mirror, RECRAWL="True")
    after = rows(store, "SELECT * FROM stories WHERE id = 'NW202206082405403299'")[0]
    assert after == {**before, "last_seen": after["last_seen"]}
    assert after["source"] == "eastmoney"
    assert rows(store, "SELECT relation FROM story_urls WHERE canonical_url LIKE '%1800123.shtml'")[0]["relation"] == "duplicate"
    assert not rows(store, "SELECT * FROM story_changes")
