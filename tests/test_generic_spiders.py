"""End-to-end: the generic feed, sitemap and urls spiders against the mirror
(tests/mirror/generic.example.test: a site nobody wrote rules for)."""

import pytest

from .helpers import rows, run_crawl, run_stats

pytestmark = pytest.mark.e2e
SITE = "http://generic.example.test"


def stories(store):
    return {r["url"]: r for r in rows(store, "SELECT * FROM stories")}


def test_feed_spider_uses_feed_hints_only_where_the_page_lacks_them(tmp_path, mirror_url):
    store = tmp_path / "s.sqlite"
    result = _crawl("feed", store, mirror_url, url=f"{SITE}/rss.xml")
    assert result.returncode == 0, result.stderr[-2000:]
    found = stories(store)
    a1, a2 = found[f"{SITE}/news/2022/a1.html"], found[f"{SITE}/news/2022/a2.html"]
    # the page's own date and 来源 win over the feed
    assert (a1["published_at"], a1["date_stage"], a1["outlet"]) == ("2022-06-08T11:39:00+08:00", "generic:text_near_title;zone_assumed=Asia/Shanghai", "城市日报")
    # the page has no date: the feed's pubDate is used, and recorded as such
    assert (a2["published_at"], a2["date_stage"], a2["date_raw"]) == ("2022-06-09T07:30:00+08:00", "feed:published", "Thu, 09 Jun 2022 07:30:00 +0800")
    assert a2["outlet"] == "示例新闻网" and a2["extractor"] == "generic:trafilatura"
    assert a1["title_stage"].startswith("generic:")
    # a page with no title at all takes the feed's, recorded as such
    a4 = found[f"{SITE}/news/2022/a4.html"]
    assert (a4["title"], a4["title_stage"], a4["date_stage"]) == ("无标题页面的标题", "feed:title", "feed:published")
    assert a2["body_text"].startswith("【二】城市更新行动") and "分享到" not in a2["body_text"]
    assert rows(store, "SELECT reason FROM drops WHERE url = ?", [f"{SITE}/news/2022/missing.html"])[0]["reason"] == "http_404"
    # robots.txt disallows /private/: never fetched, counted with its reason
    assert rows(store, "SELECT reason FROM drops WHERE url = ?", [f"{SITE}/private/secret.html"])[0]["reason"] == "robots_disallowed"


def _crawl(spider, store, mirror_url, **args):
    return run_crawl(spider, store, mirror_url, spider_args=args)


@pytest.mark.parametrize("start", ["robots.txt", "sitemap_index.xml"])
def test_sitemap_spider_follows_index_and_gzip_and_keeps_news_hints(tmp_path, mirror_url, start):
    store = tmp_path / "s.sqlite"
    result = _crawl("sitemap", store, mirror_url, url=f"{SITE}/{start}")
    assert result.returncode == 0, result.stderr[-2000:]
    found = stories(store)
    assert set(found) == {f"{SITE}/news/2022/a2.html", f"{SITE}/news/2022/a3.html"}
    a2, a3 = found[f"{SITE}/news/2022/a2.html"], found[f"{SITE}/news/2022/a3.html"]
    assert (a2["published_at"], a2["date_stage"]) == ("2022-06-09T07:30:00+08:00", "sitemap:news:publication_date")
    assert a3["published_at"] == "2022-06-07T08:00:00+08:00" and a3["date_stage"] != "sitemap:news:publication_date"


def test_urls_spider_reads_a_file_and_reports_bad_lines(tmp_path, mirror_url):
    store = tmp_path / "s.sqlite"
    listing = tmp_path / "urls.txt"
    listing.write_text(
        f"# backfill\n{SITE}/news/2022/a3.html\nnot a url\n"
        "http://www.chinadevelopment.com.cn/news/zj/2022/0609/1800164.shtml\n",
        encoding="utf-8",
    )
    result = _crawl("urls", store, mirror_url, file=str(listing))
    assert result.returncode == 0, result.stderr[-2000:]
    found = stories(store)
    assert set(found) == {f"{SITE}/news/2022/a3.html", "http://www.chinadevelopment.com.cn/news/zj/2022/0609/1800164.shtml"}
    # a page of a declared source gets that source's rules and id even from a generic spider
    cdn = found["http://www.chinadevelopment.com.cn/news/zj/2022/0609/1800164.shtml"]
    assert cdn["extractor"].startswith("site:chinadevelopment/") and cdn["id"] == "chinadevelopment-1800164" and cdn["source"] == "urls"
    assert rows(store, "SELECT reason FROM drops")[0]["reason"] == "not_a_url"


def test_urls_spider_reads_its_file_as_the_downloader_has_room(tmp_path, mirror_url):
    """A file of many URLs does not become that many requests waiting in memory at once:
    the spider yields the next URL only when the scheduler has run dry (Scrapy would
    otherwise read the whole start() into the scheduler at the crawl's start)."""
    import json

    from crawler import settings as project

    from .scheduler_probe import STAT

    store = tmp_path / "s.sqlite"
    listing = tmp_path / "urls.txt"
    urls = [f"{SITE}/missing/{i}.html" for i in range(300)]
    listing.write_text("\n".join(urls) + "\n", encoding="utf-8")
    extensions = {**project.EXTENSIONS, "tests.scheduler_probe.SchedulerDepth": 900}
    result = run_crawl("urls", store, mirror_url, spider_args={"file": str(listing)}, EXTENSIONS=json.dumps(extensions),
                       CONCURRENT_REQUESTS=4, CONCURRENT_REQUESTS_PER_DOMAIN=4)
    # (a crawl where every page is missing exits with the health check's "losing" status)
    assert "Traceback (most recent call last)" not in result.stderr, result.stderr[-2000:]
    # every URL was fetched and accounted for (a 404 each)
    assert {r["url"] for r in rows(store, "SELECT url FROM drops WHERE reason = 'http_404'")} == set(urls)
    stats = run_stats(store)
    assert 0 <= stats[STAT] <= 8, stats[STAT]   # read all at once, it reaches ~300


def test_generic_spiders_need_their_argument(tmp_path):
    import subprocess
    import sys

    from .helpers import PROJECT
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "feed", "-s", f"STORE_PATH={tmp_path / 's.sqlite'}"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "scrapy crawl feed -a url=" in result.stderr
    assert "Traceback (most recent call last)" not in result.stderr
