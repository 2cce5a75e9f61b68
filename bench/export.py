"""Benchmark: ``scrapy export`` of a large store, first and unchanged.

    .venv/bin/python bench/export.py [--stories 10000] [--keep-days 3]

Generates a store of N stories (posts of the seed's size, ~6 KB, spread over
a year), then times in-process ``export_site`` runs: the first export (writes
everything), an unchanged export (must write nothing and take < 5 s for 10,000
stories), and the same for half as many stories, to show the time grows
linearly (an export used to glob ``_posts/`` once per story: quadratic).
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
# bench/ itself must not be on the path: bench/incremental.py would shadow the
# ``incremental`` package Twisted imports
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(PROJECT))

from crawler.export import export_site  # noqa: E402
from crawler.store import Store  # noqa: E402
from pipelines.render import render_post  # noqa: E402

BODY = "<p>" + "中国发展网讯 联想联合亿欧共同举办了主题云端思享会，荟聚行业专家和企业家代表。" * 60 + "</p>"


def make_store(path: Path, count: int) -> None:
    store = Store.open(path)
    rows = []
    first = date(2022, 1, 1)
    for n in range(count):
        day = first + timedelta(days=n % 365)
        published = f"{day.isoformat()}T{n % 24:02d}:00:00+08:00"
        outlet = f"媒体{n % 40}"
        post = render_post(title=f"标题 {n}", published_at=published, slug=f"meiti{n % 40}", tag=f"{outlet}新闻",
                           outlet=outlet, body_html=BODY, link=f"http://finews.zning.xyz/a?infoCode=NW{n}")
        rows.append({
            "id": f"NW{n:012d}", "url": f"http://e.test/{n}", "canonical_url": f"http://e.test/{n}",
            "source": "eastmoney", "site": "东方财富", "outlet": outlet, "slug": f"meiti{n % 40}", "tag": f"{outlet}新闻",
            "title": f"标题 {n}", "published_at": published, "body_html": BODY, "body_text": "x", "post": post,
            "content_hash": f"h{n}", "first_seen": "2022-01-01T00:00:00+00:00", "last_seen": "2022-01-01T00:00:00+00:00",
        })
    store.db["stories"].insert_all(rows, batch_size=1000)
    store.close()


def timed(store_path: Path, out: Path, keep_days: int) -> tuple[float, object]:
    store = Store.open(store_path)
    start = time.perf_counter()
    report = export_site(store, out, keep_days=keep_days, today="2022-12-31")
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=10000)
    parser.add_argument("--keep-days", type=int, default=3)
    args = parser.parse_args()
    rows = []
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for count in (args.stories // 2, args.stories):
            db = Path(tmp) / f"s{count}.sqlite"
            make_store(db, count)
            out = Path(tmp) / f"site{count}"
            first, _ = timed(db, out, args.keep_days)
            again, report = timed(db, out, args.keep_days)
            if report.written or report.moved or report.unchanged != count + 40:
                print(f"unchanged export of {count} stories wrote {len(report.written)} files", file=sys.stderr)
                ok = False
            rows.append((count, first, again))
    print("| stories | first export s | unchanged export s | unchanged per 1,000 stories s |")
    print("|---|---|---|---|")
    for count, first, again in rows:
        print(f"| {count:,} | {first:.2f} | {again:.2f} | {again / count * 1000:.3f} |")
    (small, _, t_small), (big, _, t_big) = rows
    ratio = t_big / t_small if t_small else float("inf")
    print(f"\nunchanged export time ratio {big:,}/{small:,} stories: {ratio:.2f} (linear: 2)")
    if args.stories >= 10000 and t_big >= 5.0:
        print(f"target missed: unchanged export of {big:,} stories took {t_big:.2f} s (≥ 5 s)", file=sys.stderr)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
