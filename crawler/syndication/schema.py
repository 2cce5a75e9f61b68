"""DDL of the syndication tables, as functions the store's migrations call.

The integrator turns these into one named migration; the statements are idempotent
(`IF NOT EXISTS`) except `stories_columns_ddl()`, whose `ALTER TABLE … ADD COLUMN`s belong in
that migration once.
"""

from __future__ import annotations


def index_ddl() -> list[str]:
    """story_signatures + lsh_bands: the near-duplicate index."""
    return [
        # sig_id is a small integer so the 40 band rows per story stay narrow (story ids are
        # 40-character text); ts is the story's time (published, else first seen) in epoch
        # seconds, so the time window is checked before any text is read.
        """CREATE TABLE IF NOT EXISTS story_signatures (
            sig_id INTEGER PRIMARY KEY,
            story_id TEXT NOT NULL UNIQUE,
            minhash BLOB NOT NULL,
            length INTEGER NOT NULL,
            ts INTEGER,
            outlet TEXT,
            named_source TEXT
        )""",
        """CREATE TABLE IF NOT EXISTS lsh_bands (
            band INTEGER NOT NULL,
            hash INTEGER NOT NULL,
            sig_id INTEGER NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS lsh_bands_key ON lsh_bands(band, hash)",
        "CREATE INDEX IF NOT EXISTS lsh_bands_sig ON lsh_bands(sig_id)",
    ]


def clusters_ddl() -> list[str]:
    return [
        # id = the id of the story that founded the cluster (stable across rebuilds, which
        # replay arrivals in the same order); origin_story_id can move when an earlier copy
        # or the named source's copy arrives.
        """CREATE TABLE IF NOT EXISTS clusters (
            id TEXT PRIMARY KEY,
            origin_story_id TEXT NOT NULL,
            first_published TEXT,
            stories INTEGER NOT NULL,
            outlets INTEGER NOT NULL,
            last_changed TEXT
        )""",
        """CREATE TABLE IF NOT EXISTS cluster_merges (
            id INTEGER PRIMARY KEY,
            into_cluster TEXT NOT NULL,
            from_cluster TEXT NOT NULL,
            story_id TEXT NOT NULL,
            stories_moved INTEGER NOT NULL,
            merged_at TEXT
        )""",
    ]


def stories_columns_ddl(table: str = "stories") -> list[str]:
    """Columns the integrator adds to `stories` (once, in the migration)."""
    return [
        f"ALTER TABLE {table} ADD COLUMN cluster_id TEXT",
        f"ALTER TABLE {table} ADD COLUMN similarity_to_origin REAL",
        f"ALTER TABLE {table} ADD COLUMN lag_minutes INTEGER",
    ]


def stories_index_ddl(table: str = "stories") -> list[str]:
    return [f"CREATE INDEX IF NOT EXISTS {table}_cluster ON {table}(cluster_id)"]


def all_ddl(table: str = "stories") -> list[str]:
    """Everything except the ALTERs: index, clusters, the stories.cluster_id index."""
    return index_ddl() + clusters_ddl() + stories_index_ddl(table)


def create_all(conn, table: str = "stories") -> None:
    """For tests and benches: create the tables on a connection whose `table` already has
    the three columns."""
    for stmt in all_ddl(table):
        conn.execute(stmt)
