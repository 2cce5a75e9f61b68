"""Data access: the reads and the few writes the crawl makes.

Every write is one ``db.atomic()`` block (a story and the URL it arrived
from land together or not at all; nested in a caller's transaction it is a
savepoint), retried with tenacity while another process holds the lock.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils
from sqlite_utils.db import NotFoundError

from .. import syndication
from . import schema
from .connection import connect, retry_when_locked, utcnow

STORY_COLUMNS = (
    "id", "url", "canonical_url", "source", "site", "outlet", "editor", "slug", "tag", "title",
    "published_at", "date_raw", "date_stage", "title_stage", "body_html", "body_text", "digest", "post",
    "content_hash", "extractor", "encoding", "first_seen", "last_seen",
)


# The columns crawler.syndication reads of a story (its own _Store reads the same ones
# when it rebuilds): the incremental path passes exactly these, so a rebuild replays it.
MATCHING_COLUMNS = ("id", "title", "body_text", "published_at", "first_seen", "outlet")


def _first(rows) -> dict | None:
    return next(iter(rows), None)


class Store:
    def __init__(self, db: sqlite_utils.Database, syndication_config: syndication.Config | None = None):
        self.db = db
        # thresholds of near-duplicate matching (SYNDICATION_* settings)
        self.syndication_config = syndication_config or syndication.Config()

    @classmethod
    def open(cls, path: str | Path | None = None, *, memory: bool = False,
             syndication_config: syndication.Config | None = None) -> "Store":
        """Open (creating if needed) and migrate the store at ``path``."""
        db = connect(path, memory=memory)
        schema.migrate(db)
        return cls(db, syndication_config)

    def applied_migrations(self) -> list[str]:
        return schema.applied(self.db)

    def close(self) -> None:
        self.db.close()

    # --- reads ----------------------------------------------------------------
    def story_by_canonical_url(self, canonical_url: str) -> dict | None:
        """The story stored under this URL, or the story it arrived as a copy of."""
        return self.story_by_own_url(canonical_url) or self.story_arrived_from(canonical_url)

    def story_by_own_url(self, canonical_url: str) -> dict | None:
        return _first(self.db["stories"].rows_where("canonical_url = ?", [canonical_url], limit=1))

    def story_arrived_from(self, canonical_url: str) -> dict | None:
        return _first(
            self.db.query(
                "SELECT s.* FROM story_urls u JOIN stories s ON s.id = u.story_id WHERE u.canonical_url = ? LIMIT 1",
                [canonical_url],
            )
        )

    def story_by_hash(self, content_hash: str) -> dict | None:
        return _first(self.db["stories"].rows_where("content_hash = ?", [content_hash], limit=1))

    def story_by_id(self, story_id: str) -> dict | None:
        try:
            return self.db["stories"].get(story_id)
        except NotFoundError:
            return None

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
        return _first(self.db["http_validators"].rows_where("url = ?", [url], select="etag, last_modified, checked_at"))

    def run_row(self, run_id: int) -> dict | None:
        """The ``runs`` row, its JSON columns as stored (text)."""
        try:
            return self.db["runs"].get(run_id)
        except NotFoundError:
            return None

    def run_started_at(self, run_id: int) -> str | None:
        row = self.run_row(run_id)
        return row["started_at"] if row else None

    def run_history(self, spider: str, before_run_id: int, limit: int = 30) -> list[dict]:
        """Earlier completed runs of ``spider``, oldest first, stats decoded."""
        rows = list(
            self.db["runs"].rows_where(
                "spider = ? AND id < ? AND status IN ('finished', 'failed')",
                [spider, before_run_id],
                order_by="id DESC",
                limit=limit,
            )
        )
        for row in rows:
            row["stats"] = json.loads(row["stats"] or "{}")
        return rows[::-1]

    def previous_run_status(self, spider: str, before_run_id: int) -> str | None:
        row = _first(
            self.db["runs"].rows_where("spider = ? AND id < ?", [spider, before_run_id], order_by="id DESC", select="status", limit=1)
        )
        return row["status"] if row else None

    # --- writes ---------------------------------------------------------------
    @retry_when_locked
    def save_validators(self, items: dict[str, tuple[str | None, str | None]]) -> None:
        now = utcnow()
        with self.db.atomic() as db:
            for url, (etag, last_modified) in items.items():
                db.execute(
                    """INSERT INTO http_validators (url, etag, last_modified, checked_at) VALUES (?, ?, ?, ?)
                       ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                       checked_at = excluded.checked_at""",
                    [url, etag, last_modified, now],
                )

    @retry_when_locked
    def insert_story(self, row: dict, run_id: int | None) -> syndication.Assignment:
        """Store a new story and put it in its syndication cluster, in one
        transaction (a story is never stored without a cluster_id)."""
        now = utcnow()
        values = {c: row.get(c) for c in STORY_COLUMNS}
        values["first_seen"] = values["last_seen"] = now
        with self.db.atomic() as db:
            db.execute(
                f"INSERT INTO stories ({', '.join(STORY_COLUMNS)}) VALUES ({', '.join('?' * len(STORY_COLUMNS))})",
                [values[c] for c in STORY_COLUMNS],
            )
            self._upsert_url(db, row["id"], row, "original", run_id, now)
            return syndication.assign(db, {c: values[c] for c in MATCHING_COLUMNS}, self.syndication_config)

    @retry_when_locked
    def update_story(self, story_id: str, row: dict, run_id: int | None) -> syndication.Assignment:
        """The same page with new content: the story row takes the new content,
        the change is recorded in ``story_changes``, and the story is matched
        again (it may join or merge clusters; a cluster is never split — run
        ``scrapy clusters --rebuild`` after mass changes)."""
        now = utcnow()
        changing = [c for c in STORY_COLUMNS if c not in ("id", "first_seen", "last_seen", "canonical_url")]
        old = self.story_by_id(story_id) or {}
        with self.db.atomic() as db:
            db.execute(
                "INSERT INTO story_changes (story_id, run_id, changed_at, old_hash, new_hash, old_title, new_title) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [story_id, run_id, now, old.get("content_hash"), row.get("content_hash"), old.get("title"), row.get("title")],
            )
            db.execute(
                f"UPDATE stories SET {', '.join(f'{c} = ?' for c in changing)}, last_seen = ? WHERE id = ?",
                [row.get(c) for c in changing] + [now, story_id],
            )
            self._upsert_url(db, story_id, row, "original", run_id, now)
            story = dict(zip(MATCHING_COLUMNS, db.execute(
                f"SELECT {', '.join(MATCHING_COLUMNS)} FROM stories WHERE id = ?", [story_id]).fetchone()))
            return syndication.assign(db, story, self.syndication_config)

    @retry_when_locked
    def record_arrival(self, story_id: str, row: dict, relation: str, run_id: int | None) -> None:
        """A further URL/source a known story arrived from (or the same one again)."""
        now = utcnow()
        with self.db.atomic() as db:
            db.execute("UPDATE stories SET last_seen = ? WHERE id = ?", [now, story_id])
            self._upsert_url(db, story_id, row, relation, run_id, now)

    @staticmethod
    def _upsert_url(db: sqlite_utils.Database, story_id: str, row: dict, relation: str, run_id: int | None, now: str) -> None:
        db.execute(
            """
            INSERT INTO story_urls (canonical_url, source, story_id, url, outlet, relation, first_seen, last_seen, first_run_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (canonical_url, source) DO UPDATE SET last_seen = excluded.last_seen
            """,
            [row["canonical_url"], row["source"], story_id, row["url"], row.get("outlet"), relation, now, now, run_id],
        )

    @retry_when_locked
    def start_run(self, spider: str) -> int:
        with self.db.atomic() as db:
            # a run of this spider still marked running did not end cleanly
            db.execute("UPDATE runs SET status = 'interrupted' WHERE spider = ? AND status = 'running'", [spider])
            return db.execute("INSERT INTO runs (spider, started_at, status) VALUES (?, ?, 'running')", [spider, utcnow()]).lastrowid

    @retry_when_locked
    def record_health_flags(self, run_id: int, source: str, flags) -> None:
        now = utcnow()
        with self.db.atomic() as db:
            for flag in flags:
                db.execute(
                    "INSERT INTO health_flags (run_id, source, check_name, evidence, flagged_at) VALUES (?, ?, ?, ?, ?)",
                    [run_id, source, flag.check, json.dumps({"message": flag.message, **flag.evidence}, ensure_ascii=False), now],
                )

    @retry_when_locked
    def finish_run(self, run_id: int, fields: dict) -> None:
        fields = dict(fields)
        for key in ("dropped_by_reason", "stats", "health"):
            if key in fields and not isinstance(fields[key], str):
                fields[key] = json.dumps(fields[key], ensure_ascii=False, sort_keys=True, default=str)
        fields.setdefault("finished_at", utcnow())
        with self.db.atomic() as db:
            db.execute(
                f"UPDATE runs SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?",
                list(fields.values()) + [run_id],
            )

    @retry_when_locked
    def record_drop(self, run_id: int | None, source: str, url: str | None, reason: str, detail: str | None) -> None:
        with self.db.atomic() as db:
            db.execute(
                "INSERT INTO drops (run_id, source, url, reason, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, source, url, reason, (detail or "")[:2000], utcnow()],
            )


def store_problem(path: str | Path | None) -> str | None:
    """Why the store at ``path`` cannot be opened for writing, or None
    (commands check this before starting a crawl)."""
    try:
        store = Store.open(path)
    except (sqlite3.Error, OSError) as exc:
        return f"cannot open the store {path}: {type(exc).__name__}: {exc}"
    store.close()
    return None
