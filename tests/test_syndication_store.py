"""Syndication wired into the store, the crawl, the export and the report (issue 10).

The end-to-end test crawls a small syndication mirror built here from invented text (so it
always runs): three outlets, stories republished with edits, an exact duplicate, and a
formulaic report whose wording repeats the next day with other figures.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bench.syndication_set import render_page
from crawler import stats_keys
from crawler.export import export_site
from crawler.store import Store
from crawler.syndication import snapshot
from pipelines.store import syndication_counts

from .helpers import PROJECT, rows, run_crawl

CN = timezone(timedelta(hours=8))
# Invented text: sentences drawn from these characters, seeded per story, so two stories
# share almost no 4-grams while a copy shares nearly all of its origin's.
CHARS = ("经济发展市场企业投资政策项目建设城市地区工作推进服务社会文化教育科技创新产业金融银行"
         "改革开放合作交流会议部门管理农业农村生态环境保护能源交通运输医疗卫生健康安全质量标准"
         "数据信息网络平台数字国际贸易出口进口消费需求供给价格增长稳定提升加快完善支持促进实施")


def invented_paragraphs(seed: str, n: int = 4) -> list[str]:
    rng = random.Random(seed)
    paras = []
    for _ in range(n):
        sentences = ["".join(rng.choice(CHARS) for _ in range(rng.randint(14, 24))) for _ in range(3)]
        paras.append("，".join(sentences) + "。")
    return paras


OUTLETS = {  # host, outlet name, page template of bench/syndication_set.py
    "xh": ("news.xinhua.test", "新华社"),
    "cd": ("www.chinadevelopment.test", "中国发展网"),
    "pp": ("www.people.test", "人民网"),
}


def build_mirror(root: Path) -> tuple[list[str], dict[str, str]]:
    """The mirror's pages; (URLs in crawl order, URL → story key)."""
    start = datetime(2024, 6, 3, 8, 0, tzinfo=CN)
    pages = []   # (template, story key, title, paragraphs, when)
    a = invented_paragraphs("story-a")
    pages += [("xh", "a", "国务院部署推进产业创新发展", a, start),
              ("cd", "a", "【独家】国务院部署推进产业创新发展", ["中国发展网讯 " + a[0]] + a[1:] + ["来源：新华社", "责任编辑：王小明"],
               start + timedelta(hours=2)),
              ("pp", "a", "国务院部署推进产业创新发展", a[:-1], start + timedelta(hours=5))]
    b = invented_paragraphs("story-b")
    b_copy = [b[0].replace(b[0][5], "国", 1)] + b[1:]
    pages += [("cd", "b", "多地出台措施支持企业投资", b, start + timedelta(hours=1)),
              ("pp", "b", "多地出台措施支持企业投资", b_copy, start + timedelta(hours=9))]
    c = invented_paragraphs("story-c")
    pages += [("xh", "c", "生态环境保护工作取得进展", c, start + timedelta(hours=3)),
              # the same text again: an exact duplicate, an arrival of the stored story
              ("pp", "c", "生态环境保护工作取得进展", c, start + timedelta(hours=4))]
    # a formulaic report: the same wording on two days, other figures: two stories
    for day, (close, change, turnover) in enumerate([("3051.28", "0.35", "8765"), ("3012.64", "1.27", "9123")]):
        when = start + timedelta(days=day, hours=7)
        paras = [f"沪指今日收报{close}点，涨幅{change}%，两市成交额{turnover}亿元。",
                 "行业板块多数上涨，市场情绪稳定，资金流向科技与消费板块，分析人士认为后市将延续震荡格局。",
                 f"深证成指收报{turnover}点，创业板指上涨{change}%，北向资金净流入{close[:2]}亿元。"]
        pages.append(("cd", f"market-{day}", f"收盘：沪指收报{close}点", paras, when))
    urls, truth, serial = [], {}, 0
    for tpl, key, title, paras, when in pages:
        serial += 1
        host, outlet = OUTLETS[tpl]
        url = f"http://{host}/news/{when:%Y%m%d}/{serial:05d}.html"
        path = root / host / url.split(host + "/", 1)[1]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_page(tpl, title, paras, when, outlet), encoding="utf-8")
        urls.append(url)
        truth[url] = key
    return urls, truth


def page_clusters(store: Path, urls: list[str]) -> dict[str, str | None]:
    out = {}
    for url in urls:
        found = rows(store, "SELECT s.cluster_id FROM story_urls u JOIN stories s ON s.id = u.story_id WHERE u.url = ?", [url])
        out[url] = found[0]["cluster_id"] if found else None
    return out


def state(store: Path) -> dict:
    conn = sqlite3.connect(store)
    try:
        snap = snapshot(conn)
        snap["urls"] = conn.execute("SELECT canonical_url, source, story_id, relation FROM story_urls ORDER BY 1, 2").fetchall()
        snap["content"] = conn.execute("SELECT id, content_hash FROM stories ORDER BY id").fetchall()
        return snap
    finally:
        conn.close()


CRAWL_SETTINGS = {"ROBOTSTXT_OBEY": "False"}


