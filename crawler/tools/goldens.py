"""Write a source's golden file from a crawl of its mirror.

    python -m crawler.tools.goldens chinanews            # show what would change
    python -m crawler.tools.goldens chinanews --write    # write tests/sources/chinanews.json
    python -m crawler.tools.goldens --all --write        # every declared source

Like Fundus's ``generate_parser_test_files.py`` or scrapy-poet's
``savefixture``: nobody types titles, dates or first/last sentences by hand.
The mirror (``tests/mirror``) is served on 127.0.0.1, the source is crawled by
a real ``scrapy crawl`` process with the mirror's settings
(``tests/mirror/settings.json``), and the store's stories, drops and error
count become the golden entries that ``tests/test_sources.py`` checks:

- ``articles``: one entry per stored story — ``url``, ``title``,
  ``published_at``, ``outlet``, ``extractor`` (the template that read it),
  ``first_sentence``, ``last_sentence``, ``pages``. Anything else an existing
  entry holds (``quirks``, ``listed_in``, ``editor``, notes …) is kept.
- ``not_stored``: existing entries are kept (they say why a page is not a
  story, e.g. a ``skip_url`` page never fetched); pages the crawl dropped are
  added with the drop reason, and pages stored undated (held back from the
  export until a date is found) with the reason ``no_publication_date``.
- ``errors``: the run's error count — the deliberately dead pages.

Review the diff before committing: a changed entry is a changed behaviour.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from ..mirror_server import serve
from ..sources import DECLARED
from ..urls import canonicalize

PROJECT = Path(__file__).resolve().parents[2]
MIRROR_DIR = PROJECT / "tests" / "mirror"
GOLDEN_DIR = PROJECT / "tests" / "sources"
# what the source test crawls with: no delays, no retries
CRAWL_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "RETRY_TIMES": "0",
    "DOWNLOAD_TIMEOUT": "10",
    "LOG_LEVEL": "INFO",
}
MEASURED = ("url", "title", "published_at", "outlet", "extractor", "first_sentence", "last_sentence", "pages")
# reasons a golden may state for a page that answered 404
DEAD_REASONS = ("http_404", "dead_link_404")
_SENTENCE_END_RE = re.compile(r"[。！？!?]")


def mirror_settings() -> dict[str, str]:
    return json.loads((MIRROR_DIR / "settings.json").read_text(encoding="utf-8"))


def crawl(name: str, mirror_url: str, store: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    """A real ``scrapy crawl NAME`` of the mirror into ``store``."""
    args = [sys.executable, "-m", "scrapy", "crawl", name, "-s", f"STORE_PATH={store}", "-s", f"MIRROR_URL={mirror_url}"]
    for key, value in {**CRAWL_SETTINGS, **mirror_settings()}.items():
        args += ["-s", f"{key}={value}"]
    # CRAWLER_* variables would point the crawl at another store or mirror
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAWLER_")}
    return subprocess.run(args, cwd=PROJECT, capture_output=True, text=True, timeout=timeout, env=env)


def first_sentence(text: str) -> str:
    """The body up to the first sentence end (。！？), within the first paragraph."""
    line = text.strip().split("\n", 1)[0]
    match = _SENTENCE_END_RE.search(line)
    return line[: match.end()] if match else line


def last_sentence(text: str) -> str:
    """The last sentence of the last paragraph, with what follows its end (e.g. （完）)."""
    line = text.strip().rsplit("\n", 1)[-1]
    ends = [m.end() for m in _SENTENCE_END_RE.finditer(line)]
    # the last sentence starts after the second-to-last end; trailing text after the
    # last end (（完）, a byline) stays with it
    while ends and ends[-1] >= len(line.rstrip()):
        ends.pop()
    if ends and not _SENTENCE_END_RE.search(line[ends[-1]:]):
        # text after the last end without an end of its own: part of the last sentence
        ends.pop()
    return line[ends[-1]:].strip() if ends else line.strip()


def _key(url: str) -> str:
    return canonicalize(url).split("://", 1)[-1]


def measured_entry(story: dict) -> dict:
    extractor = story["extractor"] or ""
    match = re.search(r"\+(\d+)pages$", extractor)
    return {
        "url": story["canonical_url"],
        "title": story["title"],
        "published_at": story["published_at"],
        "outlet": story["outlet"],
        "extractor": extractor,
        "first_sentence": first_sentence(story["body_text"] or ""),
        "last_sentence": last_sentence(story["body_text"] or ""),
        "pages": int(match.group(1)) if match else 1,
    }


def build(name: str, stories: list[dict], drops: list[dict], errors: int, old: dict | None) -> dict:
    """The golden file for ``name`` from a crawl's results, keeping what ``old`` adds."""
    old = old or {}
    old_articles = {_key(a["url"]): a for a in old.get("articles", [])}
    by_key = {_key(s["canonical_url"]): s for s in stories}
    order = [k for k in old_articles if k in by_key] + sorted(k for k in by_key if k not in old_articles)
    articles = []
    for key in order:
        entry = measured_entry(by_key[key])
        extra = {k: v for k, v in old_articles.get(key, {}).items() if k not in MEASURED and k != "template"}
        articles.append({**entry, **extra})
    not_stored = [dict(case) for case in old.get("not_stored", []) if _key(case["url"]) not in by_key]
    listed = {_key(case["url"]): case for case in not_stored}
    for drop in sorted(drops, key=lambda d: d["url"] or ""):
        if not drop["url"] or _key(drop["url"]) in by_key:
            continue
        case = listed.get(_key(drop["url"]))
        if case is None:
            case = {"url": drop["url"], "reason": drop["reason"]}
            not_stored.append(case)
            listed[_key(drop["url"])] = case
        elif case["reason"] != drop["reason"] and not (case["reason"] in DEAD_REASONS and drop["reason"] in DEAD_REASONS):
            case["reason"] = drop["reason"]
    golden = {"source": name, "errors": errors, "articles": articles}
    if not_stored:
        golden["not_stored"] = not_stored
    return golden


