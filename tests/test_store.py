import sqlite3

import pytest
import sqlite_utils

from crawler.store import MIGRATIONS, Store
from pipelines.dedupe import classify
from pipelines.store import story_row
from pipelines.validate import problems

from .helpers import make_item


def test_normalize_fills_identity_and_category():
    item = make_item()
    assert item["canonical_url"] == "http://www.chinadevelopment.com.cn/news/zj/2022/06/1800001.shtml"
    assert item["title"] == "标题"
    assert item["slug"] == "zhongguofazhanwang" and item["tag"] == "中国发展网新闻"
    assert item["body_text"] == "第一段正文内容，足够长的一段文字。\n第二段正文内容，也足够长。"
    assert len(item["content_hash"]) == 64


def test_story_id_defaults_to_a_hash_of_the_canonical_url():
    assert make_item(story_id=None)["story_id"] == make_item(story_id=None, url="http://WWW.chinadevelopment.com.cn/news/zj/2022/06/1800001.shtml#x")["story_id"]


@pytest.mark.parametrize(
    "over, reason",
    [
        ({"title": ""}, "no_title"),
        ({"published_at": None}, "no_publication_date"),
        ({"body_html": "", "body_text": ""}, "empty_body"),
        ({"body_html": "<p>短</p>", "body_text": None}, "body_too_short"),
    ],
)
def test_validation_refuses_half_empty_articles(over, reason):
    assert reason in [code for code, _ in problems(make_item(**over))]


def test_validation_accepts_complete_article():
    assert problems(make_item()) == []


def test_insert_is_one_transaction_and_idempotent_reads():
    store = Store.open(memory=True)
    run = store.start_run("chinadevelopment")
    item = make_item()
    store.insert_story(story_row(item), run)
    assert store.story_by_canonical_url(item["canonical_url"])["id"] == item["story_id"]
    assert store.story_by_hash(item["content_hash"])["id"] == item["story_id"]
    # a second insert of the same story violates the primary key and leaves no partial row
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_story(story_row(item), run)
    assert store.db.execute("SELECT count(*) FROM stories").fetchone()[0] == 1
    assert store.db.execute("SELECT count(*) FROM story_urls").fetchone()[0] == 1


def test_the_dedupe_lookups_read_only_the_columns_asked_for():
    from pipelines.dedupe import KEYS

    store = Store.open(memory=True)
    site = make_item()
    store.insert_story(story_row(site), None)
    copy = make_item(story_id="NW1", source="eastmoney", url="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW1")
    store.record_arrival(site["story_id"], copy, "duplicate", None)
    full = store.story_by_id(site["story_id"])
    expected = {key: full[key] for key in KEYS}
    assert expected["id"] == site["story_id"] and expected["content_hash"] == site["content_hash"]
    assert store.story_by_id(site["story_id"], KEYS) == expected
    assert store.story_by_own_url(site["canonical_url"], KEYS) == expected
    assert store.story_by_hash(site["content_hash"], KEYS) == expected
    assert store.story_arrived_from(copy["canonical_url"], KEYS) == expected
    assert store.story_arrived_from(copy["canonical_url"]) == full == store.story_by_own_url(site["canonical_url"])
    assert store.story_by_id("nope", KEYS) is None and store.story_by_id("nope") is None
    with pytest.raises(ValueError, match="not columns"):
        store.story_by_hash(site["content_hash"], ("id", "id; DROP TABLE stories"))


def test_failed_transaction_rolls_back_everything():
    store = Store.open(memory=True)
    row = story_row(make_item())
    row["title"] = None  # NOT NULL: the story insert fails
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_story(row, None)
    assert store.db.execute("SELECT count(*) FROM stories").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM story_urls").fetchone()[0] == 0


