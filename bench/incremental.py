"""Benchmark: incremental crawling on a generated mirror of 500+ articles.

    .venv/bin/python bench/incremental.py [--channels 5] [--delay 0.1]

1. generates a mirror of China Development Net: 5 channels × 5 list pages ×
   20 articles (template v1), served on 127.0.0.1;
2. run 1 crawls it into an empty store;
3. run 2 crawls the unchanged mirror: it must download no article page, fetch
   each list page at most once (a 304 counts) and take < 10 % of run 1's time;
4. 5 new articles are added at the top of channel 1; run 3 must download those
   5 articles plus the listing page that leads to them, nothing else.
Each run is a real ``scrapy crawl`` process; wall time is measured around it.
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from bench.common import last_run_stats, run_crawl  # noqa: E402
from crawler import stats_keys  # noqa: E402
from crawler.mirror_server import serve  # noqa: E402

HOST = "www.chinadevelopment.com.cn"
PER_PAGE = 20
PAGES = 5
PARAGRAPHS = [
    "今年以来，{topic}相关工作稳步推进，各地结合实际出台配套措施，推动政策尽快落地见效。",
    "记者在调研中了解到，{topic}领域的重点项目进展顺利，部分项目已提前完成年度投资计划。",
    "业内人士表示，{topic}既要注重短期效果，也要着眼长远，持续完善体制机制和要素保障。",
    "下一步，有关部门将加强统筹协调，及时总结推广典型经验，推动{topic}工作再上新台阶。",
]
TOPICS = ["城市更新", "乡村振兴", "绿色金融", "数字经济", "先进制造", "消费升级", "科技创新", "对外开放"]


def article_html(n: int) -> str:
    topic = TOPICS[n % len(TOPICS)]
    body = "".join(f"<p>　　{p.format(topic=topic)}（编号{n}）</p>" for p in PARAGRAPHS)
    day = 1 + n % 28
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{topic}观察之{n}_中国发展网</title></head><body>"
        f"<div class='nav'><a href='/'>首页</a></div><h1 id='article-content-title'>{topic}观察之{n}</h1>"
        f"<div class='article-infos ov'><span class='date fl-l'>2022-06-{day:02d} 10:{n % 60:02d}</span>"
        f"<span class='source fl-l'>来源：中国发展网</span></div>"
        f"<div class='article-detail-inner'>{body}</div><div class='footer'>版权所有 中国发展网</div></body></html>"
    )


def write_mirror(root: Path, channels: dict[int, list[int]]) -> None:
    for channel, ids in channels.items():
        folder = root / HOST / "bench" / f"c{channel}"
        for page in range(PAGES):
            chunk = ids[page * PER_PAGE : (page + 1) * PER_PAGE]
            links = "".join(f"<li><a href='/bench/c{channel}/2022/06/{i}.shtml'>文章{i}</a></li>" for i in chunk)
            nxt = f"<a href='index_{page + 2}.shtml'>下一页</a>" if page + 1 < PAGES else ""
            html = f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><ul class='list'>{links}</ul>{nxt}</body></html>"
            name = "index.html" if page == 0 else f"index_{page + 1}.shtml"
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_text(encoding="utf-8") != html:
                target.write_text(html, encoding="utf-8")
            for i in chunk:
                page_file = folder / "2022" / "06" / f"{i}.shtml"
                if not page_file.exists():
                    page_file.parent.mkdir(parents=True, exist_ok=True)
                    page_file.write_text(article_html(i), encoding="utf-8")


def crawl(store: Path, mirror: str, channels: list[str], delay: float) -> dict:
    cmd = [
        sys.executable, "-m", "scrapy", "crawl", "chinadevelopment",
        "-s", f"STORE_PATH={store}", "-s", f"MIRROR_URL={mirror}",
        "-s", f"CHINADEVELOPMENT_LISTINGS={','.join(channels)}",
        "-s", f"DOWNLOAD_DELAY={delay}", "-s", "LOG_LEVEL=WARNING", "-s", f"LIST_MAX_PAGES={PAGES}",
    ]
    wall, _ = run_crawl(cmd)
    stats = last_run_stats(store)
    conn = sqlite3.connect(store)
    stories = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
    conn.close()
    return {
        "wall_s": round(wall, 2),
        "requests": stats.get(stats_keys.DOWNLOADER_REQUESTS, 0),
        "robots_requests": stats.get(stats_keys.ROBOTSTXT_REQUESTS, 0),
        "article_downloads": stats.get(stats_keys.ARTICLE_PAGES, 0),
        "listing_200": stats.get(stats_keys.LISTING_PAGES, 0),
        "listing_304": stats.get(stats_keys.LISTING_NOT_MODIFIED, 0),
        "new_stories": stats.get(stats_keys.STORE_STORED, 0),
        "stories_in_store": stories,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.1, help="DOWNLOAD_DELAY for every run (politeness stays on)")
    parser.add_argument("--keep", help="keep the mirror and store in this folder")
    args = parser.parse_args(argv)
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-incremental-"))
    work.mkdir(parents=True, exist_ok=True)
    root, store = work / "mirror", work / "stories.sqlite"
    per_channel = PER_PAGE * PAGES
    channels = {c: [1_900_000 + c * 10_000 + k for k in range(per_channel, 0, -1)] for c in range(1, args.channels + 1)}
    write_mirror(root, channels)
    server = serve(root)
    mirror = f"http://127.0.0.1:{server.server_address[1]}"
    channel_urls = [f"http://{HOST}/bench/c{c}/" for c in channels]
    total = sum(len(v) for v in channels.values())

    first = crawl(store, mirror, channel_urls, args.delay)
    second = crawl(store, mirror, channel_urls, args.delay)
    time.sleep(1.1)  # Last-Modified has one-second resolution
    new_ids = [1_900_000 + 10_000 + per_channel + k for k in range(5, 0, -1)]
    channels[1] = new_ids + channels[1]
    write_mirror(root, channels)
    third = crawl(store, mirror, channel_urls, args.delay)
    server.shutdown()

    checks = {
        "run 1 stored every article": first["new_stories"] == total,
        "run 2 downloads no article page": second["article_downloads"] == 0,
        "run 2 fetches each listing at most once": second["listing_200"] + second["listing_304"] <= first["listing_200"],
        "run 2 takes < 10% of run 1": second["wall_s"] < 0.10 * first["wall_s"],
        "run 3 downloads exactly the 5 new articles": third["article_downloads"] == 5 and third["new_stories"] == 5,
        "run 3 fetches only the listing that leads to them": third["listing_200"] == 1,
    }
    print(f"mirror: {total} articles in {len(channels)} channels × {PAGES} list pages; DOWNLOAD_DELAY={args.delay}")
    print("| run | wall s | requests (robots) | articles downloaded | listings 200 | listings 304 | new stories |")
    print("|---|---|---|---|---|---|---|")
    for name, r in (("1 first crawl", first), ("2 unchanged mirror", second), ("3 after 5 new articles", third)):
        print(f"| {name} | {r['wall_s']} | {r['requests']} ({r['robots_requests']}) | {r['article_downloads']} | {r['listing_200']} | {r['listing_304']} | {r['new_stories']} |")
    print(f"\nrun 2 / run 1 wall time: {second['wall_s'] / first['wall_s']:.1%}")
    for check, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {check}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
