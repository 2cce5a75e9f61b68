"""Batch and single-page extraction from saved pages, on the spiders' code path.

    python -m crawler.batch_extract --manifest M.jsonl --out R.jsonl
    python -m crawler.batch_extract FILE --url URL

Each manifest line is ``{"id", "url", "path"}`` (``path`` relative to the
manifest's folder; optional ``fetched_at``, ISO 8601, for relative dates such
as ``3小时前``; optional ``content_type``, the HTTP header; optional ``hints``,
``{"date_raw", "origin", "title"}``: what a feed or sitemap said, e.g.
``{"date_raw": "Thu, 09 Jun 2022 07:30:00 +0800", "origin": "feed:published"}``,
used by the same chain as the crawl's). Each result line is
``{"id", "url", "title", "published_at", "date_raw", "date_stage",
"date_precision", "outlet", "body_text", "body_html", "extractor", "language",
"encoding", "elapsed_ms", "error"}``. ``published_at`` is ISO 8601 with the
UTC offset the page gave (else China time, or ``--timezone``), or null when
the page states no date; ``encoding`` is the charset the bytes were read with. A page that cannot be read or extracted (a
missing file, binary content, no body) yields a line with ``error`` set; the
batch never stops on one bad page. Progress goes to standard error.

The page bytes are decoded by ``crawler.extraction.decode`` (BOM, header,
meta, content check), the ``<text id=… encoding=…>`` crawl wrapper of saved
corpora is removed, and ``extract_article`` runs with the site rules of the
declared source that owns the URL (``crawler.sources.source_for_url``), else
the generic chain.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import IO

from .extraction.article import extract_article
from .extraction.dates import CHINA_TZ
from .extraction.decode import decode_html, unwrap_crawl_wrapper
from .extraction.options import Hints
from .extraction.titles import clean_title

# Imported here, not per page: a broken source declaration is a bug to see at
# once (an ImportError naming the module), not a silent fall back to the
# generic chain on every page of the batch.
try:
    from .sources import source_for_url
except Exception as exc:
    raise ImportError(f"crawler.sources cannot be imported, so no site rules can run: {type(exc).__name__}: {exc}") from exc

logger = logging.getLogger(__name__)

RESULT_FIELDS = (
    "id", "url", "title", "published_at", "date_raw", "date_stage", "date_precision", "outlet",
    "body_text", "body_html", "extractor", "language", "encoding", "elapsed_ms", "error",
)


def _empty(page_id, url) -> dict:
    result = dict.fromkeys(RESULT_FIELDS)
    result.update(id=page_id, url=url, title="", body_text="", body_html="", extractor="")
    return result


def extract_page(
    data: bytes | str,
    url: str | None = None,
    *,
    page_id: str | None = None,
    content_type: str | None = None,
    fetched_at: datetime | None = None,
    hints: Hints | None = None,
    timezone: str | None = None,
) -> dict:
    """One result line for one page's bytes (or text). Never raises."""
    started = time.perf_counter()
    result = _extract_page(data, url, page_id, content_type, fetched_at, hints, timezone)
    result["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _extract_page(data, url, page_id, content_type, fetched_at, hints=None, timezone=None) -> dict:
    result = _empty(page_id, url)
    try:
        if isinstance(data, (bytes, bytearray)):
            text, encoding = decode_html(bytes(data), content_type)
            result["encoding"] = encoding
            if looks_binary(bytes(data), text):
                result["error"] = "binary_content: not an HTML page"
                return result
        else:
            text, encoding = str(data), None
        html, wrapper = unwrap_crawl_wrapper(text)
        if not url and wrapper is not None and wrapper.url:
            url = wrapper.url
        url = url or ""
        extraction = extract_article(html, url, source=source_for_url(url), fetched_at=fetched_at, hints=hints, timezone=timezone)
        if not extraction.title and wrapper is not None and wrapper.title:
            extraction.title = clean_title(wrapper.title)
        result.update(
            url=url,
            title=extraction.title or "",
            published_at=extraction.published_at_page or extraction.published_at,
            date_raw=extraction.date_raw,
            date_stage=extraction.date_stage,
            date_precision=extraction.date_precision,
            language=extraction.stages.get("language"),
            outlet=extraction.outlet,
            body_text=extraction.body_text or "",
            body_html=extraction.body_html or "",
            extractor=extraction.extractor,
            encoding=encoding,
            error=extraction.error,
        )
        if not result["error"] and not result["body_text"]:
            result["error"] = "no_body"
    except Exception as exc:  # the batch must never stop on one page, but a bug here is said aloud
        logger.exception("batch extraction failed for %s: %s: %s", url, type(exc).__name__, exc)
        result["error"] = f"extract_exception: {type(exc).__name__}: {exc}"
    return result


def looks_binary(data: bytes, text: str) -> bool:
    """An image, PDF or archive rather than a page: NUL bytes near the start, or
    mostly undecodable bytes."""
    head = data[:2048]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")) and not text.lstrip()[:1] == "<":
        return True
    sample = text[:4096]
    return bool(sample) and sample.count("\ufffd") > 0.3 * len(sample)


def _parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA_TZ)


