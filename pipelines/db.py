"""The SQLite store: schema, migrations and the few writes the pipeline makes.

Opened through sqlite-utils, in WAL mode. Every write is one transaction
(a story and the URL it arrived from land together or not at all), retried
with tenacity while another process holds the database lock.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

logger = logging.getLogger(__name__)

STORY_COLUMNS = (
    "id", "url", "canonical_url", "source", "site", "outlet", "editor", "slug", "tag", "title",
    "published_at", "date_raw", "date_stage", "title_stage", "body_html", "body_text", "digest", "post",
    "content_hash", "extractor", "encoding", "first_seen", "last_seen",
)


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


retry_when_locked = retry(
    retry=retry_if_exception(_is_locked),
    stop=stop_after_attempt(10),
    wait=wait_exponential(multiplier=0.05, max=2.0),
    reraise=True,
)


def _migration_1(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            canonical_url TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            site TEXT,
            outlet TEXT,
            editor TEXT,
            slug TEXT NOT NULL,
            tag TEXT NOT NULL,
            title TEXT NOT NULL,
            published_at TEXT NOT NULL,
            date_raw TEXT,
            date_stage TEXT,
            body_html TEXT NOT NULL,
            body_text TEXT NOT NULL,
            digest TEXT,
            post TEXT NOT NULL,
            content_hash TEXT NOT NULL UNIQUE,
            extractor TEXT,
            encoding TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_stories_published_at ON stories(published_at)")
    db.execute("CREATE INDEX idx_stories_source ON stories(source)")
    db.execute(
        """
        CREATE TABLE story_urls (
            canonical_url TEXT NOT NULL,
            source TEXT NOT NULL,
            story_id TEXT NOT NULL REFERENCES stories(id),
            url TEXT NOT NULL,
            outlet TEXT,
            relation TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            first_run_id INTEGER,
            PRIMARY KEY (canonical_url, source)
        )
        """
    )
    db.execute("CREATE INDEX idx_story_urls_story ON story_urls(story_id)")
    db.execute(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            spider TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,
            finish_reason TEXT,
            requests INTEGER,
            responses INTEGER,
            stored INTEGER,
            updated INTEGER,
            duplicates INTEGER,
            dropped INTEGER,
            dropped_by_reason TEXT,
            errors INTEGER,
            stats TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE drops (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES runs(id),
            source TEXT,
            url TEXT,
            reason TEXT NOT NULL,
            detail TEXT,
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_drops_run ON drops(run_id)")


def _migration_2(db: sqlite_utils.Database) -> None:
    """Incremental crawling and health: HTTP validators, recorded changes, health flags."""
    db.execute(
        """
        CREATE TABLE http_validators (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            checked_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE story_changes (
            id INTEGER PRIMARY KEY,
            story_id TEXT NOT NULL REFERENCES stories(id),
            run_id INTEGER,
            changed_at TEXT NOT NULL,
            old_hash TEXT,
            new_hash TEXT,
            old_title TEXT,
            new_title TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE health_flags (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES runs(id),
            source TEXT NOT NULL,
            check_name TEXT NOT NULL,
            evidence TEXT NOT NULL,
            flagged_at TEXT NOT NULL
        )
        """
    )
    db.execute("ALTER TABLE runs ADD COLUMN health TEXT")
    db.execute("ALTER TABLE runs ADD COLUMN duration_s REAL")


def _migration_3(db: sqlite_utils.Database) -> None:
    """Where the title came from (site rule, metadata, generic, a feed's hint…)."""
    db.execute("ALTER TABLE stories ADD COLUMN title_stage TEXT")


MIGRATIONS = [_migration_1, _migration_2, _migration_3]


class Store:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    @classmethod
    def open(cls, path: str | Path | None = None, *, memory: bool = False) -> "Store":
        if memory:
            db = sqlite_utils.Database(memory=True)
        else:
            path = Path(path or "data/stories.sqlite")
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite_utils.Database(sqlite3.connect(str(path), timeout=30, check_same_thread=False))
            db.execute("PRAGMA busy_timeout = 30000")
            db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
        store = cls(db)
        store.migrate()
        return store

    # --- schema ---------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    @retry_when_locked
    def migrate(self) -> None:
        version = self.schema_version
        for number, migration in enumerate(MIGRATIONS, start=1):
            if number <= version:
                continue
            with self.transaction():
                migration(self.db)
                self.db.execute(f"PRAGMA user_version = {number}")
            logger.info("store migrated to schema version %d", number)

    @contextmanager
    def transaction(self):
        conn = self.db.conn
        if conn.in_transaction:
            conn.commit()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()

    def close(self) -> None:
        self.db.conn.close()

    # --- reads ----------------------------------------------------------------
    def story_by_canonical_url(self, canonical_url: str) -> dict | None:
        """The story stored under this URL, or the story it arrived as a copy of."""
        return self.story_by_own_url(canonical_url) or self.story_arrived_from(canonical_url)

    def story_by_own_url(self, canonical_url: str) -> dict | None:
        rows = list(self.db.query("SELECT * FROM stories WHERE canonical_url = ?", [canonical_url]))
        return rows[0] if rows else None

    def story_arrived_from(self, canonical_url: str) -> dict | None:
        rows = list(
            self.db.query(
                "SELECT s.* FROM story_urls u JOIN stories s ON s.id = u.story_id WHERE u.canonical_url = ? LIMIT 1",
                [canonical_url],
            )
        )
        return rows[0] if rows else None

    def story_by_hash(self, content_hash: str) -> dict | None:
        rows = list(self.db.query("SELECT * FROM stories WHERE content_hash = ?", [content_hash]))
        return rows[0] if rows else None

    def story_by_id(self, story_id: str) -> dict | None:
        rows = list(self.db.query("SELECT * FROM stories WHERE id = ?", [story_id]))
        return rows[0] if rows else None

    def known_url(self, canonical_url: str) -> bool:
        """True when a story already arrived from this canonical URL."""
        row = self.db.execute(
            "SELECT 1 FROM stories WHERE canonical_url = ? UNION ALL SELECT 1 FROM story_urls WHERE canonical_url = ? LIMIT 1",
            [canonical_url, canonical_url],
        ).fetchone()
        return row is not None

    def story_published_at(self, canonical_url: str) -> str | None:
        story = self.story_by_canonical_url(canonical_url)
        return story["published_at"] if story else None

    def validators(self, url: str) -> dict | None:
        rows = list(self.db.query("SELECT etag, last_modified, checked_at FROM http_validators WHERE url = ?", [url]))
        return rows[0] if rows else None

    @retry_when_locked
    def save_validators(self, items: dict[str, tuple[str | None, str | None]]) -> None:
        now = utcnow()
        with self.transaction() as conn:
            for url, (etag, last_modified) in items.items():
                conn.execute(
                    """INSERT INTO http_validators (url, etag, last_modified, checked_at) VALUES (?, ?, ?, ?)
                       ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                       checked_at = excluded.checked_at""",
                    [url, etag, last_modified, now],
                )

    # --- writes ---------------------------------------------------------------
    @retry_when_locked
    def insert_story(self, row: dict, run_id: int | None) -> None:
        now = utcnow()
        values = {c: row.get(c) for c in STORY_COLUMNS}
        values["first_seen"] = values["last_seen"] = now
        with self.transaction() as conn:
            conn.execute(
                f"INSERT INTO stories ({', '.join(STORY_COLUMNS)}) VALUES ({', '.join('?' * len(STORY_COLUMNS))})",
                [values[c] for c in STORY_COLUMNS],
            )
            self._upsert_url(conn, row["id"], row, "original", run_id, now)

    @retry_when_locked
    def update_story(self, story_id: str, row: dict, run_id: int | None) -> None:
        """The same page with new content: the story row takes the new content,
        and the change is recorded in ``story_changes``."""
        now = utcnow()
        changing = [c for c in STORY_COLUMNS if c not in ("id", "first_seen", "last_seen", "canonical_url")]
        old = self.story_by_id(story_id) or {}
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO story_changes (story_id, run_id, changed_at, old_hash, new_hash, old_title, new_title) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [story_id, run_id, now, old.get("content_hash"), row.get("content_hash"), old.get("title"), row.get("title")],
            )
            conn.execute(
                f"UPDATE stories SET {', '.join(f'{c} = ?' for c in changing)}, last_seen = ? WHERE id = ?",
                [row.get(c) for c in changing] + [now, story_id],
            )
            self._upsert_url(conn, story_id, row, "original", run_id, now)

    @retry_when_locked
    def record_arrival(self, story_id: str, row: dict, relation: str, run_id: int | None) -> None:
        """A further URL/source a known story arrived from (or the same one again)."""
        now = utcnow()
        with self.transaction() as conn:
            conn.execute("UPDATE stories SET last_seen = ? WHERE id = ?", [now, story_id])
            self._upsert_url(conn, story_id, row, relation, run_id, now)

    @staticmethod
    def _upsert_url(conn, story_id: str, row: dict, relation: str, run_id: int | None, now: str) -> None:
        conn.execute(
            """
            INSERT INTO story_urls (canonical_url, source, story_id, url, outlet, relation, first_seen, last_seen, first_run_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (canonical_url, source) DO UPDATE SET last_seen = excluded.last_seen
            """,
            [row["canonical_url"], row["source"], story_id, row["url"], row.get("outlet"), relation, now, now, run_id],
        )

    @retry_when_locked
    def start_run(self, spider: str) -> int:
        with self.transaction() as conn:
            # a run of this spider still marked running did not end cleanly
            conn.execute("UPDATE runs SET status = 'interrupted' WHERE spider = ? AND status = 'running'", [spider])
            cur = conn.execute("INSERT INTO runs (spider, started_at, status) VALUES (?, ?, 'running')", [spider, utcnow()])
            return cur.lastrowid

    def run_history(self, spider: str, before_run_id: int, limit: int = 30) -> list[dict]:
        """Earlier completed runs of ``spider``, oldest first, stats decoded."""
        rows = list(
            self.db.query(
                "SELECT * FROM runs WHERE spider = ? AND id < ? AND status IN ('finished', 'failed') ORDER BY id DESC LIMIT ?",
                [spider, before_run_id, limit],
            )
        )
        for row in rows:
            row["stats"] = json.loads(row["stats"] or "{}")
        return rows[::-1]

    def run_started_at(self, run_id: int) -> str | None:
        row = self.db.execute("SELECT started_at FROM runs WHERE id = ?", [run_id]).fetchone()
        return row[0] if row else None

    @retry_when_locked
    def record_health_flags(self, run_id: int, source: str, flags) -> None:
        now = utcnow()
        with self.transaction() as conn:
            for flag in flags:
                conn.execute(
                    "INSERT INTO health_flags (run_id, source, check_name, evidence, flagged_at) VALUES (?, ?, ?, ?, ?)",
                    [run_id, source, flag.check, json.dumps({"message": flag.message, **flag.evidence}, ensure_ascii=False), now],
                )

    def previous_run_status(self, spider: str, before_run_id: int) -> str | None:
        row = self.db.execute(
            "SELECT status FROM runs WHERE spider = ? AND id < ? ORDER BY id DESC LIMIT 1", [spider, before_run_id]
        ).fetchone()
        return row[0] if row else None

    @retry_when_locked
    def finish_run(self, run_id: int, fields: dict) -> None:
        fields = dict(fields)
        for key in ("dropped_by_reason", "stats", "health"):
            if key in fields and not isinstance(fields[key], str):
                fields[key] = json.dumps(fields[key], ensure_ascii=False, sort_keys=True, default=str)
        fields.setdefault("finished_at", utcnow())
        with self.transaction() as conn:
            conn.execute(
                f"UPDATE runs SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?",
                list(fields.values()) + [run_id],
            )

    @retry_when_locked
    def record_drop(self, run_id: int | None, source: str, url: str | None, reason: str, detail: str | None) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO drops (run_id, source, url, reason, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, source, url, reason, (detail or "")[:2000], utcnow()],
            )


def store_problem(path: str | Path | None) -> str | None:
    """Why the store at ``path`` cannot be opened for writing, or None."""
    try:
        store = Store.open(path)
    except (sqlite3.Error, OSError) as exc:
        return f"cannot open the store {path}: {type(exc).__name__}: {exc}"
    store.close()
    return None


class RunContext:
    """The store and the current run row, shared by a crawler's components."""

    def __init__(self, store: Store, spider_name: str):
        self.store = store
        self.spider_name = spider_name
        self._run_id: int | None = None
        self.catch_up = False

    @property
    def run_id(self) -> int:
        if self._run_id is None:
            self._run_id = self.store.start_run(self.spider_name)
            # after an interrupted run, listings are walked in full once: what
            # the broken run stored says nothing about older pages it never reached
            self.catch_up = self.store.previous_run_status(self.spider_name, self._run_id) == "interrupted"
        return self._run_id


class StoreComponent:
    """Base of the Scrapy components that work with the run's store."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def run(self) -> "RunContext":
        return get_run_context(self.crawler)


def get_run_context(crawler) -> RunContext:
    """One RunContext per crawler, opened on first use (pipelines and
    extensions all reach the same store and run through this)."""
    ctx = getattr(crawler, "_syndication_run", None)
    if ctx is None:
        path = crawler.settings.get("STORE_PATH")
        ctx = RunContext(Store.open(path), crawler.spidercls.name)
        crawler._syndication_run = ctx
    return ctx
