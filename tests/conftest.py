"""Fixtures: the local mirror server, crawls of it shared between tests,
in-process crawlers over a tmp_path store, ../shared. Helpers (crawl
runner, rows(), settings) are in tests/helpers.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crawler.mirror_server import serve

from .helpers import CONTENT_COLUMNS, MIRROR_DIR, SEED_POST, close_run, crawl_ok, make_crawler, rows, shared_or_skip


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


@pytest.fixture(scope="session")
def mirror_crawled_twice(tmp_path_factory, mirror_url):
    """The site and the aggregator crawled from the bundled mirror into one
    store, then both again (a second, incremental run each): four real
    ``scrapy crawl`` processes, shared by every test that reads such a store.

    ``first`` snapshots stories, arrivals and drops after the first round;
    ``logs`` are the four CompletedProcess objects in order; ``site_once`` a
    copy of the store after the very first crawl (the site alone)."""
    folder = tmp_path_factory.mktemp("mirror-crawl")
    store = folder / "stories.sqlite"
    logs = [crawl_ok("chinadevelopment", store, mirror_url)]
    # the store after one crawl of the site alone (the crawl closed it: no WAL left)
    site_once = folder / "site-once.sqlite"
    shutil.copyfile(store, site_once)
    logs.append(crawl_ok("eastmoney", store, mirror_url))
    first = {
        "stories": rows(store, f"SELECT {', '.join(CONTENT_COLUMNS)} FROM stories ORDER BY id"),
        "urls": rows(store, "SELECT canonical_url, source, story_id, url, outlet, relation, first_seen FROM story_urls ORDER BY canonical_url, source"),
        "drops": rows(store, "SELECT url, reason FROM drops ORDER BY url, reason"),
    }
    for spider in ("chinadevelopment", "eastmoney"):
        logs.append(crawl_ok(spider, store, mirror_url))
    return {"store": store, "first": first, "logs": logs, "site_once": site_once}


@pytest.fixture()
def site_crawled_once(tmp_path, mirror_crawled_twice) -> Path:
    """A store holding one finished crawl of the site (chinadevelopment) from the
    bundled mirror, copied for this test: the starting point of incremental
    runs. The mirror server gives a copied mirror folder the same ETag and
    Last-Modified (content hash, preserved mtime), so the copy's validators hold."""
    store = tmp_path / "s.sqlite"
    shutil.copyfile(mirror_crawled_twice["site_once"], store)
    return store


@pytest.fixture()
def crawler_factory(tmp_path):
    """Build in-process crawlers (project settings, a spider, a tmp_path store);
    their stores are closed after the test."""
    made = []

    def factory(spidercls=None, settings: dict | None = None, *, store: Path | None = None, spider_kwargs: dict | None = None):
        crawler = make_crawler(spidercls, settings, store=store or tmp_path / "store.sqlite", spider_kwargs=spider_kwargs)
        made.append(crawler)
        return crawler

    yield factory
    for crawler in made:
        close_run(crawler)
