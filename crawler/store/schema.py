"""The store's schema: named migrations recorded by sqlite-utils.

Each migration is a function registered on ``MIGRATIONS`` (a
``sqlite_utils.migrations.Migrations`` set); ``apply`` runs the pending ones,
each in its own savepoint together with its row in ``_sqlite_migrations``.
A new schema change is a new function at the end of this file.

Stores made before this scheme counted their migrations in ``PRAGMA
user_version`` (1, 2, 3). The first three migrations keep those numbers: on
such a store they are recorded as applied without running again, so an old
store is adopted as it is, with every row kept. ``user_version`` is not
written any more (it stays at 3 on old stores, 0 on new ones).
"""

from __future__ import annotations

import functools
import logging

import sqlite_utils
from sqlite_utils.migrations import Migrations

from ..syndication import Config, all_ddl, rebuild, stories_columns_ddl
from . import fts
from .connection import retry_when_locked
from .times import time_columns

logger = logging.getLogger(__name__)

MIGRATIONS = Migrations("syndication-store")


def _numbered(number: int):
    """A migration of the old ``user_version`` scheme: skipped (but recorded)
    on a store that already reached ``number`` under it."""

    def wrap(fn):
        @functools.wraps(fn)
        def step(db: sqlite_utils.Database) -> None:
            if db.execute("PRAGMA user_version").fetchone()[0] >= number:
                logger.info("store already at numbered schema %d: %s recorded, not rerun", number, fn.__name__)
                return
            fn(db)

        return step

    return wrap


@MIGRATIONS()
@_numbered(1)
def m001_stories_urls_runs_drops(db: sqlite_utils.Database) -> None:
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


@MIGRATIONS()
@_numbered(2)
def m002_validators_changes_health(db: sqlite_utils.Database) -> None:
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


@MIGRATIONS()
@_numbered(3)
def m003_title_stage(db: sqlite_utils.Database) -> None:
    """Where the title came from (site rule, metadata, generic, a feed's hint…)."""
    db.execute("ALTER TABLE stories ADD COLUMN title_stage TEXT")


# The analysts' view of syndication: one row per stored story with its cluster,
# whether it is the cluster's origin, and how long after the origin it appeared.
SYNDICATION_VIEW = """
CREATE VIEW IF NOT EXISTS syndication AS
SELECT s.cluster_id AS cluster_id,
       s.id AS story_id,
       CASE WHEN c.origin_story_id = s.id THEN 1 ELSE 0 END AS is_origin,
       s.outlet AS outlet,
       s.source AS source,
       s.url AS url,
       s.published_at AS published_at,
       s.lag_minutes AS lag_minutes,
       s.similarity_to_origin AS similarity
FROM stories s LEFT JOIN clusters c ON c.id = s.cluster_id
"""


@MIGRATIONS()
def m004_syndication_clusters(db: sqlite_utils.Database) -> None:
    """Issue 10: near-duplicate clusters (crawler.syndication's tables, the three
    stories columns, the ``syndication`` view). Stories already stored are
    clustered here, replayed in arrival order as ``scrapy clusters --rebuild``
    does, so every story leaves the migration with a cluster_id."""
    for stmt in stories_columns_ddl() + all_ddl():
        db.execute(stmt)
    db.execute(SYNDICATION_VIEW)
    result = rebuild(db, Config.from_settings(None))
    if result["stories"]:
        logger.info("syndication: %(stories)d stored stories put in %(clusters)d clusters (%(merges)d merges)", result)


# The analyst's views: names an analyst can guess, ``source`` for the spider/source
# everywhere (``runs.spider`` is ``source`` here), ``outlet`` for the 来源.
VIEWS = {
    "stories_per_outlet_day": """
        SELECT published_day AS day, source, outlet, count(*) AS stories
        FROM stories GROUP BY published_day, source, outlet
        ORDER BY day DESC, stories DESC""",
    "latest_stories": """
        SELECT id, published_at, published_day, source, outlet, title, url
        FROM stories ORDER BY published_utc DESC, id""",
    "run_summary": """
        SELECT id AS run_id, spider AS source, started_at, finished_at, status, finish_reason, failure_cause,
               duration_s, requests, responses, stored, updated, duplicates, dropped, errors
        FROM runs ORDER BY id DESC""",
    "drops_by_reason": """
        SELECT source, reason, count(*) AS drops, max(at) AS last_at
        FROM drops GROUP BY source, reason ORDER BY drops DESC, source, reason""",
}


