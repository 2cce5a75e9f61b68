"""Throughput of a generic crawl of real pages, against download-only Scrapy (issue 12).

    .venv/bin/python bench/throughput.py                          # ~1,500 pages, workers 1 and 2
    .venv/bin/python bench/throughput.py --pages 50000 --workers 2   # the memory run
    .venv/bin/python bench/throughput.py --workers 0,1,2 --json out.json
    .venv/bin/python bench/throughput.py --corpora zh-dev --limit 8 --pages 20 --workers 0   # tiny (the smoke test)
    .venv/bin/python bench/throughput.py --corpus DIR --corpora .     # any folder with manifest.jsonl ({"id", "path"}) + pages

1. The mirror: every page of ``../shared/corpus`` (fundus-dev, zh-dev, gne-pages; env
   ``SHARED_DIR`` moves ``../shared``, ``--corpus DIR`` names the folder) is served several
   times under distinct URLs ``http://127.0.0.1:PORT/p/<page>/<copy>.html`` — round-robin
   until ``--pages`` URLs — by an in-memory threaded HTTP server in a separate process. Each
   copy's bytes differ (an HTML comment with the copy number after the document) but not its
   text, so the first copy of a page is stored and the others are exact duplicates: every
   page goes through the whole extraction either way. The original bytes are served with
   ``Content-Type: text/html; charset=<the charset the page declares>`` (none when it
   declares none), as a server that agrees with its pages would. With ``--distinct-text``
   every copy after the first also carries its copy number inside each paragraph
   (`` (copy N)`` before every ``</p>``), so that its body text differs and it is stored as
   a story of its own (a syndicated copy of the first): the run then shows how memory
   behaves as stored stories grow, not only pages crawled.
2. On the same server in one run: a download-only Scrapy spider (plain Scrapy settings, the
   project's concurrency, callback does nothing; ``--download-runs`` times, 2 by default: its
   wall time varies from run to run, and the ratio is to its fastest run), then the real ``python -m scrapy crawl urls
   -a file=<urls>`` into a new store once per ``--workers`` count, given as
   ``-s EXTRACT_WORKERS=<n>`` (the extraction pool's size; 0 = extraction in the crawl
   process). With ``--naive`` also the simplest competitor: the download-only spider calling
   ``trafilatura.bare_extraction(with_metadata=True)`` in its callback. All run with
   ``DOWNLOAD_DELAY=0`` and AutoThrottle off, as the tests' crawls of
   127.0.0.1 do; robots.txt is asked for (the server answers 404) by all.
3. Per run: pages, wall s (process start to exit, start-up included), pages/s, the ratio to
   download-only (wall over wall), CPU seconds of the whole process tree (``wait4`` of the
   spawned process, which includes its reaped descendants; at least the sum of what psutil
   saw of each process), CPU s per page, and the peak of the summed RSS of the process and
   all its descendants, sampled every 100 ms with psutil (and the peak in each quarter of the
   run, to see growth over a long run). For the crawl, the outcome check
   from the store: every URL is a stored story, an exact-duplicate arrival (``story_urls``
   relation ``duplicate``) or a row in ``drops`` — stored + duplicates + drops = pages.

"run s" is the time the spider ran (Scrapy's ``elapsed_time_seconds``, the run row's
``duration_s``): wall minus the process's start-up and shut-down. "server CPU s" is the page
server's CPU during the run (outside the tree): it shows the server is not the bottleneck
(download-only reaches 100–130 pages/s here with the project's 4 requests per host).

Prints a Markdown table; ``--json FILE`` (``-`` for stdout) writes the results as JSON.
Exits 0 with a ``SKIP`` line when the corpus is absent, 1 when an outcome does not add up.
The figures move with the machine's load: say how loaded it was when quoting them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
# run as `python bench/throughput.py`, bench/ comes first on sys.path, and bench/incremental.py
# would shadow the `incremental` package Twisted imports: the project's root instead
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != PROJECT / "bench"]
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))
from bench.common import SHARED, write_json  # noqa: E402

DEFAULT_CORPUS = SHARED / "corpus"
CORPORA = ("fundus-dev", "zh-dev", "gne-pages")
DEFAULT_PAGES = 1500
SAMPLE_S = 0.1

# the charset a page declares (<meta charset=…> or http-equiv content="…; charset=…"), near its start
_DECLARED_RE = re.compile(rb"<meta[^>]{0,400}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)


# --- the pages ------------------------------------------------------------------

def load_pages(corpus: Path, corpora: tuple[str, ...] = CORPORA, limit: int | None = None) -> list[dict]:
    """[{name, body, content_type}] of every manifest page of the corpora, in manifest order."""
    pages = []
    for name in corpora:
        folder = corpus / name
        manifest = folder / "manifest.jsonl"
        if not manifest.is_file():
            continue
        entries = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
        for entry in entries[:limit]:
            body = (folder / entry["path"]).read_bytes()
            pages.append({"name": f"{name}/{entry['id']}", "body": body, "content_type": content_type(body)})
    return pages


def content_type(body: bytes) -> str:
    match = _DECLARED_RE.search(body[:16384])
    return f"text/html; charset={match.group(1).decode('ascii')}" if match else "text/html"


_PARAGRAPH_END_RE = re.compile(rb"</p\s*>", re.I)


def copy_bytes(body: bytes, copy: int, distinct_text: bool = False) -> bytes:
    """The page's bytes with a per-copy comment after the document: other bytes, same text.
    ASCII, appended, so it changes neither the charset a sniffer finds nor the text. With
    ``distinct_text``, copies after the first also name their number in every paragraph
    (ASCII, so every ASCII-compatible charset the corpus pages use still decodes them)."""
    if distinct_text and copy:
        marker = b" (copy %d)</p>" % copy
        body = _PARAGRAPH_END_RE.sub(lambda _m: marker, body)
    return body + b"\n<!-- copy %d -->\n" % copy


def url_list(base: str, n_pages: int, total: int) -> list[str]:
    """``total`` URLs: every page once, then every page's second copy, … (round-robin)."""
    return [f"{base}/p/{i % n_pages}/{i // n_pages}.html" for i in range(total)]


