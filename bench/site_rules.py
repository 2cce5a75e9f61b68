"""What a declared source's site rules cost, against the lxml parse of the same page (issue 12).

    .venv/bin/python bench/site_rules.py [--repeat 30] [--back-to-back] [--json out.json]

Goal: a declared source's site rules cost no more than 3 × the lxml parse of the page. For
every source in ``crawler/sources/`` and every article page of its mirror under
``tests/mirror/<host>/`` (a file whose URL the source's ``article_url`` accepts), the script
runs ``extract_article`` on the page's bytes, every page of every source in turn, ``--repeat``
rounds, and times the two calls inside it, each page's time the fastest of its rounds:

- parse: libxml2's parse of the page's text (``article._parse_document``: lxml.html's
  ``document_fromstring`` with extraction's parser);
- site rules: ``article._apply_site_rules`` on the tree just parsed — the source's templates
  tried in order, the title cleaned, the body node cleaned to sanitized HTML, the date read
  from the meta line, outlet and editor.

Both are timed where a crawl runs them, after the same work: the parse after the page's text
was decoded and cleaned (and the previous page extracted), the rules on the tree just made.
``--back-to-back`` is the method of the tables before 4 December 2026: each page's parses
(``lxml.html.fromstring``) timed ``--repeat`` times in a row, then its site rules, each on a
tree parsed just before. A parse repeated on the same text with nothing in between keeps the
parser's code, the text and the memory just freed in the CPU's caches, which no parse in a
crawl has: it comes out about a quarter faster than in the pipeline, and the ratio higher.

The ratio comes from a pass with nothing instrumented. A second pass, with exclusive timers
around the parts (as bench/stages.py), splits the site-rule time into templates (selectors),
clean body, date, title, bylines (outlet, editor; the editor search over the page when no
template names one) and the rest; the timers add a few µs per page, which is why they are
kept out of the first pass.

Prints one row per source: pages, mean ms of parse and of site rules, the ratio (sum of
site-rule time over sum of parse time), the same over the pages a template matched (on the
others the rules only try the templates), the median and worst page's ratio, the split of the
site-rule time, and ``OVER 3`` when the ratio passes the goal. Nothing from ../shared is
needed. Exits 1 when a source is over the goal.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
# run as `python bench/site_rules.py`, bench/ comes first on sys.path and bench/incremental.py
# would shadow the `incremental` package Twisted imports: the project's root instead
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != PROJECT / "bench"]
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from bench.common import write_json  # noqa: E402
from bench.stages import TIMERS, _replace_everywhere, _wrap  # noqa: E402

MIRROR = PROJECT / "tests" / "mirror"
GOAL = 3.0
PARTS = ("templates", "clean body", "date", "title", "bylines", "rest")


def instrument() -> None:
    import crawler.extraction.article as article
    import crawler.extraction.body as body
    import crawler.extraction.bylines as bylines
    import crawler.extraction.dates as dates
    import crawler.extraction.titles as titles

    for module, name, part in [
        (article, "apply_template", "templates"),
        (body, "clean_body_element", "clean body"),
        (dates, "find_date", "date"),
        (titles, "clean_title", "title"),
        (bylines, "parse_outlet", "bylines"),
        (bylines, "parse_editor", "bylines"),
        (article, "_page_editor", "bylines"),
    ]:
        fn = getattr(module, name)
        _replace_everywhere(fn, _wrap(fn, part))


def mirror_pages(source: Any) -> list[tuple[str, Path]]:
    """(URL, file) of every article page of the source's mirror."""
    from crawler.sources import source_for_url

    pages = []
    for host_dir in sorted(p for p in MIRROR.iterdir() if p.is_dir() and source.owns_host(p.name)):
        for path in sorted(host_dir.rglob("*")):
            if not path.is_file() or path.suffix in (".http", ".xml", ".gz", ".txt", ".json"):
                continue
            url = "http://" + path.relative_to(MIRROR).as_posix()
            if source.is_article_url(url) and source_for_url(url) is source:
                pages.append((url, path))
    return pages