@MIGRATIONS()
def m005_analyst_columns_fts_views(db: sqlite_utils.Database) -> None:
    """Time columns in UTC and in the source's day, date precision, indexes for the
    common filters, the failure cause of a run as a column, Chinese full-text
    search (``stories_fts``, bigrams) and the analyst's views (README, store schema)."""
    for column in ("published_utc", "published_day", "date_precision", "first_seen_day"):
        db.execute(f"ALTER TABLE stories ADD COLUMN {column} TEXT")
    rows = db.execute("SELECT rowid, published_at, date_raw, first_seen FROM stories").fetchall()
    for rowid, published_at, date_raw, first_seen in rows:
        cols = time_columns({"published_at": published_at, "date_raw": date_raw, "first_seen": first_seen})
        db.execute(
            "UPDATE stories SET published_utc = ?, published_day = ?, date_precision = ?, first_seen_day = ? WHERE rowid = ?",
            [cols["published_utc"], cols["published_day"], cols["date_precision"], cols["first_seen_day"], rowid],
        )
    db.execute("CREATE INDEX idx_stories_published_day ON stories(published_day, source, outlet)")
    db.execute("CREATE INDEX idx_stories_published_utc ON stories(published_utc)")
    db.execute("CREATE INDEX idx_stories_outlet ON stories(outlet, published_day)")
    db.execute("CREATE INDEX idx_stories_first_seen ON stories(first_seen)")
    db.execute("CREATE INDEX idx_drops_source_reason ON drops(source, reason, at)")
    db.execute("CREATE INDEX idx_runs_spider ON runs(spider, id)")
    # the cause of a failed run was only inside the stats JSON
    db.execute("ALTER TABLE runs ADD COLUMN failure_cause TEXT")
    db.execute(
        """UPDATE runs SET failure_cause = json_extract(stats, '$."source/failed"')
           WHERE status = 'failed' AND json_valid(stats)"""
    )
    db.execute(fts.CREATE_SQL)
    fts.rebuild(db)
    for name, sql in VIEWS.items():
        db.execute(f"CREATE VIEW {name} AS {sql.strip()}")

@retry_when_locked
def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the pending migrations; the names applied.

    All of it runs in one ``BEGIN IMMEDIATE`` transaction (each migration a
    savepoint inside it, as ``db.atomic()`` nests): two processes opening a new
    store at once are serialised by SQLite's write lock, and the second finds
    nothing left to do instead of failing on a table that already exists."""
    if not MIGRATIONS.pending(db):
        return []
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        # read again under the lock: another process may have migrated meanwhile
        names = [m.name for m in MIGRATIONS.pending(db)]
        MIGRATIONS.apply(db)
    except BaseException:
        db.rollback()
        raise
    db.conn.execute("COMMIT")
    for name in names:
        logger.info("store migrated: %s", name)
    return names


def applied(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations this store has recorded, in the order applied."""
    return [m.name for m in MIGRATIONS.applied(db)]


@MIGRATIONS()
def m006_url_outcomes_undated_stories(db: sqlite_utils.Database) -> None:
    """No article lost for want of a date, every outcome remembered.

    ``stories.published_at`` and ``stories.post`` may be NULL: a page whose
    date cannot be found is stored undated (no Jekyll post, the date is in its
    front matter) and held back by the export. SQLite cannot relax NOT NULL
    in place: sqlite-utils ``transform`` rebuilds the table (rows, indexes and
    the references of story_urls / story_changes kept; foreign keys deferred
    inside this transaction and checked before it ends).

    ``url_outcomes``: the last outcome of an article URL that did not become a
    story (or became an undated one), read before the next request leaves."""
    db.table("stories").transform(not_null={"published_at": False, "post": False})
    db.execute(
        """
        CREATE TABLE url_outcomes (
            canonical_url TEXT PRIMARY KEY,
            source TEXT,
            reason TEXT NOT NULL,
            kind TEXT NOT NULL,            -- permanent | transient | undated
            attempts INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            last_at TEXT NOT NULL,
            next_attempt_at TEXT,          -- transient/undated: not fetched again before this (UTC)
            gave_up INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute("CREATE INDEX idx_url_outcomes_source ON url_outcomes(source, kind, gave_up)")
    db.execute("ALTER TABLE runs ADD COLUMN waiting INTEGER")


@MIGRATIONS()
def m007_run_throughput(db: sqlite_utils.Database) -> None:
    """How fast a run went: ``runs.pages_per_s`` (article pages extracted per wall
    second) and ``runs.cpu_s_per_page`` (CPU seconds of the crawl process and its
    extraction workers per article page). Older runs keep NULL."""
    db.execute("ALTER TABLE runs ADD COLUMN pages_per_s REAL")
    db.execute("ALTER TABLE runs ADD COLUMN cpu_s_per_page REAL")