# --- the server (a separate process) -------------------------------------------------

def serve(corpus: Path, corpora: tuple[str, ...], limit: int | None, distinct_text: bool = False) -> None:
    """Serve the pages from memory until stdin closes; prints ``PORT <n>`` when listening."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    pages = load_pages(corpus, corpora, limit)
    path_re = re.compile(r"^/p/(\d+)/(\d+)\.html$")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: Scrapy reuses its connections
        # headers and body are two writes: with Nagle's algorithm the body's last segment waits
        # for the client's delayed ACK (~40 ms a page, which capped download-only at ~60 pages/s)
        disable_nagle_algorithm = True

        def do_GET(self):  # noqa: N802 (http.server naming)
            match = path_re.match(self.path)
            if match is None or int(match.group(1)) >= len(pages):
                self._send(404, "text/plain", b"not found")
                return
            page = pages[int(match.group(1))]
            self._send(200, page["content_type"], copy_bytes(page["body"], int(match.group(2)), distinct_text))

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):  # quiet: a line per request would cost the server time
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PORT {server.server_address[1]} PAGES {len(pages)}", flush=True)
    sys.stdin.read()  # the bench closes our stdin to stop us
    server.shutdown()


# --- the download-only spider (a separate process, plain Scrapy) ------------------------

def download_only(urls_file: Path, settings: dict, stats_out: Path, naive: bool = False) -> None:
    """Plain Scrapy fetching the URLs; with ``naive``, its callback runs trafilatura on each
    page (the simplest competitor: no dedupe, no store)."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class DownloadOnly(scrapy.Spider):
        name = "download_only"

        async def start(self):
            for line in urls_file.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    yield scrapy.Request(line.strip(), callback=self.parse, errback=self.failed)

        def parse(self, response):
            if naive:
                import trafilatura

                doc = trafilatura.bare_extraction(response.text, url=response.url, with_metadata=True)
                self.crawler.stats.inc_value("naive/extracted" if getattr(doc, "text", None) else "naive/empty")
            return None

        def failed(self, failure):
            return None

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(DownloadOnly)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    stats_out.write_text(json.dumps(stats, default=str), encoding="utf-8")


