"""Every declared source, crawled from its mirror, against its golden file.

A source without a mirror of its discovery pages, or without golden
expectations for each mirrored article, fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.mirror_server import resolve
from crawler.sources import DECLARED
from crawler.urls import canonicalize

from .conftest import MIRROR_DIR, PROJECT, rows, run_crawl

GOLDEN_DIR = PROJECT / "tests" / "sources"
SOURCES = sorted(DECLARED)


def golden(name: str) -> dict:
    path = GOLDEN_DIR / f"{name}.json"
    assert path.is_file(), f"source {name!r} has no golden expectations: {path.relative_to(PROJECT)}"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data.get("articles"), f"{path.name} lists no articles"
    for article in data["articles"]:
        for key in ("url", "title", "published_at", "outlet", "first_sentence", "last_sentence"):
            assert article.get(key), f"{path.name}: {article.get('url')} lacks {key}"
    return data


def mirror_path(url: str) -> Path | None:
    parts = urlsplit(url)
    return resolve(MIRROR_DIR, f"/{parts.netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else ""))


def _key(url: str) -> str:
    parts = urlsplit(canonicalize(url))
    return parts.netloc + parts.path + (f"?{parts.query}" if parts.query else "")


def mirrored_article_urls(name: str) -> set[str]:
    decl = DECLARED[name]
    found = set()
    for host_dir in MIRROR_DIR.iterdir():
        if not host_dir.is_dir() or not decl.owns_host(host_dir.name):
            continue
        for path in host_dir.rglob("*"):
            if path.is_file() and not path.name.endswith(".http"):
                url = f"http://{host_dir.name}/{path.relative_to(host_dir).as_posix()}"
                if decl.is_article_url(canonicalize(url)) or decl.is_article_url(canonicalize(url.replace("http://", "https://", 1))):
                    found.add(_key(url))
    return found


@pytest.mark.parametrize("name", SOURCES)
def test_source_has_mirror_and_golden_expectations(name):
    decl = DECLARED[name]
    data = golden(name)
    discovery_urls = [*decl.discovery.feeds, *decl.discovery.sitemaps, *decl.discovery.listings]
    assert discovery_urls, f"{name} declares no feed, sitemap or listing"
    for url in discovery_urls:
        assert mirror_path(url) is not None, f"{name}: discovery page {url} is not mirrored under tests/mirror/"
    golden_urls = {_key(a["url"]) for a in data["articles"]} | {_key(a["url"]) for a in data.get("not_stored", [])}
    missing = mirrored_article_urls(name) - golden_urls
    assert not missing, f"{name}: mirrored articles without golden expectations: {sorted(missing)}"
    assert len(data["articles"]) >= 3, f"{name}: mirror at least 3 articles"
    doc = PROJECT / "docs" / "sources" / f"{name}.md"
    assert doc.is_file(), f"{name}: no source document {doc.relative_to(PROJECT)}"


@pytest.mark.e2e
@pytest.mark.parametrize("name", SOURCES)
def test_source_crawls_from_its_mirror(name, tmp_path, mirror_url):
    data = golden(name)
    store = tmp_path / "s.sqlite"
    result = run_crawl(name, store, mirror_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback (most recent call last)" not in result.stderr
    stored = {_key(r["canonical_url"]): r for r in rows(store, "SELECT * FROM stories")}
    for article in data["articles"]:
        story = stored.get(_key(article["url"]))
        assert story is not None, f"{name}: not stored: {article['url']}"
        assert story["title"] == article["title"]
        assert story["published_at"] == article["published_at"]
        assert story["published_at"].endswith("+08:00")
        assert story["outlet"] == article["outlet"]
        assert story["body_text"].startswith(article["first_sentence"]), story["body_text"][:120]
        assert story["body_text"].endswith(article["last_sentence"]), story["body_text"][-120:]
        pages = article.get("pages", 1)
        if pages > 1:
            assert story["extractor"].endswith(f"+{pages}pages"), story["extractor"]
    drops = {(_key(d["url"]), d["reason"]) for d in rows(store, "SELECT url, reason FROM drops")}
    for case in data.get("not_stored", []):
        assert _key(case["url"]) not in stored, f"{name}: {case['url']} must not be stored ({case['reason']})"
        if case["reason"] in ("http_404", "dead_link_404"):
            assert (_key(case["url"]), "http_404") in drops, f"{name}: no drop recorded for {case['url']}"