def test_duplicate_arrival_is_recorded_against_the_story():
    store = Store.open(memory=True)
    site = make_item()
    store.insert_story(story_row(site), None)
    agg = make_item(
        story_id="NW1", source="eastmoney", url="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW1",
        body_html="<p>　　第一段正文内容,足够长的一段文字.</p> <p>第二段正文内容，也足够长。</p><p class=\"em_media\">（文章来源：中国发展网）</p>",
    )
    assert agg["content_hash"] == site["content_hash"]
    verdict, existing = classify(agg, store.story_by_canonical_url(agg["canonical_url"]), store.story_by_hash(agg["content_hash"]))
    assert verdict == "duplicate" and existing["id"] == site["story_id"]
    store.record_arrival(existing["id"], agg, "duplicate", None)
    urls = list(store.db.query("SELECT source, relation, story_id FROM story_urls ORDER BY source"))
    assert urls == [
        {"source": "chinadevelopment", "relation": "original", "story_id": site["story_id"]},
        {"source": "eastmoney", "relation": "duplicate", "story_id": site["story_id"]},
    ]


def test_classify_same_page_again_and_changed():
    stored = {"id": "a", "content_hash": "h1"}
    assert classify({"content_hash": "h1"}, stored, stored) == ("seen_again", stored)
    assert classify({"content_hash": "h2"}, stored, None) == ("changed", stored)
    assert classify({"content_hash": "h2"}, None, None) == ("new", None)


def test_runs_and_drops_rows():
    store = Store.open(memory=True)
    run = store.start_run("eastmoney")
    store.record_drop(run, "eastmoney", "http://x/1", "http_404", "HTTP status 404")
    store.finish_run(run, {"status": "finished", "stored": 0, "dropped": 1, "dropped_by_reason": {"http_404": 1}})
    row = next(store.db.query("SELECT * FROM runs"))
    assert row["status"] == "finished" and row["dropped_by_reason"] == '{"http_404": 1}'
    assert next(store.db.query("SELECT reason, url FROM drops")) == {"reason": "http_404", "url": "http://x/1"}
    # a run left 'running' by a crash is marked interrupted when the next one starts
    store.start_run("chinadevelopment")
    crashed = store.start_run("chinadevelopment")
    statuses = [r["status"] for r in store.db.query("SELECT status FROM runs WHERE spider = 'chinadevelopment' ORDER BY id")]
    assert statuses == ["interrupted", "running"] and crashed


def test_migrations_are_recorded_and_rerunnable(tmp_path):
    path = tmp_path / "s.sqlite"
    names = [m.name for m in MIGRATIONS.pending(sqlite_utils.Database(memory=True))]
    store = Store.open(path)
    assert store.applied_migrations() == names
    store.close()
    store = Store.open(path)  # opening again migrates nothing and loses nothing
    assert store.applied_migrations() == names
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_writes_wait_for_a_locked_database(tmp_path):
    """Another process holds the write lock for a moment: the write is retried, not lost."""
    import threading
    import time

    path = tmp_path / "s.sqlite"
    store = Store.open(path)
    store.db.execute("PRAGMA busy_timeout = 0")  # no SQLite-level waiting: tenacity must do it
    other = sqlite3.connect(path, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    released = threading.Event()

    def release():
        time.sleep(0.4)
        other.rollback()
        released.set()

    threading.Thread(target=release).start()
    store.insert_story(story_row(make_item()), None)
    assert released.is_set()
    assert store.db.execute("SELECT count(*) FROM stories").fetchone()[0] == 1


def test_store_path_from_the_environment(tmp_path):
    import os
    import subprocess
    import sys

    from .helpers import PROJECT

    target = tmp_path / "from-env.sqlite"
    env = {**os.environ, "CRAWLER_STORE_PATH": str(target)}
    code = "from scrapy.utils.project import get_project_settings; print(get_project_settings().get('STORE_PATH'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(target)


def test_migrating_a_version_1_store_keeps_its_stories(tmp_path):
    from crawler.store import schema

    path = tmp_path / "v1.sqlite"
    raw = sqlite_utils.Database(path)
    schema.m001_stories_urls_runs_drops(raw)
    raw.execute("PRAGMA user_version = 1")
    item = make_item()
    row = {c: story_row(item).get(c) for c in raw["stories"].columns_dict}
    row["first_seen"] = row["last_seen"] = "2022-06-08T00:00:00+00:00"
    raw["stories"].insert(row)
    raw.conn.close()
    store = Store.open(path)
    assert store.applied_migrations() == [m.name for m in MIGRATIONS.pending(sqlite_utils.Database(memory=True))]
    assert store.story_by_id(item["story_id"])["title"] == "标题"
    assert "story_changes" in store.db.table_names() and "health" in store.db["runs"].columns_dict
