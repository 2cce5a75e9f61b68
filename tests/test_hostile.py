"""Hostile input: bombs, oversized pages, link farms, redirects to internal
addresses and over-long URLs. Each class has a real ``scrapy crawl``
against a hostile server on 127.0.0.1, checking the drop row (reason, URL)
and that nothing was stored; the redirect middleware's other decisions
(meta refresh, loops, long chains, the allow switch) are in-process tests in
tests/test_components.py. Caps are set small with -s so
the bombs can be small; bench/hostile_memory.py uses the real defaults."""

from __future__ import annotations

import pytest

from tests.hostile_server import MB, HostileServer, article_page, gzip_stream, plain_stream

from .helpers import rows, run_crawl

SMALL_CAPS = {"MAX_PAGE_BYTES": str(1 * MB), "SITEMAP_MAX_BYTES": str(2 * MB)}
SITEMAP_HEAD = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'


@pytest.fixture()
def server():
    s = HostileServer()
    yield s
    s.close()


@pytest.fixture()
def internal():
    """Another server on 127.0.0.1: an internal service that must not be reached."""
    s = HostileServer()
    s.route("/secret", headers={"Content-Type": "text/html; charset=utf-8"}, body=article_page("内部页面不得发布"))
    yield s
    s.close()


def crawl(spider: str, store, url: str, **settings):
    result = run_crawl(spider, store, spider_args={"url": url}, **{**SMALL_CAPS, **settings})
    assert "Traceback (most recent call last)" not in result.stderr, result.stderr[-3000:]
    return result


def drops(store) -> set[tuple[str, str]]:
    return {(r["reason"], r["url"]) for r in rows(store, "select reason, url from drops")}


def stored(store) -> int:
    return rows(store, "select count(*) n from stories")[0]["n"]


def test_http_gzip_bomb_is_cut_at_the_page_cap(server, tmp_path):
    # 64 MB of zeros in ~64 KB of gzip, announced as Content-Encoding: gzip
    url = server.route("/bomb.html", headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
                       body=b"".join(gzip_stream([(b"<html><body>", 1), (b"\0" * MB, 64)])()))
    store = tmp_path / "s.sqlite"
    crawl("urls", store, url)
    assert ("page_too_large", url) in drops(store)
    assert stored(store) == 0


def test_oversized_pages_are_not_downloaded(server, tmp_path):
    # one announced by Content-Length, one streamed without a length (cut mid-download)
    announced = server.route("/big.html", headers={"Content-Type": "text/html"}, body=b"<html>" + b"a" * (3 * MB))
    streamed = server.route("/stream.html", headers={"Content-Type": "text/html"},
                            body=plain_stream([(b"<html><body>", 1), (b"<p>" + b"x" * 4093 + b"</p>", 20000)]))
    store = tmp_path / "s.sqlite"
    crawl("urls", store, f"{announced},{streamed}")
    assert {("page_too_large", announced), ("page_too_large", streamed)} <= drops(store)
    assert stored(store) == 0


def test_gzipped_sitemap_file_bomb_is_cut_at_the_sitemap_cap(server, tmp_path):
    # a .xml.gz served without Content-Encoding: decompressed by our sitemap reader
    url = server.route("/sitemap.xml.gz", headers={"Content-Type": "application/x-gzip"},
                       body=b"".join(gzip_stream([(SITEMAP_HEAD + b"<url><loc>http://127.0.0.1/", 1), (b"x" * MB, 30),
                                                  (b"</loc></url></urlset>", 1)])()))
    store = tmp_path / "s.sqlite"
    crawl("sitemap", store, url)
    assert ("sitemap_too_large", url) in drops(store)
    assert stored(store) == 0


def test_a_huge_text_node_does_not_lose_the_urls_after_it_silently(server, tmp_path):
    # 12 MB of whitespace (past libxml2's 10 MB text node limit), then a URL
    after = server.url("/after.html")
    url = server.route("/sitemap-ws.xml", headers={"Content-Type": "application/xml"},
                       body=b"".join(gzip_stream([(SITEMAP_HEAD, 1), (b" " * MB, 12),
                                                  (f"<url><loc>{after}</loc></url></urlset>".encode(), 1)])()))
    store = tmp_path / "s.sqlite"
    crawl("sitemap", store, url, SITEMAP_MAX_BYTES=str(50 * MB))
    assert ("element_too_long", url) in drops(store)
    assert stored(store) == 0


def test_an_over_long_loc_is_dropped_and_the_next_entry_read(server, tmp_path):
    nxt = server.route("/next.html", status=404)
    long_loc = server.url("/" + "y" * 6000)
    body = SITEMAP_HEAD + f"<url><loc>{long_loc}</loc></url><url><loc>{nxt}</loc></url></urlset>".encode()
    url = server.route("/sitemap.xml", headers={"Content-Type": "application/xml"}, body=body)
    store = tmp_path / "s.sqlite"
    crawl("sitemap", store, url)
    found = drops(store)
    assert ("element_too_long", long_loc[:200]) in found
    assert ("http_404", nxt) in found      # the entry after it was requested
    assert not any(p.startswith("/yyy") for p in server.requested)


