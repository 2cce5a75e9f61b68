"""Shared test helpers: paths, crawl subprocesses, store reads, in-process
Scrapy components. Fixtures live in conftest.py; tests import these from
here (``from .helpers import …``), never from conftest."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
MIRROR_DIR = PROJECT / "tests" / "mirror"
GOLDEN_DIR = PROJECT / "tests" / "sources"
SHARED = Path(os.environ.get("SHARED_DIR", PROJECT.parent / "shared"))
SEED_POST = SHARED / "seed" / "seed-post.md"

# the aggregator's golden expectations (the declared sources' are tests/sources/<name>.json)
EXPECTED = json.loads((MIRROR_DIR / "EXPECTED.json").read_text(encoding="utf-8"))

# the columns a re-run must leave unchanged (everything but last_seen and the run ids)
CONTENT_COLUMNS = (
    "id", "url", "canonical_url", "source", "site", "outlet", "editor", "slug", "tag", "title", "published_at",
    "date_raw", "date_stage", "body_html", "body_text", "digest", "post", "content_hash", "extractor", "encoding", "first_seen",
)


FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "RETRY_TIMES": "0",
    "DOWNLOAD_TIMEOUT": "10",
    "LOG_LEVEL": "INFO",
}

# the channels and list endpoints the bundled mirror holds
MIRROR_SETTINGS = json.loads((MIRROR_DIR / "settings.json").read_text(encoding="utf-8"))


def shared_or_skip(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared material (../shared) is not next to this checkout")
    return path


def golden(name: str) -> dict:
    """A declared source's golden file, tests/sources/<name>.json."""
    return json.loads((GOLDEN_DIR / f"{name}.json").read_text(encoding="utf-8"))


def make_item(**over) -> dict:
    """A complete, normalized article item (override any field)."""
    from pipelines.normalize import normalize

    item = {
        "story_id": "chinadevelopment-1800001",
        "url": "http://www.chinadevelopment.com.cn/news/zj/2022/06/1800001.shtml?spm=1",
        "source": "chinadevelopment",
        "site": "中国发展网",
        "outlet": "中国发展网",
        "title": " 标题 ",
        "published_at": "2022-06-08T11:39:00+08:00",
        "date_raw": "2022-06-08 11:39",
        "body_html": "<p>第一段正文内容，足够长的一段文字。</p> <p>第二段正文内容，也足够长。</p>",
        "post": "---\n...",
    }
    item.update(over)
    return normalize(item)


# --- real crawl processes ---------------------------------------------------------

def crawl_command(spider: str, store: Path, mirror: str | None = None, spider_args: dict | None = None, **settings) -> list[str]:
    args = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"STORE_PATH={store}"]
    for key, value in (spider_args or {}).items():
        args += ["-a", f"{key}={value}"]
    if mirror:
        args += ["-s", f"MIRROR_URL={mirror}"]
    for key, value in {**FAST_SETTINGS, **settings}.items():
        args += ["-s", f"{key}={value}"]
    return args


def crawl_env() -> dict[str, str]:
    """The environment without CRAWLER_* overrides (a developer's store path must not leak in)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CRAWLER_")}


def run_crawl(
    spider: str, store: Path, mirror: str | None = None, timeout: int = 120, spider_args: dict | None = None, **settings
) -> subprocess.CompletedProcess:
    """A real ``scrapy crawl`` process against the mirror."""
    args = crawl_command(spider, store, mirror, spider_args, **settings)
    return subprocess.run(args, cwd=PROJECT, capture_output=True, text=True, timeout=timeout, env=crawl_env())


def crawl_ok(spider: str, store: Path, mirror: str | None, **settings) -> subprocess.CompletedProcess:
    """``run_crawl`` with the mirror's settings, asserting a clean exit."""
    result = run_crawl(spider, store, mirror, **{**MIRROR_SETTINGS, **settings})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback (most recent call last)" not in result.stderr, result.stderr[-3000:]
    return result


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (a source that is down)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# --- the store ------------------------------------------------------------------

def rows(store: Path, sql: str, params=()) -> list[dict]:
    conn = sqlite3.connect(store)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def run_stats(store: Path, run_index: int = -1, spider: str | None = None) -> dict:
    """The Scrapy stats a finished run saved in its ``runs`` row."""
    runs = rows(store, "SELECT spider, stats FROM runs ORDER BY id")
    if spider is not None:
        runs = [r for r in runs if r["spider"] == spider]
    return json.loads(runs[run_index]["stats"])


def wait_for_rows(store: Path, sql: str, at_least: int, *, timeout: float = 60, proc: subprocess.Popen | None = None) -> int:
    """Poll a store another process is writing until ``sql`` (a count) reaches
    ``at_least``. The file appears before its tables do, and a table before
    its rows: an absent file or table counts as 0, never as an error."""
    deadline = time.monotonic() + timeout
    count = 0
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break  # the crawl ended first: the caller's assertion says what it found
        if store.exists():
            try:
                count = rows(store, sql)[0]["n"]
            except sqlite3.OperationalError:  # no such table yet, or locked while migrating
                count = 0
            if count >= at_least:
                return count
        time.sleep(0.1)
    return count


# --- in-process Scrapy components (no reactor, no download) ---------------------

def make_crawler(spidercls=None, settings: dict | None = None, *, store: Path | None = None, spider_kwargs: dict | None = None):
    """A crawler with the project's settings (plus ``settings``) and its
    spider, as Scrapy's own tests build one (``scrapy.utils.test.get_crawler``).

    With ``store``, STORE_PATH points at it. Nothing runs: build components
    with :func:`build` and call their methods directly."""
    from scrapy.utils.test import get_crawler

    import crawler.settings as project_settings

    # the project's settings module, as scrapy.cfg names it for `scrapy crawl`
    project = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    merged = {**project, **(settings or {})}
    if store is not None:
        merged["STORE_PATH"] = str(store)
    crawler = get_crawler(spidercls, merged)
    crawler.spider = crawler._create_spider(**(spider_kwargs or {}))
    return crawler


def build(component_cls, crawler):
    """A middleware, pipeline or extension built the way Scrapy builds it."""
    from scrapy.utils.misc import build_from_crawler

    return build_from_crawler(component_cls, crawler)


def start_run(crawler) -> int:
    """Open the crawler's store and start its run row, as RunLog does on spider_opened."""
    from crawler.store import get_run_context

    return get_run_context(crawler).start()


def close_run(crawler) -> None:
    """Close the crawler's store if a component opened it (as RunLog does on engine_stopped)."""
    from crawler.store.run import _contexts

    ctx = _contexts.get(crawler)
    if ctx is not None:
        ctx.close()


def source_spider(name: str):
    """The registered spider class of a declared source (as ``scrapy crawl NAME`` loads it)."""
    from crawler.spiders import sources

    return next(v for v in vars(sources).values() if isinstance(v, type) and issubclass(v, sources.SourceSpider) and v.name == name)
