"""The store's schema under sqlite-utils Migrations: old stores are adopted,
new ones built, concurrent openers both succeed, writes nest as savepoints."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from crawler.store import MIGRATIONS, RunContext, RunNotStarted, Store

from .helpers import PROJECT

FIXTURE = Path(__file__).parent / "fixtures" / "schema3_store.sql"
TABLES = ["stories", "story_urls", "runs", "drops", "story_changes", "health_flags", "http_validators"]
ALL = [m.name for m in MIGRATIONS.pending(sqlite_utils.Database(memory=True))]


def _columns(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        return {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in TABLES}
    finally:
        conn.close()


def _dump(path: Path, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table; only ``columns`` when given (later migrations add columns)."""
    columns = columns or _columns(path)
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT {', '.join(columns[t])} FROM {t} ORDER BY rowid").fetchall() for t in TABLES}
    finally:
        conn.close()


@pytest.fixture()
def schema3_store(tmp_path) -> Path:
    """A store made by the code before the store package (see fixtures/make_schema3_store.py)."""
    path = tmp_path / "schema3.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    conn.close()
    return path


def test_a_schema_3_store_is_adopted_with_every_row_intact(schema3_store):
    old_columns = _columns(schema3_store)
    before = _dump(schema3_store)
    assert sqlite3.connect(schema3_store).execute("PRAGMA user_version").fetchone()[0] == 3
    assert all(before[t] for t in TABLES), "the fixture holds rows in every table"
    store = Store.open(schema3_store)
    assert store.applied_migrations() == ALL
    assert ALL[:3] == ["m001_stories_urls_runs_drops", "m002_validators_changes_health", "m003_title_stage"]
    story_id = before["stories"][0][0]
    assert store.story_by_id(story_id)["id"] == story_id
    # m004 clustered the stories the old code stored: every one has a cluster
    assert store.db.execute("SELECT count(*) FROM stories WHERE cluster_id IS NULL").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM syndication").fetchone()[0] == len(before["stories"])
    store.close()
    assert _dump(schema3_store, old_columns) == before
    # and it is a working store: a new run goes on from the old ids
    store = Store.open(schema3_store)
    assert store.applied_migrations() == ALL
    assert store.start_run("chinadevelopment") == max(r[0] for r in before["runs"]) + 1
    store.close()


def test_a_store_at_numbered_version_2_runs_only_the_rest(tmp_path):
    from crawler.store import schema

    path = tmp_path / "v2.sqlite"
    raw = sqlite_utils.Database(path)
    schema.m001_stories_urls_runs_drops(raw)
    schema.m002_validators_changes_health(raw)
    raw.execute("PRAGMA user_version = 2")
    raw.close()
    store = Store.open(path)
    assert store.applied_migrations() == ALL
    assert "title_stage" in store.db["stories"].columns_dict
    store.close()


def test_a_new_store_gets_every_migration_recorded_once(tmp_path):
    store = Store.open(tmp_path / "new.sqlite")
    rows = list(store.db.query("SELECT migration_set, name FROM _sqlite_migrations ORDER BY id"))
    assert [r["name"] for r in rows] == ALL and {r["migration_set"] for r in rows} == {MIGRATIONS.name}
    assert set(TABLES) <= set(store.db.table_names())
    store.close()


def test_two_processes_opening_a_new_store_at_once_both_succeed(tmp_path):
    path = tmp_path / "race.sqlite"
    go = tmp_path / "go"
    code = (
        "import sys, time, pathlib\n"
        "from crawler.store import Store\n"  # imported first: all four leave the line together
        "go = pathlib.Path(sys.argv[2])\n"
        "while not go.exists(): time.sleep(0.001)\n"
        "s = Store.open(sys.argv[1]); print(len(s.applied_migrations())); s.close()\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path), str(go)], cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    time.sleep(3)  # every process is waiting at the line
    go.touch()
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err[-2000:] for _, err in outs]
    assert [out.strip() for out, _ in outs] == [str(len(ALL))] * 4
    assert Store.open(path).db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(ALL)


def test_a_write_inside_an_open_transaction_is_a_savepoint_not_a_commit():
    """The old Store.transaction() committed a caller's open transaction; db.atomic() nests."""
    store = Store.open(memory=True)
    with pytest.raises(RuntimeError):
        with store.db.atomic():
            run = store.start_run("outer")
            store.record_drop(run, "outer", "http://x/1", "http_404", "")
            raise RuntimeError("the caller's transaction fails after the inner writes")
    assert store.db.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM drops").fetchone()[0] == 0


def test_the_run_row_is_started_explicitly():
    store = Store.open(memory=True)
    ctx = RunContext(store, "people")
    assert not ctx.started
    with pytest.raises(RunNotStarted):
        ctx.run_id
    assert store.db.execute("SELECT count(*) FROM runs").fetchone()[0] == 0  # reading made no row
    run_id = ctx.start()
    assert ctx.run_id == run_id == ctx.start() and not ctx.catch_up
    # a run left running (a crash) makes the next one walk its listings in full once
    again = RunContext(store, "people")
    again.start()
    assert again.catch_up and store.run_row(run_id)["status"] == "interrupted"


def test_connections_migrating_the_same_new_store_at_once_all_succeed(tmp_path):
    """Four connections leave a barrier together into ``migrate``, many times:
    without the BEGIN IMMEDIATE around the migrations one of them now and then
    fails with 'table … already exists'."""
    import threading

    from crawler.store import schema
    from crawler.store.connection import connect

    for trial in range(30):
        path = tmp_path / f"race{trial}.sqlite"
        dbs = [connect(path) for _ in range(4)]
        barrier, errors = threading.Barrier(4), []

        def run(db):
            barrier.wait()
            try:
                schema.migrate(db)
            except Exception as exc:  # collected: the assertion below shows them
                errors.append(repr(exc))

        threads = [threading.Thread(target=run, args=(db,)) for db in dbs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [], f"trial {trial}: {errors}"
        assert [schema.applied(db) for db in dbs] == [ALL] * 4
        for db in dbs:
            db.close()
