"""``scrapy clusters [--rebuild]``: the syndication clusters of the store.

Without options: how many stories, clusters, copies and merges the store holds.
``--rebuild`` empties the syndication index and clusters and replays every
stored story in arrival order (crawler.syndication.rebuild), in one transaction:
after a change of the SYNDICATION_* thresholds, or after many changed stories
(a cluster is never split incrementally). On unchanged data the result equals
what the crawls assigned (tests/test_syndication_store.py checks it).
"""

from __future__ import annotations

import sqlite3
import sys
import time

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from .. import syndication
from ..store import Store
from . import existing_store, settings_of


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--rebuild] [--store PATH]"

    def short_desc(self) -> str:
        return "Show, or rebuild from the stored stories, the syndication clusters"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--rebuild", action="store_true", help="rebuild every cluster from the stored stories")
        parser.add_argument("--store", help="SQLite store (default: the STORE_PATH setting)")

    def run(self, args, opts):
        if args:
            raise UsageError("no positional arguments")
        settings = settings_of(self)
        store_path = existing_store(self, opts.store, "clusters")
        if store_path is None:
            return
        # imported here: scrapy loads every command module for every command (a crawl too)
        from ..cluster_report import totals

        cfg = syndication.Config.from_settings(settings)
        try:
            store = Store.open(store_path, syndication_config=cfg)
        except (sqlite3.Error, OSError) as exc:
            print(f"clusters: error: cannot open the store {store_path}: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        try:
            if opts.rebuild:
                started = time.monotonic()
                with store.db.atomic():   # all or nothing: a crawl never sees half the clusters
                    result = syndication.rebuild(store.db, cfg)
                print(f"clusters: rebuilt {result['stories']} stories into {result['clusters']} clusters "
                      f"({result['merges']} merges) in {time.monotonic() - started:.1f} s "
                      f"[window {cfg.window_days} days, containment ≥ {cfg.min_containment}, "
                      f"figure tolerance {cfg.figure_tolerance}]")
            t = totals(store)
        finally:
            store.close()
        print(f"clusters: {t['stories']} stories, {t['clusters']} clusters, {t['syndicated_clusters']} with copies, "
              f"{t['copies']} copies, {t['merges']} merges, {t['without_cluster']} stories without a cluster")
