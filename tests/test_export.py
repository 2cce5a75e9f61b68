from pathlib import Path

import pytest

from crawler.export import export_site, safe_component
from crawler.store import Store
from pipelines.store import story_row

from .helpers import make_item


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


# --- crashes, concurrency, bad dates, leftovers -------------------------------------------

import os
import signal
import subprocess
import sys
import time

from crawler.post import render_post

PROJECT = Path(__file__).resolve().parents[1]
EXPORT_SNIPPET = (
    "import sys; from crawler.store import Store; from crawler.export import export_site; "
    "r = export_site(Store.open(sys.argv[1]), sys.argv[2]); "
    "print(len(r.written), r.unchanged, len(r.cleaned))"
)


def many_stories(path: Path, count: int, *, post_size: int = 2000) -> None:
    """A store file of ``count`` stories with posts of ``post_size`` bytes, written fast."""
    store = Store.open(path)
    base = make_item()
    rows = []
    for n in range(count):
        row = story_row(base)
        day = 1 + n % 28
        row.update(id=f"NW{n:08d}", url=f"http://e.test/{n}", canonical_url=f"http://e.test/{n}",
                   content_hash=f"h{n}", published_at=f"2022-06-{day:02d}T10:00:00+08:00",
                   post=f"POST {n} " + "正" * (post_size // 3), first_seen="2022-06-01T00:00:00+00:00",
                   last_seen="2022-06-01T00:00:00+00:00")
        rows.append(row)
    store.db["stories"].insert_all(rows)
    store.close()


def posts_folder_is_clean(site: Path) -> None:
    for path in (site / "_posts").iterdir():
        assert path.name.endswith(".md") and not path.name.startswith("."), path.name


def test_leftovers_of_killed_exports_are_removed(tmp_path):
    store = Store.open(memory=True)
    stored(store)
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_posts" / "2022-06-08-chinadevelopment-1800001.md.tmp").write_text("half", encoding="utf-8")
    (site / "category").mkdir()
    (site / "category" / "x.html.tmp").write_text("half", encoding="utf-8")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (site / f".export-tmp-{dead.pid}-abcd").mkdir()
    (site / f".export-tmp-{dead.pid}-abcd" / "_posts-2022-06-08-x.md").write_text("half", encoding="utf-8")
    alive = site / f".export-tmp-{os.getpid()}-beef"  # an export running right now (this process)
    alive.mkdir()
    report = export_site(store, site)
    assert sorted(report.cleaned) == sorted([
        f".export-tmp-{dead.pid}-abcd/", "_posts/2022-06-08-chinadevelopment-1800001.md.tmp", "category/x.html.tmp"])
    assert alive.is_dir() and not (site / f".export-tmp-{dead.pid}-abcd").exists()
    posts_folder_is_clean(site)
    assert [p.name for p in site.iterdir() if p.name.startswith(".")] == [alive.name]  # no temp folder of its own left


def test_kill_9_during_an_export_leaves_nothing_in_posts(tmp_path):
    db = tmp_path / "s.sqlite"
    many_stories(db, 3000)
    site = tmp_path / "site"
    proc = subprocess.Popen([sys.executable, "-c", EXPORT_SNIPPET, str(db), str(site)], cwd=PROJECT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if (site / "_posts").is_dir() and len(os.listdir(site / "_posts")) > 200:
            break
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.skip("the export finished before it could be killed")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    posts_folder_is_clean(site)
    leftovers = [p.name for p in site.iterdir() if p.name.startswith(".export-tmp-")]
    assert len(leftovers) == 1  # the killed export's temp folder, outside _posts/
    again = subprocess.run([sys.executable, "-c", EXPORT_SNIPPET, str(db), str(site)], cwd=PROJECT,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    written, unchanged, cleaned = map(int, again.stdout.split())
    assert written + unchanged == 3000 + 1 and cleaned == 1
    assert not [p for p in site.iterdir() if p.name.startswith(".")]
    assert len(os.listdir(site / "_posts")) == 3000


def test_two_exports_at_once_both_succeed(tmp_path):
    db = tmp_path / "s.sqlite"
    many_stories(db, 1500)
    site = tmp_path / "site"
    procs = [subprocess.Popen([sys.executable, "-c", EXPORT_SNIPPET, str(db), str(site)], cwd=PROJECT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], [r[1] for r in results]
    posts_folder_is_clean(site)
    assert len(os.listdir(site / "_posts")) == 1500
    assert not [p for p in site.iterdir() if p.name.startswith(".")]
    again = export_site(Store.open(db), site)
    assert again.written == [] and again.unchanged == 1501


@pytest.mark.parametrize("bad", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+09:00", "not a date"])
def test_an_unusable_date_skips_that_story_with_a_warning(tmp_path, bad):
    store = Store.open(memory=True)
    stored(store)
    bad_item = stored(store, story_id="NWBAD", source="eastmoney", outlet="证券时报",
                      url="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NWBAD",
                      body_html="<p>另一篇完全不同的正文内容，足够长。</p>")
    store.db.execute("UPDATE stories SET published_at = ? WHERE id = ?", [bad, bad_item["story_id"]])
    store.db.conn.commit()
    report = export_site(store, tmp_path)
    assert len(report.skipped) == 1 and "'NWBAD'" in report.skipped[0] and bad in report.skipped[0]
    assert [p for p in report.written if p.startswith("_posts/")] == ["_posts/2022-06-08-chinadevelopment-1800001.md"]


def test_export_command_reports_a_bad_date_without_a_traceback(tmp_path):
    db = tmp_path / "s.sqlite"
    store = Store.open(db)
    stored(store)
    stored(store, story_id="NWBAD", source="eastmoney", outlet="证券时报",
           url="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NWBAD",
           body_html="<p>另一篇完全不同的正文内容，足够长。</p>")
    store.db.execute("UPDATE stories SET published_at = '9999-12-31T23:59:59-12:00' WHERE id = 'NWBAD'")
    store.db.conn.commit()
    store.close()
    run = subprocess.run([sys.executable, "-m", "scrapy", "export", str(tmp_path / "site"), "--store", str(db)],
                         cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "export: warning: story 'NWBAD'" in run.stderr
    assert "1 stories skipped (bad date)" in run.stdout


def test_stored_posts_are_hardened_on_export(tmp_path):
    store = Store.open(memory=True)
    item = make_item()
    item["post"] = render_post(title="t", published_at=item["published_at"], slug=item["slug"], tag=item["tag"],
                               outlet=item["outlet"], body_html="<p>x</p>", link=item["url"])
    store.insert_story(story_row(item), None)
    old = item["post"].replace("<p>x</p>", "<p>{{ site.source }} [a](javascript:alert(1))</p>")
    store.db.execute("UPDATE stories SET post = ?", [old])
    store.db.conn.commit()
    export_site(store, tmp_path)
    text = (tmp_path / "_posts/2022-06-08-chinadevelopment-1800001.md").read_text(encoding="utf-8")
    assert "<p>&#123;{ site.source }} &#91;a&#93;(javascript:alert(1))</p>" in text
    assert text.endswith(item["post"].split("\n\n", 1)[1].split("\n\n", 1)[1])  # link and navigation untouched


@pytest.mark.parametrize("command", [["export", "OUT"], ["clusters"]])
def test_store_commands_without_a_store_say_so(tmp_path, command):
    """``--store`` naming no file: one line naming the command and the path, exit status 2."""
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    missing = tmp_path / "none.sqlite"
    run = subprocess.run([sys.executable, "-m", "scrapy", *args, "--store", str(missing)],
                         cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert f"{command[0]}: error: no store at {missing}" in run.stderr
    assert "Traceback" not in run.stderr
