"""Data access: the reads and the few writes the crawl makes.

Every write is one ``db.atomic()`` block (a story and the URL it arrived
from land together or not at all; nested in a caller's transaction it is a
savepoint), retried with tenacity while another process holds the lock.
"""

from __future__ import annotations

import json
import sqlite3
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils
from sqlite_utils.db import NotFoundError, Table

from .. import syndication
from ..drops import outcome_kind, retry_delay_hours
from ..urls import canonicalize
from . import fts, schema
from .connection import connect, retry_when_locked, utcnow
from .times import time_columns

STORY_COLUMNS = (
    "id", "url", "canonical_url", "source", "site", "outlet", "editor", "slug", "tag", "title",
    "published_at", "date_raw", "date_stage", "date_precision", "title_stage", "body_html", "body_text", "digest",
    "post", "content_hash", "extractor", "encoding", "first_seen", "last_seen",
)
# derived from the columns above on every write (crawler/store/times.py)
DERIVED_COLUMNS = ("published_utc", "published_day", "first_seen_day")


# The columns crawler.syndication reads of a story (its own _Store reads the same ones
# when it rebuilds): the incremental path passes exactly these, so a rebuild replays it.
MATCHING_COLUMNS = ("id", "title", "body_text", "published_at", "first_seen", "outlet")


def _first(rows) -> dict | None:
    return next(iter(rows), None)


def _select(columns: tuple[str, ...]) -> str:
    """The select list of ``stories s``: every column, or these (names of STORY_COLUMNS)."""
    unknown = [c for c in columns if c not in STORY_COLUMNS]
    if unknown:
        raise ValueError(f"not columns of stories: {unknown}")
    return ", ".join(f"s.{c}" for c in columns) if columns else "s.*"


def _inserted_rowid(cursor: sqlite3.Cursor) -> int:
    # sqlite3 sets lastrowid after every successful INSERT; None would mean the statement inserted nothing
    if cursor.lastrowid is None:
        raise RuntimeError("an INSERT set no rowid")
    return cursor.lastrowid


