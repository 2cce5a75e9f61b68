"""Aggregator items with fields of the wrong type or absurd length are dropped with a reason."""

import json

from crawler.spiders.eastmoney import list_entries
from pipelines.validate import problems

from .helpers import make_item, rows, run_crawl

BODY = "<p>" + "这是一段足够长的正文内容，用来通过正文长度检查。" * 3 + "</p>"
GOOD = {"infoCode": "NWGOOD1", "title": "正常标题", "showtime": "2022-06-09 08:30:00", "medianame": "证券时报"}
HOSTILE_ITEMS = [
    {**GOOD, "infoCode": ["NWLIST"]},
    {**GOOD, "infoCode": True},
    {**GOOD, "infoCode": "NWDICT", "title": {"nested": "obj"}},
    {**GOOD, "infoCode": "NWLONG", "title": "长" * 1_000_000},
    {**GOOD, "infoCode": "NWBOOLFROM", "medianame": False},
]


def test_wrong_types_are_reported_not_stringified():
    _, entries = list_entries({"nodeList": [GOOD] + HOSTILE_ITEMS})
    assert entries[0].problem is None and entries[0].info_code == "NWGOOD1"
    assert [e.problem is not None for e in entries[1:]] == [True, True, True, False, True]
    assert "infoCode is a list" in entries[1].problem and "infoCode is a bool" in entries[2].problem
    assert "title is a dict" in entries[3].problem
    assert all("['NWLIST']" != e.info_code and "True" != e.info_code for e in entries)
    # numbers are fine as ids
    assert list_entries({"nodeList": [{**GOOD, "infoCode": 12345}]})[1][0].info_code == "12345"


def test_title_length_cap():
    assert ("title_too_long" in [c for c, _ in problems(make_item(title="长" * 301))])
    assert "title_too_long" not in [c for c, _ in problems(make_item(title="长" * 300))]
    assert "title_too_long" not in [c for c, _ in problems(make_item(title="长" * 500), max_title_chars=0)]


def test_crawl_drops_hostile_aggregator_items_with_a_reason(tmp_path, serve_dir):
    host = tmp_path / "mirror" / "finews.zning.xyz"
    (host / "NewsData").mkdir(parents=True)
    (host / "list.json").write_text(json.dumps({"nodeList": [GOOD] + HOSTILE_ITEMS}), encoding="utf-8")
    for code in ("NWGOOD1", "NWDICT", "NWLONG", "NWBOOLFROM", "NWLIST", "True", "%5B%27NWLIST%27%5D"):
        (host / "NewsData" / f"GetNewsText.do?id={code}").write_text(json.dumps({"text": BODY}), encoding="utf-8")
    mirror = serve_dir(tmp_path / "mirror")
    store = tmp_path / "s.sqlite"
    result = run_crawl("eastmoney", store, mirror, EASTMONEY_LIST_URLS="http://finews.zning.xyz/list.json")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback (most recent call last)" not in result.stderr
    assert [r["id"] for r in rows(store, "SELECT id FROM stories")] == ["NWGOOD1"]
    reasons = sorted(r["reason"] for r in rows(store, "SELECT reason FROM drops"))
    assert reasons == ["item_bad_field"] * 4 + ["title_too_long"]
    assert max(len(r["detail"] or "") for r in rows(store, "SELECT detail FROM drops")) < 2000
