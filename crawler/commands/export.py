"""``scrapy export OUT_DIR``: write the Jekyll ``_posts/`` and ``category/`` folders from the store."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from ..store import Store, quick_check, store_broken
from . import existing_store, settings_of


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] OUT_DIR"

    def short_desc(self) -> str:
        return "Write Jekyll _posts/ and category/ pages from the store"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--since", help="first publication day to export (YYYY-MM-DD, China time)")
        parser.add_argument("--until", help="last publication day to export (YYYY-MM-DD, China time)")
        parser.add_argument("--source", action="append", help="only stories from this source (repeatable)")
        parser.add_argument("--store", help="SQLite store (default: the STORE_PATH setting)")
        parser.add_argument("--keep-days", type=int, help="keep only the last N days in _posts/, older posts go to the archive folder (default: EXPORT_KEEP_DAYS, 0 = keep all)")
        parser.add_argument("--every-copy", action="store_true", help="write every stored story, near-duplicate copies of one story by several outlets included (default: one post per syndication cluster, the origin's)")
        parser.add_argument("--archive-dir", help="archive folder for older posts (default: EXPORT_ARCHIVE_DIR, old_post)")

    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("give exactly one output folder")
        settings = settings_of(self)
        store_path = existing_store(self, opts.store, "export")
        if store_path is None:
            return
        if Path(args[0]).exists() and not Path(args[0]).is_dir():
            print(f"export: error: {args[0]} exists and is not a folder", file=sys.stderr)
            self.exitcode = 2
            return
        # a damaged file: one clear line, not a traceback halfway through the posts
        problem = quick_check(store_path)
        if problem:
            print(f"export: error: {problem}", file=sys.stderr)
            self.exitcode = 2
            return
        # imported here: scrapy loads every command module for every command (a crawl too)
        from ..export import UnsafePath, export_site

        try:
            store = Store.open(store_path)
        except (sqlite3.Error, OSError) as exc:
            print(f"export: error: cannot open the store {store_path}: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        try:
            report = export_site(
                store,
                args[0],
                since=opts.since,
                until=opts.until,
                sources=opts.source,
                ext=settings.get("POST_EXTENSION", "md"),
                keep_days=opts.keep_days if opts.keep_days is not None else settings.getint("EXPORT_KEEP_DAYS", 0),
                archive_dir=opts.archive_dir or settings.get("EXPORT_ARCHIVE_DIR", "old_post"),
                every_copy=opts.every_copy,
            )
        except (ValueError, UnsafePath, OSError, sqlite3.DatabaseError) as exc:
            print(f"export: error: {store_broken(exc) or exc}", file=sys.stderr)
            self.exitcode = 2
            return
        finally:
            store.close()
        for warning in report.skipped:
            print(f"export: warning: {warning}", file=sys.stderr)
        print(
            f"export: {len(report.written)} files written, {len(report.moved)} moved to/from the archive, "
            f"{report.unchanged} unchanged, {len(report.categories)} categories, "
            f"{len(report.skipped)} stories skipped (bad date), held back: {report.undated} undated (no publication date yet), {len(report.cleaned)} leftovers of interrupted exports removed → {args[0]}"
        )