# --- measuring a process tree ------------------------------------------------------

@dataclass
class TreeUsage:
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    peak_processes: int = 0
    rss_trace: list = field(default_factory=list)  # (seconds since start, summed RSS MB) of every sample
    returncode: int = 0


def run_measured(cmd: list[str], log: Path, env: dict | None = None) -> TreeUsage:
    """Run ``cmd`` (cwd = the project); wall time, CPU of the tree and peak summed RSS."""
    import psutil

    usage = TreeUsage()
    seen_cpu: dict[tuple[int, float], float] = {}  # (pid, create_time) → last user+system seen
    done = threading.Event()
    t0 = time.perf_counter()
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, cwd=PROJECT, stdout=out, stderr=subprocess.STDOUT, env=env)

    def sample() -> None:
        try:
            root = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            rss, alive = 0, 0
            for p in tree:
                try:
                    with p.oneshot():
                        if p.status() == psutil.STATUS_ZOMBIE:
                            continue
                        rss += p.memory_info().rss
                        cpu = p.cpu_times()
                        seen_cpu[(p.pid, p.create_time())] = cpu.user + cpu.system
                        alive += 1
                except psutil.Error:
                    continue
            usage.peak_rss_mb = max(usage.peak_rss_mb, rss / 2**20)
            usage.rss_trace.append((time.perf_counter() - t0, rss / 2**20))
            usage.peak_processes = max(usage.peak_processes, alive)
            done.wait(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # wait4, not Popen.wait: its rusage is the process's CPU plus that of every descendant it reaped
    _, status, rusage = os.wait4(proc.pid, 0)
    usage.wall_s = time.perf_counter() - t0
    done.set()
    sampler.join()
    proc.returncode = usage.returncode = os.waitstatus_to_exitcode(status)
    usage.cpu_s = max(rusage.ru_utime + rusage.ru_stime, sum(seen_cpu.values()))
    # ru_maxrss is the largest single process (KB): a floor when the tree lived < one sample
    usage.peak_rss_mb = max(usage.peak_rss_mb, rusage.ru_maxrss / 1024)
    return usage


# --- one run's result ------------------------------------------------------------

@dataclass
class Result:
    run: str
    workers: int | None
    pages: int
    wall_s: float
    pages_per_s: float
    ratio: float | None
    cpu_s: float
    cpu_s_per_page: float
    peak_rss_mb: float
    peak_processes: int
    # the tree's summed RSS at 25, 50, 75 and 100 % of the run's wall time (growth over a long run)
    rss_mb_at_quarters: list = field(default_factory=list)
    responses: int | None = None
    run_duration_s: float | None = None
    stored: int | None = None
    duplicates: int | None = None
    drops: int | None = None
    drops_by_reason: dict = field(default_factory=dict)
    unaccounted: int | None = None
    outcome_ok: bool | None = None
    returncode: int = 0
    server_cpu_s: float | None = None  # the page server's CPU during this run (not in the tree's)


def outcome(store: Path, urls: list[str]) -> dict:
    """stored + duplicates + drops of the crawl's store, and the URLs none of them accounts for."""
    conn = sqlite3.connect(store)
    try:
        stored = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
        duplicates = conn.execute("SELECT count(*) FROM story_urls WHERE relation = 'duplicate'").fetchone()[0]
        arrived = {row[0] for row in conn.execute("SELECT canonical_url FROM story_urls")}
        dropped = {row[0] for row in conn.execute("SELECT url FROM drops")}
        by_reason = dict(conn.execute("SELECT reason, count(DISTINCT url) FROM drops GROUP BY reason ORDER BY 2 DESC"))
        run = conn.execute("SELECT duration_s, stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    stats = json.loads(run[1]) if run and run[1] else {}
    from crawler.urls import canonicalize

    canonical = {u: canonicalize(u) for u in urls}
    unaccounted = [u for u in urls if canonical[u] not in arrived and u not in dropped and canonical[u] not in dropped]
    # drops of the listed pages (a redirect's drop names the URL that was linked, so it is one of them)
    drops = sum(1 for u in urls if u in dropped or canonical[u] in dropped)
    return {"stored": stored, "duplicates": duplicates, "drops": drops, "drops_by_reason": by_reason,
            "unaccounted": len(unaccounted), "outcome_ok": stored + duplicates + drops == len(urls) and not unaccounted,
            "run_duration_s": run[0] if run else None, "responses": stats.get("response_received_count")}


def quarters(usage: TreeUsage) -> list[int]:
    """The largest summed RSS sampled in each quarter of the run (MB)."""
    out = []
    for q in range(1, 5):
        lo, hi = usage.wall_s * (q - 1) / 4, usage.wall_s * q / 4
        window = [rss for t, rss in usage.rss_trace if lo <= t <= hi]
        out.append(round(max(window)) if window else 0)
    return out


def result(run: str, workers: int | None, pages: int, usage: TreeUsage, base_wall: float | None, **extra) -> Result:
    return Result(run=run, workers=workers, pages=pages, wall_s=round(usage.wall_s, 2),
                  pages_per_s=round(pages / usage.wall_s, 1), ratio=round(usage.wall_s / base_wall, 2) if base_wall else None,
                  cpu_s=round(usage.cpu_s, 1), cpu_s_per_page=round(usage.cpu_s / pages, 4),
                  peak_rss_mb=round(usage.peak_rss_mb), peak_processes=usage.peak_processes,
                  rss_mb_at_quarters=quarters(usage),
                  returncode=usage.returncode, **extra)


def table(results: list[Result]) -> str:
    lines = ["| run | pages | wall s | pages/s | ratio to download-only | CPU s (tree) | CPU s/page | peak RSS MB (tree) "
             "| processes | run s | server CPU s | outcome: stored + duplicates + drops |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if r.stored is None:
            check = "–"
        else:
            mark = "✓" if r.outcome_ok else f"✗ ({r.unaccounted} unaccounted)"
            accounted = r.stored + (r.duplicates or 0) + (r.drops or 0)
            check = f"{r.stored} + {r.duplicates} + {r.drops} = {accounted} {mark}"
        ratio = "1" if r.ratio is None else f"{r.ratio}"
        lines.append(f"| {r.run} | {r.pages} | {r.wall_s} | {r.pages_per_s} | {ratio} | {r.cpu_s} | {r.cpu_s_per_page} "
                     f"| {r.peak_rss_mb} | {r.peak_processes} | {'–' if r.run_duration_s is None else r.run_duration_s} "
                     f"| {'–' if r.server_cpu_s is None else r.server_cpu_s} | {check} |")
    return "\n".join(lines)


# --- the bench ---------------------------------------------------------------------

def project_concurrency(override: int | None) -> dict[str, str]:
    import crawler.settings as s

    if override:
        return {"CONCURRENT_REQUESTS": str(max(override, s.CONCURRENT_REQUESTS)), "CONCURRENT_REQUESTS_PER_DOMAIN": str(override)}
    return {"CONCURRENT_REQUESTS": str(s.CONCURRENT_REQUESTS), "CONCURRENT_REQUESTS_PER_DOMAIN": str(s.CONCURRENT_REQUESTS_PER_DOMAIN)}


def crawl_env() -> dict[str, str]:
    """The environment without CRAWLER_* overrides (a developer's store path must not leak in)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CRAWLER_")}


def bench(corpus: Path, corpora: tuple[str, ...], limit: int | None, total: int | None, workers: list[int],
          concurrency: int | None, work: Path, skip_download_only: bool = False, naive: bool = False,
          distinct_text: bool = False, progress=sys.stderr, download_runs: int = 2) -> list[Result]:
    server = subprocess.Popen([sys.executable, __file__, "_serve", "--corpus", str(corpus), "--corpora", ",".join(corpora),
                               *(["--limit", str(limit)] if limit else []), *(["--distinct-text"] if distinct_text else [])],
                              cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline().split() if server.stdout else []
        if len(first) != 4 or first[0] != "PORT":
            raise SystemExit(f"the page server did not start: {first}")
        port, n_pages = int(first[1]), int(first[3])
        if n_pages == 0:
            raise SystemExit(f"no pages under {corpus} ({', '.join(corpora)})")
        urls = url_list(f"http://127.0.0.1:{port}", n_pages, total or DEFAULT_PAGES)
        urls_file = work / "urls.txt"
        urls_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
        print(f"{n_pages} distinct pages served {len(urls)} times in all on 127.0.0.1:{port}; work folder {work}",
              file=progress, flush=True)
        import psutil

        server_proc = psutil.Process(server.pid)

        def server_cpu() -> float:
            times = server_proc.cpu_times()
            return times.user + times.system

        conc = project_concurrency(concurrency)
        # a local server: no politeness delay, as the tests' crawls of 127.0.0.1 run
        fast = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "INFO", **conc}
        results: list[Result] = []
        base_wall = None
        if not skip_download_only:
            # download-only's wall time varies from run to run on the same server (12.9 and 27.8 s
            # for these 1,500 pages minutes apart): the ratio is taken to its fastest run
            settings = {**fast, "ROBOTSTXT_OBEY": "True", "TELNETCONSOLE_ENABLED": "False"}
            runs = []
            for k in range(1, max(1, download_runs) + 1):
                stats_file = work / f"download-only-{k}.stats.json"
                before = server_cpu()
                usage = run_measured([sys.executable, __file__, "_download", str(urls_file), str(stats_file), json.dumps(settings)],
                                     work / f"download-only-{k}.log", env=crawl_env())
                stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
                runs.append((usage, stats, round(server_cpu() - before, 1)))
                print(f"download-only run {k}: {usage.wall_s:.2f} s", file=progress, flush=True)
            base_wall = min(usage.wall_s for usage, _, _ in runs)
            for k, (usage, stats, server_s) in enumerate(runs, 1):
                elapsed = stats.get("elapsed_time_seconds")
                results.append(result("download-only" if len(runs) == 1 else f"download-only, run {k}", None, len(urls), usage, base_wall,
                                      responses=stats.get("response_received_count"),
                                      run_duration_s=round(float(elapsed), 2) if elapsed is not None else None, server_cpu_s=server_s))
            print(table(results[-len(runs):]), file=progress, flush=True)
        if naive:
            stats_file = work / "naive.stats.json"
            settings = {**fast, "ROBOTSTXT_OBEY": "True", "TELNETCONSOLE_ENABLED": "False"}
            before = server_cpu()
            usage = run_measured([sys.executable, __file__, "_download", str(urls_file), str(stats_file), json.dumps(settings), "naive"],
                                 work / "naive.log", env=crawl_env())
            stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
            elapsed = stats.get("elapsed_time_seconds")
            results.append(result("naive: Scrapy + trafilatura in the callback", None, len(urls), usage, base_wall,
                                  responses=stats.get("response_received_count"),
                                  run_duration_s=round(float(elapsed), 2) if elapsed is not None else None,
                                  server_cpu_s=round(server_cpu() - before, 1)))
            print(table(results[-1:]), file=progress, flush=True)
        for n in workers:
            store = work / f"store-w{n}.sqlite"
            cmd = [sys.executable, "-m", "scrapy", "crawl", "urls", "-a", f"file={urls_file}", "-s", f"STORE_PATH={store}",
                   "-s", f"EXTRACT_WORKERS={n}"]
            for key, value in fast.items():
                cmd += ["-s", f"{key}={value}"]
            before = server_cpu()
            usage = run_measured(cmd, work / f"crawl-w{n}.log", env=crawl_env())
            checked = outcome(store, urls) if store.exists() else {"outcome_ok": False}
            results.append(result(f"scrapy crawl urls, EXTRACT_WORKERS={n}", n, len(urls), usage, base_wall,
                                  server_cpu_s=round(server_cpu() - before, 1), **checked))
            print(table(results[-1:]), file=progress, flush=True)
        return results
    finally:
        if server.stdin:
            server.stdin.close()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_serve"]:
        ap = argparse.ArgumentParser()
        ap.add_argument("_serve")
        ap.add_argument("--corpus", type=Path, required=True)
        ap.add_argument("--corpora", required=True)
        ap.add_argument("--limit", type=int)
        ap.add_argument("--distinct-text", action="store_true")
        a = ap.parse_args(argv)
        serve(a.corpus, tuple(a.corpora.split(",")), a.limit, a.distinct_text)
        return 0
    if argv[:1] == ["_download"]:
        download_only(Path(argv[1]), json.loads(argv[3]), Path(argv[2]), naive=argv[4:5] == ["naive"])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"folder of the corpora (default {DEFAULT_CORPUS})")
    ap.add_argument("--corpora", default=",".join(CORPORA), help="which corpora under --corpus (comma-separated)")
    ap.add_argument("--limit", type=int, help="at most this many pages of each corpus")
    ap.add_argument("--pages", type=int, default=DEFAULT_PAGES, help="URLs in all (pages served round-robin; default %(default)s)")
    ap.add_argument("--workers", default="1,2", help="EXTRACT_WORKERS of each crawl run (comma-separated; default %(default)s)")
    ap.add_argument("--concurrency", type=int, help="CONCURRENT_REQUESTS_PER_DOMAIN for both spiders (default: the project's)")
    ap.add_argument("--no-download-only", action="store_true", help="skip the download-only run (no ratio)")
    ap.add_argument("--download-runs", type=int, default=2,
                    help="download-only runs; the ratio is to the fastest (default %(default)s)")
    ap.add_argument("--naive", action="store_true",
                    help="also run the simplest competitor: plain Scrapy calling trafilatura.bare_extraction in its callback")
    ap.add_argument("--distinct-text", action="store_true",
                    help="copies differ in their paragraphs' text too: each is stored as a story (memory as stories grow)")
    ap.add_argument("--keep", type=Path, help="keep the URL list, stores and logs in this folder")
    ap.add_argument("--json", dest="json_out", help="write the results as JSON to this file (- for stdout)")
    a = ap.parse_args(argv)
    corpora = tuple(c for c in a.corpora.split(",") if c)
    if not any((a.corpus / c / "manifest.jsonl").is_file() for c in corpora):
        print(f"SKIP: corpus absent: no {'/'.join(corpora)} manifest under {a.corpus} "
              "(the shared material ../shared/corpus is not next to this checkout; --corpus DIR names another)")
        return 0
    workers = [int(w) for w in a.workers.split(",") if w.strip()]
    work = a.keep or Path(tempfile.mkdtemp(prefix="throughput-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = bench(a.corpus, corpora, a.limit, a.pages, workers, a.concurrency, work, a.no_download_only, a.naive,
                        a.distinct_text, download_runs=a.download_runs)
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(table(results))
    for r in results:
        print(f"{r.run}: peak RSS of the tree per quarter of the run (MB): {r.rss_mb_at_quarters}")
        if r.drops_by_reason:
            print(f"{r.run}: drops {json.dumps(r.drops_by_reason)}")
    if a.json_out:
        write_json([asdict(r) for r in results], a.json_out)
    bad = [r for r in results if r.outcome_ok is False or r.returncode != 0]
    for r in bad:
        print(f"FAILED: {r.run}: exit status {r.returncode}, outcome {'ok' if r.outcome_ok else 'does not add up'}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
