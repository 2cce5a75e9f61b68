"""Where a page's time goes: ms per page and stage, in process, per corpus (issue 12).

    .venv/bin/python bench/stages.py                       # fundus-dev, zh-dev, gne-pages
    .venv/bin/python bench/stages.py --corpus zh-dev --repeat 2 [--json out.json]

Every page of each corpus (``../shared/corpus``; env ``SHARED_DIR`` moves ``../shared``) goes
through what a crawl does to an article, in this process, without the network: decode the
bytes (``crawler.extraction.decode.decode_html``, the crawl's charset repair), the extraction
chain on the text (``extract_article``), normalize, validate, render the post, and insert
the story into a temporary store (which indexes it for search and assigns its syndication
cluster, as the store pipeline does).

Production code is not changed: this script wraps module functions with timers (every
reference a loaded module holds is replaced for the run). The timers are *exclusive*: a
stage's time is its functions' time minus that of the timed functions they call, so the
stages add up to the total and "extract: the rest" is the chain's own glue. Stages:

- decode: ``decode_html``; parse: ``parse_html`` (crawl-wrapper removal, lxml);
  lxml re-parse: every later ``lxml.html`` parse of a page or fragment (a copy of work done);
- metadata: JSON-LD, Open Graph, meta tags, script dates (``page_metadata``, ``script_date``);
- site rules: a declared source's templates (``_apply_site_rules``, without the date and the
  cleaning it calls); language: visible text and its language;
- generic: trafilatura (body, or the full extraction for non-Chinese pages, with htmldate
  or, for a page without a title of ours, its metadata pass), readability (the second opinion), our body rules (the rest of
  ``generic.extract``: blocks, boilerplate, choosing);
- date: every date finder of ``crawler.extraction.dates`` and ``generic``; dateparser: the
  ``dateparser.parse`` calls alone; htmldate is in the trafilatura stage;
- title; clean: body blocks, sanitizing (nh3), body text;
- normalize, validate, render (``pipelines/render.py`` → ``crawler/post.py``);
- fingerprint (worker): ``page_job.run_fingerprint_job`` (matching text, shingles, MinHash),
  which a crawl with extraction workers runs in a worker (a ``FingerprintJob``, for a story
  whose text is not stored yet: every page here);
  fingerprint: what is left of syndication ``prepare`` (matching text, shingles) and
  ``signature`` (MinHash) in the crawl's main process — all of it with ``--in-process``
  (``EXTRACT_WORKERS=0``: no worker fingerprint), else only the text of stories that have
  LSH candidates to verify;
- store: the insert transaction (row, search index, arrival, cluster probes and update).

Times are this process's CPU time by default (``--clock wall`` for elapsed time): the 2-core
machine is shared, and CPU time leaves out the time other processes held the core.

Prints one Markdown table per corpus: mean, median and p95 ms per page of each stage (over
pages; a page that does not reach a stage counts 0 there), and the total. Pages whose
extraction failed or were dropped by validation still count (they cost their stages).
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

PROJECT = Path(__file__).resolve().parents[1]
# run as `python bench/stages.py`, bench/ comes first on sys.path and bench/incremental.py
# would shadow the `incremental` package Twisted imports: the project's root instead
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != PROJECT / "bench"]
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))
from bench.common import SHARED, write_json  # noqa: E402

CORPORA = ("fundus-dev", "zh-dev", "gne-pages")

ORDER = [
    "decode", "parse", "lxml re-parse", "metadata", "site rules", "language", "generic: trafilatura",
    "generic: readability", "generic: our body rules", "date", "date: dateparser", "title", "clean", "extract: the rest",
    "fingerprint (worker)", "normalize", "validate", "render", "fingerprint", "store",
]
# the stages a crawl with extraction workers runs in a worker process (the rest, decoding
# included, in the main process)
WORKER_STAGES = ORDER[ORDER.index("parse"):ORDER.index("fingerprint (worker)") + 1]


class Timers:
    """Exclusive time per stage for the current page: a stack of running stages; time spent
    in a nested timed call is charged to the nested stage, not to its caller. ``clock`` is
    ``time.perf_counter`` (wall) or ``time.process_time`` (this process's CPU: on a shared
    machine it leaves out the time other processes had the core, but also the store's I/O waits)."""

    def __init__(self) -> None:
        self.page: dict[str, float] = defaultdict(float)
        self._stack: list[list[Any]] = []  # [stage, start, time of nested timed calls]
        self.clock: Callable[[], float] = time.perf_counter

    def run(self, stage: str, fn: Callable, *args, **kwargs):
        start = self.clock()
        self._stack.append([stage, start, 0.0])
        try:
            return fn(*args, **kwargs)
        finally:
            _, _, nested = self._stack.pop()
            spent = self.clock() - start
            self.page[stage] += spent - nested
            if self._stack:
                self._stack[-1][2] += spent

    def current(self) -> str | None:
        return self._stack[-1][0] if self._stack else None


TIMERS = Timers()


def _wrap(fn: Callable, stage: str | Callable[[], str]) -> Callable:
    @functools.wraps(fn)
    def timed(*args, **kwargs):
        label = stage() if callable(stage) else stage
        return TIMERS.run(label, fn, *args, **kwargs)

    timed.__bench_wrapped__ = fn  # type: ignore[attr-defined]
    return timed


def _replace_everywhere(fn: Callable, wrapped: Callable) -> int:
    """Put ``wrapped`` in place of every reference to ``fn`` that a loaded module of the
    project or of the libraries it calls holds (``from x import f`` copies the reference)."""
    count = 0
    for name, module in list(sys.modules.items()):
        if not isinstance(module, ModuleType) or not name.startswith(("crawler", "pipelines", "trafilatura", "htmldate", "lxml")):
            continue
        for attr, value in list(vars(module).items()):
            if value is fn:
                setattr(module, attr, wrapped)
                count += 1
    return count


def instrument() -> None:
    """Wrap the stage functions (import everything first, so every reference exists)."""
    import dateparser
    import lxml.html

    import crawler.extraction.article as article
    import crawler.extraction.body as body
    import crawler.extraction.dates as dates
    import crawler.extraction.generic as generic
    import crawler.extraction.language as language
    import crawler.extraction.page_metadata as page_metadata
    import crawler.extraction.titles as titles
    import crawler.store.fts  # noqa: F401  (loaded: the store's references get replaced too)
    import crawler.syndication.index as synd_index
    import pipelines.normalize  # noqa: F401
    import pipelines.render  # noqa: F401

    # the package's `signature` attribute is the function, not the module of that name
    synd_signature = sys.modules["crawler.syndication.signature"]

    def reparse() -> str:
        return "parse" if TIMERS.current() == "parse" else "lxml re-parse"

    def fingerprint_stage() -> str:
        return "fingerprint (worker)" if TIMERS.current() == "fingerprint (worker)" else "fingerprint"

    targets: list[tuple[Any, str, str | Callable[[], str]]] = [
        (article, "parse_html", "parse"),
        (page_metadata, "page_metadata", "metadata"),
        (page_metadata, "script_date", "metadata"),
        (article, "_apply_site_rules", "site rules"),
        (generic, "visible_text", "language"),
        (language, "detect_language", "language"),
        (generic, "trafilatura_body", "generic: trafilatura"),
        (generic, "trafilatura_document", "generic: trafilatura"),
        (generic, "readability_body", "generic: readability"),
        (generic, "extract", "generic: our body rules"),
        (generic, "extract_other_language", "generic: our body rules"),
        (dates, "find_date", "date"),
        (dates, "find_last_date", "date"),
        (dates, "find_attribution_date", "date"),
        (dates, "parse_date", "date"),
        (dates, "date_from_url", "date"),
        (generic, "find_generic_date", "date"),
        (generic, "date_near_title", "date"),
        (generic, "labelled_date", "date"),
        (generic, "date_above_body", "date"),
        (generic, "body_attribution_date", "date"),
        (titles, "clean_title", "title"),
        (generic, "title_with_source", "title"),
        (body, "clean_body_element", "clean"),
        (body, "body_blocks", "clean"),
        (body, "sanitize_html", "clean"),
        (body, "body_text", "clean"),
        (synd_index, "prepare", fingerprint_stage),
        (synd_signature, "signature", fingerprint_stage),
    ]
    for module, name, stage in targets:
        fn = getattr(module, name, None)
        if fn is None:  # renamed by a later change: the stage just loses that function
            print(f"note: {module.__name__}.{name} not found, not timed", file=sys.stderr)
            continue
        _replace_everywhere(fn, _wrap(fn, stage))
    # library entry points, looked up on their module at call time
    dateparser.parse = _wrap(dateparser.parse, "date: dateparser")
    for name in ("document_fromstring", "fromstring", "fragment_fromstring", "fragments_fromstring"):
        setattr(lxml.html, name, _wrap(getattr(lxml.html, name), reparse))


def load_corpus(folder: Path) -> list[tuple[str, str, bytes]]:
    manifest = [json.loads(line) for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(m["id"], m.get("url") or f"http://unknown.invalid/{m['id']}.html", (folder / m["path"]).read_bytes()) for m in manifest]


def page_stages(raw: bytes, url: str, store, render, validate_item: Callable, run_id: int,
                worker_fingerprint: bool = True) -> dict[str, float]:
    """One page through decode → extract (→ the worker's fingerprint) → normalize → validate →
    render → store; seconds per stage."""
    from crawler.drops import DropStory
    from crawler.extraction.article import extract_article
    from crawler.extraction.decode import decode_html
    from crawler.page_job import fingerprint_job, run_fingerprint_job
    from crawler.sources import source_for_url
    from pipelines.normalize import normalize
    from pipelines.store import story_row

    TIMERS.page = defaultdict(float)
    text, encoding = TIMERS.run("decode", decode_html, raw)
    result = TIMERS.run("extract: the rest", extract_article, text, url, source=source_for_url(url))
    if result.error:
        return dict(TIMERS.page)
    fingerprint = (TIMERS.run("fingerprint (worker)", lambda: run_fingerprint_job(fingerprint_job(result)).fingerprint)
                   if worker_fingerprint else None)
    item = {
        "url": url, "source": "urls", "site": urlsplit(url).hostname, "outlet": result.outlet or urlsplit(url).hostname, "title": result.title,
        "published_at": result.published_at, "date_raw": result.date_raw, "date_stage": result.date_stage,
        "date_precision": result.date_precision, "title_stage": result.stages.get("title"), "editor": result.editor,
        "body_html": result.body_html, "body_text": result.body_text, "extractor": result.extractor, "encoding": encoding,
    }
    item = TIMERS.run("normalize", normalize, item)
    try:
        TIMERS.run("validate", validate_item, item)
        item = TIMERS.run("render", render.process_item, item)
    except DropStory:
        return dict(TIMERS.page)
    try:
        TIMERS.run("store", store.insert_story, story_row(item), run_id, fingerprint=fingerprint)
    except Exception as exc:  # an exact duplicate of a page stored earlier (unique content hash)
        if "UNIQUE" not in str(exc):
            raise
    return dict(TIMERS.page)


class _NoStats:
    def inc_value(self, *args, **kwargs) -> None:
        pass


def measure(folder: Path, repeat: int, worker_fingerprint: bool = True) -> dict:
    from scrapy.settings import Settings

    import crawler.settings as project_settings
    from crawler.store import Store
    from pipelines.render import RenderPipeline
    from pipelines.validate import ValidatePipeline

    pages = load_corpus(folder)
    settings = Settings({k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()})
    render = RenderPipeline(settings)
    validate_item = ValidatePipeline(_NoStats(), settings.getint("MIN_BODY_CHARS"), settings.getint("MAX_TITLE_CHARS")).process_item
    best: list[dict[str, float] | None] = [None] * len(pages)
    with tempfile.TemporaryDirectory(prefix="stages-") as tmp:
        for r in range(repeat):
            store = Store.open(Path(tmp) / f"store-{r}.sqlite")
            run_id = store.start_run("bench")
            for i, (_, url, raw) in enumerate(pages):
                times = page_stages(raw, url, store, render, validate_item, run_id, worker_fingerprint)
                # the fastest repeat of each page counts (the machine is shared)
                if best[i] is None or sum(times.values()) < sum(best[i].values()):  # type: ignore[union-attr]
                    best[i] = times
            store.close()
    per_stage: dict[str, list[float]] = {s: [1000 * (b or {}).get(s, 0.0) for b in best] for s in ORDER}
    totals = [1000 * sum((b or {}).values()) for b in best]
    clock = "CPU" if TIMERS.clock is time.process_time else "wall"
    return {"corpus": folder.name, "pages": len(pages), "stages": per_stage, "total": totals, "clock": clock}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def summary(res: dict) -> dict:
    rows = {}
    in_worker = [sum(res["stages"][s][i] for s in WORKER_STAGES) for i in range(len(res["total"]))]
    main = [t - w for t, w in zip(res["total"], in_worker)]
    for stage, values in [*res["stages"].items(), ("total", res["total"]), ("in a worker", in_worker), ("main process", main)]:
        rows[stage] = {"mean": round(statistics.fmean(values), 2), "median": round(statistics.median(values), 2),
                       "p95": round(_p95(values), 2)}
    return rows


def table(res: dict) -> str:
    rows = summary(res)
    total_mean = rows["total"]["mean"] or 1.0
    lines = [f"Corpus `{res['corpus']}` ({res['pages']} pages): ms per page ({res['clock']} time)", "",
             "| stage | mean | median | p95 | share of mean |", "|---|---|---|---|---|"]
    for stage, row in rows.items():
        if stage not in ("total", "in a worker", "main process") and row["mean"] == 0 and row["p95"] == 0:
            continue
        name = f"**{stage}**" if stage == "total" else f"*{stage}*" if stage in ("in a worker", "main process") else stage
        lines.append(f"| {name} | {row['mean']} | {row['median']} | {row['p95']} | {100 * row['mean'] / total_mean:.0f} % |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", action="append", help="a corpus name under ../shared/corpus, or a folder (repeatable)")
    ap.add_argument("--repeat", type=int, default=2,
                    help="passes over the pages; the fastest of each page counts, so one-time loading (dateparser's "
                         "language data, trafilatura's) is left out (default %(default)s)")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="cpu: this process's CPU time (steady on a shared machine; leaves out I/O waits); wall: elapsed time")
    ap.add_argument("--in-process", action="store_true",
                    help="as EXTRACT_WORKERS=0: no fingerprint from the (emulated) worker, the store computes it all")
    ap.add_argument("--json", dest="json_out", help="write the per-corpus summaries as JSON (- for stdout)")
    a = ap.parse_args(argv)
    TIMERS.clock = time.process_time if a.clock == "cpu" else time.perf_counter
    folders = [Path(c) if Path(c).is_dir() else SHARED / "corpus" / c for c in (a.corpus or CORPORA)]
    present = [f for f in folders if (f / "manifest.jsonl").is_file()]
    if not present:
        print(f"SKIP: corpus absent: none of {', '.join(str(f) for f in folders)} has a manifest.jsonl "
              "(the shared material ../shared/corpus is not next to this checkout)")
        return 0
    instrument()
    out = []
    for folder in present:
        res = measure(folder, max(1, a.repeat), worker_fingerprint=not a.in_process)
        print(table(res) + "\n", flush=True)
        out.append({"corpus": res["corpus"], "pages": res["pages"], "clock": res["clock"], "ms_per_page": summary(res)})
    if a.json_out:
        write_json(out, a.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