def _canonical(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return canonicalize(url)
    except ValueError:
        return url


# the columns an update rewrites (identity, first sighting and canonical URL stay)
CHANGING_COLUMNS = tuple(c for c in STORY_COLUMNS if c not in ("id", "first_seen", "last_seen", "canonical_url"))


def new_story_values(row: dict, now: str) -> dict:
    """Pure: every stories column of a new story (STORY_COLUMNS, then DERIVED_COLUMNS),
    first and last seen ``now``."""
    values = {c: row.get(c) for c in STORY_COLUMNS}
    values["first_seen"] = values["last_seen"] = now
    values.update(time_columns(values))
    return values


def changed_story_values(row: dict) -> dict:
    """Pure: the columns an update of a story with new content writes, in order —
    CHANGING_COLUMNS, then the derived publication columns (``first_seen_day`` stays)."""
    values = {c: row.get(c) for c in CHANGING_COLUMNS}
    derived = time_columns(values)
    values.update(date_precision=derived["date_precision"], published_utc=derived["published_utc"],
                  published_day=derived["published_day"])
    return values


# the Stores of this process holding a batch open (see Store.begin_batch)
_open_batches: weakref.WeakSet[Store] = weakref.WeakSet()


class Store:
    # the retry-later schedule of transient failures and undated stories
    # (RETRY_LATER_BASE_HOURS, RETRY_LATER_MAX_ATTEMPTS; set per crawl by get_run_context)
    retry_base_hours: float = 1.0
    retry_max_attempts: int = 5

    def __init__(self, db: sqlite_utils.Database, syndication_config: syndication.Config | None = None):
        self.db = db
        # sqlite-utils Table objects, made once: ``db[name]`` asks sqlite_master whether the
        # name is a view every time, which after a write makes SQLite read its schema again
        # (about 0.2 ms; issue 12)
        self._tables: dict[str, Table] = {}
        self._batch_started: float | None = None
        self.batch_writes = 0          # story writes in the open batch
        # a commit another Store forced that failed: the error and the story writes it lost
        self.failed_batch: tuple[sqlite3.Error, int] | None = None
        # thresholds of near-duplicate matching (SYNDICATION_* settings)
        self.syndication_config = syndication_config or syndication.Config()

    @classmethod
    def open(cls, path: str | Path | None = None, *, memory: bool = False,
             syndication_config: syndication.Config | None = None) -> Store:
        """Open (creating if needed) and migrate the store at ``path``."""
        db = connect(path, memory=memory)
        fts.register(db.conn)
        schema.migrate(db)
        return cls(db, syndication_config)

    # --- batches: many story writes in one transaction (STORE_BATCH_SIZE / STORE_BATCH_MS) ---
    # While a batch is open every write method of this Store joins it (sqlite-utils
    # ``atomic`` nests as a savepoint): stories, their arrivals, drops, outcomes and
    # validators commit together or not at all, so nothing that vouches for a story
    # (a known URL, a listing's validators) is ever committed ahead of it. Nothing but
    # commit_batch()/rollback_batch() ends it. Another Store of this process (crawlall
    # runs one per source, each its own connection) commits this batch before it writes
    # or dedupes: one connection's open write transaction would otherwise hold the
    # other's writes (on the same thread) until SQLite's busy timeout.
    @property
    def in_batch(self) -> bool:
        return self._batch_started is not None

    @property
    def batch_age_ms(self) -> float:
        return 0.0 if self._batch_started is None else (time.monotonic() - self._batch_started) * 1000

    @retry_when_locked
    def begin_batch(self) -> None:
        """Open a batch (``BEGIN IMMEDIATE``: the write lock is taken now, waited for
        while another process holds it); nothing when one is open."""
        if self.in_batch:
            return
        self.flush_other_batches()
        self.db.execute("BEGIN IMMEDIATE")
        self._batch_started = time.monotonic()
        self.batch_writes = 0
        _open_batches.add(self)

    def commit_batch(self) -> int:
        """Commit the open batch; the number of story writes it held (0: none open). On a
        failure (disk full) the batch is rolled back and the error raised: every story in
        it is lost, and the caller must say so (the next run fetches them again)."""
        if not self.in_batch:
            return 0
        written = self.batch_writes
        try:
            self.db.execute("COMMIT")
        except BaseException:
            self.rollback_batch()
            raise
        self._end_batch()
        return written

    def rollback_batch(self) -> None:
        if self.in_batch:
            try:
                if self.db.conn.in_transaction:
                    self.db.conn.execute("ROLLBACK")
            finally:
                self._end_batch()

    def _end_batch(self) -> None:
        self._batch_started = None
        self.batch_writes = 0
        _open_batches.discard(self)

    def flush_other_batches(self) -> None:
        """Commit the batches other Stores of this process hold open (see above). A commit
        that fails is kept on that Store (``failed_batch``: the error and how many story
        writes it lost, counted before the rollback) for its owner to report."""
        for other in list(_open_batches):
            if other is not self:
                writes = other.batch_writes
                try:
                    other.commit_batch()
                except sqlite3.Error as exc:
                    earlier = other.failed_batch[1] if other.failed_batch else 0
                    other.failed_batch = (exc, earlier + writes)

    @contextmanager
    def _writing(self) -> Iterator[sqlite_utils.Database]:
        """Every write: first commit the batches other Stores of this process hold open
        (else this write waits on them until the busy timeout), then one atomic step
        (a savepoint inside this Store's own open batch)."""
        self.flush_other_batches()
        with self.db.atomic() as db:
            yield db

    def applied_migrations(self) -> list[str]:
        return schema.applied(self.db)

    def close(self) -> None:
        # a batch still open is committed, not dropped: what it holds was written in order
        try:
            self.commit_batch()
        finally:
            self.db.close()

    # --- reads ----------------------------------------------------------------
    def _table(self, name: str) -> Table:
        """A table of the schema (schema.py: none is a view), its Table object made once.
        The lookups a crawl makes for every page are plain queries instead: ``rows_where``
        also asks sqlite_master whether the table exists, each time."""
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = self.db.table(name)
        return table

    def story_by_canonical_url(self, canonical_url: str) -> dict | None:
        """The story stored under this URL, or the story it arrived as a copy of."""
        return self.story_by_own_url(canonical_url) or self.story_arrived_from(canonical_url)

    def _story_where(self, column: str, value: str, columns: tuple[str, ...]) -> dict | None:
        """The first story whose ``column`` is ``value``: its row, or only ``columns`` of it
        (the dedupe pipeline reads three columns of the story a page copies, not its body
        and post: 15 instead of 68 µs a page)."""
        return _first(self.db.query(f"SELECT {_select(columns)} FROM stories s WHERE {column} = ? LIMIT 1", [value]))

    def story_by_own_url(self, canonical_url: str, columns: tuple[str, ...] = ()) -> dict | None:
        """The story stored under this canonical URL (``_story_where``)."""
        return self._story_where("canonical_url", canonical_url, columns)

    def story_arrived_from(self, canonical_url: str, columns: tuple[str, ...] = ()) -> dict | None:
        return _first(
            self.db.query(
                f"SELECT {_select(columns)} FROM story_urls u JOIN stories s ON s.id = u.story_id WHERE u.canonical_url = ? LIMIT 1",
                [canonical_url],
            )
        )

    def story_by_hash(self, content_hash: str, columns: tuple[str, ...] = ()) -> dict | None:
        return self._story_where("content_hash", content_hash, columns)

    def has_content_hash(self, content_hash: str) -> bool:
        """A story with this text is stored (or in the open batch)."""
        return self.db.execute("SELECT 1 FROM stories WHERE content_hash = ? LIMIT 1", [content_hash]).fetchone() is not None

    def story_by_id(self, story_id: str, columns: tuple[str, ...] = ()) -> dict | None:
        """The story's row (sqlite-utils' ``get``), or only ``columns`` of it: a plain query,
        as ``get`` reads the table's primary key (a PRAGMA) at each call: 105 µs for an id
        not stored, which the dedupe pipeline asks about for every new page."""
        if columns:
            return self._story_where("id", story_id, columns)
        try:
            return self._table("stories").get(story_id)
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

    def settled_url(self, canonical_url: str) -> bool:
        """Known as a story, or remembered as a permanent drop: nothing new to
        expect there (what list pagination counts as known)."""
        if self.known_url(canonical_url):
            return True
        outcome = self.url_outcome(canonical_url)
        return outcome is not None and outcome["kind"] == "permanent"

    def url_outcome(self, canonical_url: str) -> dict | None:
        """The remembered outcome of an article URL (``url_outcomes`` row), or None."""
        return _first(self.db.query("SELECT * FROM url_outcomes WHERE canonical_url = ? LIMIT 1", [canonical_url]))

    def waiting_count(self, source: str | None = None) -> int:
        """Transient failures waiting for a later run (not given up)."""
        sql = "SELECT count(*) FROM url_outcomes WHERE kind = 'transient' AND gave_up = 0"
        params = []
        if source is not None:
            sql += " AND source = ?"
            params.append(source)
        return self.db.execute(sql, params).fetchone()[0]

    def validators(self, url: str) -> dict | None:
        return _first(self.db.query("SELECT etag, last_modified, checked_at FROM http_validators WHERE url = ?", [url]))

    def run_row(self, run_id: int) -> dict | None:
        """The ``runs`` row, its JSON columns as stored (text)."""
        try:
            return self._table("runs").get(run_id)
        except NotFoundError:
            return None

    def run_started_at(self, run_id: int) -> str | None:
        row = self.run_row(run_id)
        return row["started_at"] if row else None

    def run_history(self, spider: str, before_run_id: int, limit: int = 30) -> list[dict]:
        """Earlier completed runs of ``spider`` (and runs that ended at their time
        budget: a source behind a long crawl delay may never end otherwise), oldest
        first, stats decoded."""
        rows = list(
            self._table("runs").rows_where(
                "spider = ? AND id < ? AND (status IN ('finished', 'failed') OR finish_reason = 'closespider_timeout')",
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
            self._table("runs").rows_where("spider = ? AND id < ?", [spider, before_run_id], order_by="id DESC", select="status", limit=1)
        )
        return row["status"] if row else None

    def needs_catch_up(self, spider: str, before_run_id: int) -> bool:
        """A run of ``spider`` since its last clean one stopped early or failed:
        what it left unread must be looked for again (until a run ends cleanly)."""
        row = _first(
            self.db.query(
                """SELECT count(*) AS n FROM runs WHERE spider = ? AND id < ? AND status IN ('interrupted', 'failed')
                   AND id > coalesce((SELECT max(id) FROM runs WHERE spider = ? AND id < ? AND status = 'finished'), 0)""",
                [spider, before_run_id, spider, before_run_id],
            )
        )
        return bool(row and row["n"])

    # --- writes ---------------------------------------------------------------
    @retry_when_locked
    def save_validators(self, items: dict[str, tuple[str | None, str | None]]) -> None:
        now = utcnow()
        with self._writing() as db:
            for url, (etag, last_modified) in items.items():
                db.execute(
                    """INSERT INTO http_validators (url, etag, last_modified, checked_at) VALUES (?, ?, ?, ?)
                       ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                       checked_at = excluded.checked_at""",
                    [url, etag, last_modified, now],
                )

    @retry_when_locked
    def insert_story(self, row: dict, run_id: int | None, *,
                     fingerprint: syndication.Fingerprint | None = None) -> syndication.Assignment:
        """Store a new story and put it in its syndication cluster, in one
        transaction (a story is never stored without a cluster_id). ``fingerprint``:
        ``syndication.fingerprint`` of the row's title and body text, computed
        elsewhere (see ``syndication.assign``)."""
        now = utcnow()
        values = new_story_values(row, now)
        columns = STORY_COLUMNS + DERIVED_COLUMNS
        with self._writing() as db:
            rowid = _inserted_rowid(db.execute(
                f"INSERT INTO stories ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                [values[c] for c in columns],
            ))
            assignment = self._write_story_step(db, row["id"], rowid, None, row, run_id, now, fingerprint)
        if self.in_batch:
            self.batch_writes += 1
        return assignment

    @retry_when_locked
    def update_story(self, story_id: str, row: dict, run_id: int | None, *,
                     fingerprint: syndication.Fingerprint | None = None) -> syndication.Assignment:
        """The same page with new content: the story row takes the new content,
        the change is recorded in ``story_changes``, and the story is matched
        again (it may join or merge clusters; a cluster is never split — run
        ``scrapy clusters --rebuild`` after mass changes)."""
        now = utcnow()
        values = changed_story_values(row)
        with self._writing() as db:
            # the story as it is now, read inside the transaction: a contentless search
            # index is told exactly the values it holds
            found = db.execute("SELECT rowid, title, body_text, content_hash, canonical_url FROM stories WHERE id = ?",
                               [story_id]).fetchone()
            if found is None:
                raise KeyError(f"no stored story {story_id!r} to update")
            rowid, old_title, old_body, old_hash, old_canonical = found
            db.execute(
                "INSERT INTO story_changes (story_id, run_id, changed_at, old_hash, new_hash, old_title, new_title) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [story_id, run_id, now, old_hash, row.get("content_hash"), old_title, row.get("title")],
            )
            db.execute(
                f"UPDATE stories SET {', '.join(f'{c} = ?' for c in values)}, last_seen = ? WHERE id = ?",
                [*values.values(), now, story_id],
            )
            if row.get("published_at") and old_canonical and old_canonical != row["canonical_url"]:
                # an undated story taken over by a dated page of the same text: its date is found
                db.execute("DELETE FROM url_outcomes WHERE canonical_url = ?", [old_canonical])
            assignment = self._write_story_step(db, story_id, rowid, (old_title, old_body), row, run_id, now, fingerprint)
        if self.in_batch:
            self.batch_writes += 1
        return assignment

    def _write_story_step(self, db: sqlite_utils.Database, story_id: str, rowid: int, indexed: tuple[str | None, str | None] | None,
                          row: dict, run_id: int | None, now: str,
                          fingerprint: syndication.Fingerprint | None = None) -> syndication.Assignment:
        """What every story write does after its row is written, in the same transaction:
        the search index (``indexed``: the title and body it held before, None for a new
        story), the URL it arrived from, its settled outcome and its syndication cluster.
        The cluster is assigned from the row as stored, read back — exactly what
        ``syndication.rebuild`` reads, so a rebuild replays the crawl; a ``fingerprint``
        counts only when it is of that row's title and body text."""
        if indexed is not None:
            fts.unindex_story(db, rowid, *indexed)
        fts.index_story(db, rowid, row.get("title"), row.get("body_text"))
        self._upsert_url(db, story_id, row, "original", run_id, now)
        self._settle_stored(db, row, now)
        story = dict(zip(MATCHING_COLUMNS, db.execute(
            f"SELECT {', '.join(MATCHING_COLUMNS)} FROM stories WHERE rowid = ?", [rowid]).fetchone()))
        return syndication.assign(db, story, self.syndication_config, precomputed=fingerprint)

    @retry_when_locked
    def record_arrival(self, story_id: str, row: dict, relation: str, run_id: int | None) -> None:
        """A further URL/source a known story arrived from (or the same one again)."""
        now = utcnow()
        with self._writing() as db:
            db.execute("UPDATE stories SET last_seen = ? WHERE id = ?", [now, story_id])
            self._upsert_url(db, story_id, row, relation, run_id, now)
            url = row["canonical_url"]
            outcome = db.execute("SELECT kind FROM url_outcomes WHERE canonical_url = ?", [url]).fetchone()
            if outcome is not None and outcome[0] == "undated" and not row.get("published_at"):
                # an undated story fetched again, still without a date: try again later
                self._record_outcome(db, url, row.get("source"), "no_publication_date", "undated", now)
            elif outcome is not None:
                db.execute("DELETE FROM url_outcomes WHERE canonical_url = ?", [url])

    def _settle_stored(self, db: sqlite_utils.Database, row: dict, now: str) -> None:
        """A stored page: its outcome is settled — unless it has no date, which
        a later fetch may find (it is tried again on the retry-later schedule)."""
        if row.get("published_at"):
            db.execute("DELETE FROM url_outcomes WHERE canonical_url = ?", [row["canonical_url"]])
        else:
            self._record_outcome(db, row["canonical_url"], row.get("source"), "no_publication_date", "undated", now)

    def _record_outcome(self, db: sqlite_utils.Database, url: str, source: str | None, reason: str, kind: str, now: str) -> None:
        """Remember the outcome of one more attempt at ``url``. Transient and
        undated outcomes wait ``retry_delay_hours`` (doubling) before the next
        attempt and are given up after ``retry_max_attempts``; a permanent
        one is not tried again (unless a recrawl asks)."""
        old = db.execute("SELECT kind, attempts, first_at FROM url_outcomes WHERE canonical_url = ?", [url]).fetchone()
        attempts = (old[1] if old and old[0] == kind else 0) + 1
        first_at = old[2] if old else now
        next_at, gave_up = None, 0
        if kind != "permanent":
            if attempts >= self.retry_max_attempts:
                gave_up = 1
            else:
                delay = timedelta(hours=retry_delay_hours(attempts, self.retry_base_hours))
                next_at = (datetime.fromisoformat(now) + delay).isoformat(timespec="seconds")
        db.execute(
            """INSERT INTO url_outcomes (canonical_url, source, reason, kind, attempts, first_at, last_at, next_attempt_at, gave_up)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (canonical_url) DO UPDATE SET source = excluded.source, reason = excluded.reason,
               kind = excluded.kind, attempts = excluded.attempts, last_at = excluded.last_at,
               next_attempt_at = excluded.next_attempt_at, gave_up = excluded.gave_up""",
            [url, source, reason, kind, attempts, first_at, now, next_at, gave_up],
        )

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
    def refresh_derived(self) -> int:
        """Write the derived time columns and the search index of every story again
        (after ``stories`` was changed by hand, not through this class); the count."""
        with self._writing() as db:
            rows = db.execute("SELECT rowid, published_at, date_raw, date_precision, first_seen FROM stories").fetchall()
            for rowid, published_at, date_raw, precision, first_seen in rows:
                cols = time_columns({"published_at": published_at, "date_raw": date_raw, "date_precision": precision, "first_seen": first_seen})
                db.execute(
                    "UPDATE stories SET published_utc = ?, published_day = ?, date_precision = ?, first_seen_day = ? WHERE rowid = ?",
                    [cols["published_utc"], cols["published_day"], cols["date_precision"], cols["first_seen_day"], rowid],
                )
            fts.rebuild(db)
        return len(rows)

    @retry_when_locked
    def start_run(self, spider: str) -> int:
        with self._writing() as db:
            # a run of this spider still marked running did not end cleanly
            db.execute("UPDATE runs SET status = 'interrupted' WHERE spider = ? AND status = 'running'", [spider])
            return _inserted_rowid(db.execute("INSERT INTO runs (spider, started_at, status) VALUES (?, ?, 'running')", [spider, utcnow()]))

    @retry_when_locked
    def record_health_flags(self, run_id: int, source: str, flags) -> None:
        now = utcnow()
        with self._writing() as db:
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
        with self._writing() as db:
            db.execute(
                f"UPDATE runs SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?",
                list(fields.values()) + [run_id],
            )

    @retry_when_locked
    def record_drop(
        self, run_id: int | None, source: str, url: str | None, reason: str, detail: str | None,
        *, outcome_url: str | None = None,
    ) -> None:
        """A page that did not become a story (``drops``), and — for an article
        URL (``outcome_url``) whose reason is classed permanent or transient
        (``crawler.drops.outcome_kind``) — its remembered outcome, in one
        transaction. Listings are never remembered: they are read every run."""
        now = utcnow()
        kind = outcome_kind(reason) if outcome_url else None
        with self._writing() as db:
            db.execute(
                "INSERT INTO drops (run_id, source, url, reason, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, source, url, reason, (detail or "")[:2000], now],
            )
            canonical = _canonical(outcome_url)
            if kind and canonical and not self.known_url(canonical):
                self._record_outcome(db, canonical, source, reason, kind, now)


def store_problem(path: str | Path | None) -> str | None:
    """Why the store at ``path`` cannot be opened for writing, or None
    (commands check this before starting a crawl or an export).

    A damaged file is refused before anything is written into it: SQLite's
    ``PRAGMA quick_check`` (pages and records, without the index-content pass
    of ``integrity_check``) runs before the migrations."""
    if path and Path(path).is_file():
        problem = quick_check(path)
        if problem:
            return problem
    try:
        store = Store.open(path)
    except (sqlite3.Error, OSError) as exc:
        return f"cannot open the store {path}: {type(exc).__name__}: {exc}"
    store.close()
    return None


def quick_check(path: str | Path) -> str | None:
    """``store damaged: …`` when SQLite's quick check finds the file corrupt, else None."""
    try:
        db = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
        try:
            found = [row[0] for row in db.execute("PRAGMA quick_check(5)")]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return f"store damaged: {path}: {exc}"
    if found != ["ok"]:
        return f"store damaged: {path}: {'; '.join(found)[:300]} (restore a backup, or move the file away to start a new store)"
    return None