def _timed(fn, arg, timed_parts: bool) -> tuple[float, dict[str, float]]:
    """Seconds one call of ``fn(arg)`` took, with its parts when ``timed_parts``."""
    if timed_parts:
        TIMERS.page = defaultdict(float)
        t0 = time.perf_counter()
        TIMERS.run("rest", fn, arg)
    else:
        t0 = time.perf_counter()
        fn(arg)
    return time.perf_counter() - t0, dict(TIMERS.page) if timed_parts else {}


def measure(sources: list[Any], repeat: int, timed_parts: bool = False, back_to_back: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Per source, one row per mirrored article page: parse and site-rule time (and, in the
    instrumented pass, the parts of the site-rule time), each the fastest of ``repeat`` rounds."""
    from crawler.extraction.decode import decode_html

    pages = []
    for source in sources:
        for url, path in mirror_pages(source):
            data = path.read_bytes()
            pages.append({"source": source, "url": url, "bytes": len(data), "data": data, "text": decode_html(data)[0],
                          "parse_s": float("inf"), "rules_s": float("inf"), "parts": {}, "extractor": ""})
    if back_to_back:
        _measure_back_to_back(pages, repeat, timed_parts)
    else:
        _measure_in_pipeline(pages, repeat, timed_parts)
    return {source.name: [{"url": p["url"], "bytes": p["bytes"], "parse_ms": 1000 * p["parse_s"], "rules_ms": 1000 * p["rules_s"],
                           "ratio": p["rules_s"] / p["parse_s"], "extractor": p["extractor"],
                           "parts_ms": {k: 1000 * v for k, v in p["parts"].items()}}
                          for p in pages if p["source"] is source] for source in sources}


def _measure_in_pipeline(pages: list[dict], repeat: int, timed_parts: bool) -> None:
    """``extract_article`` on every page of every source in turn (as a crawl of all sources
    interleaves them), ``repeat`` rounds, timing the two calls inside it: libxml2's parse of the page (``article._parse_document``, its first call for the page)
    and ``_apply_site_rules``, on the tree just parsed. Both run as in a crawl, after the same
    work (decoding and cleaning the text before the parse, the previous page's whole extraction
    before that)."""
    import crawler.extraction.article as article

    parse_document, apply_site_rules = article._parse_document, article._apply_site_rules
    page: dict = {}
    seen: dict[str, float] = {}

    def timed_parse(html):
        t0 = time.perf_counter()
        try:
            return parse_document(html)
        finally:
            seen.setdefault("parse", time.perf_counter() - t0)

    def timed_rules(root, options, result):
        spent, parts = _timed(lambda _: apply_site_rules(root, options, result), None, timed_parts)
        seen["rules"], seen["parts"] = spent, parts  # type: ignore[assignment]
        page["extractor"] = result.extractor

    article._parse_document, article._apply_site_rules = timed_parse, timed_rules
    try:
        for _ in range(repeat):
            for page in pages:
                seen.clear()
                article.extract_article(page["data"], page["url"], source=page["source"])
                page["parse_s"] = min(page["parse_s"], seen["parse"])
                if seen["rules"] < page["rules_s"]:
                    page["rules_s"], page["parts"] = seen["rules"], seen["parts"]
    finally:
        article._parse_document, article._apply_site_rules = parse_document, apply_site_rules


def _measure_back_to_back(pages: list[dict], repeat: int, timed_parts: bool) -> None:
    """The method of the tables before 4 December 2026: each page's ``repeat`` parses
    (``lxml.html.fromstring``) timed in a row, then ``repeat`` times its site rules, each on a
    tree parsed just before (untimed). The parser's code, the page's text and the memory freed
    by the previous parse then stay hot from one parse to the next, which no parse in a crawl
    gets, nor the rules here: the parse comes out faster than in the pipeline (0.052 against
    0.070 ms on chinadevelopment's pages) and the ratio higher."""
    import lxml.html

    from crawler.extraction.article import Extraction, _apply_site_rules, parse_html
    from crawler.extraction.options import ExtractionOptions

    for page in pages:
        options = ExtractionOptions.for_page(page["url"], source=page["source"])
        page["parse_s"] = min(_timed(lxml.html.fromstring, page["text"], False)[0] for _ in range(repeat))

        def rules(root) -> None:
            result = Extraction(url=page["url"])
            _apply_site_rules(root, options, result)
            page["extractor"] = result.extractor

        for _ in range(repeat):
            spent, parts = _timed(rules, parse_html(page["text"]), timed_parts)
            if spent < page["rules_s"]:
                page["rules_s"], page["parts"] = spent, parts


def summarize(source: Any, rows: list[dict[str, Any]], split_rows: list[dict[str, Any]]) -> dict:
    """A source's figures from the plain pass (``rows``) and its split from the instrumented one."""
    parse_total = sum(r["parse_ms"] for r in rows)
    rules_total = sum(r["rules_ms"] for r in rows)
    parts_total: dict[str, float] = defaultdict(float)
    for r in split_rows:
        for k, v in r["parts_ms"].items():
            parts_total[k] += v
    split_total = sum(parts_total.values())
    worst = max(rows, key=lambda r: r["ratio"]) if rows else None
    # the pages a template matched: on the others the site rules only try the templates, which
    # lowers the ratio of a source with such pages
    matched = [r for r in rows if r["extractor"]]
    matched_parse = sum(r["parse_ms"] for r in matched)
    return {
        "source": source.name, "pages": len(rows), "matched": sum(1 for r in rows if r["extractor"]),
        "parse_ms_mean": round(parse_total / len(rows), 3) if rows else None,
        "rules_ms_mean": round(rules_total / len(rows), 3) if rows else None,
        "ratio": round(rules_total / parse_total, 2) if parse_total else None,
        "ratio_matched": round(sum(r["rules_ms"] for r in matched) / matched_parse, 2) if matched_parse else None,
        "ratio_median": round(statistics.median(r["ratio"] for r in rows), 2) if rows else None,
        "worst": {"url": worst["url"], "ratio": round(worst["ratio"], 2)} if worst else None,
        "parts_share": {k: round(parts_total[k] / split_total, 2) for k in PARTS if parts_total.get(k)} if split_total else {},
        "over": bool(parse_total) and rules_total / parse_total > GOAL,
        "per_page": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items() if k != "parts_ms"} for r in rows],
    }


