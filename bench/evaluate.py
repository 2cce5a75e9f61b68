"""Score article extraction against a gold corpus, next to trafilatura.

    .venv/bin/python bench/evaluate.py                      # zh-dev and fundus-dev: ours vs trafilatura, markdown tables
    .venv/bin/python bench/evaluate.py --corpus zh-dev      # one corpus (a name under ../shared/corpus, or a folder)
    .venv/bin/python bench/evaluate.py --write-readme       # … and put the tables into README.md
    .venv/bin/python bench/evaluate.py --corpus DIR --results R.jsonl  # score a results file of `python -m crawler.batch_extract`

The corpus folder holds ``manifest.jsonl`` (``{"id", "url", "path"}``) and
``gold.jsonl`` (``{"id", "title", "published_at", "body", "date_annotated"}``);
default ``../shared/corpus/zh-dev`` and ``../shared/corpus/fundus-dev`` (env ``SHARED_DIR``
moves ``../shared``).

Scoring (the definition in zh-dev/README.md):
- body: precision/recall/F1 of overlapping 4-token shingles (multisets)
  between ``body_text`` and the gold body, per page, averaged over pages;
  every CJK character is one token, other tokens are runs of letters/digits,
  punctuation and whitespace are ignored. A page that errors or has no body
  scores 0.
- title: exact match (whitespace-normalized) on pages whose gold has a title; lenient: one
  contains the other (a site name left on, or a kicker cut off).
- date: the answer's calendar day (in the answer's own offset) equals the
  gold's, at the gold's precision (``2018``, ``1998-03``, ``2004-12-10``),
  over pages with an annotated gold date; plus the share of pages whose gold
  date is annotated UNKNOWN that got a date anyway (lower is better).

In the same run the same pages go through trafilatura (defaults, its own
metadata date) and both extractors are timed per page, interleaved, so the
median times compare like with like.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import SHARED  # noqa: E402  (../shared beside the project, or SHARED_DIR)

DEFAULT_CORPORA = ("zh-dev", "fundus-dev")
README = ROOT / "README.md"
START, END = "<!-- eval:start -->", "<!-- eval:end -->"
SHINGLE = 4

# CJK ideographs (incl. extensions and compatibility), kana, hangul: one token per character
_CJK = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3100-\u312f\u3190-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")


# --- scoring -------------------------------------------------------------------------

def tokenize(text: str | None) -> list[str]:
    """CJK characters one by one, other words as runs of letters/digits; no punctuation or space."""
    return _TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = SHINGLE) -> Counter:
    tokens = tokenize(text)
    if not tokens:
        return Counter()
    return Counter(" ".join(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)))


def body_scores(predicted: str | None, gold: str | None) -> tuple[float, float, float]:
    """(precision, recall, F1) of shingle multisets; empty vs empty is a perfect 1."""
    pred, true = shingles(predicted), shingles(gold)
    if not pred and not true:
        return 1.0, 1.0, 1.0
    if not pred or not true:
        return 0.0, 0.0, 0.0
    tp = sum((pred & true).values())
    precision, recall = tp / sum(pred.values()), tp / sum(true.values())
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1


def date_matches(predicted: str | None, gold: str) -> bool:
    """Same calendar day (or month/year, at the gold's precision)."""
    if not predicted:
        return False
    day = gold[:10]
    return predicted[: len(day)] == day


def _norm_title(title: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", title or "")).strip()


def score(results: dict[str, dict], gold: list[dict]) -> dict:
    """Averages over the gold pages; a missing or erroring result scores 0."""
    p = r = f = 0.0
    titles = title_ok = title_lenient = dated = date_ok = undated = undated_answered = 0
    per_page = []
    for g in gold:
        res = results.get(g["id"]) or {}
        body = res.get("body_text") if not res.get("error") or res.get("body_text") else ""
        bp, br, bf = body_scores(body, g.get("body")) if body else (0.0, 0.0, 0.0)
        p, r, f = p + bp, r + br, f + bf
        row = {"id": g["id"], "p": bp, "r": br, "f1": bf, "date": res.get("published_at"), "gold_date": g.get("published_at")}
        if g.get("title"):
            titles += 1
            mine, true = _norm_title(res.get("title")), _norm_title(g["title"])
            title_ok += mine == true
            title_lenient += bool(mine) and (mine in true or true in mine)
        if g.get("date_annotated", True):
            if g.get("published_at"):
                dated += 1
                row["date_ok"] = date_matches(res.get("published_at"), g["published_at"])
                date_ok += row["date_ok"]
            else:
                undated += 1
                undated_answered += bool(res.get("published_at"))
        per_page.append(row)
    n = len(gold) or 1
    return {
        "pages": len(gold),
        "precision": p / n, "recall": r / n, "f1": f / n,
        "title_acc": title_ok / titles if titles else None, "titled": titles,
        "title_lenient": title_lenient / titles if titles else None,
        "date_acc": date_ok / dated if dated else None, "dated": dated,
        "undated_answered": undated_answered / undated if undated else None, "undated": undated,
        "per_page": per_page,
    }


# --- extractors ----------------------------------------------------------------------

def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").split("\n") if line.strip()]


def ours(data: bytes, url: str, page_id: str) -> dict:
    from crawler.batch_extract import extract_page

    return extract_page(data, url, page_id=page_id)


def trafilatura_baseline(data: bytes, url: str, page_id: str, *, raw: bool = False) -> dict:
    """trafilatura with its defaults and its own metadata date, given the same decoded text as
    ours (our decoding and crawl-wrapper removal are timed with it), or the raw bytes (``raw``)."""
    import trafilatura

    from crawler.extraction.decode import decode_html, unwrap_crawl_wrapper

    started = time.perf_counter()
    result = {"id": page_id, "url": url, "title": None, "published_at": None, "body_text": "", "error": None}
    try:
        document = data if raw else unwrap_crawl_wrapper(decode_html(data)[0])[0]
        doc = trafilatura.bare_extraction(document, url=url, with_metadata=True)
        if doc is not None:
            result.update(title=doc.title, published_at=doc.date, body_text=doc.text or "")
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    result["elapsed_ms"] = (time.perf_counter() - started) * 1000
    return result


def run_both(corpus: Path, *, mine: bool = True, baseline: bool = True, repeat: int = 1, progress=sys.stderr,
             raw_baseline: bool = False) -> tuple[dict, dict]:
    """Extract every manifest page with ours and trafilatura, interleaved; per-page time is the
    fastest of ``repeat`` runs."""
    manifest = load_jsonl(corpus / "manifest.jsonl")
    pages = [(m["id"], m.get("url") or "", (corpus / m["path"]).read_bytes()) for m in manifest]
    base = (lambda data, url, page_id: trafilatura_baseline(data, url, page_id, raw=True)) if raw_baseline else trafilatura_baseline
    extractors = ({"ours": ours} if mine else {}) | ({"trafilatura": base} if baseline else {})
    if pages:  # warm-up: imports, dateparser language data, lxml caches
        for fn in extractors.values():
            fn(pages[0][2], pages[0][1], pages[0][0])
    results: dict[str, dict[str, dict]] = {name: {} for name in extractors}
    for run in range(repeat):
        for i, (page_id, url, data) in enumerate(pages, 1):
            for name, fn in extractors.items():
                res = fn(data, url, page_id)
                old = results[name].get(page_id)
                if old is not None:
                    res["elapsed_ms"] = min(old["elapsed_ms"], res["elapsed_ms"])
                results[name][page_id] = res
            if progress is not None and (i % 10 == 0 or i == len(pages)):
                progress.write(f"run {run + 1}/{repeat}: {i}/{len(pages)} pages\n")
    return results.get("ours", {}), results.get("trafilatura", {})


# --- report --------------------------------------------------------------------------

def _fmt(value, digits=3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def median_ms(results: dict[str, dict]) -> float | None:
    times = [r["elapsed_ms"] for r in results.values() if r.get("elapsed_ms") is not None]
    return statistics.median(times) if times else None


def table(rows: list[tuple[str, dict, float | None]]) -> str:
    lines = [
        "| extractor | body P | body R | body F1 | title exact | title lenient | date accuracy | dated answers on undated pages | median ms/page |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s, ms in rows:
        title = f"{_fmt(s['title_acc'])} (n={s['titled']})" if s["titled"] else "– (no gold titles)"
        lenient = _fmt(s["title_lenient"]) if s["titled"] else "–"
        lines.append(
            f"| {name} | {_fmt(s['precision'])} | {_fmt(s['recall'])} | {_fmt(s['f1'])} | {title} | {lenient} | "
            f"{_fmt(s['date_acc'])} (n={s['dated']}) | {_fmt(s['undated_answered'], 2)} (n={s['undated']}) | {_fmt(ms, 1)} |"
        )
    return "\n".join(lines)


def readme_block(sections: list[str], command: str) -> str:
    return f"""Reproduce with {command} (prints the tables and rewrites this block;
`--corpus NAME|DIR` scores one corpus, `--results R.jsonl` scores a results file of
`python -m crawler.batch_extract --manifest DIR/manifest.jsonl --out R.jsonl`).

{chr(10).join(sections)}
- Body: precision/recall/F1 of overlapping 4-token shingles per page, averaged over pages; every CJK
  character is one token, punctuation and whitespace are ignored; a page that errors scores 0.
- Title: exact (whitespace- and NFKC-normalized) and lenient (one contains the other), over pages
  with a gold title (zh-dev has none).
- Date accuracy: the answer's calendar day (in the answer's own offset) equals the gold's, at the
  gold's precision (`2018`, `1998-03`), over pages with an annotated date. Dated answers on undated
  pages: share of the pages whose gold date is UNKNOWN that got a date anyway (lower is better).
- Time: median per page on the same machine in the same run, pages interleaved, fastest of the
  repeats (absolute times move with the load of a shared machine; the ratio is the figure to
  compare); ours includes decoding and site-rule lookup. trafilatura gets the same decoded text
  (crawl wrapper removed; its decoding is timed with it) and runs `bare_extraction` with its
  defaults and `with_metadata=True` (its title and htmldate's date). Given the raw bytes instead
  (`--baseline-raw`) it decodes some GBK and wrapped pages wrongly and scores lower.
- Language (`crawler/extraction/language.py`): the share of Han characters among the letters of the
  page's visible text (not its charset); kana or hangul make it Japanese/Korean, not Chinese.
- Extraction chain (`crawler/extraction/article.py`, stage recorded in `date_stage`/`extractor`):
  site rules of a declared source → page metadata (JSON-LD objects, graphs and arrays of any
  Article/Posting type, Open Graph and its variants such as `article:published`, multi-valued
  `itemprop`, `publishdate`-style tags, microdata and `<time>` in the article) → the text:
  on **Chinese** pages `generic.py`'s date near the headline, in labelled meta lines (`发布时间：`,
  `发表于`), just above the body (`来源：… 2022-06-08 11:39`, `2022年6月8日`, English and `m/d/yyyy`
  forms; relative and year-less dates only with a known fetch time), a reprint's closing
  attribution (`——《北京之春》1996年6月号`, month precision); on **other** pages htmldate's date
  (as trafilatura's metadata pass asks it, time and offset kept), then the date near the headline
  (both asked only while the date held has no time of day: they could not change one that has) →
  a publication time handed to page scripts (`pubtime: '…'`) → the feed's or sitemap's date
  (hints; the batch command takes them from manifest `hints`) → the URL → the page's
  modification time. Stages run in that order and the first date stays, except that a later
  trusted stage (not the URL or the modification time) adds a time to a day-only date of the
  same day; `date_precision` records `year`/`month`/`day`/`minute`/`second`. A date with an offset
  keeps it (`…Z` stays UTC); one without takes the declared source's zone, or `GENERIC_TIMEZONE`
  (default `Asia/Shanghai`) for generic spiders and the batch command, marked
  `;zone_assumed=<zone>` in `date_stage`. Body on Chinese pages: trafilatura, with readability
  (trafilatura's port) as a second opinion when trafilatura's answer is doubtful (empty, under
  200 characters or a tenth of the page's text, or holding a block that is not prose: every page
  readability won on zh-dev and gne-pages is one), both cut into blocks and cleaned of Chinese
  boilerplate (`boilerplate.py`: `责任编辑`, `（文章来源：…）`, `原标题`, `【纠错】`, `分享到`, notices,
  related-news lists); the one whose own blocks are prose wins. Body on other pages:
  trafilatura's full extraction (its defaults, images off: favor_precision/favor_recall and
  image captions measured lower on fundus-dev; its fast mode too: body F1 0.927), its metadata
  pass only for a page our title rules find no title on (htmldate is asked alone otherwise).
  Title: an `<h1>` agreeing with `<title>`/`og:title` (quote styles and case aside), else those
  without the site name. No date on the page gives null, never the crawl time.
- Batch: `python -m crawler.batch_extract --manifest M.jsonl --out R.jsonl` (one result line per page,
  `error` set on a page that fails, progress on stderr; `--timezone` as `GENERIC_TIMEZONE`); one page:
  `python -m crawler.batch_extract FILE --url URL [--hints '{{"date_raw": …, "origin": "feed:published"}}']`."""


def write_readme(block: str, readme: Path = README) -> None:
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{readme}: markers {START} … {END} not found")
    readme.write_text(text[: start + len(START)] + "\n" + block.strip() + "\n" + text[end:], encoding="utf-8")


def resolve_corpus(value: str | Path) -> Path:
    """A corpus folder, or the name of one under ``../shared/corpus``."""
    path = Path(value)
    if (path / "manifest.jsonl").is_file() or path.is_absolute() or len(path.parts) > 1:
        return path
    return SHARED / "corpus" / str(value)


def evaluate_corpus(corpus: Path, args) -> str | None:
    """Score one corpus; prints and returns its markdown section (None when absent)."""
    if not (corpus / "manifest.jsonl").is_file():
        print(f"no corpus at {corpus} (manifest.jsonl missing); pass --corpus or set SHARED_DIR", file=sys.stderr)
        return None
    gold = load_jsonl(args.gold or corpus / "gold.jsonl")
    if args.results:  # our times are the results file's elapsed_ms (another run)
        mine = {r["id"]: r for r in load_jsonl(args.results)}
        _, baseline = (run_both(corpus, mine=False, repeat=max(1, args.repeat), raw_baseline=args.baseline_raw)
                       if not args.no_baseline else ({}, {}))
    else:
        mine, baseline = run_both(corpus, baseline=not args.no_baseline, repeat=max(1, args.repeat), raw_baseline=args.baseline_raw)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as out:
            for res in mine.values():
                out.write(json.dumps(res, ensure_ascii=False) + "\n")

    rows = [("ours (`crawler.batch_extract`)", score(mine, gold), median_ms(mine))]
    if baseline:
        import trafilatura

        how = "raw bytes" if args.baseline_raw else "with_metadata"
        rows.append((f"trafilatura {trafilatura.__version__} ({how})", score(baseline, gold), median_ms(baseline)))
    report = table(rows)
    ratio = ""
    if baseline and rows[0][2] and rows[1][2]:
        ratio = f"\n\nTime ratio ours/trafilatura (median ms/page): {rows[0][2] / rows[1][2]:.2f}"
    try:
        shown = f"../{corpus.resolve().relative_to(ROOT.parent)}"
    except ValueError:
        shown = str(corpus)
    section = f"Corpus: `{shown}` ({len(gold)} pages).\n\n{report}{ratio}\n"
    print(section)
    if args.pages:
        print("| id | ours F1 | trafilatura F1 | ours title | gold title | ours date | trafilatura date | gold date |\n|---|---|---|---|---|---|---|---|")
        base_pages = {row["id"]: row for row in rows[1][1]["per_page"]} if baseline else {}
        gold_by_id = {g["id"]: g for g in gold}
        for row in rows[0][1]["per_page"]:
            b = base_pages.get(row["id"], {})
            print(f"| {row['id'][:40]} | {row['f1']:.3f} | {_fmt(b.get('f1'))} | {(mine.get(row['id']) or {}).get('title')} | "
                  f"{gold_by_id[row['id']].get('title')} | {row['date']} | {b.get('date')} | {row['gold_date']} |")
        print()
    return section


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append",
                        help=f"corpus name under ../shared/corpus or folder with manifest.jsonl, gold.jsonl, html/; "
                             f"repeatable; default: {', '.join(DEFAULT_CORPORA)}")
    parser.add_argument("--gold", type=Path, help="gold JSONL (default: CORPUS/gold.jsonl)")
    parser.add_argument("--results", type=Path, help="score this results file instead of running our extractor")
    parser.add_argument("--no-baseline", action="store_true", help="skip trafilatura")
    parser.add_argument("--repeat", type=int, default=1, help="runs per page; the fastest time counts")
    parser.add_argument("--baseline-raw", action="store_true", help="give trafilatura the raw bytes to decode itself")
    parser.add_argument("--out", type=Path, help="write our results (JSONL) here")
    parser.add_argument("--pages", action="store_true", help="also print per-page scores")
    parser.add_argument("--write-readme", action="store_true", help=f"replace the block between {START} and {END} in README.md")
    args = parser.parse_args(argv)
    corpora = [resolve_corpus(c) for c in (args.corpus or DEFAULT_CORPORA)]
    if (args.results or args.gold) and len(corpora) > 1:
        parser.error("--results and --gold need exactly one --corpus")
    if args.out:
        args.out.write_text("", encoding="utf-8")
    sections = [evaluate_corpus(corpus, args) for corpus in corpora]
    if any(s is None for s in sections):
        return 2
    if args.write_readme:
        command = "`.venv/bin/python bench/evaluate.py" + (f" --repeat {args.repeat}" if args.repeat > 1 else "") + " --write-readme`"
        write_readme(readme_block(sections, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
