"""Every outcome remembered, no article lost for want of a date (issue 11):
real crawls of a small mirror under tmp_path; the passage of time is faked by
moving ``url_outcomes.next_attempt_at`` into the past between runs."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys

import pytest

from crawler.drops import outcome_kind, retry_delay_hours

from .helpers import MIRROR_DIR, PROJECT, rows, run_crawl

SITE = "http://news.test"
GENERIC = MIRROR_DIR / "generic.example.test" / "news" / "2022"
DATE_META = '<meta property="article:published_time" content="2022-06-09T07:30:00+08:00">'


def test_every_drop_reason_is_classed_once():
    assert outcome_kind("body_too_short") == outcome_kind("robots_disallowed") == outcome_kind("http_404") == "permanent"
    assert outcome_kind("http_503") == outcome_kind("timeout") == outcome_kind("connection_refused") == "transient"
    assert outcome_kind("dropped") is None
    assert [retry_delay_hours(n, 1.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]


@pytest.fixture()
def site(tmp_path, serve_dir):
    """news.test: a dated article, an undated one, one too short, one answering 503."""
    root = tmp_path / "mirror"
    pages = root / "news.test" / "a"
    pages.mkdir(parents=True)
    shutil.copy(GENERIC / "a1.html", pages / "dated.html")
    shutil.copy(GENERIC / "a2.html", pages / "undated.html")   # no date on the page (the feed gave it)
    shutil.copy(GENERIC / "a3.html", pages / "flaky.html")
    (pages / "flaky.html.http").write_text('{"status": 503, "headers": {"Content-Type": "text/html"}}', encoding="utf-8")
    (pages / "short.html").write_text(
        "<html><head><meta charset='utf-8'><title>短讯</title></head><body><h1>短讯</h1>"
        "<p>2022-06-08 11:39 来源：城市日报</p><div class='article-body'><p>只有一句。</p></div></body></html>",
        encoding="utf-8",
    )
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(f"{SITE}/a/{name}.html\n" for name in ("dated", "undated", "short", "flaky")), encoding="utf-8")
    return {"root": pages, "mirror": serve_dir(root), "urls": urls, "store": tmp_path / "s.sqlite"}


def crawl(site, **settings):
    result = run_crawl("urls", site["store"], site["mirror"], spider_args={"file": site["urls"]}, **settings)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback (most recent call last)" not in result.stderr
    run = rows(site["store"], "SELECT * FROM runs ORDER BY id DESC LIMIT 1")[0]
    return run, json.loads(run["stats"])


def outcomes(store) -> dict[str, dict]:
    return {r["canonical_url"].rsplit("/", 1)[1]: r for r in rows(store, "SELECT * FROM url_outcomes")}


def make_due(store, name: str) -> None:
    """Time passes: the URL's next attempt is now."""
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE url_outcomes SET next_attempt_at = '2000-01-01T00:00:00+00:00' WHERE canonical_url = ?", [f"{SITE}/a/{name}"])