def table(results: list[dict]) -> str:
    lines = ["| source | pages (template matched) | parse ms | site rules ms | ratio | ratio on matched pages | median page ratio "
             "| worst page ratio | site-rule time: templates / clean body / date / title / bylines / rest | goal ≤ 3 |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if not r["pages"]:
            lines.append(f"| {r['source']} | 0 | – | – | – | – | – | – | – | no mirrored article page |")
            continue
        split = " / ".join(f"{100 * r['parts_share'].get(k, 0):.0f} %" for k in PARTS)
        lines.append(f"| {r['source']} | {r['pages']} ({r['matched']}) | {r['parse_ms_mean']} | {r['rules_ms_mean']} | {r['ratio']} "
                     f"| {r['ratio_matched']} | {r['ratio_median']} | {r['worst']['ratio']} | {split} | {'**OVER 3**' if r['over'] else 'ok'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=30, help="runs per page; the fastest counts (default %(default)s)")
    ap.add_argument("--source", action="append", help="only this source (repeatable)")
    ap.add_argument("--back-to-back", action="store_true",
                    help="the method of the tables before 4 December 2026: each page's parses timed in a row, outside the pipeline")
    ap.add_argument("--json", dest="json_out", help="write the results, per page too, as JSON (- for stdout)")
    a = ap.parse_args(argv)
    from crawler.sources import DECLARED

    sources = [src for name, src in sorted(DECLARED.items()) if not a.source or name in a.source]
    repeat = max(1, a.repeat)
    plain = measure(sources, repeat, back_to_back=a.back_to_back)
    instrument()
    split = measure(sources, repeat, timed_parts=True, back_to_back=a.back_to_back)
    results = [summarize(src, plain[src.name], split[src.name]) for src in sources]
    print(table(results))
    for r in results:
        if r["over"]:
            print(f"{r['source']}: over the goal; worst page {r['worst']['url']} ({r['worst']['ratio']} × its parse)")
    if a.json_out:
        write_json(results, a.json_out)
    return 1 if any(r["over"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