def extract_manifest_line(line: str, base: Path, *, fetched_at: datetime | None = None, timezone: str | None = None) -> dict:
    """Read one manifest line and its page; a bad line or missing file becomes an error line."""
    try:
        entry = json.loads(line)
        if not isinstance(entry, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        result = _empty(None, None)
        result.update(error=f"bad_manifest_line: {exc}", elapsed_ms=0.0)
        return result
    page_id, url = entry.get("id"), entry.get("url")
    try:
        data = (base / str(entry["path"])).read_bytes()
    except (KeyError, OSError, TypeError, ValueError) as exc:
        result = _empty(page_id, url)
        result.update(error=f"read_error: {type(exc).__name__}: {exc}", elapsed_ms=0.0)
        return result
    return extract_page(
        data, url, page_id=page_id, content_type=entry.get("content_type"),
        fetched_at=_parse_time(entry.get("fetched_at")) or fetched_at,
        hints=Hints.from_dict(entry.get("hints")), timezone=timezone,
    )


def run_manifest(manifest: Path, out: IO[str], *, fetched_at: datetime | None = None, progress: IO[str] | None = None,
                 every: float = 2.0, timezone: str | None = None) -> dict:
    """Extract every page of ``manifest`` into ``out`` (JSONL); returns counts."""
    lines = [line for line in manifest.read_text(encoding="utf-8", errors="replace").split("\n") if line.strip()]
    base = manifest.parent
    counts = {"pages": 0, "errors": 0}
    started = last = time.monotonic()
    for line in lines:
        result = extract_manifest_line(line, base, fetched_at=fetched_at, timezone=timezone)
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        counts["pages"] += 1
        counts["errors"] += bool(result["error"])
        now = time.monotonic()
        if progress is not None and (now - last >= every or counts["pages"] == len(lines)):
            last = now
            rate = (now - started) / counts["pages"] * 1000
            progress.write(f"{counts['pages']}/{len(lines)} pages, {counts['errors']} errors, {rate:.0f} ms/page\n")
            progress.flush()
    return counts


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.batch_extract", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", help="one saved page (bytes in any encoding)")
    parser.add_argument("--url", help="the page's URL (selects site rules; resolves relative links)")
    parser.add_argument("--content-type", help="the HTTP Content-Type header the page was served with")
    parser.add_argument("--manifest", type=Path, help="JSONL manifest: {id, url, path} per line")
    parser.add_argument("--out", help="result JSONL (default: standard output)")
    parser.add_argument("--fetched-at", help="fetch time (ISO 8601) for relative dates; default: now")
    parser.add_argument("--timezone", help="zone of dates written without an offset on pages of no declared source "
                        "(the crawl's GENERIC_TIMEZONE setting; default Asia/Shanghai)")
    parser.add_argument("--hints", help='one page: what a feed or sitemap said, as JSON ({"date_raw": …, "origin": "feed:published", "title": …})')
    parser.add_argument("--quiet", action="store_true", help="no progress on standard error")
    args = parser.parse_args(list(argv) if argv is not None else None)
    fetched_at = _parse_time(args.fetched_at)
    if args.fetched_at and fetched_at is None:
        parser.error(f"--fetched-at: not an ISO 8601 time: {args.fetched_at!r}")
    if bool(args.manifest) == bool(args.file):
        parser.error("give either FILE (with --url) or --manifest")
    if args.out and args.out != "-":
        out_path = Path(args.out)
        if out_path.is_dir() or not out_path.parent.is_dir():
            parser.error(f"--out: cannot write {args.out} (a folder, or in a folder that does not exist)")
    if args.manifest:
        if not args.manifest.is_file():
            parser.error(f"--manifest: no such file: {args.manifest}")
        progress = None if args.quiet else sys.stderr
        if args.out and args.out != "-":
            with open(args.out, "w", encoding="utf-8") as out:
                counts = run_manifest(args.manifest, out, fetched_at=fetched_at, progress=progress, timezone=args.timezone)
        else:
            counts = run_manifest(args.manifest, sys.stdout, fetched_at=fetched_at, progress=progress, timezone=args.timezone)
        if not args.quiet:
            print(f"done: {counts['pages']} pages, {counts['errors']} with an error", file=sys.stderr)
        return 0
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        parser.error(f"cannot read {args.file}: {exc}")
    try:
        hints = Hints.from_dict(json.loads(args.hints)) if args.hints else None
    except ValueError as exc:
        parser.error(f"--hints: not JSON: {exc}")
    result = extract_page(data, args.url, page_id=Path(args.file).stem, content_type=args.content_type, fetched_at=fetched_at,
                          hints=hints, timezone=args.timezone)
    text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    if args.out and args.out != "-":
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
