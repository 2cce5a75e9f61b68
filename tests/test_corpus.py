"""Real pages from ../shared/corpus: a smoke test over gne-pages (no gold), the zh-dev
and fundus-dev quality floors (gold), plus the benchmark's scoring definition.

The corpus tests skip with a reason when ../shared (or $SHARED_DIR) is absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench.evaluate import body_scores, date_matches, score, tokenize
from crawler.batch_extract import extract_manifest_line

SHARED = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared")
GNE = SHARED / "corpus" / "gne-pages"
ZH_DEV = SHARED / "corpus" / "zh-dev"
FUNDUS_DEV = SHARED / "corpus" / "fundus-dev"


def manifest_lines(corpus: Path) -> list[str]:
    manifest = corpus / "manifest.jsonl"
    if not manifest.is_file():
        pytest.skip(f"{manifest} is absent: the shared corpus (../shared or $SHARED_DIR) is not next to this checkout")
    return [line for line in manifest.read_text(encoding="utf-8").split("\n") if line.strip()]


def gne_ids() -> list[str]:
    manifest = GNE / "manifest.jsonl"
    if not manifest.is_file():
        return ["(corpus absent)"]
    return [json.loads(line)["id"] for line in manifest.read_text(encoding="utf-8").split("\n") if line.strip()]


@pytest.fixture(scope="module")
def gne_results() -> dict[str, dict]:
    lines = manifest_lines(GNE)
    results = {}
    for line in lines:
        result = extract_manifest_line(line, GNE)
        results[result["id"]] = result
    return results


@pytest.mark.parametrize("page_id", gne_ids())
def test_every_gne_page_extracts(gne_results, page_id):
    result = gne_results[page_id]
    assert result["error"] is None, result["error"]
    assert result["title"].strip(), "empty title"
    assert result["body_text"].strip(), "empty body"
    assert result["body_html"].startswith("<")
    assert result["encoding"] == "utf-8"  # the README: all gne pages are UTF-8


def test_gne_bodies_are_free_of_chinese_boilerplate_lines(gne_results):
    from crawler.extraction.boilerplate import is_junk_line

    leftovers = [
        (page_id, line)
        for page_id, result in gne_results.items()
        for line in result["body_text"].split("\n")
        if is_junk_line(line) and line.strip()
    ]
    assert len(leftovers) <= 3, leftovers


def test_zh_dev_quality_floor():
    """A regression floor a little under the issue's targets (body F1 0.93, date 0.85, undated
    0.34; bench/evaluate.py reports the exact numbers and the time), so that a newer
    trafilatura on a fresh machine does not fail the suite by a page."""
    lines = manifest_lines(ZH_DEV)
    gold = [json.loads(line) for line in (ZH_DEV / "gold.jsonl").read_text(encoding="utf-8").split("\n") if line.strip()]
    results = {}
    for line in lines:
        result = extract_manifest_line(line, ZH_DEV)
        assert result["error"] is None, (result["id"], result["error"])
        results[result["id"]] = result
    scores = score(results, gold)
    assert scores["f1"] >= 0.92, scores["f1"]
    assert scores["date_acc"] >= 0.83, scores["date_acc"]
    assert scores["undated_answered"] <= 0.34, scores["undated_answered"]


def test_fundus_dev_quality_floor():
    """Pages in many languages (no Chinese): a floor a little under today's figures (body F1
    0.942, title lenient 0.855, date 0.977; trafilatura with its metadata 0.940, 0.847, 0.962
    in the same run, see README), so that the Chinese rules cannot creep back onto them."""
    lines = manifest_lines(FUNDUS_DEV)
    gold = [json.loads(line) for line in (FUNDUS_DEV / "gold.jsonl").read_text(encoding="utf-8").split("\n") if line.strip()]
    results = {}
    for line in lines:
        result = extract_manifest_line(line, FUNDUS_DEV)
        results[result["id"]] = result
    scores = score(results, gold)
    assert scores["f1"] >= 0.93, scores["f1"]
    assert scores["title_lenient"] >= 0.83, scores["title_lenient"]
    assert scores["date_acc"] >= 0.95, scores["date_acc"]
    # no page of these is read as Chinese
    assert not [r["id"] for r in results.values() if r.get("language") == "zh"]


# --- the scoring definition (no corpus needed) ----------------------------------------

def test_tokens_are_cjk_characters_and_words_without_punctuation():
    assert tokenize("中国，发展 Net-work 2022年！") == ["中", "国", "发", "展", "Net", "work", "2022", "年"]


def test_shingle_scores():
    assert body_scores("一二三四五", "一二三四五") == (1.0, 1.0, 1.0)
    precision, recall, f1 = body_scores("一二三四五六七八", "一二三四五")
    assert recall == 1.0 and precision == 2 / 5 and abs(f1 - 2 * 0.4 / 1.4) < 1e-9
    assert body_scores("", "一二三四五") == (0.0, 0.0, 0.0)
    # whitespace and punctuation do not count
    assert body_scores("一二，三四\n五", "一二三四五") == (1.0, 1.0, 1.0)


def test_date_match_at_gold_precision():
    assert date_matches("2005-03-21T11:21:00+08:00", "2005-03-21T11:21")
    assert date_matches("1996-06-01T00:00:00+08:00", "1996-06")
    assert date_matches("2018-08-23T00:00:00+08:00", "2018")
    assert not date_matches("2005-03-22T00:10:00+08:00", "2005-03-21T23:50")
    assert not date_matches(None, "2018")


def test_score_counts_errors_as_zero_and_undated_answers():
    gold = [
        {"id": "a", "title": None, "published_at": "2022-06-08", "body": "一二三四五", "date_annotated": True},
        {"id": "b", "title": "标题", "published_at": None, "body": "六七八九十", "date_annotated": True},
        {"id": "c", "title": None, "published_at": None, "body": "甲乙丙丁戊", "date_annotated": False},
    ]
    results = {
        "a": {"body_text": "一二三四五", "published_at": "2022-06-08T10:00:00+08:00", "title": "x"},
        "b": {"body_text": "", "error": "boom", "published_at": "2022-06-08T10:00:00+08:00", "title": "标题"},
    }
    s = score(results, gold)
    assert abs(s["f1"] - 1 / 3) < 1e-9
    assert s["date_acc"] == 1.0 and s["dated"] == 1
    assert s["undated_answered"] == 1.0 and s["undated"] == 1
    assert s["title_acc"] == 1.0 and s["titled"] == 1