def test_a_page_of_links_is_not_an_article(server, tmp_path):
    links = "".join(f'<a href="/p/{i}.html">链接标题{i}</a>' for i in range(6000))
    url = server.route("/links.html", headers={"Content-Type": "text/html; charset=utf-8"},
                       body=f"<html><head><title>链接</title></head><body>{links}</body></html>".encode())
    store = tmp_path / "s.sqlite"
    crawl("urls", store, url)
    assert ("too_many_links", url) in drops(store)
    assert stored(store) == 0


def test_redirects_to_internal_addresses_are_refused(server, internal, tmp_path):
    # the meta refresh variant, the ALLOW_PRIVATE_REDIRECTS switch, loops and
    # over-long chains are checked in-process (tests/test_components.py)
    url = server.route("/go", status=302, headers={"Location": internal.url("/secret")})
    store = tmp_path / "s.sqlite"
    crawl("urls", store, url)
    assert [r["reason"] for r in rows(store, "select reason from drops where url = ?", (url,))] == ["redirect_to_private_address"]
    assert stored(store) == 0
    assert internal.requested == []


def test_a_url_over_the_length_limit_is_a_drop(server, tmp_path):
    url = server.url("/NewsData/GetNewsText.do?id=" + "9" * 10000)
    store = tmp_path / "s.sqlite"
    crawl("urls", store, url)
    assert drops(store) == {("url_too_long", url)}
    assert server.requested == []


def test_mirror_mode_keeps_redirects_inside_the_mirror(server, internal, tmp_path):
    host = "news.example.test"
    server.route(f"/{host}/a.html", status=302, headers={"Location": f"http://{host}/b.html"})
    server.route(f"/{host}/b.html", headers={"Content-Type": "text/html; charset=utf-8"}, body=article_page("镜像内的跳转目标"))
    server.route(f"/{host}/c.html", status=302, headers={"Location": internal.url("/secret")})
    store = tmp_path / "s.sqlite"
    result = run_crawl("urls", store, mirror=f"http://127.0.0.1:{server.port}",
                       spider_args={"url": f"http://{host}/a.html,http://{host}/c.html"})
    assert "Traceback (most recent call last)" not in result.stderr, result.stderr[-3000:]
    assert f"/{host}/b.html" in server.requested
    assert [r["url"] for r in rows(store, "select url from stories")] == [f"http://{host}/b.html"]
    assert ("redirect_to_private_address", f"http://{host}/c.html") in drops(store)
    assert internal.requested == []


def test_a_redirect_to_a_name_that_resolves_to_a_private_address_is_refused_on_arrival():
    import ipaddress

    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.middlewares.limits import Refused
    from crawler.middlewares.safety import PrivateAddressMiddleware, private_address

    assert private_address("127.0.0.1") and private_address("[::1]") and private_address("169.254.169.254")
    assert private_address("10.1.2.3") and private_address("localhost") and private_address("0.0.0.0")
    assert not private_address("93.184.216.34") and not private_address("news.example.com")

    mw = PrivateAddressMiddleware.from_crawler(get_crawler(settings_dict={"ALLOW_PRIVATE_REDIRECTS": False}))
    chain = ["http://public.example/a", "http://intranet.example/admin"]
    request = Request(chain[-1], meta={"redirect_chain": chain})
    inside = HtmlResponse(chain[-1], body=b"<html></html>", request=request, ip_address=ipaddress.ip_address("10.0.0.5"))
    with pytest.raises(Refused) as refused:
        mw.process_response(request, inside)
    assert refused.value.reason == "redirect_to_private_address"
    outside = HtmlResponse(chain[-1], body=b"<html></html>", request=request, ip_address=ipaddress.ip_address("93.184.216.34"))
    assert mw.process_response(request, outside) is outside
    not_redirected = Request("http://intranet.example/admin")
    assert mw.process_response(not_redirected, inside) is inside


def test_link_count_is_the_count_of_both_spellings():
    # page_problem counts "<a " and "<A " in one regex pass (issue 12): the same number as
    # the two counts, so the same pages are refused
    import random

    from crawler.middlewares.limits import page_problem

    pieces = [b"<a ", b"<A ", b"<a", b"<abbr ", b"<<a ", b"a ", b"<a <a ", b"x", b"<A<a ", b" "]
    rng = random.Random(2)
    for _ in range(2000):
        body = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        links = body.count(b"<a ") + body.count(b"<A ")
        for limit in (max(0, links - 1), links):
            problem = page_problem(body, 0, limit) if limit else None
            assert (problem is not None and problem[0] == "too_many_links") == (limit > 0 and links > limit), body
            if problem:
                assert problem[1].startswith(f"{links} links")
