"""Opening the SQLite file, and waiting out another process's write lock."""

from __future__ import annotations

import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential


def _import_sqlite_utils() -> None:
    """sqlite-utils without pandas and numpy: ``sqlite_utils.db`` imports both when they are
    installed (datasketch pulls them in) only to map their scalar types to column types, which
    the store never writes — 0.3–0.4 s of every run's start (issue 12). While it is first
    imported they read as absent; a later ``import pandas`` / ``import numpy`` (syndication, an
    analyst's script) works as usual. If either is already imported nothing is hidden."""
    if "sqlite_utils.db" in sys.modules:
        return
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # import of a None entry raises ImportError
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


_import_sqlite_utils()
import sqlite_utils  # noqa: E402  (already imported above, without pandas and numpy)


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def store_broken(exc: BaseException) -> str | None:
    """One line naming a store that can take no more writes (disk full, a damaged
    file, an I/O error), or None for any other error. A crawl that meets one stops:
    every later story would fail the same way."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    text = str(exc)
    lowered = text.lower()
    if "full" in lowered:
        return f"store full: {text} (free disk space; the stories not stored are fetched again next run)"
    if "malformed" in lowered or "not a database" in lowered:
        return f"store damaged: {text} (restore a backup, or move the file away to start a new store)"
    if "disk i/o" in lowered or "readonly" in lowered or "read-only" in lowered:
        return f"store unwritable: {text}"
    return None


# SQLite's busy timeout covers most waits; this covers what it does not (a
# lock held past it, or a busy_timeout of 0): the whole write is tried again.
retry_when_locked = retry(
    retry=retry_if_exception(_is_locked),
    stop=stop_after_attempt(10),
    wait=wait_exponential(multiplier=0.05, max=2.0),
    reraise=True,
)


def connect(path: str | Path | None = None, *, memory: bool = False) -> sqlite_utils.Database:
    """A sqlite-utils Database in WAL mode (readers never block the writer),
    waiting up to 30 s for another process's lock, with foreign keys on."""
    if memory:
        db = sqlite_utils.Database(memory=True)
    else:
        path = Path(path or "data/stories.sqlite")
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(sqlite3.connect(str(path), timeout=30, check_same_thread=False))
        db.execute("PRAGMA busy_timeout = 30000")
        # switching a new file to WAL takes an exclusive lock that the busy timeout
        # does not always wait for (several crawls opening a new store at once)
        retry_when_locked(db.enable_wal)()
    db.execute("PRAGMA foreign_keys = ON")
    # WAL with synchronous=NORMAL: a commit no longer waits for fsync (2.3 ms a commit
    # here, 8 ms on a loaded disk, on the reactor's thread: a duplicate's arrival and a
    # URL's ledger row are commits of their own). A killed process loses nothing that
    # was committed; only a power loss or OS crash can roll the store back to an earlier
    # commit, never corrupt it, and what was rolled back (stories, their URLs' ledger
    # rows together) is fetched again by the next run. SQLite's recommended WAL setting.
    db.execute("PRAGMA synchronous = NORMAL")
    # 32 MB page cache instead of SQLite's 2 MB: every stored story adds 48 rows at
    # random places of the syndication index (lsh_bands); with the default cache each
    # costs a page read once the index outgrows it (16.7 ms per story at 1M stories; see
    # README "Syndication"). At 1M stories 32 MB gives 2.9–3.1 ms a story, 64 MB 2.8 and
    # 16 MB 3.7 (bench/syndication.py cost --cache-mb N): 64 MB bought 0.2 ms for 32 MB
    # more in the crawl process (issue 12's memory goal). Memory is only used as filled.
    db.execute("PRAGMA cache_size = -32768")
    return db