@pytest.fixture(scope="module")
def syndicated(tmp_path_factory):
    from crawler.mirror_server import serve

    root = tmp_path_factory.mktemp("synd-mirror")
    urls, truth = build_mirror(root)
    (root / "urls.txt").write_text("".join(u + "\n" for u in urls), encoding="utf-8")
    server = serve(root)
    mirror = f"http://127.0.0.1:{server.server_address[1]}"
    store = root / "stories.sqlite"
    try:
        first = run_crawl("urls", store, mirror, spider_args={"file": root / "urls.txt"}, **CRAWL_SETTINGS)
        assert first.returncode == 0, first.stderr[-3000:]
        after_first = state(store)
        second = run_crawl("urls", store, mirror, spider_args={"file": root / "urls.txt"}, **CRAWL_SETTINGS)
        assert second.returncode == 0, second.stderr[-3000:]
    finally:
        server.shutdown()
    return {"root": root, "store": store, "urls": urls, "truth": truth, "after_first": after_first,
            "first_log": first.stderr, "second_log": second.stderr}


def test_the_crawl_clusters_the_copies_and_keeps_different_stories_apart(syndicated):
    store, truth = syndicated["store"], syndicated["truth"]
    clusters = page_clusters(store, syndicated["urls"])
    assert None not in clusters.values(), clusters
    for u in truth:
        for v in truth:
            assert (clusters[u] == clusters[v]) == (truth[u] == truth[v]), (u, v)
    assert rows(store, "SELECT count(*) AS n FROM stories WHERE cluster_id IS NULL")[0]["n"] == 0
    # the exact duplicate is an arrival, not a story: 8 stories from 9 pages
    assert len(rows(store, "SELECT id FROM stories")) == 8
    assert len(rows(store, "SELECT 1 FROM story_urls WHERE relation = 'duplicate'")) == 1


def test_the_view_and_the_cluster_rows(syndicated):
    store, truth = syndicated["store"], syndicated["truth"]
    view = rows(store, "SELECT * FROM syndication ORDER BY cluster_id, published_at")
    assert len(view) == 8
    assert set(view[0]) == {"cluster_id", "story_id", "is_origin", "outlet", "source", "url", "published_at",
                            "lag_minutes", "similarity"}
    a = [r for r in view if truth.get(r["url"]) == "a"]
    assert len(a) == 3
    origin = [r for r in a if r["is_origin"]]
    # the Xinhua copy is named as the source and published first: the origin
    assert len(origin) == 1 and "xinhua" in origin[0]["url"] and origin[0]["lag_minutes"] == 0
    assert sorted(r["lag_minutes"] for r in a) == [0, 120, 300]
    assert all(0.7 <= r["similarity"] <= 1.0 for r in a)
    cluster = rows(store, "SELECT * FROM clusters WHERE id = ?", [a[0]["cluster_id"]])[0]
    assert (cluster["stories"], cluster["outlets"], cluster["origin_story_id"]) == (3, 3, origin[0]["story_id"])


def test_a_second_crawl_changes_nothing(syndicated):
    assert state(syndicated["store"]) == syndicated["after_first"]


def test_crawl_stats_count_new_clusters_and_copies(syndicated):
    log = syndicated["first_log"]
    assert f"'{stats_keys.SYNDICATION_NEW_CLUSTERS}': 5" in log
    assert f"'{stats_keys.SYNDICATION_COPIES}': 3" in log
    assert stats_keys.SYNDICATION_NEW_CLUSTERS not in syndicated["second_log"]


