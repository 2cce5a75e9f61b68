"""Stopping and the store (issue 9): a crawl stopped early loses nothing, the
budget holds, alerts never block, debug commands record nothing, a full or
damaged store ends the crawl with one clear line and a non-zero exit.

Real ``scrapy crawl`` / ``crawlall`` processes against mirrors on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.incremental import article_html
from crawler.ledger import ListingLedger
from crawler.store import Store

from .helpers import FAST_SETTINGS, MIRROR_SETTINGS, PROJECT, rows

pytestmark = pytest.mark.e2e

HOST = "www.chinadevelopment.com.cn"
PAGES, PER_PAGE = 6, 10
COLUMNS = "id, canonical_url, title, published_at, body_html, post, content_hash"


def write_mirror(root: Path) -> list[str]:
    """One channel of 60 articles over 6 list pages (newest first)."""
    ids = [1_950_000 + k for k in range(PAGES * PER_PAGE, 0, -1)]
    folder = root / HOST / "stop" / "c1"
    for page in range(PAGES):
        chunk = ids[page * PER_PAGE: (page + 1) * PER_PAGE]
        links = "".join(f"<li><a href='/stop/c1/2022/06/{i}.shtml'>文章{i}</a></li>" for i in chunk)
        nxt = f"<a href='index_{page + 2}.shtml'>下一页</a>" if page + 1 < PAGES else ""
        target = folder / ("index.html" if page == 0 else f"index_{page + 1}.shtml")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><ul class='list'>{links}</ul>{nxt}</body></html>", encoding="utf-8")
        for i in chunk:
            page_file = folder / "2022" / "06" / f"{i}.shtml"
            page_file.parent.mkdir(parents=True, exist_ok=True)
            page_file.write_text(article_html(i), encoding="utf-8")
    return [f"http://{HOST}/stop/c1/"]


@pytest.fixture()
def generated(tmp_path, serve_dir):
    root = tmp_path / "mirror"
    channels = write_mirror(root)
    return serve_dir(root), {"CHINADEVELOPMENT_LISTINGS": ",".join(channels), "LIST_MAX_PAGES": str(PAGES)}


def command(kind: str, store: Path, mirror: str, *args: str, **settings) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", kind, *args, "-s", f"STORE_PATH={store}", "-s", f"MIRROR_URL={mirror}"]
    for key, value in {**FAST_SETTINGS, **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("CRAWLER_")}


def run(cmd, timeout=180) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=timeout, env=env())


def count(store: Path, sql: str) -> int:
    try:
        return rows(store, sql)[0]["n"]
    except sqlite3.Error:  # the crawl is still creating the file
        return 0


def stop_after(cmd, store: Path, stories: int, sig: int) -> subprocess.CompletedProcess:
    """Start a crawl, send ``sig`` once the store holds ``stories`` stories."""
    proc = subprocess.Popen(cmd, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    deadline = time.time() + 90
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
        if count(store, "SELECT count(*) AS n FROM stories") >= stories:
            break
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=90)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def last_run(store: Path) -> dict:
    return rows(store, "SELECT status, finish_reason, stored, stats FROM runs ORDER BY id DESC LIMIT 1")[0]


def plain_runs_until_nothing_changes(store: Path, mirror: str, settings: dict, limit: int = 4) -> int:
    for n in range(1, limit + 1):
        result = run(command("crawl", store, mirror, "chinadevelopment", **settings))
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Traceback (most recent call last)" not in result.stderr, result.stderr[-3000:]
        if last_run(store)["stored"] == 0:
            return n
    return limit


def test_graceful_stops_and_a_budget_end_with_the_store_of_one_uninterrupted_run(tmp_path, generated):
    mirror, settings = generated
    clean = tmp_path / "clean.sqlite"
    result = run(command("crawl", clean, mirror, "chinadevelopment", **settings))
    assert result.returncode == 0, result.stderr[-3000:]
    assert count(clean, "SELECT count(*) AS n FROM stories") == PAGES * PER_PAGE

    store = tmp_path / "s.sqlite"
    slow = {**settings, "DOWNLOAD_DELAY": "0.25", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
    # Ctrl-C early, SIGTERM later (in the run that is catching up), a time budget
    stopped = stop_after(command("crawl", store, mirror, "chinadevelopment", **slow), store, 4, signal.SIGINT)
    assert stopped.returncode == 130, stopped.stderr[-2000:]
    assert {k: last_run(store)[k] for k in ("status", "finish_reason")} == {"status": "interrupted", "finish_reason": "shutdown"}
    assert json.loads(last_run(store)["stats"]).get("conditional/saved_count", 0) == 0
    stopped = stop_after(command("crawl", store, mirror, "chinadevelopment", **slow), store, 20, signal.SIGTERM)
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert "stopped by signal 15" in stopped.stderr
    assert last_run(store)["status"] == "interrupted"
    partial = count(store, "SELECT count(*) AS n FROM stories")
    assert 20 <= partial < PAGES * PER_PAGE
    budgeted = run(command("crawlall", store, mirror, "chinadevelopment", "--budget", "4", "--progress", "0", **slow))
    assert budgeted.returncode == 0, budgeted.stderr[-2000:]
    assert {k: last_run(store)[k] for k in ("status", "finish_reason")} == {"status": "interrupted", "finish_reason": "closespider_timeout"}
    assert count(store, "SELECT count(*) AS n FROM stories") < PAGES * PER_PAGE

    plain_runs_until_nothing_changes(store, mirror, settings)
    assert rows(store, f"SELECT {COLUMNS} FROM stories ORDER BY id") == rows(clean, f"SELECT {COLUMNS} FROM stories ORDER BY id")
    assert rows(store, "SELECT status FROM runs ORDER BY id DESC LIMIT 1") == [{"status": "finished"}]
    # and once a run has ended cleanly, the listings answer 304 again
    again = run(command("crawl", store, mirror, "chinadevelopment", **settings))
    assert again.returncode == 0
    stats = json.loads(last_run(store)["stats"])
    assert stats.get("listing/not_modified_count") == 1 and stats.get("article/page_count", 0) == 0


def test_a_hard_kill_loses_only_the_open_batch_and_the_next_run_fetches_it(tmp_path, generated):
    """Issue 12: stories are committed in batches. SIGKILL mid-crawl loses the open batch
    whole — and nothing that vouches for its stories (known URLs, outcomes, validators)
    was committed ahead of them — so the next run ends with the uninterrupted crawl's store."""
    mirror, settings = generated
    clean = tmp_path / "clean.sqlite"
    assert run(command("crawl", clean, mirror, "chinadevelopment", **settings)).returncode == 0
    store = tmp_path / "s.sqlite"
    # batches of 7 stories, never committed by age; one article every 0.25 s
    slow = {**settings, "DOWNLOAD_DELAY": "0.25", "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "STORE_BATCH_SIZE": "7", "STORE_BATCH_MS": "600000"}
    proc = subprocess.Popen(command("crawl", store, mirror, "chinadevelopment", **slow), cwd=PROJECT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env())
    deadline = time.time() + 90
    while time.time() < deadline and proc.poll() is None and count(store, "SELECT count(*) AS n FROM stories") < 14:
        time.sleep(0.05)
    time.sleep(1.0)   # a few more stories into the open batch
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, err[-2000:]
    stored = count(store, "SELECT count(*) AS n FROM stories")
    assert stored % 7 == 0 and 14 <= stored < PAGES * PER_PAGE, stored   # whole batches only
    # nothing vouches for a story that is not there
    assert rows(store, "SELECT u.canonical_url FROM story_urls u LEFT JOIN stories s ON s.id = u.story_id WHERE s.id IS NULL") == []
    assert count(store, "SELECT count(*) AS n FROM http_validators") == 0
    assert rows(store, "SELECT status FROM runs") == [{"status": "running"}]

    plain_runs_until_nothing_changes(store, mirror, settings)
    assert rows(store, f"SELECT {COLUMNS} FROM stories ORDER BY id") == rows(clean, f"SELECT {COLUMNS} FROM stories ORDER BY id")
    assert rows(store, "SELECT status FROM runs ORDER BY id")[0]["status"] == "interrupted"


def test_a_budget_holds_behind_a_long_crawl_delay(tmp_path, generated):
    mirror, settings = generated
    store = tmp_path / "s.sqlite"
    cmd = command("crawlall", store, mirror, "chinadevelopment", "--budget", "6", "--progress", "0", **settings, DOWNLOAD_DELAY="120")
    started = time.monotonic()
    result = run(cmd)
    wall = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-2000:]
    # process start-up (~3 s) + the budget + the close; before: minutes (queued requests ran on)
    assert wall < 6 + 20, wall
    assert rows(store, "SELECT status, finish_reason FROM runs") == [{"status": "interrupted", "finish_reason": "closespider_timeout"}]
    assert "time budget reached" in result.stdout


