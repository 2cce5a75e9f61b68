"""``scrapy crawlall [SOURCE ...]``: every enabled source in one process.

Each source runs as its own crawler (own download slots, politeness and run
row) with a time budget (``--budget`` seconds, Scrapy's CLOSESPIDER_TIMEOUT).
Outlets run first, together; aggregators (spiders with ``aggregator = True``)
start when they are done, so a story that arrives both ways is stored from the
outlet's own site. A progress line per source is logged while they run; at the end a summary
table is printed — pages, new stories, duplicates, drops by reason, errors,
duration, health flags — and the exit status is 1 when any source failed.

The budget is Scrapy's CLOSESPIDER_TIMEOUT; when it is reached the run log
throws away the requests waiting in the downloader (behind a crawl delay they
would run for minutes), records the run ``interrupted`` and the next run
continues. SIGTERM/SIGINT stop every source the same way (aggregators not yet
started are not started) and the exit status is 128 + the signal number.
"""

from __future__ import annotations

import json
import sys

from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from twisted.internet import task

from .. import stats_keys
from ..store import Store, store_problem
from . import process_of, settings_of
from .crawl import remember_stop_signal

GENERIC_SPIDERS = {"feed", "sitemap", "urls"}


def enabled_sources(settings, chosen: list[str], excluded: list[str], available: list[str]) -> list[str]:
    if chosen:
        unknown = [name for name in chosen if name not in available]
        if unknown:
            raise UsageError(f"unknown source(s): {', '.join(unknown)} (see: scrapy list)")
        names = chosen
    else:
        names = settings.getlist("CRAWLALL_SOURCES") or [n for n in available if n not in GENERIC_SPIDERS]
    return [n for n in names if n not in set(excluded) | set(settings.getlist("CRAWLALL_EXCLUDE"))]


