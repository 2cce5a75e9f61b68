"""Peak memory of a crawl fed bombs: the resource cases of issue 9, at real sizes
and with the project's default caps (MAX_PAGE_BYTES, SITEMAP_MAX_BYTES, ...).

    .venv/bin/python bench/hostile_memory.py [--case NAME ...]

Each case starts a hostile server on 127.0.0.1 (tests/hostile_server.py;
bombs are generated while they are sent, nothing is written to disk), runs a
real ``scrapy crawl`` process against it and reads the process's peak RSS from
``wait4``. Prints a table: case, peak RSS, wall time, what the store recorded.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from tests.hostile_server import MB, HostileServer, article_page, gzip_stream, plain_stream  # noqa: E402

SITEMAP_HEAD = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
HTML = {"Content-Type": "text/html; charset=utf-8"}


def case_sitemap_loc(server):
    """A gzipped sitemap file (no Content-Encoding) whose <loc> is 1 GB."""
    body = gzip_stream([(SITEMAP_HEAD + b"<url><loc>http://127.0.0.1/", 1), (b"x" * MB, 1024), (b"</loc></url></urlset>", 1)])
    return "sitemap", server.route("/sitemap.xml.gz", headers={"Content-Type": "application/x-gzip"}, body=body), {}


def case_sitemap_whitespace(server):
    """A gzipped sitemap with 10 GB of whitespace before its one URL."""
    after = server.route("/after.html", headers=HTML, body=article_page("空白之后的文章"))
    body = gzip_stream([(SITEMAP_HEAD, 1), (b" " * MB, 10 * 1024), (f"<url><loc>{after}</loc></url></urlset>".encode(), 1)])
    return "sitemap", server.route("/sitemap-ws.xml.gz", headers={"Content-Type": "application/x-gzip"}, body=body), {}


def case_http_gzip_bombs(server):
    """Eight pages of 1 GiB each (gzip Content-Encoding), fetched at once."""
    urls = []
    for i in range(8):
        body = gzip_stream([(b"<html><body>", 1), (b"\0" * MB, 1024)])
        urls.append(server.route(f"/bomb{i}.html", headers={**HTML, "Content-Encoding": "gzip"}, body=body))
    return "urls", ",".join(urls), {"CONCURRENT_REQUESTS_PER_DOMAIN": "8"}


def case_big_page(server):
    """A 50 MB page, streamed without Content-Length."""
    para = "<p>" + "新闻正文" * 1000 + "</p>"
    body = plain_stream([("<html><body><h1>大页面</h1>".encode(), 1), (para.encode(), 50 * MB // len(para.encode()))])
    return "urls", server.route("/big.html", headers=HTML, body=body), {}


def links_page(n: int) -> bytes:
    links = "".join(f"<a href=/p/{i}>链接{i}</a>" for i in range(n))
    return f"<html><head><title>链接</title></head><body>{links}</body></html>".encode()


def case_links(server):
    """A page of 200,000 links (4.7 MB)."""
    return "urls", server.route("/links.html", headers=HTML, body=links_page(200_000)), {}


def case_links_small(server):
    """A page of 20,000 links, under the byte cap."""
    return "urls", server.route("/links.html", headers=HTML, body=links_page(20_000)), {}


def case_page_at_cap(server):
    """A page just under MAX_PAGE_BYTES, extracted: the longest the reactor is busy with one page."""
    paras = "".join(f"<p>第{i}段，这是一段很长的新闻正文，用来测量在上限以内的页面需要多长时间。</p>" for i in range(20_000))
    body = f"<html><head><title>上限以内</title></head><body><h1>上限以内</h1><div>2022-06-08 11:39</div>{paras}"
    body = body.encode()[: 2 * MB - 1000] + b"</p></body></html>"
    return "urls", server.route("/at-cap.html", headers=HTML, body=body), {}


CASES = {
    "sitemap .gz, 1 GB <loc>": case_sitemap_loc,
    "sitemap .gz, 10 GB whitespace": case_sitemap_whitespace,
    "8 HTTP gzip bombs of 1 GiB at once": case_http_gzip_bombs,
    "50 MB page": case_big_page,
    "page of 200k links": case_links,
    "page of 20k links": case_links_small,
    "page just under MAX_PAGE_BYTES": case_page_at_cap,
}


def run_case(make) -> tuple[float, float, str]:
    server = HostileServer()
    try:
        spider, url, settings = make(server)
        with tempfile.TemporaryDirectory() as tmp:
            store = Path(tmp) / "s.sqlite"
            args = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"url={url}", "-s", f"STORE_PATH={store}",
                    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0", "-s", "LOG_LEVEL=WARNING"]
            for key, value in settings.items():
                args += ["-s", f"{key}={value}"]
            env = {k: v for k, v in os.environ.items() if not k.startswith("CRAWLER_")}
            start = time.monotonic()
            proc = subprocess.Popen(args, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.monotonic() - start
            conn = sqlite3.connect(store)
            drops = [f"{reason} ×{n}" for reason, n in conn.execute("select reason, count(*) from drops group by reason order by reason")]
            stories = conn.execute("select count(*) from stories").fetchone()[0]
            conn.close()
            outcome = ", ".join(drops + ([f"stored {stories}"] if stories else []))
            if os.waitstatus_to_exitcode(status) not in (0, 1):
                outcome += f" (exit {os.waitstatus_to_exitcode(status)})"
            return usage.ru_maxrss / 1024, wall, outcome
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=list(CASES), help="run only these cases")
    args = parser.parse_args()
    print("| case | peak RSS MB | wall s | recorded |")
    print("|---|---|---|---|")
    for name in args.case or CASES:
        rss, wall, outcome = run_case(CASES[name])
        print(f"| {name} | {rss:.0f} | {wall:.1f} | {outcome} |", flush=True)


if __name__ == "__main__":
    main()