def _rows(store: Path, sql: str) -> list[dict]:
    conn = sqlite3.connect(store)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def generate(name: str, mirror_url: str) -> dict:
    path = GOLDEN_DIR / f"{name}.json"
    old = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "s.sqlite"
        result = crawl(name, mirror_url, store)
        if result.returncode != 0 or not store.is_file():
            raise SystemExit(f"{name}: the crawl failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
        stories = _rows(store, "SELECT * FROM stories WHERE published_at IS NOT NULL ORDER BY canonical_url")
        drops = _rows(store, "SELECT url, reason FROM drops")
        # an undated story is stored but not published: a not_stored entry, as before
        drops += _rows(store, "SELECT url, 'no_publication_date' AS reason FROM stories WHERE published_at IS NULL")
        errors = _rows(store, "SELECT errors FROM runs ORDER BY id DESC LIMIT 1")[0]["errors"]
    return build(name, stories, drops, errors, old)


def dumps(golden: dict) -> str:
    return json.dumps(golden, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m crawler.tools.goldens")
    parser.add_argument("sources", nargs="*", help="declared source names")
    parser.add_argument("--all", action="store_true", help="every declared source")
    parser.add_argument("--write", action="store_true", help="write tests/sources/<source>.json (default: show the diff)")
    args = parser.parse_args(argv)
    names = sorted(DECLARED) if args.all else args.sources
    unknown = [n for n in names if n not in DECLARED]
    if not names or unknown:
        parser.error(f"unknown source(s): {', '.join(unknown)}" if unknown else "name a source or give --all")
    server = serve(MIRROR_DIR)
    mirror_url = f"http://127.0.0.1:{server.server_address[1]}"
    changed = 0
    try:
        for name in names:
            path = GOLDEN_DIR / f"{name}.json"
            before = path.read_text(encoding="utf-8") if path.is_file() else ""
            after = dumps(generate(name, mirror_url))
            if before == after:
                print(f"{name}: unchanged")
                continue
            changed += 1
            if args.write:
                path.write_text(after, encoding="utf-8")
                print(f"{name}: wrote {path.relative_to(PROJECT)}")
            else:
                sys.stdout.writelines(difflib.unified_diff(
                    before.splitlines(True), after.splitlines(True), f"a/{path.relative_to(PROJECT)}", f"b/{path.relative_to(PROJECT)}"))
    finally:
        server.shutdown()
    # like a linter: without --write, a difference is a non-zero exit
    return 0 if args.write or not changed else 1


if __name__ == "__main__":
    sys.exit(main())
