"""The store for analysts: time columns that give the source's day, Chinese
full-text search returning exactly LIKE's rows, the views, and old stores
migrated with the new columns and index filled."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from crawler.store import Store, fts
from crawler.store.schema import VIEWS
from crawler.store.times import infer_precision, time_columns

from .test_store import make_item
from .test_store_migrations import FIXTURE

ZH_DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "zh-dev"
if not ZH_DEV.exists():
    ZH_DEV = Path("/work/shared/corpus/zh-dev")


def _row(n: int, **over) -> dict:
    from pipelines.store import story_row

    item = make_item(story_id=f"s{n}", url=f"http://www.chinadevelopment.com.cn/news/zj/2022/06/{n}.shtml", **over)
    item.update(post="---", content_hash=f"h{n}")
    return story_row(item)


def test_a_story_published_at_0730_china_time_is_on_its_china_day():
    store = Store.open(memory=True)
    store.insert_story(_row(1, published_at="2022-06-08T07:30:00+08:00", date_raw="2022-06-08 07:30"), None)
    store.insert_story(_row(2, published_at="2022-06-08T12:00:00+08:00", date_raw="2022-06-08 12:00:05"), None)
    row = store.db.execute(
        "SELECT published_at, published_utc, published_day, date_precision, date(published_at) FROM stories WHERE id = 's1'"
    ).fetchone()
    # date(published_at) is the UTC day: the trap the column avoids
    assert row == ("2022-06-08T07:30:00+08:00", "2022-06-07T23:30:00Z", "2022-06-08", "minute", "2022-06-07")
    per_day = list(store.db.query("SELECT * FROM stories_per_outlet_day"))
    assert per_day == [{"day": "2022-06-08", "source": "chinadevelopment", "outlet": "中国发展网", "stories": 2}]
    assert store.db.execute("SELECT date_precision FROM stories WHERE id = 's2'").fetchone()[0] == "second"
    first_seen, first_seen_day = store.db.execute("SELECT first_seen, first_seen_day FROM stories WHERE id = 's1'").fetchone()
    assert first_seen.endswith("+00:00") and first_seen_day == time_columns({"first_seen": first_seen})["first_seen_day"]


def test_a_date_only_page_keeps_its_precision():
    store = Store.open(memory=True)
    store.insert_story(_row(1, published_at="2022-06-08T00:00:00+08:00", date_raw="2022年6月8日"), None)
    store.insert_story(_row(2, published_at="1996-06-01T00:00:00+08:00", date_raw="1996年6月", date_precision="month"), None)
    got = dict(store.db.execute("SELECT id, date_precision FROM stories").fetchall())
    assert got == {"s1": "day", "s2": "month"}


@pytest.mark.parametrize(
    "raw, published_at, precision",
    [
        ("2022-06-08 11:39:20", "2022-06-08T11:39:20+08:00", "second"),
        ("2022年06月08日 11:39", "2022-06-08T11:39:00+08:00", "minute"),
        ("/2022/06/08/", "2022-06-08T00:00:00+08:00", "day"),
        ("June 8, 2022", "2022-06-08T00:00:00+08:00", "day"),
        ("1996年6月", "1996-06-01T00:00:00+08:00", "month"),
        (None, "2022-06-08T00:00:00+08:00", "day"),
        (None, "2022-06-08T11:39:00+08:00", "minute"),
        (None, None, None),
    ],
)
def test_precision_inferred_for_stories_stored_before_the_column(raw, published_at, precision):
    assert infer_precision(raw, published_at) == precision


def test_pandas_reads_both_utc_columns_as_utc():
    pd = pytest.importorskip("pandas")
    store = Store.open(memory=True)
    store.insert_story(_row(1, published_at="2022-06-08T07:30:00+08:00"), None)
    # a page that gave its own offset: published_at then mixes offsets, as in a real store
    store.insert_story(_row(2, published_at="2022-06-08T07:30:00+09:00") | {"content_hash": "h2b"}, None)
    frame = pd.read_sql("SELECT published_at, published_utc, first_seen FROM stories ORDER BY id", store.db.conn)
    # README's way: the *_utc column (or first_seen), parsed with utc=True
    utc = pd.to_datetime(frame["published_utc"], utc=True)
    seen = pd.to_datetime(frame["first_seen"], utc=True)
    assert str(utc.dt.tz) == str(seen.dt.tz) == "UTC"
    assert list(utc.dt.strftime("%Y-%m-%d %H:%M")) == ["2022-06-07 23:30", "2022-06-07 22:30"]
    # without utc=True the UTC columns still parse (one zone each) ...
    assert str(pd.to_datetime(frame["published_utc"]).dt.tz) == "UTC"
    assert pd.to_datetime(frame["first_seen"]).dt.tz is not None
    # ... while published_at, with its mixed offsets, needs utc=True — the trap README warns of
    with pytest.raises(ValueError):
        pd.to_datetime(frame["published_at"])
    assert list(pd.to_datetime(frame["published_at"], utc=True)) == list(utc)


def test_views_have_the_agreed_columns():
    store = Store.open(memory=True)
    expected = {
        "stories_per_outlet_day": ["day", "source", "outlet", "stories"],
        "latest_stories": ["id", "published_at", "published_day", "source", "outlet", "title", "url"],
        "run_summary": [
            "run_id", "source", "started_at", "finished_at", "status", "finish_reason", "failure_cause", "duration_s",
            "requests", "responses", "stored", "updated", "duplicates", "dropped", "errors",
        ],
        "drops_by_reason": ["source", "reason", "drops", "last_at"],
    }
    assert set(VIEWS) == set(expected)
    for view, columns in expected.items():
        assert [r[1] for r in store.db.execute(f"PRAGMA table_info({view})")] == columns


def test_run_summary_and_drops_by_reason():
    store = Store.open(memory=True)
    run = store.start_run("people")
    store.record_drop(run, "people", "http://a/1", "http_404", "")
    store.record_drop(run, "people", "http://a/2", "http_404", "")
    store.record_drop(run, "people", "http://a/3", "timeout", "")
    store.finish_run(run, {"status": "failed", "finish_reason": "finished", "failure_cause": "people.cn: timed out"})
    summary = next(store.db.query("SELECT * FROM run_summary"))
    assert (summary["source"], summary["status"], summary["failure_cause"]) == ("people", "failed", "people.cn: timed out")
    drops = list(store.db.query("SELECT source, reason, drops FROM drops_by_reason"))
    assert drops == [{"source": "people", "reason": "http_404", "drops": 2}, {"source": "people", "reason": "timeout", "drops": 1}]


# --- full-text search -------------------------------------------------------------------

def _like_ids(db, text: str) -> set[str]:
    pattern = fts.like_pattern(text)
    return {r[0] for r in db.execute(
        "SELECT id FROM stories WHERE title LIKE ? ESCAPE '\\' OR body_text LIKE ? ESCAPE '\\'", [pattern, pattern]
    )}


def _fts_ids(db, text: str) -> set[str]:
    return {r[0] for r in db.execute(
        "SELECT id FROM stories WHERE rowid IN (SELECT rowid FROM stories_fts WHERE stories_fts MATCH fts_query(?))", [text]
    )}


@pytest.fixture(scope="module")
def zh_dev_store():
    if not (ZH_DEV / "gold.jsonl").exists():
        pytest.skip(f"zh-dev corpus absent ({ZH_DEV})")
    store = Store.open(memory=True)
    gold = [json.loads(line) for line in (ZH_DEV / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(13)
    n = 0
    for page in gold:
        paragraphs = [p for p in (page.get("body") or "").split("\n") if p.strip()]
        if not paragraphs:
            continue
        # the page's body, and a few reshuffled stories made of its paragraphs (titles from a paragraph's head)
        for k in range(3):
            body = "\n".join(paragraphs if k == 0 else rng.sample(paragraphs, len(paragraphs)))
            title = rng.choice(paragraphs)[: rng.randint(4, 30)]
            n += 1
            store.insert_story(_row(n, title=title) | {"body_text": body, "body_html": body}, None)
    return store


QUERIES = [
    "的", "国", "经", "A",                         # 1 character
    "经济", "发展", "中国", "政府", "5G",          # 2
    "共产党", "北京市", "大学生",                  # 3
    "改革开放", "人民日报", "中华人民",            # 4
    "Running Man", "logistics",                     # English (case folded as LIKE folds it)
    "KBS2", "C2C模式", "，我",                    # mixed Chinese/Latin, punctuation
]


@pytest.mark.parametrize("query", QUERIES)
def test_fts_finds_exactly_the_rows_like_finds_on_zh_dev(zh_dev_store, query):
    db = zh_dev_store.db
    like = _like_ids(db, query)
    assert _fts_ids(db, query) == like
    if query in ("的", "经济", "发展", "Running Man", "logistics"):
        assert like, f"{query!r}: the corpus should hold it"


def test_fts_every_substring_of_a_body_is_found_where_like_finds_it(zh_dev_store):
    db = zh_dev_store.db
    bodies = [r[0] for r in db.execute("SELECT body_text FROM stories LIMIT 12")]
    rng = random.Random(5)
    for body in bodies:
        for _ in range(8):
            start = rng.randrange(max(1, len(body) - 6))
            query = body[start : start + rng.randint(1, 6)]
            if query:
                assert _fts_ids(db, query) == _like_ids(db, query), query


def test_fts_follows_an_updated_story():
    store = Store.open(memory=True)
    store.insert_story(_row(1, title="旧标题经济"), None)
    assert _fts_ids(store.db, "旧标题") == {"s1"}
    store.update_story("s1", _row(1, title="新标题发展") | {"content_hash": "h1b"}, None)
    assert _fts_ids(store.db, "旧标题") == set() and _fts_ids(store.db, "新标题发") == {"s1"}
    assert _fts_ids(store.db, "正文") == {"s1"}
    # the index is consistent (a contentless table told the wrong old values would not be)
    store.db.execute("INSERT INTO stories_fts(stories_fts, rank) VALUES ('integrity-check', 0)")


def test_fts_query_is_plain_fts5_syntax():
    assert fts.fts_query("经济") == '"经济"'
    assert fts.fts_query("经济发展") == '"经济 济发 发展"'
    assert fts.fts_query("经") == '"经" *'
    assert fts.fts_query("GDP") == '"gd dp"'
    with pytest.raises(ValueError):
        fts.fts_query("")
    # no character of the user's text can break out of the phrase
    assert fts.fts_query('a" OR "b').count('"') == 2


def test_bigram_text_is_its_definition():
    """bigram_text folds and pairs with numpy (issue 12): the text is the definition's —
    every adjacent pair of folded characters, then the last — for any mix of characters."""
    import random

    assert fts.bigram_text("经济发展") == "经济 济发 发展 展" and fts.bigram_text("A") == "a" and fts.bigram_text("") == ""
    alphabet = "aZ09 %\"_-\t\n\x00\x7f\x80é中文。，\u3000\U0001F600\U00020000\udc80"
    rng = random.Random(3)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        expected = fts.fold(text) if len(text) == 1 else fts._bigram_join(fts.fold(text))
        assert fts.bigram_text(text) == expected, repr(text)


def test_a_two_character_query_needs_no_function():
    """Datasette's default escaping ("经济") and plain SQL work for two characters."""
    store = Store.open(memory=True)
    store.insert_story(_row(1, title="中国经济"), None)
    conn = sqlite3.connect(":memory:")
    assert store.db.execute("SELECT rowid FROM stories_fts WHERE stories_fts MATCH '\"经济\"'").fetchall() == [(1,)]
    conn.close()


