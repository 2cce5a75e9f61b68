"""Benchmark: the store stage's milliseconds per story, one transaction per story
against batches (STORE_BATCH_SIZE).

    .venv/bin/python bench/store_batch.py [--stories 600] [--sizes 1,10,100]

Each size writes the same synthetic stories (distinct Chinese bodies of about 1,500
characters, so syndication assigns each its own cluster) into a new file store with
``Store.insert_story``, the way the store pipeline does: ``begin_batch`` before a
story, ``commit_batch`` every SIZE stories (size 1: one transaction per story, the
behaviour before batches); the time spent committing is shown apart. Prints ms/story (wall and CPU, file store in WAL mode with
SQLite's default synchronous setting, so each commit is an fsync).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[0] = str(PROJECT)  # not bench/: its incremental.py would shadow the package twisted imports

from crawler.store import Store  # noqa: E402
from pipelines.normalize import normalize  # noqa: E402
from pipelines.store import story_row  # noqa: E402

CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"


def stories(n: int, seed: int = 12) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        body = "".join(f"<p>{''.join(rnd.choice(CHARS) for _ in range(150))}。</p>" for _ in range(10))
        item = normalize({
            "story_id": f"bench-{i}", "url": f"http://www.chinadevelopment.com.cn/news/zj/2022/06/{1_800_000 + i}.shtml",
            "source": "chinadevelopment", "site": "中国发展网", "outlet": "中国发展网", "title": f"标题{i}{''.join(rnd.choice(CHARS) for _ in range(12))}",
            "published_at": f"2022-06-{1 + i % 28:02d}T11:39:00+08:00", "date_raw": "2022-06-08 11:39", "body_html": body,
        })
        item["post"] = "---\nlayout: post\n---\n" + item["body_text"]
        out.append(story_row(item))
    return out


def run(rows: list[dict], size: int, where: str | None = None) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory(dir=where) as tmp:
        store = Store.open(Path(tmp) / "s.sqlite")
        run_id = store.start_run("chinadevelopment")
        started, cpu, committing = time.perf_counter(), time.process_time(), 0.0
        for row in rows:
            store.begin_batch()   # size 1: one transaction per story, as before batches
            store.insert_story(row, run_id)
            if store.batch_writes >= size:
                t = time.perf_counter()
                store.commit_batch()
                committing += time.perf_counter() - t
        t = time.perf_counter()
        store.commit_batch()
        committing += time.perf_counter() - t
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert store.db.execute("SELECT count(*) FROM stories").fetchone()[0] == len(rows)
        store.close()
    return elapsed * 1000 / len(rows), cpu * 1000 / len(rows), committing * 1000 / len(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=600)
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--dir", default=str(PROJECT / "data"), help="where the store is written (a real disk: /tmp may be memory)")
    args = parser.parse_args(argv)
    rows = stories(args.stories)
    run(rows[:50], 1, args.dir)  # warm-up: imports, MinHash permutations
    print(f"{args.stories} stories, file store (WAL) in {args.dir}")
    print("| STORE_BATCH_SIZE | wall ms/story | CPU ms/story | of which COMMIT, wall ms/story |\n|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        wall, cpu, commit = run(rows, size, args.dir)
        print(f"| {size} | {wall:.2f} | {cpu:.2f} | {commit:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
