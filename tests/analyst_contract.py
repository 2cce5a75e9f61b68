"""A stand-in for migration m005_analyst_columns_fts_views, for stores made before it.

The analyst views and time columns are made by the store side of issue 13; the
presentation side (crawler.report charts, the Datasette metadata) is written
against their contract. Where a store lacks them, the tests add the same
views/columns from this file so the presentation code can be tested; the FTS
table is never faked (tests that need it skip with "needs m005").
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

VIEWS = {
    "stories_per_outlet_day": """
        CREATE VIEW stories_per_outlet_day AS
        SELECT published_day AS day, source, outlet, count(*) AS stories FROM stories GROUP BY 1, 2, 3
    """,
    "latest_stories": """
        CREATE VIEW latest_stories AS
        SELECT id, published_at, published_day, source, outlet, title, url FROM stories ORDER BY published_utc DESC
    """,
    "run_summary": """
        CREATE VIEW run_summary AS
        SELECT id AS run_id, spider AS source, started_at, finished_at, status, finish_reason,
               NULL AS failure_cause, duration_s, requests, responses, stored, updated, duplicates, dropped, errors
        FROM runs
    """,
    "drops_by_reason": """
        CREATE VIEW drops_by_reason AS
        SELECT source, reason, count(*) AS drops, max(at) AS last_at FROM drops GROUP BY source, reason
    """,
}


def has_m005(store: Path) -> bool:
    conn = sqlite3.connect(store)
    try:
        return conn.execute("SELECT 1 FROM _sqlite_migrations WHERE name = 'm005_analyst_columns_fts_views'").fetchone() is not None
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def has_fts(store: Path) -> bool:
    conn = sqlite3.connect(store)
    try:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'stories_fts'").fetchone() is not None
    finally:
        conn.close()


def ensure_contract(store: Path) -> list[str]:
    """Add what the contract promises and the store lacks; returns what was added."""
    added = []
    conn = sqlite3.connect(store)
    try:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(stories)")}
        if "published_day" not in columns:
            # published_at carries the source's offset: its first ten characters are the local day
            conn.execute("ALTER TABLE stories ADD COLUMN published_utc TEXT")
            conn.execute("ALTER TABLE stories ADD COLUMN published_day TEXT")
            conn.execute("ALTER TABLE stories ADD COLUMN date_precision TEXT")
            conn.execute(
                "UPDATE stories SET published_day = substr(published_at, 1, 10), "
                "published_utc = strftime('%Y-%m-%dT%H:%M:%SZ', published_at), date_precision = 'second'"
            )
            added.append("stories.published_utc/published_day/date_precision")
        views = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
        for name, sql in VIEWS.items():
            if name not in views:
                conn.execute(sql)
                added.append(name)
        conn.commit()
    finally:
        conn.close()
    return added
