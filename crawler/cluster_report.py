"""The syndication report: the most syndicated stories, and who copies whom.

    python -m crawler.report syndication [--store data/stories.sqlite] [--top 20] [--json]

Read from the ``syndication`` view (one row per story: cluster, origin flag, outlet,
lag after the origin) and the ``clusters`` table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from .store import Store
from .tables import text_table

# the clusters with more than one story, most stories first (shared with the report's chart)
MOST_SYNDICATED_SQL = """
    SELECT c.id AS cluster_id, c.stories, c.outlets, c.first_published, s.outlet AS origin_outlet,
           s.source AS origin_source, s.title AS origin_title, s.url AS origin_url
    FROM clusters c JOIN stories s ON s.id = c.origin_story_id
    WHERE c.stories > 1 ORDER BY c.stories DESC, c.outlets DESC, c.first_published, c.id LIMIT :top
"""


def most_syndicated(store: Store, top: int = 20) -> list[dict]:
    """Clusters with more than one story, most stories first: the origin's title and outlet."""
    return list(store.db.query(MOST_SYNDICATED_SQL, {"top": int(top)}))


def who_copies_whom(store: Store) -> list[dict]:
    """origin outlet → copying outlet: how many copies, and the median minutes after the origin."""
    lags: dict[tuple[str, str], list] = defaultdict(list)
    for row in store.db.query(
        """SELECT o.outlet AS origin_outlet, v.outlet AS copy_outlet, v.lag_minutes
           FROM syndication v JOIN syndication o ON o.cluster_id = v.cluster_id AND o.is_origin = 1
           WHERE v.is_origin = 0"""
    ):
        lags[(row["origin_outlet"] or "?", row["copy_outlet"] or "?")].append(row["lag_minutes"])
    rows: list[dict[str, Any]] = []
    for (origin, copy), values in lags.items():
        known = [v for v in values if v is not None]
        rows.append({"origin_outlet": origin, "copy_outlet": copy, "copies": len(values),
                     "median_lag_minutes": round(statistics.median(known)) if known else None})
    rows.sort(key=lambda r: (-r["copies"], r["origin_outlet"], r["copy_outlet"]))
    return rows


def totals(store: Store) -> dict:
    q = store.db.execute
    return {
        "stories": q("SELECT count(*) FROM stories").fetchone()[0],
        "clusters": q("SELECT count(*) FROM clusters").fetchone()[0],
        "syndicated_clusters": q("SELECT count(*) FROM clusters WHERE stories > 1").fetchone()[0],
        "copies": q("SELECT count(*) FROM syndication WHERE is_origin = 0").fetchone()[0],
        "merges": q("SELECT count(*) FROM cluster_merges").fetchone()[0],
        # byte-identical copies are not stories of their own: arrivals of the stored one
        "exact_duplicate_arrivals": q("SELECT count(*) FROM story_urls WHERE relation = 'duplicate'").fetchone()[0],
        "without_cluster": q("SELECT count(*) FROM stories WHERE cluster_id IS NULL").fetchone()[0],
    }


def syndication_report(store: Store, top: int = 20) -> dict:
    return {"totals": totals(store), "most_syndicated": most_syndicated(store, top), "who_copies_whom": who_copies_whom(store)}


def format_report(data: dict) -> str:
    t = data["totals"]
    out = [f"Syndication: {t['stories']} stories in {t['clusters']} clusters; {t['syndicated_clusters']} clusters "
           f"hold copies ({t['copies']} copies), {t['merges']} merges, {t['without_cluster']} stories without a cluster; "
           f"{t['exact_duplicate_arrivals']} exact duplicates recorded as arrivals (not counted as copies below)."]
    out.append("\nMost syndicated stories:")
    rows = [dict(r, origin_title=(r["origin_title"] or "")[:40]) for r in data["most_syndicated"]]
    out.append(text_table(rows, ["stories", "outlets", "first_published", "origin_outlet", "origin_title", "cluster_id"]))
    out.append("\nWho copies whom (origin outlet → copying outlet):")
    out.append(text_table(data["who_copies_whom"], ["origin_outlet", "copy_outlet", "copies", "median_lag_minutes"]))
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.report syndication", description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=os.environ.get("CRAWLER_STORE_PATH", "data/stories.sqlite"))
    parser.add_argument("--top", type=int, default=20, help="how many of the most syndicated stories")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    if not Path(args.store).is_file():
        print(f"report: no store at {args.store}", file=sys.stderr)
        return 2
    store = Store.open(args.store)
    try:
        data = syndication_report(store, args.top)
    finally:
        store.close()
    print(json.dumps(data, ensure_ascii=False, indent=1) if args.json else format_report(data))
    return 0
