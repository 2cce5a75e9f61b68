from pathlib import Path

import pytest

from crawler.export import export_site, safe_component
from crawler.store import Store
from pipelines.store import story_row
from tests.test_store import make_item


def stored(store, **over):
    item = make_item(**over)
    item["post"] = f"POST {item['story_id']}"
    store.insert_story(story_row(item), None)
    return item


def test_export_writes_posts_and_categories_idempotently(tmp_path):
    store = Store.open(memory=True)
    a = stored(store)
    stored(store, story_id="NW202206092405403301", source="eastmoney", outlet="证券时报",
           url="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202206092405403301",
           published_at="2022-06-09T08:00:00+08:00", body_html="<p>另一篇完全不同的正文内容，足够长。</p>")
    report = export_site(store, tmp_path)
    assert sorted(report.written) == [
        "_posts/2022-06-08-chinadevelopment-1800001.md",
        "_posts/2022-06-09-NW202206092405403301.md",
        "category/zhengquanshibao.html",
        "category/zhongguofazhanwang.html",
    ]
    assert (tmp_path / "_posts/2022-06-08-chinadevelopment-1800001.md").read_text(encoding="utf-8") == f"POST {a['story_id']}"
    assert (tmp_path / "category/zhengquanshibao.html").read_text(encoding="utf-8") == (
        "---\nlayout: category\ntitle: 证券时报新闻\ncategory: zhengquanshibao\n---\n"
    )
    again = export_site(store, tmp_path)
    assert again.written == [] and again.unchanged == 4


def test_export_filters_by_date_and_source(tmp_path):
    store = Store.open(memory=True)
    stored(store)
    stored(store, story_id="NW2", source="eastmoney", outlet="证券时报",
           url="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW2",
           published_at="2022-06-09T23:30:00+08:00", body_html="<p>另一篇完全不同的正文内容，足够长。</p>")
    assert [p for p in export_site(store, tmp_path / "a", since="2022-06-09").written if p.startswith("_posts")] == ["_posts/2022-06-09-NW2.md"]
    assert [p for p in export_site(store, tmp_path / "b", until="2022-06-08").written if p.startswith("_posts")] == ["_posts/2022-06-08-chinadevelopment-1800001.md"]
    assert [p for p in export_site(store, tmp_path / "c", sources=["eastmoney"]).written if p.startswith("_posts")] == ["_posts/2022-06-09-NW2.md"]
    with pytest.raises(ValueError):
        export_site(store, tmp_path / "d", since="yesterday")


@pytest.mark.parametrize("hostile", ["../../escape", "/etc/passwd", "a/../../b", "..", "x\x00y", "点点/../点"])
def test_hostile_ids_and_slugs_stay_inside_the_target(tmp_path, hostile):
    store = Store.open(memory=True)
    item = make_item(story_id=hostile)
    item["slug"] = hostile
    item["post"] = "POST"
    store.insert_story(story_row(item), None)
    target = tmp_path / "site"
    report = export_site(store, target)
    assert len(report.written) == 2
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert target.resolve() in path.resolve().parents
    assert all(Path(p).parts[0] in ("_posts", "category") and len(Path(p).parts) == 2 for p in report.written)


def test_safe_component():
    assert safe_component("NW202206082405403284") == "NW202206082405403284"
    assert safe_component("../x") != safe_component("..-x")
    assert "/" not in safe_component("a/b") and "." not in safe_component("..")


def test_recent_window_in_posts_and_older_posts_in_the_archive(tmp_path):
    store = Store.open(memory=True)
    stored(store, published_at="2022-06-06T10:00:00+08:00")
    stored(store, story_id="NW9", source="eastmoney", outlet="证券时报",
           url="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW9",
           published_at="2022-06-08T23:30:00+08:00", body_html="<p>另一篇完全不同的正文内容，足够长。</p>")
    export_site(store, tmp_path)  # no window: everything in _posts/
    assert len(list((tmp_path / "_posts").iterdir())) == 2
    report = export_site(store, tmp_path, keep_days=3, today="2022-06-09")
    assert [p.name for p in (tmp_path / "_posts").iterdir()] == ["2022-06-08-NW9.md"]
    assert [p.name for p in (tmp_path / "old_post").iterdir()] == ["2022-06-06-chinadevelopment-1800001.md"]
    assert report.moved == ["_posts/2022-06-06-chinadevelopment-1800001.md → old_post/2022-06-06-chinadevelopment-1800001.md"]
    again = export_site(store, tmp_path, keep_days=3, today="2022-06-09")
    assert again.written == [] and again.moved == []


def test_a_story_whose_day_changed_keeps_one_post(tmp_path):
    store = Store.open(memory=True)
    item = stored(store)
    export_site(store, tmp_path)
    store.db.execute("UPDATE stories SET published_at = '2022-06-09T08:00:00+08:00' WHERE id = ?", [item["story_id"]])
    store.db.conn.commit()
    export_site(store, tmp_path)
    assert [p.name for p in (tmp_path / "_posts").iterdir()] == ["2022-06-09-chinadevelopment-1800001.md"]
