"""Benchmark: Chinese full-text search at 50,000 stories — LIKE against the indexes.

    .venv/bin/python bench/fts.py [--stories 50000] [--corpus ../shared/corpus/zh-dev] [--repeat 5]

Builds 50,000 synthetic but realistic stories from the zh-dev gold bodies
(their paragraphs reshuffled into bodies of 300–3,000 characters, titles cut
from paragraphs), then, for 1-, 2-, 3-, 4-character Chinese queries and
English ones, compares with ``title LIKE '%q%' OR body_text LIKE '%q%'``:

- ``bigram``: the store's index (crawler/store/fts.py): contentless FTS5,
  ``ascii`` tokenizer over character bigrams, ``fts_query``;
- ``bigram without prefix index``: the same without ``prefix='1'``;
- ``trigram``: FTS5's trigram tokenizer over the stories' own columns
  (external content), the query quoted; shorter queries than 3 characters
  fall back to LIKE (the trigram index cannot answer them);
- ``unicode61``: FTS5's default tokenizer, the query quoted.

For each: build seconds, index bytes, and per query the median milliseconds to
fetch every matching story id and whether the ids equal LIKE's. Prints a
Markdown table (README, "Searching stories"). Exits 1 when a bigram result
differs from LIKE or a two-character query takes more than 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(PROJECT))

from crawler.store import fts  # noqa: E402

QUERIES = [
    ("1", "的"), ("1", "经"),
    ("2", "经济"), ("2", "发展"), ("2", "政府"),
    ("3", "共产党"), ("3", "大学生"),
    ("4", "改革开放"), ("4", "人民日报"),
    ("en", "Running Man"), ("en", "logistics"),
]


def stories(corpus: Path, count: int, seed: int = 13):
    gold = [json.loads(line) for line in (corpus / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    paragraphs = [p.strip() for page in gold for p in (page.get("body") or "").split("\n") if len(p.strip()) > 5]
    rng = random.Random(seed)
    for n in range(count):
        want = rng.randint(300, 3000)
        body, size = [], 0
        while size < want:
            p = rng.choice(paragraphs)
            body.append(p)
            size += len(p)
        head = rng.choice(paragraphs)
        start = rng.randrange(max(1, len(head) - 10))
        yield n + 1, head[start : start + rng.randint(8, 28)], "\n".join(body)


def build(path: Path, corpus: Path, count: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE stories (id TEXT PRIMARY KEY, title TEXT NOT NULL, body_text TEXT NOT NULL)")
    conn.executemany("INSERT INTO stories VALUES (?, ?, ?)", ((f"s{n}", t, b) for n, t, b in stories(corpus, count)))
    conn.commit()
    conn.close()


def _size(conn, table: str) -> int:
    # the shadow tables of an FTS5 table: <name>_data, _idx, _docsize, _config, _content
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?", [table + "_%"])]
    try:
        return sum(conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?", [n]).fetchone()[0] or 0 for n in names)
    except sqlite3.OperationalError:  # no dbstat: the file size
        return -1


APPROACHES = {
    "bigram": fts.CREATE_SQL.replace(fts.FTS_TABLE, "{t}"),
    "bigram without prefix index": "CREATE VIRTUAL TABLE {t} USING fts5(title, body_text, content='', tokenize='ascii')",
    "trigram": "CREATE VIRTUAL TABLE {t} USING fts5(title, body_text, content='stories', tokenize='trigram')",
    "unicode61": "CREATE VIRTUAL TABLE {t} USING fts5(title, body_text, content='stories')",
}


def index(conn, name: str) -> tuple[str, float, int]:
    table = "fts_" + "".join(c if c.isalnum() else "_" for c in name)
    started = time.perf_counter()
    conn.execute(APPROACHES[name].format(t=table))
    if name.startswith("bigram"):
        for rowid, title, body in conn.execute("SELECT rowid, title, body_text FROM stories"):
            conn.execute(f"INSERT INTO {table} (rowid, title, body_text) VALUES (?, ?, ?)", [rowid, fts.bigram_text(title), fts.bigram_text(body)])
    else:
        conn.execute(f"INSERT INTO {table} ({table}) VALUES ('rebuild')")
    conn.commit()
    return table, time.perf_counter() - started, _size(conn, table)


def like_ids(conn, text: str) -> list[str]:
    pattern = fts.like_pattern(text)
    return [r[0] for r in conn.execute(
        "SELECT id FROM stories WHERE title LIKE ? ESCAPE '\\' OR body_text LIKE ? ESCAPE '\\'", [pattern, pattern]
    )]


def search_ids(conn, name: str, table: str, text: str) -> list[str]:
    if name.startswith("bigram"):
        expr = fts.fts_query(text)
    elif name == "trigram" and len(text) < 3:
        return like_ids(conn, text)  # the short-query path: the trigram index has no answer
    else:
        expr = '"' + text.replace('"', '""') + '"'
    return [r[0] for r in conn.execute(f"SELECT id FROM stories WHERE rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)", [expr])]


def timed(fn, repeat: int) -> tuple[float, list]:
    result = fn()  # warm the page cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=50_000)
    parser.add_argument("--corpus", type=Path, default=PROJECT.parent / "shared" / "corpus" / "zh-dev")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--approaches", default=",".join(APPROACHES))
    args = parser.parse_args(argv)
    if not (args.corpus / "gold.jsonl").exists():
        parser.error(f"no gold.jsonl in {args.corpus}")
    names = args.approaches.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fts.sqlite"
        build(path, args.corpus, args.stories)
        conn = sqlite3.connect(path)
        chars = conn.execute("SELECT sum(length(title) + length(body_text)), count(*) FROM stories").fetchone()
        print(f"{chars[1]:,} stories, {chars[0]:,} characters, {path.stat().st_size / 1e6:.0f} MB without an index", file=sys.stderr)
        built = {}
        for name in names:
            table, seconds, size = index(conn, name)
            built[name] = table
            print(f"{name}: built in {seconds:.1f} s, {size / 1e6:.0f} MB", file=sys.stderr)
            built[name] = (table, seconds, size)
        rows, failures = [], []
        for length, query in QUERIES:
            like_ms, like = timed(lambda: like_ids(conn, query), args.repeat)
            cells = [f"`{query}` ({length})", f"{len(like):,}", f"{like_ms:.0f}"]
            for name in names:
                table = built[name][0]
                ms, got = timed(lambda: search_ids(conn, name, table, query), args.repeat)
                same = sorted(got) == sorted(like)
                cells.append(f"{ms:.1f}" + ("" if same else f" ✗ {len(got):,} rows"))
                if name == "bigram" and (not same or (length == "2" and ms > 50)):
                    failures.append((query, ms, same))
            rows.append(cells)
        print("| query (chars) | LIKE rows | LIKE ms | " + " | ".join(f"{n} ms" for n in names) + " |")
        print("|---|---|---|" + "---|" * len(names))
        for cells in rows:
            print("| " + " | ".join(cells) + " |")
        print("| build s | | | " + " | ".join(f"{built[n][1]:.0f}" for n in names) + " |")
        print("| index MB | | | " + " | ".join(f"{built[n][2] / 1e6:.0f}" for n in names) + " |")
        print(f"\nmedian of {args.repeat} after one warm-up; ✗: not LIKE's rows (how many rows instead)")
        conn.close()
    if failures:
        print(f"FAILED: {failures}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
