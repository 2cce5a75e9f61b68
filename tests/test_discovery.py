"""Feeds, sitemaps and list pages, parsed from invented bytes."""

import gzip
import io
import tracemalloc
from datetime import datetime

import pytest

from crawler.discovery.feeds import parse_feed, parse_feed_date
from crawler.discovery.listings import is_next_page
from crawler.discovery.sitemaps import iter_sitemap, robots_sitemaps
from crawler.extraction.dates import CHINA_TZ

RSS = """<?xml version="1.0" encoding="{enc}"?>
<rss version="2.0"><channel><title>某网-滚动新闻</title><link>http://news.example.cn/</link>
<item><title>第一条：“新闻”</title><link>/gn/2022/06-08/9774123.shtml</link><pubDate>Wed, 08 Jun 2022 11:39:00 +0800</pubDate></item>
<item><title>第二条</title><link>http://news.example.cn/gn/2022/06-08/9774124.shtml</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom 源</title>
<entry><title>原子</title><link href="http://a.example.cn/x/1.html"/><updated>2022-06-08T03:39:00Z</updated></entry></feed>"""

RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://r.example.cn/"><title>RDF 源</title></channel>
<item rdf:about="http://r.example.cn/1.html"><title>资源</title><link>http://r.example.cn/1.html</link><dc:date>2022-06-08T11:39:00+08:00</dc:date></item>
</rdf:RDF>"""


def test_rss_relative_links_and_missing_dates():
    feed = parse_feed(RSS.format(enc="utf-8").encode("utf-8"), "http://news.example.cn/rss/scroll-news.xml")
    assert feed.problem is None and feed.title == "某网-滚动新闻"
    assert [e.url for e in feed.entries] == [
        "http://news.example.cn/gn/2022/06-08/9774123.shtml",
        "http://news.example.cn/gn/2022/06-08/9774124.shtml",
    ]
    assert feed.entries[0].title == "第一条：“新闻”"
    assert parse_feed_date(feed.entries[0].date_raw).value == datetime(2022, 6, 8, 11, 39, tzinfo=CHINA_TZ)
    assert feed.entries[1].date_raw is None


def test_gbk_feed_labelled_utf8_is_read_right():
    body = RSS.format(enc="gbk").encode("gbk")
    feed = parse_feed(body, "http://news.example.cn/rss.xml", "application/rss+xml; charset=utf-8")
    assert feed.entries[0].title == "第一条：“新闻”"


def test_atom_and_rdf():
    atom = parse_feed(ATOM.encode(), "http://a.example.cn/atom.xml")
    assert atom.entries[0].url == "http://a.example.cn/x/1.html"
    assert parse_feed_date(atom.entries[0].date_raw).iso == "2022-06-08T11:39:00+08:00"
    rdf = parse_feed(RDF.encode(), "http://r.example.cn/rdf.xml")
    assert rdf.entries[0].url == "http://r.example.cn/1.html" and rdf.entries[0].date_raw


def test_broken_xml_is_read_as_far_as_it_goes():
    broken = RSS.format(enc="utf-8").replace("</channel></rss>", "<item><title>坏").encode()
    feed = parse_feed(broken, "http://news.example.cn/rss.xml")
    assert feed.malformed and len(feed.entries) >= 2 and feed.problem is None


def test_not_a_feed_is_a_clear_problem():
    assert parse_feed(b"<html><body>404 not found</body></html>", "http://x/rss.xml").problem
    assert parse_feed(b"", "http://x/rss.xml").problem


NEWS_URLSET = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
<url><loc>http://s.example.cn/a/1.html</loc><lastmod>2022-06-08</lastmod>
  <news:news><news:publication><news:name>某报</news:name><news:language>zh</news:language></news:publication>
  <news:publication_date>2022-06-08T11:39:00+08:00</news:publication_date><news:title>新闻标题</news:title></news:news>
  <image:image><image:loc>http://s.example.cn/img.jpg</image:loc></image:image></url>
<url><loc>http://s.example.cn/a/2.html</loc></url>
</urlset>"""


def test_news_sitemap_keeps_news_fields():
    entries = list(iter_sitemap(NEWS_URLSET.encode()))
    assert entries[0].loc == "http://s.example.cn/a/1.html"
    assert entries[0].news_title == "新闻标题" and entries[0].news_date == "2022-06-08T11:39:00+08:00"
    assert entries[0].lastmod == "2022-06-08"
    assert entries[1].news_title is None and len(entries) == 2


