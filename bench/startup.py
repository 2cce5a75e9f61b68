"""Benchmark: the start-up of a scheduled run that finds nothing new.

    .venv/bin/python bench/startup.py [--source chinadevelopment] [--repeat 3] [--top 15]

1. serves the bundled mirror (tests/mirror) on 127.0.0.1 with
   ``crawler.mirror_server``, with the mirror's settings (tests/mirror/settings.json)
   as the tests use them;
2. crawls one declared source once into a temporary store (``python -m scrapy
   crawl <source>``, a real process);
3. runs the same command again ``--repeat`` times: every listing now answers
   304 and nothing new is stored; prints the median wall time of those runs
   (target: ≤ 2 s for one source, issue 12);
4. runs it once more under ``python -X importtime`` and prints the modules
   whose import costs most (cumulative, top-level imports of the process, and
   the biggest single modules by their own time).

Exits 1 when the second run did not find all listings unchanged or stored something.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[0] = str(PROJECT)  # not bench/: its incremental.py would shadow the package twisted imports

from bench.common import last_run_stats, run_crawl  # noqa: E402
from crawler import stats_keys  # noqa: E402
from crawler.mirror_server import serve  # noqa: E402

MIRROR_DIR = PROJECT / "tests" / "mirror"
MIRROR_SETTINGS = json.loads((MIRROR_DIR / "settings.json").read_text(encoding="utf-8"))
# as the tests run crawls of the mirror (tests/helpers.py FAST_SETTINGS)
FAST_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "RETRY_TIMES": "0", "DOWNLOAD_TIMEOUT": "10"}


def crawl_command(source: str, store: Path, mirror: str, *prefix: str) -> list[str]:
    cmd = [sys.executable, *prefix, "-m", "scrapy", "crawl", source, "-s", f"STORE_PATH={store}", "-s", f"MIRROR_URL={mirror}",
           "-s", "LOG_LEVEL=WARNING"]
    for key, value in {**FAST_SETTINGS, **MIRROR_SETTINGS}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd




_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_costs(stderr: str) -> list[tuple[str, int, int, int]]:
    """(module, self µs, cumulative µs, depth) of every line ``-X importtime`` wrote."""
    found = []
    for line in stderr.splitlines():
        m = _IMPORTTIME.match(line)
        if m:
            found.append((m.group(4), int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="chinadevelopment")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    store = work / "stories.sqlite"
    server = serve(MIRROR_DIR)
    mirror = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        first_wall, _ = run_crawl(crawl_command(args.source, store, mirror))
        first = last_run_stats(store)
        walls, seconds = [], []
        for _ in range(args.repeat):
            wall, _ = run_crawl(crawl_command(args.source, store, mirror))
            walls.append(wall)
            seconds.append(last_run_stats(store))
        _, traced = run_crawl(crawl_command(args.source, store, mirror, "-X", "importtime"))
    finally:
        server.shutdown()

    again = seconds[-1]
    print(f"source {args.source}: first crawl {first_wall:.2f} s wall, stored {first.get(stats_keys.STORE_STORED, 0)}, "
          f"listings {first.get(stats_keys.LISTING_PAGES, 0)}")
    print(f"nothing-new run (listings 304: {again.get(stats_keys.LISTING_NOT_MODIFIED, 0)}, "
          f"listings 200: {again.get(stats_keys.LISTING_PAGES, 0)}, stored {again.get(stats_keys.STORE_STORED, 0)}): "
          f"median {statistics.median(walls):.2f} s wall of {len(walls)} ({', '.join(f'{w:.2f}' for w in walls)})")

    costs = import_costs(traced.stderr)
    total = sum(c[1] for c in costs)
    print(f"\nimports: {len(costs)} modules, {total / 1e6:.2f} s in all (under -X importtime, which adds its own cost)")
    print(f"\ntop-level imports by cumulative time (top {args.top}):")
    print("| module | cumulative ms |\n|---|---|")
    for name, _self, cum, depth in sorted((c for c in costs if c[3] == 0), key=lambda c: -c[2])[: args.top]:
        print(f"| {name} | {cum / 1000:.0f} |")
    print(f"\npackages by cumulative time at any depth (top {args.top}; heavy third-party modules first named):")
    seen: dict[str, int] = {}
    for name, _self, cum, _depth in costs:
        root = name.split(".")[0]
        # the first (outermost) import of a package carries its whole cost
        if name == root and root not in seen:
            seen[root] = cum
    print("| package | cumulative ms |\n|---|---|")
    for root, cum in sorted(seen.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"| {root} | {cum / 1000:.0f} |")

    ok = again.get(stats_keys.STORE_STORED, 0) == 0 and again.get(stats_keys.LISTING_PAGES, 0) == 0 \
        and again.get(stats_keys.LISTING_NOT_MODIFIED, 0) > 0
    print(f"\n{'PASS' if ok else 'FAIL'}  the repeated run found every listing unchanged and stored nothing")
    target = statistics.median(walls) <= 2.0
    print(f"{'PASS' if target else 'MISS'}  median ≤ 2 s (noisy on a shared machine)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
