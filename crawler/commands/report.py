"""``scrapy report [--html out.html | --json]``: what the store named by ``STORE_PATH`` holds.

The same report as ``python -m crawler.report`` (one implementation,
``crawler.report.run``): text tables by default, ``--json`` the chart data
for scripts, ``--html PATH`` a self-contained page of charts.
``scrapy report | head`` stops quietly.
"""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from .. import report
from . import settings_of


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--html PATH | --json] [--days N] [--runs N] [--top N] [--store PATH]"

    def short_desc(self) -> str:
        return "Report what the store holds: text tables, --json chart data, or an --html page of charts"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        report.add_arguments(parser)
        parser.add_argument("--store", help="SQLite store (default: the STORE_PATH setting)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("no positional arguments")
        self.exitcode = report.run(opts.store or settings_of(self).get("STORE_PATH"), opts)
