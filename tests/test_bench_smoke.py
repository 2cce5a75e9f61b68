"""bench/throughput.py in a tiny mode: it runs, and its outcome accounting holds.

No timing is asserted (the machine is shared); what must hold is that every page the crawl
fetched is a stored story, an exact-duplicate arrival or a drop — on real pages of the
shared corpus, served several times each with different bytes and the same text."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .helpers import PROJECT, SHARED, crawl_env, shared_or_skip

pytestmark = pytest.mark.e2e


def _bench_on_zh_dev(tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """8 distinct zh-dev pages served 20 times in all, crawled in process; the printed
    output and the JSON results."""
    corpus = shared_or_skip(SHARED / "corpus")
    shared_or_skip(corpus / "zh-dev" / "manifest.jsonl")
    pytest.importorskip("psutil")
    out = tmp_path / "result.json"
    cmd = [sys.executable, "bench/throughput.py", "--corpus", str(corpus), "--corpora", "zh-dev", "--limit", "8",
           "--pages", "20", "--workers", "0", "--json", str(out), *args]
    result = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=240, env=crawl_env())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result, json.loads(out.read_text(encoding="utf-8"))


def test_throughput_bench_accounts_for_every_page(tmp_path):
    # 8 distinct pages served 20 times in all: 8 stored (or dropped), 12 copies
    result, runs = _bench_on_zh_dev(tmp_path)
    assert [r["run"] for r in runs] == ["download-only, run 1", "download-only, run 2", "scrapy crawl urls, EXTRACT_WORKERS=0"]
    *downloads, crawl = runs
    # the ratio is to the faster download-only run
    assert sorted(d["ratio"] for d in downloads)[0] == 1.0
    assert abs(crawl["ratio"] - crawl["wall_s"] / min(d["wall_s"] for d in downloads)) < 0.02
    for download in downloads:
        assert download["pages"] == crawl["pages"] == 20
        assert download["returncode"] == crawl["returncode"] == 0
        # every URL answered (robots.txt is one more response)
        assert download["responses"] >= 20 and crawl["responses"] >= 20
    assert crawl["outcome_ok"] is True and crawl["unaccounted"] == 0
    assert crawl["stored"] + crawl["duplicates"] + crawl["drops"] == 20
    # the copies' text is the original's: at most the 8 distinct pages are stories, the 12 copies are not
    assert crawl["stored"] <= 8
    assert crawl["cpu_s"] > 0 and crawl["peak_rss_mb"] > 0
    assert "| scrapy crawl urls, EXTRACT_WORKERS=0 | 20 |" in result.stdout


def test_throughput_bench_skips_without_the_corpus(tmp_path):
    result = subprocess.run([sys.executable, "bench/throughput.py", "--corpus", str(tmp_path / "absent")],
                            cwd=PROJECT, capture_output=True, text=True, timeout=60, env=crawl_env())
    assert result.returncode == 0
    assert result.stdout.startswith("SKIP: corpus absent")


def test_distinct_text_copies_differ_in_every_paragraph_but_the_first_copy_is_the_page():
    sys.path.insert(0, str(PROJECT))
    from bench.throughput import copy_bytes

    page = "<html><body><p>第一段</p><P>second</P ></body></html>".encode("gbk")
    assert copy_bytes(page, 0, distinct_text=True) == copy_bytes(page, 0)
    assert copy_bytes(page, 0).startswith(page)
    assert copy_bytes(page, 3).count(b"(copy 3)") == 0          # the plain mode changes no text
    distinct = copy_bytes(page, 3, distinct_text=True)
    assert distinct.count(b" (copy 3)</p>") == 2
    assert distinct.decode("gbk").startswith("<html><body><p>第一段 (copy 3)</p>")


def test_throughput_bench_with_distinct_text_stores_the_copies(tmp_path):
    _, (crawl,) = _bench_on_zh_dev(tmp_path, "--no-download-only", "--distinct-text")
    assert crawl["outcome_ok"] is True and crawl["stored"] + crawl["duplicates"] + crawl["drops"] == 20
    # the copies' paragraphs differ: more stories than the 8 distinct pages
    assert crawl["stored"] > 8


def test_extraction_snapshot_finds_no_change_in_unchanged_code_and_reports_one(tmp_path):
    # bench/extraction_snapshot.py is how issue 12's speed-ups were shown to change nothing
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "bench/extraction_snapshot.py", *args], cwd=PROJECT,
                              capture_output=True, text=True, timeout=240)

    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for dest in (first, second):
        written = run("write", str(dest), "--no-corpus")
        assert written.returncode == 0, written.stderr[-2000:]
    same = run("compare", str(first), str(second))
    assert same.returncode == 0 and "pages: " in same.stdout and "differing 0" in same.stdout, same.stdout
    snapshot = json.loads(second.read_text(encoding="utf-8"))
    key = next(k for k, v in snapshot["pages"].items() if v.get("title"))
    snapshot["pages"][key]["title"] += "!"
    second.write_text(json.dumps(snapshot, ensure_ascii=False), encoding="utf-8")
    changed = run("compare", str(first), str(second))
    assert changed.returncode == 1 and f"{key} title" in changed.stdout, changed.stdout