def test_the_rebuild_command_reproduces_the_incremental_clusters(syndicated, tmp_path):
    copy = tmp_path / "copy.sqlite"
    conn = sqlite3.connect(syndicated["store"])
    conn.execute("VACUUM INTO ?", (str(copy),))
    conn.close()
    before = state(copy)
    out = subprocess.run([sys.executable, "-m", "scrapy", "clusters", "--rebuild", "--store", str(copy)],
                         cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    assert "rebuilt 8 stories into 5 clusters" in out
    assert state(copy) == before


def test_export_writes_one_post_per_cluster_unless_every_copy(syndicated, tmp_path):
    store = syndicated["store"]
    args = [sys.executable, "-m", "scrapy", "export", "--store", str(store)]
    subprocess.run(args + [str(tmp_path / "one")], cwd=PROJECT, check=True, capture_output=True)
    subprocess.run(args + ["--every-copy", str(tmp_path / "all")], cwd=PROJECT, check=True, capture_output=True)
    one = sorted(p.name for p in (tmp_path / "one" / "_posts").iterdir())
    every = sorted(p.name for p in (tmp_path / "all" / "_posts").iterdir())
    origins = rows(store, "SELECT s.id, s.post FROM clusters c JOIN stories s ON s.id = c.origin_story_id")
    assert len(one) == 5 and len(every) == 8
    # the origin's post, byte for byte as stored
    posts = {p.read_text(encoding="utf-8") for p in (tmp_path / "one" / "_posts").iterdir()}
    assert posts == {o["post"] for o in origins}
    # an export with every copy, then the default: the copies' posts go away
    shutil.copytree(tmp_path / "all", tmp_path / "again")
    subprocess.run(args + [str(tmp_path / "again")], cwd=PROJECT, check=True, capture_output=True)
    assert sorted(p.name for p in (tmp_path / "again" / "_posts").iterdir()) == one


def test_the_syndication_report(syndicated):
    out = subprocess.run([sys.executable, "-m", "crawler.report", "syndication", "--store", str(syndicated["store"])],
                         cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    assert "8 stories in 5 clusters" in out and "3 copies" in out
    assert "新华社" in out and "Who copies whom" in out


# --- without a crawl ---------------------------------------------------------

def _row(story_id: str, paras: list[str], when: str, outlet: str) -> dict:
    body = "\n".join(paras)
    return {"id": story_id, "url": f"http://x.test/{story_id}", "canonical_url": f"http://x.test/{story_id}",
            "source": "test", "site": outlet, "outlet": outlet, "slug": "news", "tag": "新闻", "title": "产业创新发展",
            "published_at": when, "body_html": "".join(f"<p>{p}</p>" for p in paras), "body_text": body,
            "post": f"---\ntitle: {story_id}\n---\n{body}\n", "content_hash": str(hash(body))}


def test_insert_and_update_assign_clusters_in_the_same_transaction(tmp_path):
    store = Store.open(tmp_path / "s.sqlite")
    a = invented_paragraphs("unit-a")
    first = store.insert_story(_row("a1", a, "2024-06-03T08:00:00+08:00", "新华社"), None)
    copy = store.insert_story(_row("a2", a[:-1] + ["责任编辑：李华"], "2024-06-03T09:30:00+08:00", "人民网"), None)
    other = store.insert_story(_row("b1", invented_paragraphs("unit-b"), "2024-06-03T10:00:00+08:00", "人民网"), None)
    assert first.is_new_cluster and not copy.is_new_cluster and other.is_new_cluster
    assert copy.cluster_id == "a1" and copy.lag_minutes == 90
    assert syndication_counts(copy, new_story=True) == {stats_keys.SYNDICATION_COPIES: 1}
    assert syndication_counts(other, new_story=True) == {stats_keys.SYNDICATION_NEW_CLUSTERS: 1}
    # b1 rewritten as a copy of story a: it joins a's cluster, and a change is no new cluster
    changed = store.update_story("b1", _row("b1", a, "2024-06-03T10:00:00+08:00", "人民网") | {"content_hash": "b1-new"}, None)
    assert changed.cluster_id == "a1" and syndication_counts(changed, new_story=False) == {}
    assert store.db.execute("SELECT count(*) FROM stories WHERE cluster_id IS NULL").fetchone()[0] == 0
    store.close()


def test_rebuild_replays_the_crawl_order_within_one_second(tmp_path):
    """first_seen has whole seconds: the copy stored first founded the cluster, even when
    the origin published earlier arrived in the same second."""
    from crawler.syndication import rebuild

    store = Store.open(tmp_path / "s.sqlite")
    a = invented_paragraphs("unit-a")
    store.insert_story(_row("z-late-copy", a[:-1], "2024-06-03T09:30:00+08:00", "人民网"), None)
    store.insert_story(_row("a-origin", a, "2024-06-03T08:00:00+08:00", "新华社") | {"content_hash": "o"}, None)
    store.db.execute("UPDATE stories SET first_seen = '2024-06-03T02:00:00+00:00'")   # one second
    store.db.execute("UPDATE clusters SET last_changed = '2024-06-03T02:00:00+00:00'")   # as assign() writes it
    before = snapshot(store.db)
    assert {r[1] for r in before["stories"]} == {"z-late-copy"}
    with store.db.atomic():
        rebuild(store.db)
    assert snapshot(store.db) == before
    store.close()


def test_a_failed_assignment_leaves_no_story(tmp_path, monkeypatch):
    import crawler.syndication

    store = Store.open(tmp_path / "s.sqlite")

    def boom(*args, **kwargs):
        raise RuntimeError("assign failed")

    monkeypatch.setattr(crawler.syndication, "assign", boom)
    with pytest.raises(RuntimeError):
        store.insert_story(_row("a1", invented_paragraphs("unit-a"), "2024-06-03T08:00:00+08:00", "新华社"), None)
    assert store.db.execute("SELECT count(*) FROM stories").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM story_urls").fetchone()[0] == 0
    store.close()


def test_export_site_every_copy_flag(tmp_path):
    store = Store.open(tmp_path / "s.sqlite")
    a = invented_paragraphs("unit-a")
    store.insert_story(_row("a1", a, "2024-06-03T08:00:00+08:00", "新华社"), None)
    store.insert_story(_row("a2", a, "2024-06-03T09:00:00+08:00", "人民网") | {"content_hash": "other"}, None)
    assert len(export_site(store, tmp_path / "one").written) == 2          # one post + its category page
    assert len(export_site(store, tmp_path / "all", every_copy=True).written) == 3
    store.close()