def test_sitemap_over_its_cap_is_finished_by_the_next_runs(tmp_path, serve_dir):
    root = tmp_path / "site"
    urls = [f"http://{HOST}/sm/2022/06/{1_960_000 + k}.shtml" for k in range(30)]
    for k, url in enumerate(urls):
        page = root / HOST / url.split(f"{HOST}/", 1)[1]
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(article_html(1_960_000 + k), encoding="utf-8")
    sitemap = root / HOST / "sitemap.xml"
    sitemap.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{u}</loc></url>" for u in urls) + "</urlset>", encoding="utf-8")
    mirror = serve_dir(root)
    store = tmp_path / "s.sqlite"
    cmd = command("crawl", store, mirror, "sitemap", "-a", f"url=http://{HOST}/sitemap.xml", SITEMAP_MAX_URLS="20")
    first = run(cmd)
    assert first.returncode == 0, first.stderr[-2000:]
    assert count(store, "SELECT count(*) AS n FROM stories") == 20
    assert count(store, "SELECT count(*) AS n FROM http_validators") == 0  # not read completely
    second = run(cmd)
    assert second.returncode == 0, second.stderr[-2000:]
    assert count(store, "SELECT count(*) AS n FROM stories") == 30
    assert count(store, "SELECT count(*) AS n FROM http_validators") == 1