def _figure(value, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def summary_rows(results: list[dict]) -> list[dict]:
    rows = []
    for r in results:
        stats = r["stats"]
        drops = r.get("dropped_by_reason") or {}
        rows.append(
            {
                "source": r["name"],
                "status": r["status"],
                "pages": stats.get(stats_keys.DOWNLOADER_RESPONSES, 0),
                "not_modified": stats.get(stats_keys.LISTING_NOT_MODIFIED, 0),
                "new": stats.get(stats_keys.STORE_STORED, 0),
                "updated": stats.get(stats_keys.STORE_UPDATED, 0),
                "duplicates": stats.get(stats_keys.DEDUPE_DUPLICATES, 0),
                # near-duplicates: stories that founded a cluster / joined one as a copy
                "new_clusters": stats.get(stats_keys.SYNDICATION_NEW_CLUSTERS, 0),
                "copies": stats.get(stats_keys.SYNDICATION_COPIES, 0),
                "dropped": ", ".join(f"{k}={v}" for k, v in sorted(drops.items())) or "0",
                "errors": stats.get(stats_keys.RUNLOG_ERRORS, 0),
                # transient failures waiting for a later run (url_outcomes)
                "waiting": stats.get(stats_keys.OUTCOMES_WAITING, 0),
                "seconds": round(r.get("duration_s") or stats.get("elapsed_time_seconds") or 0.0, 1),
                # article pages per wall second, CPU seconds (process + extraction workers) per page
                "pages/s": _figure(stats.get(stats_keys.RUN_PAGES_PER_S), 1),
                "cpu_s/page": _figure(stats.get(stats_keys.RUN_CPU_S_PER_PAGE), 3),
                "health": "; ".join(f["check"] for f in r.get("health") or []) or "ok",
                "why": r.get("why") or "",
            }
        )
    return rows


def format_table(rows: list[dict]) -> str:
    if not rows:
        return "(no sources)"
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns), "  ".join("-" * widths[c] for c in columns)]
    lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def crawler_stats(crawler) -> dict | None:
    """The crawler's stats, or None for one that has not started (Scrapy
    raises on ``Crawler.stats`` before the crawler's settings are applied)."""
    try:
        stats = crawler.stats
    except RuntimeError:
        return None
    return stats.get_stats() if stats is not None else None


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] [SOURCE ...]"

    def short_desc(self) -> str:
        return "Run every enabled source (or the ones named) in one process, with a summary"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--budget", type=float, help="seconds each source may run (default: CRAWLALL_BUDGET setting)")
        parser.add_argument("--exclude", action="append", default=[], help="source to leave out (repeatable)")
        parser.add_argument("--progress", type=float, default=None, help="seconds between progress lines (default 30)")

    def run(self, args, opts):
        process = process_of(self)
        settings = settings_of(self)
        available = process.spider_loader.list()
        names = enabled_sources(settings, args, opts.exclude, available)
        if not names:
            raise UsageError("no source enabled")
        problem = store_problem(settings.get("STORE_PATH"))
        if problem:
            print(f"crawlall: {problem}", file=sys.stderr)
            self.exitcode = 2
            return
        budget = opts.budget if opts.budget is not None else settings.getfloat("CRAWLALL_BUDGET", 1800)
        crawlers = []
        for name in names:
            crawler = process.create_crawler(name)
            if budget:
                crawler.settings.set("CLOSESPIDER_TIMEOUT", budget, priority="cmdline")
            crawlers.append((name, crawler))
        # Outlets first, aggregators after them: the same story arriving both
        # ways is then always stored from the outlet's own site, whatever the timing.
        outlets = [c for _, c in crawlers if not getattr(c.spidercls, "aggregator", False)]
        aggregators = [c for _, c in crawlers if getattr(c.spidercls, "aggregator", False)]
        self._outlets_left = len(outlets)
        stopped = remember_stop_signal(process)

        def outlet_closed(spider, reason):
            self._outlets_left -= 1
            if self._outlets_left == 0 and "signum" not in stopped:
                for crawler in aggregators:
                    process.crawl(crawler)

        self._outlet_closed = outlet_closed  # signal receivers are held weakly
        for crawler in outlets:
            crawler.signals.connect(outlet_closed, signal=signals.spider_closed)
            process.crawl(crawler)
        if not outlets:
            for crawler in aggregators:
                process.crawl(crawler)
        interval = opts.progress if opts.progress is not None else settings.getfloat("CRAWLALL_PROGRESS_INTERVAL", 30)
        progress = task.LoopingCall(self._progress, crawlers)
        if interval > 0:
            progress.start(interval, now=False)
        process.start()
        if progress.running:
            progress.stop()
        results = [self._result(name, crawler) for name, crawler in crawlers]
        print("\ncrawlall summary:")
        print(format_table(summary_rows(results)))
        failed = [r for r in results if r["status"] == "failed"]
        for r in failed:
            print(f"{r['name']}: FAILED — {r['why']}", file=sys.stderr)
        self.exitcode = 1 if failed else 0
        if "signum" in stopped:
            print(f"crawlall: stopped by signal {stopped['signum']}: runs recorded as interrupted, the next run continues", file=sys.stderr)
            self.exitcode = 128 + stopped["signum"]

    @staticmethod
    def _progress(crawlers):
        # one line per running source, named; sources not started yet (aggregators
        # wait for the outlets) and finished ones are left out
        for name, crawler in crawlers:
            stats = crawler_stats(crawler)
            if not stats or not crawler.crawling:
                continue
            print(
                f"progress {name}: {stats.get(stats_keys.DOWNLOADER_RESPONSES, 0)} pages, "
                f"{stats.get(stats_keys.STORE_STORED, 0)} new, {stats.get(stats_keys.RUNLOG_DROPS, 0)} dropped",
                file=sys.stderr, flush=True,
            )

    @staticmethod
    def _result(name: str, crawler) -> dict:
        stats = crawler_stats(crawler)
        if stats is None:
            return {"name": name, "stats": {}, "status": "not started", "why": "not started (the crawl was stopped first)"}
        failed = stats.get(stats_keys.SOURCE_FAILED)
        reason = stats.get("finish_reason")
        result = {"name": name, "stats": stats, "status": "finished", "why": ""}
        if stats.get(stats_keys.STORE_BROKEN):
            result.update(status="failed", why=str(stats[stats_keys.STORE_BROKEN]))
        elif failed:
            result.update(status="failed", why=str(failed))
        elif reason == "shutdown":
            result.update(status="stopped", why="stopped by a signal: the next run continues")
        elif reason not in ("finished", "closespider_timeout"):
            result.update(status="failed", why=f"stopped: {reason}")
        elif reason == "closespider_timeout":
            result["why"] = "time budget reached"
        # the run row id, as the run log recorded it when the spider opened
        run_id = stats.get(stats_keys.RUN_ID)
        if run_id is not None and not stats.get(stats_keys.STORE_BROKEN):
            store = Store.open(crawler.settings.get("STORE_PATH"))
            try:
                row = store.run_row(run_id)
            finally:
                store.close()
            if row:
                result["dropped_by_reason"] = json.loads(row["dropped_by_reason"] or "{}")
                result["health"] = json.loads(row["health"] or "[]")
                result["duration_s"] = row["duration_s"]
        return result
