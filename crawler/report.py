"""Print what the store holds: stories per source, the latest runs, drops.

    python -m crawler.report [--store data/stories.sqlite] [--runs 10]
    python -m crawler.report syndication [--store …] [--top 20] [--json]   (crawler/cluster_report.py)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .store import Store


def _table(rows: list[dict], columns: list[str]) -> str:
    if not rows:
        return "  (none)"
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  " + "  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  " + "  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def report(store: Store, runs: int = 10) -> str:
    db = store.db
    out = []
    out.append("Stories by source:")
    out.append(_table(list(db.query(
        "SELECT source, count(*) AS stories, min(published_at) AS earliest, max(published_at) AS latest FROM stories GROUP BY source ORDER BY source"
    )), ["source", "stories", "earliest", "latest"]))
    out.append("\nArrivals recorded as duplicates:")
    out.append(_table(list(db.query(
        "SELECT u.source, u.url, u.story_id FROM story_urls u WHERE u.relation = 'duplicate' ORDER BY u.first_seen DESC LIMIT 20"
    )), ["source", "url", "story_id"]))
    out.append(f"\nLatest {runs} runs:")
    rows = list(db.query(f"SELECT id, spider, status, started_at, requests, stored, updated, duplicates, dropped, dropped_by_reason, errors FROM runs ORDER BY id DESC LIMIT {int(runs)}"))
    for row in rows:
        row["dropped_by_reason"] = ", ".join(f"{k}={v}" for k, v in json.loads(row["dropped_by_reason"] or "{}").items())
    out.append(_table(rows, ["id", "spider", "status", "started_at", "requests", "stored", "updated", "duplicates", "dropped", "dropped_by_reason", "errors"]))
    return "\n".join(out)


def syndication_main(argv) -> int:
    """The ``syndication`` subcommand: clusters of near-duplicate copies (crawler/cluster_report.py)."""
    from . import cluster_report

    return cluster_report.main(argv)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["syndication"]:
        return syndication_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=os.environ.get("CRAWLER_STORE_PATH", "data/stories.sqlite"))
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    if not Path(args.store).is_file():
        print(f"report: no store at {args.store}", file=sys.stderr)
        return 2
    store = Store.open(args.store)
    try:
        print(report(store, args.runs))
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