# --- migration of an existing store ---------------------------------------------------------

def test_an_existing_store_gets_the_columns_index_and_views(tmp_path):
    path = tmp_path / "schema3.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    conn.execute("UPDATE runs SET status = 'failed', stats = ? WHERE id = 1", [json.dumps({"source/failed": "x.cn: connection refused"})])
    conn.commit()
    old = conn.execute("SELECT id, published_at, title, body_text FROM stories").fetchall()
    conn.close()
    assert old
    store = Store.open(path)
    assert "m005_analyst_columns_fts_views" in store.applied_migrations()
    for story_id, published_at, title, body in old:
        row = store.story_by_id(story_id)
        assert row["published_utc"] and row["published_utc"].endswith("Z")
        assert row["published_day"] == published_at[:10] and row["date_precision"] and row["first_seen_day"]
        query = (title or body)[:3]
        assert story_id in _fts_ids(store.db, query) and _fts_ids(store.db, query) == _like_ids(store.db, query)
    indexes = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"idx_stories_published_day", "idx_stories_outlet", "idx_stories_first_seen", "idx_stories_source"} <= indexes
    assert store.db.execute("SELECT failure_cause FROM run_summary WHERE run_id = 1").fetchone()[0] == "x.cn: connection refused"
    plan = " ".join(str(r) for r in store.db.execute("EXPLAIN QUERY PLAN SELECT count(*) FROM stories WHERE published_day = '2022-06-08'"))
    assert "idx_stories_published_day" in plan
    store.close()


def test_refresh_derived_after_a_change_by_hand():
    store = Store.open(memory=True)
    store.insert_story(_row(1, title="中国经济"), None)
    store.db.execute("UPDATE stories SET published_at = '2022-06-09T01:00:00+08:00', title = '地方财政' WHERE id = 's1'")
    assert store.refresh_derived() == 1
    assert store.db.execute("SELECT published_day, published_utc FROM stories").fetchone() == ("2022-06-09", "2022-06-08T17:00:00Z")
    assert _fts_ids(store.db, "财政") == {"s1"} and _fts_ids(store.db, "经济") == set()