def test_gzipped_sitemap_index():
    index = """<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>http://s.example.cn/sitemap-1.xml.gz</loc></sitemap></sitemapindex>"""
    entries = list(iter_sitemap(gzip.compress(index.encode())))
    assert [(e.kind, e.loc) for e in entries] == [("sitemap", "http://s.example.cn/sitemap-1.xml.gz")]


def test_enormous_sitemap_is_streamed():
    n = 60_000
    body = io.BytesIO()
    body.write(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    for i in range(n):
        body.write(b"<url><loc>http://s.example.cn/a/%d.html</loc></url>" % i)
    body.write(b"</urlset>")
    compressed = gzip.compress(body.getvalue())
    tracemalloc.start()
    count = sum(1 for _ in iter_sitemap(compressed, max_entries=n))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == n
    # the uncompressed sitemap is ~3.2 MB; streaming keeps the peak far below that
    assert len(body.getvalue()) > 3_000_000
    assert peak < 1_500_000, peak


def test_sitemap_entry_limit():
    assert len(list(iter_sitemap(NEWS_URLSET.encode(), max_entries=1))) == 1


def test_truncated_sitemap_keeps_what_was_read_and_garbage_is_refused():
    truncated = NEWS_URLSET.encode()[: NEWS_URLSET.index("<url><loc>http://s.example.cn/a/2")]
    assert [e.loc for e in iter_sitemap(truncated)] == ["http://s.example.cn/a/1.html"]
    with pytest.raises(ValueError):
        list(iter_sitemap(b"<html><body>not a sitemap</body></html>"))
    with pytest.raises(ValueError):
        list(iter_sitemap(b"\x00\x01 garbage"))


def test_robots_sitemap_lines():
    text = "User-agent: *\nDisallow: /admin\nSitemap: http://s.example.cn/sitemap_index.xml\nsitemap:http://s.example.cn/news.xml\n"
    assert robots_sitemaps(text) == ["http://s.example.cn/sitemap_index.xml", "http://s.example.cn/news.xml"]


@pytest.mark.parametrize(
    "url, text, page, expected",
    [
        ("http://x.cn/news/index_2.shtml", "下一页", 1, True),
        ("http://x.cn/news/index_2.shtml", "2", 1, True),
        ("http://x.cn/news/index_3.shtml", "3", 1, False),
        ("http://x.cn/other/index_2.shtml", "下一页", 1, False),
        ("http://y.cn/news/index_2.shtml", "下一页", 1, False),
    ],
)
def test_next_list_page(url, text, page, expected):
    assert is_next_page(url, text, "http://x.cn/news/", page) is expected


def test_continuation_pages():
    import re

    from crawler.sources.base import Discovery, SourceDecl

    def decl(**kw):
        return SourceDecl(name="x", outlet="x", site_names=(), allowed_domains=("x.cn",), discovery=Discovery(),
                          article_url=re.compile(r"\.shtml$"), **kw)

    plain = decl(continuation="_{n}")
    assert plain.continuation_url("http://x.cn/a/t20240611_39030456.shtml", 2) == "http://x.cn/a/t20240611_39030456_2.shtml"
    assert plain.continuation_number("http://x.cn/a/t20240611_39030456_3.shtml") == 3
    assert plain.is_article_url("http://x.cn/a/t20240611_39030456.shtml") and not plain.is_article_url("http://x.cn/a/t20240611_39030456_2.shtml")
    trs = decl(continuation="_{n}", continuation_first=1)   # page 2 is _1
    assert trs.continuation_url("http://x.cn/a/t20240611_39030456.shtml", 2) == "http://x.cn/a/t20240611_39030456_1.shtml"
    assert trs.continuation_number("http://x.cn/a/t20240611_39030456_1.shtml") == 2
    assert decl().continuation_url("http://x.cn/a.shtml", 2) is None


def test_next_article_page_from_links_or_script_pager():
    from crawler.spiders.news import has_next_article_page

    wanted = "http://x.cn/a/t20240612_1_1.shtml"
    assert has_next_article_page("", {wanted}, wanted, 1)
    assert has_next_article_page('<script>createPageHTML(3, 0, "t20240612_1", "shtml");</script>', set(), wanted, 2)
    assert not has_next_article_page('<script>createPageHTML(2, 1, "t20240612_1", "shtml");</script>', set(), wanted, 2)
    assert not has_next_article_page("<p>no pager</p>", set(), wanted, 1)