def export(store, out):
    # every copy: the invented test pages share their filler text, so they form one
    # syndication cluster; what is tested here is the undated story's own post
    result = subprocess.run([sys.executable, "-m", "scrapy", "export", str(out), "--store", str(store), "--every-copy"], cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.e2e
def test_content_drops_are_not_fetched_again_and_a_503_is_retried_then_given_up(site, tmp_path):
    store = site["store"]
    run1, _ = crawl(site, RETRY_LATER_MAX_ATTEMPTS=2)
    found = outcomes(store)
    assert (found["short.html"]["kind"], found["short.html"]["reason"], found["short.html"]["next_attempt_at"]) == ("permanent", "body_too_short", None)
    flaky = found["flaky.html"]
    assert (flaky["kind"], flaky["reason"], flaky["attempts"], flaky["gave_up"]) == ("transient", "http_503", 1, 0)
    assert flaky["next_attempt_at"] > flaky["last_at"]
    assert "dated.html" not in found  # a stored, dated story has no outcome to remember
    assert run1["waiting"] == 1

    # the next incremental run: nothing is fetched — the stored ones are known,
    # the short page is remembered, the 503 waits for its next attempt
    run2, stats2 = crawl(site, RETRY_LATER_MAX_ATTEMPTS=2)
    assert stats2.get("article/page_count", 0) == 0
    assert stats2.get("incremental/skipped_remembered_count") == 1
    assert stats2.get("incremental/skipped_waiting_count") == 1
    assert stats2.get("incremental/skipped_known_count") == 2
    assert not rows(store, "SELECT * FROM drops WHERE run_id = ?", [run2["id"]])
    assert run2["waiting"] == 1 and run2["status"] == "finished"

    # an hour later it is tried again: a second 503 reaches the cap, it is given up
    make_due(store, "flaky.html")
    run3, stats3 = crawl(site, RETRY_LATER_MAX_ATTEMPTS=2)
    assert stats3.get("incremental/retried_count") == 1
    assert rows(store, "SELECT reason FROM drops WHERE run_id = ?", [run3["id"]]) == [{"reason": "http_503"}]
    flaky = outcomes(store)["flaky.html"]
    assert (flaky["attempts"], flaky["gave_up"], flaky["next_attempt_at"]) == (2, 1, None)
    assert run3["waiting"] == 0

    # given up: not fetched again, even once the page is back
    (site["root"] / "flaky.html.http").unlink()
    run4, stats4 = crawl(site)
    assert stats4.get("article/page_count", 0) == 0 and stats4.get("incremental/skipped_remembered_count") == 2

    # a recrawl still fetches them all: the short page is dropped again, the flaky one is stored now
    run5, stats5 = crawl(site, RECRAWL="1")
    assert stats5.get("article/page_count") == 4
    assert rows(store, "SELECT reason FROM drops WHERE run_id = ?", [run5["id"]]) == [{"reason": "body_too_short"}]
    assert rows(store, "SELECT count(*) AS n FROM stories WHERE canonical_url = ?", [f"{SITE}/a/flaky.html"])[0]["n"] == 1
    assert set(outcomes(store)) == {"short.html", "undated.html"}
    assert outcomes(store)["short.html"]["attempts"] == 2


@pytest.mark.e2e
def test_an_undated_page_is_stored_held_back_and_dated_by_a_later_fetch(site, tmp_path):
    store = site["store"]
    crawl(site)
    [story] = rows(store, "SELECT * FROM stories WHERE canonical_url = ?", [f"{SITE}/a/undated.html"])
    assert (story["published_at"], story["post"], story["date_stage"]) == (None, None, "none")
    assert story["title"] == "老旧管网改造进入攻坚阶段" and story["body_text"]
    undated = outcomes(store)["undated.html"]
    assert (undated["kind"], undated["attempts"], undated["gave_up"]) == ("undated", 1, 0)
    assert not rows(store, "SELECT * FROM drops WHERE url LIKE '%undated.html'")

    out = tmp_path / "site"
    summary = export(store, out)
    assert "held back: 1 undated" in summary
    posts = sorted(p.name for p in (out / "_posts").iterdir())
    assert len(posts) == 1 and posts[0].endswith(f"-{rows(store, 'SELECT id FROM stories WHERE published_at IS NOT NULL')[0]['id']}.md")

    # not due yet: the next run does not fetch it
    _, stats = crawl(site)
    assert stats.get("incremental/undated_refetch_count") is None

    # later, the page carries a date: the due refetch fills it, renders the post, records the change
    page = site["root"] / "undated.html"
    page.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head>" + DATE_META, 1), encoding="utf-8")
    make_due(store, "undated.html")
    run, stats = crawl(site)
    assert stats.get("incremental/undated_refetch_count") == 1 and run["updated"] == 1
    [dated] = rows(store, "SELECT * FROM stories WHERE id = ?", [story["id"]])
    assert dated["published_at"] == "2022-06-09T07:30:00+08:00" and dated["post"].startswith("---\nlayout: post\n")
    assert dated["date_stage"] != "none" and dated["content_hash"] == story["content_hash"]
    assert rows(store, "SELECT old_hash, new_hash FROM story_changes WHERE story_id = ?", [story["id"]]) == [
        {"old_hash": story["content_hash"], "new_hash": story["content_hash"]}
    ]
    assert "undated.html" not in outcomes(store)
    summary = export(store, out)
    assert "held back: 0 undated" in summary
    assert f"2022-06-09-{story['id']}.md" in {p.name for p in (out / "_posts").iterdir()}


@pytest.mark.e2e
def test_an_undated_page_is_refetched_until_the_cap(site):
    store = site["store"]
    crawl(site, RETRY_LATER_MAX_ATTEMPTS=2)
    make_due(store, "undated.html")
    _, stats = crawl(site, RETRY_LATER_MAX_ATTEMPTS=2)
    assert stats.get("incremental/undated_refetch_count") == 1
    undated = outcomes(store)["undated.html"]
    assert (undated["attempts"], undated["gave_up"], undated["next_attempt_at"]) == (2, 1, None)
    # given up: only a recrawl fetches it again
    _, stats = crawl(site, RETRY_LATER_MAX_ATTEMPTS=2)
    assert stats.get("article/page_count", 0) == 0


def test_the_store_backs_off_doubling_and_gives_up_at_the_cap():
    from datetime import datetime

    from crawler.store import Store

    store = Store.open(memory=True)
    store.retry_base_hours, store.retry_max_attempts = 1.0, 3
    run = store.start_run("urls")
    url = f"{SITE}/a/flaky.html"
    gaps = []
    for _ in range(3):
        store.record_drop(run, "urls", url + "?utm_source=x", "http_503", "HTTP status 503", outcome_url=url + "?utm_source=x")
        row = store.url_outcome(url)  # remembered under the canonical URL
        if row["next_attempt_at"]:
            gaps.append((datetime.fromisoformat(row["next_attempt_at"]) - datetime.fromisoformat(row["last_at"])).total_seconds() / 3600)
    assert gaps == [1.0, 2.0]
    assert (row["attempts"], row["gave_up"], row["next_attempt_at"]) == (3, 1, None)
    assert store.waiting_count("urls") == 0
    # a listing's failure, or a reason that is not classed, is not remembered
    store.record_drop(run, "urls", f"{SITE}/list.html", "http_503", "", outcome_url=None)
    store.record_drop(run, "urls", f"{SITE}/b.html", "dropped", "", outcome_url=f"{SITE}/b.html")
    assert store.url_outcome(f"{SITE}/list.html") is None and store.url_outcome(f"{SITE}/b.html") is None
    # a permanent drop has no next attempt; a transient one counts as waiting
    store.record_drop(run, "urls", f"{SITE}/c.html", "body_too_short", "", outcome_url=f"{SITE}/c.html")
    store.record_drop(run, "urls", f"{SITE}/d.html", "timeout", "", outcome_url=f"{SITE}/d.html")
    assert store.url_outcome(f"{SITE}/c.html")["next_attempt_at"] is None
    assert store.waiting_count("urls") == 1 and store.settled_url(f"{SITE}/c.html") and not store.settled_url(f"{SITE}/d.html")
