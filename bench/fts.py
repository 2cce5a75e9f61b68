"""Benchmark: Chinese full-text search at 50,000 stories — LIKE against the indexes.

    .venv/bin/python bench/fts.py [--stories 50000] [--corpus ../shared/corpus] [--repeat 5]

Builds 50,000 synthetic stories from all the Chinese text at hand — the zh-dev
gold bodies and the paragraphs of the gne-pages HTML, cut into sentences and
recombined into paragraphs and bodies of 300–3,000 characters (titles cut from
a sentence) — so that a word is in about as many stories as its share of the
sentences makes it, not in every third story because the set is built from a
few dozen bodies. The stories table has the columns the analyst's queries read
(``published_utc`` indexed as in the store, ``body_html`` beside
``body_text``). Then, for 1-, 2-, 3-, 4-character Chinese queries and English
ones, each index is timed the way analysts and Datasette ask:

- ``page``: Datasette's ``/stories/stories?_search=q`` page — the SQL it runs
  with our metadata and plugin: every column of the newest 101 matching
  stories (``order by published_utc desc, id limit 101``);
- ``count``: ``select count(*) from stories where …`` (the same where clause,
  Datasette's row count);
- ``ids``: every matching story id.

Indexes (the where clause each one gives is what the plugin writes):

- ``full``: migration m005's ``stories_fts`` — contentless FTS5 over character
  bigrams, ``ascii`` tokenizer, ``detail=full`` (positions), ``prefix='1'``;
  a query of n ≥ 3 characters is the phrase of its bigrams;
- ``none``: the same tokens with ``detail=none`` and ``columnsize=0`` (the
  index holds which stories have a token, no positions, no sizes): two
  characters are one token (exact), one character the prefix query; n ≥ 3
  characters the AND of their bigrams (every story holding the text, and a
  few more) checked by LIKE on those candidates only;
- ``trigram``: FTS5's trigram tokenizer over the stories' own columns, shorter
  queries than 3 characters answered by LIKE (the index cannot);
- ``LIKE``: ``title LIKE '%q%' OR body_text LIKE '%q%'``, the reference.

Every answer is compared with LIKE's rows. Prints a Markdown table (README,
"Searching stories"). Exits 1 when the store's index (``--store-index``) gives
other rows than LIKE, or its first page of a two-character query takes more
than 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(PROJECT))

from crawler.store import fts  # noqa: E402

QUERIES = [
    ("1", "的"), ("1", "经"),
    ("2", "经济"), ("2", "发展"), ("2", "政府"), ("2", "疫情"), ("2", "足球"),
    ("3", "共产党"), ("3", "大学生"), ("3", "互联网"),
    ("4", "改革开放"), ("4", "人民日报"), ("4", "新冠肺炎"),
    ("en", "Running Man"), ("en", "logistics"),
]
PAGE = 101  # Datasette's page of 100 rows and one more to know there is a next page
_SENTENCE_END = re.compile(r"(?<=[。！？!?；])")


def paragraphs(corpus: Path) -> list[str]:
    """Every paragraph of Chinese text in the corpora: zh-dev gold bodies, gne-pages ``<p>`` texts."""
    from lxml import html

    found: list[str] = []
    gold = corpus / "zh-dev" / "gold.jsonl"
    if gold.exists():
        for line in gold.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found += (json.loads(line).get("body") or "").split("\n")
    for page in sorted((corpus / "gne-pages" / "html").glob("*.html")):
        tree = html.fromstring(page.read_bytes())
        for element in tree.xpath("//script|//style"):
            element.drop_tree()
        found += [re.sub(r"\s+", " ", p.text_content()) for p in tree.xpath("//p")]
    seen: set[str] = set()
    kept = []
    for p in (p.strip() for p in found):
        if len(p) > 5 and p not in seen:  # a page's footer repeated on every page of a site counts once
            seen.add(p)
            kept.append(p)
    return kept


def stories(corpus: Path, count: int, seed: int = 13):
    """(n, title, body): bodies of 300–3,000 characters, paragraphs of 1–5 sentences drawn from all sentences."""
    sentences = [s.strip() for p in paragraphs(corpus) for s in _SENTENCE_END.split(p) if len(s.strip()) > 3]
    rng = random.Random(seed)
    for n in range(count):
        want = rng.randint(300, 3000)
        body, size = [], 0
        while size < want:
            paragraph = "".join(rng.choice(sentences) for _ in range(rng.randint(1, 5)))
            body.append(paragraph)
            size += len(paragraph)
        head = rng.choice(sentences)
        start = rng.randrange(max(1, len(head) - 10))
        yield n + 1, head[start : start + rng.randint(8, 28)], "\n".join(body), len(sentences)


def build(path: Path, corpus: Path, count: int) -> int:
    conn = sqlite3.connect(path)
    conn.execute(
        """CREATE TABLE stories (id TEXT PRIMARY KEY, source TEXT, outlet TEXT, title TEXT NOT NULL,
           published_at TEXT, published_utc TEXT, published_day TEXT, body_html TEXT, body_text TEXT NOT NULL)"""
    )
    conn.execute("CREATE INDEX idx_stories_published_utc ON stories (published_utc)")
    rng = random.Random(7)
    sentences = 0

    def rows():
        nonlocal sentences
        for n, title, body, sentences in stories(corpus, count):
            # stored in arrival order, published within a few days of arriving
            at = 1_600_000_000 + n * 600 - rng.randint(0, 3 * 86400)
            utc = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
            html = "".join(f"<p>{p}</p>" for p in body.split("\n"))
            yield f"s{n}", "people", "人民网", title, utc, utc, utc[:10], html, body

    conn.executemany("INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
    conn.commit()
    conn.close()
    return sentences


def _size(conn, table: str) -> int:
    # the shadow tables of an FTS5 table: <name>_data, _idx, _docsize, _config, _content
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?", [table + "_%"])]
    try:
        return sum(conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?", [n]).fetchone()[0] or 0 for n in names)
    except sqlite3.OperationalError:  # no dbstat
        return -1


INDEXES = {
    "full": fts.CREATE_SQL.replace(fts.FTS_TABLE, "{t}"),
    "none": "CREATE VIRTUAL TABLE {t} USING fts5(title, body_text, content='', tokenize='ascii', prefix='1', detail=none, columnsize=0)",
    "trigram": "CREATE VIRTUAL TABLE {t} USING fts5(title, body_text, content='stories', tokenize='trigram')",
}
LIKE = "(title LIKE :like ESCAPE '\\' OR body_text LIKE :like ESCAPE '\\')"


def index(conn, name: str) -> tuple[str, float, int]:
    table = "fts_" + name
    started = time.perf_counter()
    conn.execute(INDEXES[name].format(t=table))
    if name == "trigram":
        conn.execute(f"INSERT INTO {table} ({table}) VALUES ('rebuild')")
    else:
        for rowid, title, body in conn.execute("SELECT rowid, title, body_text FROM stories").fetchall():
            conn.execute(f"INSERT INTO {table} (rowid, title, body_text) VALUES (?, ?, ?)", [rowid, fts.bigram_text(title), fts.bigram_text(body)])
    conn.commit()
    return table, time.perf_counter() - started, _size(conn, table)


def where(name: str, table: str, text: str, form: str) -> tuple[str, dict]:
    """The where clause (and its parameters) an index answers ``text`` with: LIKE's rows.

    ``+rowid IN (…)`` is what the plugin writes for a page sorted by an indexed
    column: the planner then walks that index newest first and stops at the
    101st match, instead of reading and sorting every matching row (bodies
    included); ``page before`` is the plain ``rowid IN (…)`` of m005."""
    like = {"like": fts.like_pattern(text)}
    if name == "LIKE" or (name == "trigram" and len(text) < 3):
        return LIKE, like
    lhs = "rowid" if form == "page before" else "+rowid"
    if name == "trigram":
        return f"{lhs} IN (SELECT rowid FROM {table} WHERE {table} MATCH :q)", {"q": '"' + text.replace('"', '""') + '"'}
    clause = f"{lhs} IN (SELECT rowid FROM {table} WHERE {table} MATCH :q)"
    if name == "full":
        return clause, {"q": fts.fts_query(text)}
    # detail=none: no phrases; the AND of the bigrams, then LIKE on those candidates
    folded = fts.fold(text)
    if len(folded) < 3:
        return clause, {"q": fts.fts_query(text)}
    grams = dict.fromkeys(map(str.__add__, folded[:-1], folded[1:]))
    return f"{clause} AND {LIKE}", {"q": " ".join(f'"{g}"' for g in grams)} | like


def timed(fn: Callable[[], list], repeat: int) -> tuple[float, list]:
    result = fn()  # warm the page cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stories", type=int, default=50_000)
    parser.add_argument("--corpus", type=Path, default=PROJECT.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--indexes", default=",".join(INDEXES))
    parser.add_argument("--store-index", default="full", help="the index the store uses (checked: LIKE's rows, 50 ms)")
    parser.add_argument("--keep", type=Path, help="build the set here (or reuse it) instead of a temporary file")
    args = parser.parse_args(argv)
    if not (args.corpus / "zh-dev" / "gold.jsonl").exists():
        parser.error(f"no zh-dev/gold.jsonl in {args.corpus}")
    names = [n for n in args.indexes.split(",") if n]
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "fts.sqlite"
        if not path.exists():
            sentences = build(path, args.corpus, args.stories)
            print(f"built from {sentences:,} distinct sentences", file=sys.stderr)
        conn = sqlite3.connect(path)
        fts.register(conn)
        chars = conn.execute("SELECT sum(length(title) + length(body_text)), count(*) FROM stories").fetchone()
        print(f"{chars[1]:,} stories, {chars[0]:,} characters", file=sys.stderr)
        built: dict[str, tuple[str, float, int]] = {"LIKE": ("stories", 0.0, 0)}
        for name in names:
            have = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", ["fts_" + name]).fetchone()
            built[name] = ("fts_" + name, 0.0, _size(conn, "fts_" + name)) if have else index(conn, name)
            print(f"{name}: built in {built[name][1]:.1f} s, {built[name][2] / 1e6:.0f} MB", file=sys.stderr)
        columns = ", ".join(r[1] for r in conn.execute("PRAGMA table_info(stories)"))
        forms = {
            "page before": lambda w: f"select {columns} from stories where {w} order by published_utc desc, id limit {PAGE}",
            "page": lambda w: f"select {columns} from stories where {w} order by published_utc desc, id limit {PAGE}",
            "count": lambda w: f"select count(*) from stories where {w}",
            "ids": lambda w: f"select id from stories where {w}",
        }
        rows, failures = [], []
        for length, query in QUERIES:
            clause, params = where("LIKE", "stories", query, "count")
            answers = {form: conn.execute(make(clause), params).fetchall() for form, make in forms.items()}
            matching = answers["count"][0][0]
            cells = [f"`{query}` ({length})", f"{matching:,}", f"{100 * matching / chars[1]:.0f} %"]
            for name in ["LIKE"] + names:
                for form, make in forms.items():
                    if (name == "LIKE" and form != "count") or (name != "full" and form == "page before"):
                        continue  # a scan costs the same for each form; "before" is m005's clause
                    clause, params = where(name, built[name][0], query, form)
                    ms, got = timed(lambda: conn.execute(make(clause), params).fetchall(), args.repeat)
                    same = (sorted(got) if form == "ids" else got) == (sorted(answers[form]) if form == "ids" else answers[form])
                    cells.append(f"{ms:.1f}" + ("" if same else " ✗"))
                    if name == args.store_index and (not same or (length == "2" and form == "page" and ms > 50)):
                        failures.append((query, form, round(ms, 1), same))
                print(" ".join(cells), file=sys.stderr)
            rows.append(cells)
        head = ["query (chars)", "stories", "share", "LIKE"] + [
            f"{n} {f}" for n in names for f in forms if n == "full" or f != "page before"
        ]
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for cells in rows:
            print("| " + " | ".join(cells) + " |")
        blank = ["", "", "", ""]
        print("| " + " | ".join(["build s"] + blank[1:] + [c for n in names for c in [f"{built[n][1]:.0f}"] + [""] * (3 if n == "full" else 2)]) + " |")
        print("| " + " | ".join(["index MB"] + blank[1:] + [c for n in names for c in [f"{built[n][2] / 1e6:.0f}"] + [""] * (3 if n == "full" else 2)]) + " |")
        print(f"\nmilliseconds, median of {args.repeat} after one warm-up; ✗: not LIKE's rows")
        conn.close()
    if failures:
        print(f"FAILED: {failures}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
