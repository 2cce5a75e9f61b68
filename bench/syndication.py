"""Syndication benchmark: clustering quality on a generated set, and cost per story at scale.

    .venv/bin/python bench/syndication.py quality [--split dev|heldout] [--text]
    .venv/bin/python bench/syndication.py cost [--sizes 10000,100000,1000000] [--db /tmp/synd-cost.sqlite] [--cache-mb 32]
    .venv/bin/python bench/syndication.py crawl [--split dev|heldout|both] [--keep DIR]

quality: builds the set with bench/syndication_set.py in a temporary folder, extracts every
page with the project's extractor (crawler.extraction.article.extract_article, as a crawl
would; `--text` uses the set's own generated text instead), assigns the stories in order of
publication (first_seen = published + 1 min) into an in-memory store, and scores pairwise
precision/recall over pages against the set's truth (two pages are a true pair when they
carry the same story key).

cost: fills a file store with N synthetic stories (random MinHash values and 48 random band
keys each; bulk-loaded), then times `assign()` (index probes, candidate verification, the
inserts and cluster update) for real stories from the dev set at that size, inside a
transaction that is rolled back, so each size measures the same new stories. Reports ms per
story (median and p90), the 48 index probes alone, bytes per stored story and the file size.
`--cache-mb` sets SQLite's page cache as the store's connection does (32 MB; 2 = SQLite's default).

crawl: the real thing. Builds the set's mirror in a temporary folder, serves it with
`python -m crawler.mirror_server` on 127.0.0.1, runs `scrapy crawl urls -a file=urls.txt` in a
separate process into a new store (normalize → validate → dedupe → render → store, which assigns
the clusters), and scores pairwise precision/recall over pages from the store: a page's cluster
is the cluster_id of the story it was stored as or arrived at (exact duplicates are arrivals);
a page the crawl dropped counts as a cluster of its own. Then crawls again (nothing may change:
same clusters, no new story), and rebuilds a copy of the store (`scrapy clusters --rebuild`),
which must reproduce the incremental clusters exactly.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.syndication_set import build  # noqa: E402
from crawler.syndication import Config, assign, candidates, prepare, signature  # noqa: E402
from crawler.syndication.index import PREPARED_CACHE  # noqa: E402
from crawler.syndication.schema import create_all, stories_columns_ddl  # noqa: E402
from crawler.syndication.signature import FULL_BANDS, LEAD_BANDS, NUM_PERM  # noqa: E402

STORIES_DDL = ("CREATE TABLE stories (id TEXT PRIMARY KEY, title TEXT, body_text TEXT, "
               "published_at TEXT, first_seen TEXT, outlet TEXT)")


def make_store(path=":memory:", cache_mb: int | None = None):
    conn = sqlite3.connect(path, isolation_level=None)
    if cache_mb:
        conn.execute(f"PRAGMA cache_size = -{int(cache_mb) * 1024}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(STORIES_DDL)
    for stmt in stories_columns_ddl():
        conn.execute(stmt)
    create_all(conn)
    return conn


def load_pages(split: str, use_text: bool, workdir: Path) -> list[dict]:
    info = build(workdir, split)
    rows = [json.loads(line) for line in open(workdir / "truth.jsonl", encoding="utf-8")]
    if use_text:
        return rows, info
    from crawler.extraction.article import extract_article
    for r in rows:
        host_path = r["url"].split("://", 1)[1]
        ex = extract_article((workdir / host_path).read_bytes(), r["url"])
        r["gen_title"], r["gen_body"] = r["title"], r["body_text"]
        r["title"], r["body_text"] = ex.title, ex.body_text
        r["extracted_published_at"] = ex.published_at
        r["extractor"] = ex.extractor
    return rows, info


def pairwise(truth: dict[str, str], pred: dict[str, str]):
    urls = sorted(truth)
    tp = fp = fn = 0
    for a, b in combinations(urls, 2):
        t, p = truth[a] == truth[b], pred[a] == pred[b]
        tp += t and p
        fp += p and not t
        fn += t and not p
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    return prec, rec, tp, fp, fn


def quality(split: str, use_text: bool, cfg: Config | None = None) -> dict:
    cfg = cfg or Config()
    with tempfile.TemporaryDirectory(prefix="synd-set-") as tmp:
        t0 = time.perf_counter()
        rows, info = load_pages(split, use_text, Path(tmp))
        t_extract = time.perf_counter() - t0
    conn = make_store()
    rows.sort(key=lambda r: (r["published_at"], r["url"]))
    pred, t_assign = {}, 0.0
    from datetime import datetime, timedelta
    for r in rows:
        first_seen = (datetime.fromisoformat(r["published_at"]) + timedelta(minutes=1)).isoformat()
        story = {"id": r["url"], "title": r["title"], "body_text": r["body_text"],
                 "published_at": r["published_at"], "first_seen": first_seen, "outlet": r["outlet"]}
        conn.execute("INSERT INTO stories (id, title, body_text, published_at, first_seen, outlet) VALUES (?,?,?,?,?,?)",
                     tuple(story[k] for k in ("id", "title", "body_text", "published_at", "first_seen", "outlet")))
        t1 = time.perf_counter()
        pred[r["url"]] = assign(conn, story, cfg).cluster_id
        t_assign += time.perf_counter() - t1
    # assign() moves merged clusters in the store; read the final membership from there.
    pred = dict(conn.execute("SELECT id, cluster_id FROM stories"))
    truth = {r["url"]: r["story"] for r in rows}
    prec, rec, tp, fp, fn = pairwise(truth, pred)
    # Which edits the missed pairs carry, and which formulaic pages merged wrongly.
    missed = defaultdict(int)
    by_story = defaultdict(list)
    for r in rows:
        by_story[r["story"]].append(r)
    for group in by_story.values():
        for a, b in combinations(group, 2):
            if pred[a["url"]] != pred[b["url"]]:
                for e in set(a["edits"]) | set(b["edits"]):
                    missed[e] += 1
    merges = conn.execute("SELECT count(*) FROM cluster_merges").fetchone()[0]
    return {"split": split, "input": "set text" if use_text else "extract_article", "pages": len(rows),
            "stories": info["stories"], "clusters": len(set(pred.values())), "precision": round(prec, 4),
            "recall": round(rec, 4), "tp": tp, "fp": fp, "fn": fn, "merges": merges,
            "missed_pairs_by_edit": dict(missed), "ms_per_assign": round(1000 * t_assign / len(rows), 2),
            "prep_s": round(t_extract, 1)}


def _bulk_synthetic(conn, start: int, n: int, rng):
    import numpy as np
    conn.execute("DROP INDEX IF EXISTS lsh_bands_key")
    conn.execute("DROP INDEX IF EXISTS lsh_bands_sig")
    conn.execute("BEGIN")
    year = 365 * 86400
    base = 1704038400   # 2024-01-01
    chunk = 50000
    nb = FULL_BANDS + LEAD_BANDS
    for lo in range(start, start + n, chunk):
        m = min(chunk, start + n - lo)
        mh = rng.integers(0, 2 ** 32, size=(m, NUM_PERM), dtype=np.uint32)
        ts = rng.integers(base, base + year, size=m)
        conn.executemany(
            "INSERT INTO story_signatures (sig_id, story_id, minhash, length, ts, outlet, named_source) VALUES (?,?,?,?,?,?,NULL)",
            ((lo + i + 1, f"syn{lo + i:07d}", mh[i].tobytes(), 500, int(ts[i]), "合成网") for i in range(m)))
        hashes = rng.integers(-2 ** 63, 2 ** 63 - 1, size=(m, nb), dtype=np.int64)
        conn.executemany("INSERT INTO lsh_bands (band, hash, sig_id) VALUES (?,?,?)",
                         ((b, int(hashes[i, b]), lo + i + 1) for i in range(m) for b in range(nb)))
    conn.execute("COMMIT")
    conn.execute("CREATE INDEX lsh_bands_key ON lsh_bands(band, hash)")
    conn.execute("CREATE INDEX lsh_bands_sig ON lsh_bands(sig_id)")


def cost(sizes: list[int], db: Path, probes: int = 200, cache_mb: int | None = None) -> list[dict]:
    import numpy as np
    if db.exists():
        db.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    conn = make_store(str(db), cache_mb)
    conn.execute("PRAGMA synchronous=NORMAL")
    rng = np.random.default_rng(10)
    with tempfile.TemporaryDirectory(prefix="synd-set-") as tmp:
        rows, _ = load_pages("dev", True, Path(tmp))
    rows = rows[:probes]
    sigs = [signature(p.text, p.shingles, p.lead) for p in (prepare({"id": r["url"], "title": r["title"],
                                                                        "body_text": r["body_text"]}) for r in rows)]
    have, results = 0, []
    for size in sizes:
        t0 = time.perf_counter()
        _bulk_synthetic(conn, have, size - have, rng)
        load_s = time.perf_counter() - t0
        have = size
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        file_bytes = db.stat().st_size
        # Two passes, each rolled back; per story the faster one counts (the machine is shared).
        times = [float("inf")] * len(rows)
        probe = [float("inf")] * len(rows)
        for _ in range(2):
            PREPARED_CACHE.clear()   # each pass starts cold, as a new process would
            conn.execute("BEGIN")
            for i, r in enumerate(rows):
                story = {"id": r["url"], "title": r["title"], "body_text": r["body_text"],
                         "published_at": r["published_at"], "first_seen": r["published_at"], "outlet": r["outlet"]}
                t1 = time.perf_counter()
                conn.execute("INSERT INTO stories (id, title, body_text, published_at, first_seen, outlet) VALUES (?,?,?,?,?,?)",
                             tuple(story[k] for k in ("id", "title", "body_text", "published_at", "first_seen", "outlet")))
                assign(conn, story)
                times[i] = min(times[i], time.perf_counter() - t1)
                t2 = time.perf_counter()
                candidates(conn, sigs[i].bands)   # the index probes alone (48 lookups)
                probe[i] = min(probe[i], time.perf_counter() - t2)
            conn.execute("ROLLBACK")
        times.sort()
        probe.sort()
        results.append({"stored": size, "ms_median": round(1000 * statistics.median(times), 2),
                        "ms_p90": round(1000 * times[int(0.9 * len(times))], 2),
                        "probe_ms_median": round(1000 * statistics.median(probe), 3),
                        "file_MB": round(file_bytes / 1e6, 1), "bytes_per_story": round(file_bytes / size),
                        "bulk_load_s": round(load_s, 1)})
        print(json.dumps(results[-1]), flush=True)
    conn.close()
    return results


PROJECT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scrapy_crawl(urls_file: Path, mirror_url: str, store: Path, log: Path) -> float:
    """One `scrapy crawl urls` process against the mirror; seconds taken."""
    import subprocess
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "scrapy", "crawl", "urls", "-a", f"file={urls_file}",
           "-s", f"MIRROR_URL={mirror_url}", "-s", f"STORE_PATH={store}", "-s", "LOG_LEVEL=INFO",
           # a local mirror: no politeness delays (the crawl's own defaults are for real sites)
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "ROBOTSTXT_OBEY=False"]
    with open(log, "ab") as out:
        subprocess.run(cmd, cwd=PROJECT, stdout=out, stderr=subprocess.STDOUT, check=True)
    return time.perf_counter() - t0


def store_clusters(store: Path, urls: list[str]) -> dict[str, str]:
    """page URL → cluster_id from the store (own story or the story it arrived at)."""
    conn = sqlite3.connect(store)
    pred = {}
    for url in urls:
        row = conn.execute("SELECT s.cluster_id FROM story_urls u JOIN stories s ON s.id = u.story_id "
                           "WHERE u.url = ? LIMIT 1", (url,)).fetchone()
        pred[url] = row[0] if row and row[0] else f"missing:{url}"
    conn.close()
    return pred


def store_state(store: Path) -> dict:
    from crawler.syndication import snapshot
    conn = sqlite3.connect(store)
    try:
        snap = snapshot(conn)
        snap["story_count"] = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
        snap["content"] = conn.execute("SELECT id, content_hash FROM stories ORDER BY id").fetchall()
        return snap
    finally:
        conn.close()


def crawl_quality(split: str, keep: Path | None = None) -> dict:
    import shutil
    import subprocess
    tmp = Path(tempfile.mkdtemp(prefix="synd-crawl-"))
    work = keep or tmp
    work.mkdir(parents=True, exist_ok=True)
    mirror = work / f"mirror-{split}"
    info = build(mirror, split)
    truth_rows = [json.loads(line) for line in open(mirror / "truth.jsonl", encoding="utf-8")]
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "crawler.mirror_server", str(mirror), "--port", str(port)],
                              cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        store = work / f"store-{split}.sqlite"
        for p in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
            p.unlink(missing_ok=True)
        log = work / f"crawl-{split}.log"
        seconds = scrapy_crawl(mirror / "urls.txt", f"http://127.0.0.1:{port}", store, log)
        first = store_state(store)
        urls = [r["url"] for r in truth_rows]
        pred = store_clusters(store, urls)
        truth = {r["url"]: r["story"] for r in truth_rows}
        prec, rec, tp, fp, fn = pairwise(truth, pred)
        conn = sqlite3.connect(store)
        stored = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
        arrivals = conn.execute("SELECT count(*) FROM story_urls WHERE relation = 'duplicate'").fetchone()[0]
        drops = dict(conn.execute("SELECT reason, count(*) FROM drops GROUP BY reason").fetchall())
        merges = conn.execute("SELECT count(*) FROM cluster_merges").fetchone()[0]
        no_cluster = conn.execute("SELECT count(*) FROM stories WHERE cluster_id IS NULL").fetchone()[0]
        conn.close()
        # a second crawl of the same mirror changes nothing
        second_s = scrapy_crawl(mirror / "urls.txt", f"http://127.0.0.1:{port}", store, log)
        second_unchanged = store_state(store) == first
        # the rebuild command on a copy reproduces the incremental clusters
        copy = work / f"store-{split}-rebuilt.sqlite"
        copy.unlink(missing_ok=True)
        conn = sqlite3.connect(store)
        conn.execute("VACUUM INTO ?", (str(copy),))
        conn.close()
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "scrapy", "clusters", "--rebuild", "--store", str(copy)],
                       cwd=PROJECT, check=True, stdout=subprocess.DEVNULL)
        rebuild_s = time.perf_counter() - t0
        rebuilt = store_state(copy)
        copy.unlink()
        rebuild_equal = {k: rebuilt[k] for k in ("stories", "clusters", "merges")} == \
                        {k: first[k] for k in ("stories", "clusters", "merges")}
    finally:
        server.terminate()
        server.wait()
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return {"split": split, "pages": len(urls), "stories": info["stories"], "stored": stored,
            "exact_duplicate_arrivals": arrivals, "drops": drops,
            "clusters": len(set(pred.values())), "precision": round(prec, 4), "recall": round(rec, 4),
            "tp": tp, "fp": fp, "fn": fn, "merges": merges, "stories_without_cluster": no_cluster,
            "crawl_s": round(seconds, 1), "second_crawl_s": round(second_s, 1),
            "second_crawl_unchanged": second_unchanged, "rebuild_s": round(rebuild_s, 1),
            "rebuild_equals_incremental": rebuild_equal}


def main(argv=None):
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--split", choices=("dev", "heldout", "both"), default="both")
    q.add_argument("--text", action="store_true", help="score on the set's own text instead of extracted pages")
    q.add_argument("--window-days", type=float, default=Config.window_days)
    q.add_argument("--figure-tolerance", type=float, default=Config.figure_tolerance,
                   help="1.0 switches the figures guard off (ablation)")
    c = sub.add_parser("cost")
    c.add_argument("--sizes", default="10000,100000,1000000")
    c.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "synd-cost.sqlite")
    c.add_argument("--cache-mb", type=int, default=32, help="SQLite page cache (the store uses 32 MB; 2 = SQLite's default)")
    w = sub.add_parser("crawl")
    w.add_argument("--split", choices=("dev", "heldout", "both"), default="both")
    w.add_argument("--keep", type=Path, help="keep the mirror, stores and crawl logs in this folder")
    args = ap.parse_args(argv)
    if args.cmd == "crawl":
        splits = ("dev", "heldout") if args.split == "both" else (args.split,)
        res = []
        for split in splits:
            res.append(crawl_quality(split, args.keep))
            print(json.dumps(res[-1], ensure_ascii=False), flush=True)
        print("| split | pages | stories | stored | exact-duplicate arrivals | dropped | precision | recall | FP pairs | FN pairs "
              "| merges | 2nd crawl unchanged | rebuild = incremental | crawl s |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in res:
            print(f"| {r['split']} | {r['pages']} | {r['stories']} | {r['stored']} | {r['exact_duplicate_arrivals']} | "
                  f"{sum(r['drops'].values())} | {r['precision']} | {r['recall']} | {r['fp']} | {r['fn']} | {r['merges']} | "
                  f"{r['second_crawl_unchanged']} | {r['rebuild_equals_incremental']} | {r['crawl_s']} |")
        return
    if args.cmd == "quality":
        splits = ("dev", "heldout") if args.split == "both" else (args.split,)
        cfg = Config(window_days=args.window_days, figure_tolerance=args.figure_tolerance)
        res = [quality(s, args.text, cfg) for s in splits]
        print("| split | input | pages | stories | clusters | precision | recall | FP pairs | FN pairs | merges | ms/assign |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in res:
            print(f"| {r['split']} | {r['input']} | {r['pages']} | {r['stories']} | {r['clusters']} | {r['precision']} | "
                  f"{r['recall']} | {r['fp']} | {r['fn']} | {r['merges']} | {r['ms_per_assign']} |")
        for r in res:
            print(r["split"], "missed pairs by edit:", json.dumps(r["missed_pairs_by_edit"], ensure_ascii=False))
    else:
        res = cost([int(s) for s in args.sizes.split(",")], args.db, cache_mb=args.cache_mb)
        print("| stored stories | ms per new story (median) | p90 | index probes ms (median) | store MB | bytes per story | bulk load s |")
        print("|---|---|---|---|---|---|---|")
        for r in res:
            print(f"| {r['stored']:,} | {r['ms_median']} | {r['ms_p90']} | {r['probe_ms_median']} | {r['file_MB']} | "
                  f"{r['bytes_per_story']} | {r['bulk_load_s']} |")


if __name__ == "__main__":
    main()
