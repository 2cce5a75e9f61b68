"""Batched story writes (issue 12): many stories per transaction, each batch atomic,
nothing committed ahead of the stories it vouches for, nothing held across Stores
of one process."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.store import Store
from pipelines.store import StorePipeline, batch_due, story_row

from .helpers import build, make_item, rows, source_spider, start_run


def item(n: int) -> dict:
    return make_item(story_id=f"chinadevelopment-18{n:05d}", url=f"http://www.chinadevelopment.com.cn/news/zj/2022/06/18{n:05d}.shtml",
                     body_html=f"<p>第{n}篇正文内容，足够长的一段文字，用来检验批量写入。</p>")


def count(path, table: str = "stories") -> int:
    return rows(path, f"SELECT count(*) AS n FROM {table}")[0]["n"]


def test_batch_due_at_its_size_or_its_age():
    assert not batch_due(99, 499.0, 100, 500.0)
    assert batch_due(100, 0.0, 100, 500.0)
    assert batch_due(1, 500.0, 100, 500.0)


def test_a_batch_is_seen_by_its_own_connection_and_committed_whole(tmp_path):
    path = tmp_path / "s.sqlite"
    store = Store.open(path)
    run = store.start_run("chinadevelopment")
    store.begin_batch()
    for n in range(3):
        store.insert_story(story_row(item(n)), run)
    store.record_drop(run, "chinadevelopment", "http://x.cn/a.html", "body_too_short", "short", outcome_url="http://x.cn/a.html")
    # the crawl's own reads (dedupe, known-article middleware) see the open batch …
    assert store.known_url(item(1)["canonical_url"]) and store.batch_writes == 3
    # … another process does not, until it is committed
    assert count(path) == 0 and count(path, "drops") == 0 and count(path, "url_outcomes") == 0
    assert store.commit_batch() == 3
    assert count(path) == 3 and count(path, "story_urls") == 3 and count(path, "drops") == 1
    store.close()


def test_a_failed_story_rolls_back_alone_and_a_lost_batch_takes_everything_it_vouched_for(tmp_path):
    path = tmp_path / "s.sqlite"
    store = Store.open(path)
    run = store.start_run("chinadevelopment")
    store.begin_batch()
    store.insert_story(story_row(item(1)), run)
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_story(story_row(item(1)), run)   # its savepoint only
    store.insert_story(story_row(item(2)), run)
    store.record_arrival(item(2)["story_id"], {**story_row(item(2)), "canonical_url": "http://copy.cn/2.html", "source": "people"},
                         "duplicate", run)
    store.save_validators({"http://www.chinadevelopment.com.cn/news/zj/": ('"v1"', None)})
    assert store.batch_writes == 2
    store.rollback_batch()   # what a hard kill does to the open batch
    assert store.db.execute("SELECT count(*) FROM stories").fetchone()[0] == 0
    for table in ("story_urls", "http_validators", "stories_fts", "clusters"):
        assert store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    store.close()


def test_a_write_of_another_store_of_the_process_commits_the_open_batch_first(tmp_path):
    """crawlall: one Store per source on one file, one thread — no lock wait."""
    path = tmp_path / "s.sqlite"
    first, second = Store.open(path), Store.open(path)
    first.db.execute("PRAGMA busy_timeout = 100")
    second.db.execute("PRAGMA busy_timeout = 100")
    run1, run2 = first.start_run("chinadevelopment"), second.start_run("people")
    first.begin_batch()
    first.insert_story(story_row(item(1)), run1)
    second.insert_story(story_row(item(2)), run2)   # would be "database is locked" otherwise
    assert not first.in_batch and count(path) == 2
    first.begin_batch()
    first.insert_story(story_row(item(3)), run1)
    second.flush_other_batches()                    # what dedupe does before it reads
    assert second.story_by_hash(item(3)["content_hash"]) is not None
    first.close()
    second.close()


def test_the_pipeline_commits_at_its_size_and_on_close(crawler_factory):
    crawler = crawler_factory(source_spider("chinadevelopment"), {"MIRROR_URL": None, "STORE_BATCH_SIZE": 3, "STORE_BATCH_MS": 60000})
    start_run(crawler)
    pipeline = build(StorePipeline, crawler)
    path = crawler.settings.get("STORE_PATH")
    for n in range(4):
        it = item(n)
        it.pop("post")
        pipeline.process_item({**it, "post": "---\n", "verdict": "new"})
    assert count(path) == 3          # one batch of 3 committed, the 4th still open
    pipeline.spider_idle()
    assert count(path) == 4
    assert crawler.stats.get_value("store/batch_count") == 2
    pipeline.close_spider()          # nothing open: nothing to do
    assert crawler.stats.get_value("store/batch_count") == 2


def test_batch_size_one_writes_one_transaction_per_story(crawler_factory):
    crawler = crawler_factory(source_spider("chinadevelopment"), {"MIRROR_URL": None, "STORE_BATCH_SIZE": 1})
    start_run(crawler)
    pipeline = build(StorePipeline, crawler)
    pipeline.process_item({**item(1), "verdict": "new"})
    assert count(crawler.settings.get("STORE_PATH")) == 1
    assert not pipeline.run_context.store.in_batch


def test_a_batch_lost_in_a_commit_another_store_forced_is_counted_with_its_stories(tmp_path):
    """crawlall: one source's write commits the batch another source holds open; if that
    commit fails, the owner learns the error AND how many story writes it lost (counted
    before the rollback emptied the batch)."""
    owner, other = Store.open(tmp_path / "a.sqlite"), Store.open(tmp_path / "b.sqlite")
    run = owner.start_run("chinadevelopment")
    owner.begin_batch()
    for n in range(3):
        owner.insert_story(story_row(item(n)), run)

    class FailingCommit:
        """The owner's connection, except that COMMIT fails (as on a full disk)."""

        def __init__(self, db):
            self._db = db

        def execute(self, sql, *args):
            if sql == "COMMIT":
                raise sqlite3.OperationalError("database or disk is full")
            return self._db.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._db, name)

    real = owner.db
    owner.db = FailingCommit(real)
    try:
        other.flush_other_batches()
    finally:
        owner.db = real
    assert owner.failed_batch is not None
    exc, lost = owner.failed_batch
    assert "disk is full" in str(exc) and lost == 3
    assert not owner.in_batch and count(tmp_path / "a.sqlite") == 0
    owner.close()
    other.close()
