"""``scrapy datasette [--port N]``: browse the store named by ``STORE_PATH`` in Datasette.

Tables and views come with descriptions, facets and canned queries
(``crawler/analyst/metadata.json``); the search box on ``stories`` finds
Chinese text (``crawler/analyst/datasette_plugin.py``). Datasette is the
optional extra ``analyst``: ``pip install -e '.[analyst]'``.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand

from ..store import Store
from . import existing_store


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--port N] [--host HOST]"

    def short_desc(self) -> str:
        return "Serve the store in Datasette (tables, views, canned queries, Chinese full-text search)"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--port", type=int, default=8001, help="port to listen on (default 8001)")
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--store", help="SQLite store (default: the STORE_PATH setting)")

    def run(self, args, opts):
        try:
            import datasette  # noqa: F401  (only to say what is missing before anything starts)

            from ..analyst import serve
        except ImportError:
            print("datasette: error: Datasette is not installed: pip install -e '.[analyst]'", file=sys.stderr)
            self.exitcode = 2
            return
        found = existing_store(self, opts.store, "datasette")
        if found is None:
            return
        store_path = Path(found)
        try:
            # opening applies pending migrations: the views and search index the metadata names exist
            Store.open(store_path).close()
        except (sqlite3.Error, OSError) as exc:
            print(f"datasette: error: cannot open the store {store_path}: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        print(f"datasette: serving {store_path} at http://{opts.host}:{opts.port}/", file=sys.stderr, flush=True)
        serve.serve(store_path, host=opts.host, port=opts.port)