def test_crawlall_progress_names_each_source_and_skips_those_not_started(tmp_path, mirror_url):
    store = tmp_path / "s.sqlite"
    cmd = command("crawlall", store, mirror_url, "chinadevelopment", "eastmoney", "--progress", "0.3",
                  **MIRROR_SETTINGS, DOWNLOAD_DELAY="0.3")
    result = run(cmd)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Crawler.stats is not set yet" not in result.stderr and "Traceback" not in result.stderr
    progress = [line for line in result.stderr.splitlines() if line.startswith("progress")]
    assert progress
    assert all(re.match(r"progress (chinadevelopment|eastmoney): \d+ pages, \d+ new", line) for line in progress), progress


def test_an_alert_webhook_that_never_answers_does_not_hold_up_the_run(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # connections complete in the kernel; nothing is ever read or answered
    down = socket.socket()
    down.bind(("127.0.0.1", 0))
    down_port = down.getsockname()[1]
    down.close()
    store = tmp_path / "s.sqlite"
    cmd = command("crawl", store, f"http://127.0.0.1:{down_port}", "chinadevelopment", **MIRROR_SETTINGS,
                  ALERT_WEBHOOK_URL=f"http://127.0.0.1:{silent.getsockname()[1]}/hook", ALERT_TIMEOUT="3")
    try:
        started = time.monotonic()
        result = run(cmd)
        wall = time.monotonic() - started
    finally:
        silent.close()
    assert result.returncode == 1  # the source failed (its mirror is down) and was flagged
    assert rows(store, "SELECT check_name FROM health_flags") == [{"check_name": "source_failed"}]
    assert "alert webhook failed" in result.stderr
    # before: three 10 s attempts on the reactor thread
    assert wall < 25, wall


def test_debug_commands_record_no_run_and_parse_works(tmp_path, mirror_url):
    store = tmp_path / "s.sqlite"
    alerts = tmp_path / "alerts"
    hook = f"{sys.executable} -c \"open({str(alerts)!r}, 'a').write('x')\""
    url = "http://finance.chinadevelopment.com.cn/yw/2022/06/1800123.shtml"
    parsed = run(command("parse", store, mirror_url, url, "--spider", "chinadevelopment", "--callback", "parse_article",
                         **MIRROR_SETTINGS, ALERT_COMMAND=hook))
    assert parsed.returncode == 0, parsed.stderr[-3000:]
    assert "missing" not in parsed.stderr and "Traceback" not in parsed.stderr, parsed.stderr[-3000:]
    assert "多家银行加大绿色信贷投放" in parsed.stdout
    fetched = run(command("fetch", store, mirror_url, "--spider", "chinadevelopment", url, **MIRROR_SETTINGS, ALERT_COMMAND=hook))
    assert fetched.returncode == 0, fetched.stderr[-3000:]
    if store.exists():
        assert count(store, "SELECT count(*) AS n FROM runs") == 0
        assert count(store, "SELECT count(*) AS n FROM health_flags") == 0
    assert not alerts.exists()


def _crawl_into_full_store(tmp_path, mirror, settings, size_kb: int) -> tuple[Path, Path, subprocess.CompletedProcess]:
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(small)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill the disk (needs root): {mounted.stderr.strip()}")
    store = small / "s.sqlite"
    return small, store, run(command("crawl", store, mirror, "chinadevelopment", **settings))


def test_a_full_disk_ends_the_crawl_with_one_line_and_the_next_runs_fetch_what_was_lost(tmp_path, generated):
    mirror, settings = generated
    clean = tmp_path / "clean.sqlite"
    assert run(command("crawl", clean, mirror, "chinadevelopment", **settings)).returncode == 0
    small, store, result = _crawl_into_full_store(tmp_path, mirror, settings, 400)
    try:
        assert result.returncode == 1, result.stderr[-3000:]
        assert re.search(r"^chinadevelopment: store full: ", result.stderr, re.M), result.stderr[-3000:]
        assert result.stderr.count("Traceback (most recent call last)") <= 3, result.stderr[-5000:]
        stored = count(store, "SELECT count(*) AS n FROM stories")
        assert stored < PAGES * PER_PAGE
        assert rows(store, "SELECT status FROM runs")[-1]["status"] in ("failed", "running")
        assert count(store, "SELECT count(*) AS n FROM http_validators") == 0
        # space again: the next runs fetch every story the full disk lost
        subprocess.run(["mount", "-o", "remount,size=20m", str(small)], check=True)
        plain_runs_until_nothing_changes(store, mirror, settings)
        assert rows(store, f"SELECT {COLUMNS} FROM stories ORDER BY id") == rows(clean, f"SELECT {COLUMNS} FROM stories ORDER BY id")
    finally:
        subprocess.run(["umount", "-l", str(small)], capture_output=True)


def test_a_damaged_store_is_refused_by_crawl_crawlall_and_export(tmp_path, generated):
    mirror, settings = generated
    store = tmp_path / "s.sqlite"
    assert run(command("crawl", store, mirror, "chinadevelopment", **settings)).returncode == 0
    # checkpoint the WAL into the file, then overwrite pages in its middle with garbage
    conn = sqlite3.connect(store)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = store.stat().st_size
    with open(store, "r+b") as f:
        f.seek(size // 2 // 4096 * 4096)
        f.write(os.urandom(4096 * 4))
    before = store.read_bytes()
    for kind, args in (("crawl", ["chinadevelopment"]), ("crawlall", ["chinadevelopment", "--progress", "0"])):
        result = run(command(kind, store, mirror, *args, **settings))
        assert result.returncode != 0, (kind, result.stderr[-2000:])
        assert "store damaged" in result.stderr, (kind, result.stderr[-2000:])
        assert "Traceback" not in result.stderr, (kind, result.stderr[-3000:])
    assert store.read_bytes() == before  # nothing was written into it
    exported = run([sys.executable, "-m", "scrapy", "export", str(tmp_path / "site"), "--store", str(store)])
    assert exported.returncode != 0
    assert "store damaged" in exported.stderr and "Traceback" not in exported.stderr, exported.stderr[-3000:]


# --- units -------------------------------------------------------------------------------
def test_catch_up_lasts_until_a_run_ends_cleanly():
    store = Store.open(memory=True)

    def run_with(status: str) -> bool:
        run_id = store.start_run("s")
        catch_up = store.needs_catch_up("s", run_id)
        store.finish_run(run_id, {"status": status})
        return catch_up

    assert run_with("finished") is False
    assert run_with("interrupted") is False
    assert run_with("interrupted") is True     # itself stopped: the catch-up is not over
    assert run_with("finished") is True        # this one completes it
    assert run_with("finished") is False
    assert run_with("failed") is False
    assert run_with("finished") is True        # a failed run (e.g. store full) is caught up too


def test_an_abandoned_ledger_has_no_complete_listing():
    ledger = ListingLedger()
    ledger.opened("L")
    ledger.settled("L")
    assert ledger.complete("L")
    ledger.abandon()
    assert not ledger.complete("L")


def test_sigterm_stops_crawlall_without_starting_the_aggregators(tmp_path, mirror_url):
    store = tmp_path / "s.sqlite"
    cmd = command("crawlall", store, mirror_url, "chinadevelopment", "eastmoney", "--progress", "0",
                  **MIRROR_SETTINGS, DOWNLOAD_DELAY="0.5", CONCURRENT_REQUESTS_PER_DOMAIN="1")
    result = stop_after(cmd, store, 2, signal.SIGTERM)
    assert result.returncode == 143, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert rows(store, "SELECT spider, status, finish_reason FROM runs") == [
        {"spider": "chinadevelopment", "status": "interrupted", "finish_reason": "shutdown"}
    ]
    summary = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith(("chinadevelopment", "eastmoney"))}
    assert "stopped" in summary["chinadevelopment"] and "not started" in summary["eastmoney"]
