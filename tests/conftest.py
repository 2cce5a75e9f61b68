"""Shared test fixtures: the local mirror server, crawl subprocesses, ../shared."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.mirror_server import serve

PROJECT = Path(__file__).resolve().parents[1]
MIRROR_DIR = PROJECT / "tests" / "mirror"
SHARED = Path(os.environ.get("SHARED_DIR", PROJECT.parent / "shared"))
SEED_POST = SHARED / "seed" / "seed-post.md"


def shared_or_skip(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared material (../shared) is not next to this checkout")
    return path


@pytest.fixture(scope="session")
def seed_post() -> str:
    return shared_or_skip(SEED_POST).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def mirror_url():
    server = serve(MIRROR_DIR)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture()
def serve_dir():
    servers = []

    def start(path: Path) -> str:
        server = serve(path)
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()


FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "RETRY_TIMES": "0",
    "DOWNLOAD_TIMEOUT": "10",
    "LOG_LEVEL": "INFO",
}


# the channels and list endpoints the bundled mirror holds
MIRROR_SETTINGS = json.loads((MIRROR_DIR / "settings.json").read_text(encoding="utf-8"))


def run_crawl(
    spider: str, store: Path, mirror: str | None = None, timeout: int = 120, spider_args: dict | None = None, **settings
) -> subprocess.CompletedProcess:
    """A real ``scrapy crawl`` process against the mirror."""
    args = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"STORE_PATH={store}"]
    for key, value in (spider_args or {}).items():
        args += ["-a", f"{key}={value}"]
    if mirror:
        args += ["-s", f"MIRROR_URL={mirror}"]
    for key, value in {**FAST_SETTINGS, **settings}.items():
        args += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAWLER_")}
    return subprocess.run(args, cwd=PROJECT, capture_output=True, text=True, timeout=timeout, env=env)


def crawl_ok(spider: str, store: Path, mirror: str | None, **settings) -> subprocess.CompletedProcess:
    """``run_crawl`` with the mirror's settings, asserting a clean exit."""
    result = run_crawl(spider, store, mirror, **{**MIRROR_SETTINGS, **settings})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback (most recent call last)" not in result.stderr, result.stderr[-3000:]
    return result


def rows(store: Path, sql: str, params=()) -> list[dict]:
    conn = sqlite3.connect(store)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()
