"""Incremental crawling against the mirror: a second run costs what is new."""

import json
import shutil
import sqlite3
import time

import pytest

from .conftest import MIRROR_DIR, MIRROR_SETTINGS, crawl_ok as crawl, rows

pytestmark = pytest.mark.e2e



def run_stats(store, run_index=-1) -> dict:
    run = rows(store, "SELECT * FROM runs ORDER BY id")[run_index]
    return json.loads(run["stats"])


@pytest.fixture()
def mirror_copy(tmp_path, serve_dir):
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR_DIR, root)
    return root, serve_dir(root)


@pytest.mark.parametrize("spider", ["chinadevelopment", "eastmoney"])
def test_second_run_downloads_no_article_and_gets_304s(tmp_path, mirror_url, spider):
    store = tmp_path / "s.sqlite"
    crawl(spider, store, mirror_url)
    first = run_stats(store)
    crawl(spider, store, mirror_url)
    second = run_stats(store)
    assert first.get("article/page_count", 0) > 0
    assert second.get("article/page_count", 0) == 0
    # the start listings answer 304 (so older pages are not walked): each fetched once at most
    assert 1 <= second.get("listing/not_modified_count", 0) <= first["listing/page_count"]
    assert second.get("listing/page_count", 0) == 0
    assert second["downloader/request_count"] - second.get("robotstxt/request_count", 0) == second["listing/not_modified_count"]
    assert rows(store, "SELECT stored, status FROM runs ORDER BY id")[-1] == {"stored": 0, "status": "finished"}


def test_new_article_is_the_only_download(tmp_path, mirror_copy):
    root, mirror = mirror_copy
    store = tmp_path / "s.sqlite"
    crawl("chinadevelopment", store, mirror)
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
    assert stats.get("article/page_count") == 1
    assert stats.get("listing/page_count") == 1 and stats.get("listing/not_modified_count") == 2
    new = rows(store, "SELECT title FROM stories WHERE id = 'chinadevelopment-1800201'")
    assert new and new[0]["title"].startswith("新文章：绿色金融再提速")


def test_recrawl_refreshes_and_records_changes(tmp_path, mirror_copy):
    root, mirror = mirror_copy
    store = tmp_path / "s.sqlite"
    crawl("chinadevelopment", store, mirror)
    before = {r["id"]: r for r in rows(store, "SELECT id, content_hash, title FROM stories")}
    page = root / "fz.chinadevelopment.com.cn/rd/2022/0607/1800097.shtml"
    page.write_text(page.read_text(encoding="utf-8").replace("近年来，各地积极运用", "更正：近年来，各地积极运用"), encoding="utf-8")
    crawl("chinadevelopment", store, mirror, RECRAWL="True")
    stats = run_stats(store)
    assert stats.get("incremental/recrawled_count", 0) >= len(before) - 1
    changes = rows(store, "SELECT * FROM story_changes")
    assert [c["story_id"] for c in changes] == ["chinadevelopment-1800097"]
    assert changes[0]["old_hash"] == before["chinadevelopment-1800097"]["content_hash"] != changes[0]["new_hash"]
    after = rows(store, "SELECT body_text FROM stories WHERE id = 'chinadevelopment-1800097'")[0]
    assert after["body_text"].startswith("更正：")
    # everything else was fetched again and found unchanged
    assert stats.get("dedupe/seen_again_count", 0) == len(before) - 1
    assert stats.get("store/updated_count") == 1


def test_resumed_run_after_a_graceful_interrupt_matches_an_uninterrupted_one(tmp_path, mirror_url):
    import os
    import signal
    import subprocess
    import sys

    from .conftest import FAST_SETTINGS, PROJECT

    clean_store = tmp_path / "clean.sqlite"
    crawl("chinadevelopment", clean_store, mirror_url)
    store, jobdir = tmp_path / "s.sqlite", tmp_path / "job"
    settings = {**FAST_SETTINGS, **MIRROR_SETTINGS, "DOWNLOAD_DELAY": "0.4", "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "JOBDIR": str(jobdir)}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "chinadevelopment", "-s", f"STORE_PATH={store}", "-s", f"MIRROR_URL={mirror_url}"]
    for k, v in settings.items():
        cmd += ["-s", f"{k}={v}"]
    proc = subprocess.Popen(cmd, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.2)
        # the file exists a moment before its tables do (the crawl is creating it)
        if store.exists() and rows(store, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'stories'")[0]["n"]:
            if rows(store, "SELECT count(*) AS n FROM stories")[0]["n"] >= 2:
                break
    proc.send_signal(signal.SIGINT)  # an operator's Ctrl-C: Scrapy closes gracefully and keeps JOBDIR
    proc.communicate(timeout=60)
    partial = rows(store, "SELECT count(*) AS n FROM stories")[0]["n"]
    assert 2 <= partial < len(rows(clean_store, "SELECT id FROM stories"))
    resumed = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    columns = "id, canonical_url, title, published_at, body_html, post, content_hash"
    assert rows(store, f"SELECT {columns} FROM stories ORDER BY id") == rows(clean_store, f"SELECT {columns} FROM stories ORDER BY id")
    assert rows(store, "SELECT count(*) AS n FROM story_urls")[0]["n"] == rows(clean_store, "SELECT count(*) AS n FROM story_urls")[0]["n"]
    assert os.path.isdir(jobdir)


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
    assert first["conditional/withheld_count"] == 1  # the finance list page
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
    assert second.get("article/page_count") == 1 and second.get("listing/page_count") == 1


def test_recrawling_a_recorded_copy_never_rewrites_the_other_sources_story(tmp_path, mirror_copy):
    root, mirror = mirror_copy
    store = tmp_path / "s.sqlite"
    crawl("eastmoney", store, mirror)
    crawl("chinadevelopment", store, mirror)
    before = rows(store, "SELECT * FROM stories WHERE id = 'NW202206082405403299'")[0]
    page = root / "finance.chinadevelopment.com.cn/yw/2022/06/1800123.shtml"
    page.write_text(page.read_text(encoding="utf-8").replace("记者从多家商业银行了解到", "改动：记者了解到"), encoding="utf-8")
    crawl("chinadevelopment", store, mirror, RECRAWL="True")
    after = rows(store, "SELECT * FROM stories WHERE id = 'NW202206082405403299'")[0]
    assert after == {**before, "last_seen": after["last_seen"]}
    assert after["source"] == "eastmoney"
    assert rows(store, "SELECT relation FROM story_urls WHERE canonical_url LIKE '%1800123.shtml'")[0]["relation"] == "duplicate"
    assert not rows(store, "SELECT * FROM story_changes")
