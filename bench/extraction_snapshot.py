"""Everything extraction outputs, written down, for proving that a speed-up changed nothing.

    .venv/bin/python bench/extraction_snapshot.py write before.json      # on the old code
    .venv/bin/python bench/extraction_snapshot.py write after.json       # on the new code
    .venv/bin/python bench/extraction_snapshot.py compare before.json after.json

``write`` records, for every page of the corpora under ../shared/corpus (zh-dev, fundus-dev,
gne-pages; skipped with a note when absent, or with ``--no-corpus``) and of the mirror
(``tests/mirror``):

- ``pages``: every field ``batch_extract.extract_page`` gives for a corpus page, and every
  field of ``extract_article`` for a mirrored page (with its source's site rules and a fixed
  fetch time), elapsed time left out;
- ``nodes``: per page, the node each field's selectors of every declared template select (its
  position in the page; fields selecting nothing left out), a hash of ``clean_body_element`` and of ``body_blocks`` (text, link
  characters, sanitized HTML) for up to 40 of its p/div/td/article/section/body elements, of
  ``normalize_space`` over all its text nodes, ``_page_editor``'s answer and a hash of
  ``sanitize_html`` over its first 20,000 characters.

``compare`` prints the first differences and exits 1 when anything differs (a changed
selector list, e.g. a template given a new selector, shows as a difference in ``nodes``).
Issue 12's changes to the site rules were each checked this way (README, Throughput).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
# run as `python bench/extraction_snapshot.py`, bench/ comes first on sys.path and
# bench/incremental.py would shadow the `incremental` package Twisted imports
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != PROJECT / "bench"]
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from bench.common import SHARED  # noqa: E402

CORPORA = ("zh-dev", "fundus-dev", "gne-pages")
MIRROR = PROJECT / "tests" / "mirror"
FETCHED_AT = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
NODES_PER_PAGE = 40


def _digest(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def corpus_pages(corpus_dir: Path) -> list[tuple[str, str, bytes]]:
    """(key, URL, bytes) of every page of the corpora present."""
    pages = []
    for corpus in CORPORA:
        manifest = corpus_dir / corpus / "manifest.jsonl"
        if not manifest.is_file():
            print(f"{corpus}: not found under {corpus_dir}, skipped", file=sys.stderr)
            continue
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                pages.append((f"{corpus}/{entry['id']}", entry["url"], (corpus_dir / corpus / entry["path"]).read_bytes()))
    return pages


def mirror_pages() -> list[tuple[str, str, bytes]]:
    """(key, URL, bytes) of every HTML page of the mirror."""
    pages = []
    for path in sorted(MIRROR.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".htm", ".shtml"):
            url = "http://" + path.relative_to(MIRROR).as_posix()
            pages.append((f"mirror/{url}", url, path.read_bytes()))
    return pages


def page_outputs(corpus: list, mirror: list) -> dict:
    from crawler.batch_extract import extract_page
    from crawler.extraction.article import extract_article
    from crawler.sources import source_for_url

    outputs = {}
    for key, url, data in corpus:
        result = extract_page(data, url, page_id=key)
        outputs[key] = {k: v for k, v in result.items() if k != "elapsed_ms"}
    for key, url, data in mirror:
        result = extract_article(data, url, source=source_for_url(url), fetched_at=FETCHED_AT)
        outputs[key] = {k: v for k, v in vars(result).items() if k != "found_date"}
    return outputs


def node_outputs(pages: list) -> dict:
    from crawler.extraction.article import _page_editor, parse_html
    from crawler.extraction.body import body_blocks, clean_body_element, sanitize_html
    from crawler.extraction.text import normalize_space
    from crawler.sources import DECLARED

    templates = [(f"{name}/{t.name}", t) for name, source in sorted(DECLARED.items()) for t in source.templates]
    outputs = {}
    for key, url, data in pages:
        root = parse_html(data)
        if root is None:
            continue
        position = {el: n for n, el in enumerate(root.iter())}
        selected = {}
        for name, template in templates:
            for which in template.xpaths:
                node = template.select(root, which)
                if node is not None:
                    selected[f"{name}/{which}"] = position.get(node, -1)
        elements = [el for el in root.iter("div", "td", "article", "section", "p", "body") if len(el) or el.text]
        cleaned = []
        for el in elements[:: max(1, len(elements) // NODES_PER_PAGE)]:
            blocks = body_blocks(el, url, split_br=True)
            cleaned.append([_digest(clean_body_element(el, url)), _digest(repr([(b.text, b.link_chars, b.html) for b in blocks]))])
        outputs[key] = {
            "selected": selected,
            "cleaned": cleaned,
            "spaces": _digest("\x00".join(normalize_space(t) for t in root.itertext())),
            "editor": _page_editor(root),
            "sanitized": _digest(sanitize_html(data.decode("utf-8", "replace")[:20000], url)),
        }
    return outputs


def write(dest: Path, corpus_dir: Path | None) -> int:
    corpus = corpus_pages(corpus_dir) if corpus_dir is not None else []
    mirror = mirror_pages()
    snapshot = {"pages": page_outputs(corpus, mirror), "nodes": node_outputs(corpus + mirror)}
    dest.write_text(json.dumps(snapshot, ensure_ascii=False, sort_keys=True, default=str), encoding="utf-8")
    print(f"{len(snapshot['pages'])} pages, {sum(len(v['cleaned']) for v in snapshot['nodes'].values())} body nodes, "
          f"{sum(len(v['selected']) for v in snapshot['nodes'].values())} selected nodes → {dest}")
    return 0


def compare(first: Path, second: Path, show: int = 5) -> int:
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (first, second))
    differing = 0
    for part in ("pages", "nodes"):
        keys = sorted(set(a[part]) | set(b[part]))
        changed = [k for k in keys if a[part].get(k) != b[part].get(k)]
        differing += len(changed)
        print(f"{part}: {len(keys)}, differing {len(changed)}")
        for key in changed[:show]:
            old, new = a[part].get(key) or {}, b[part].get(key) or {}
            for field in sorted(set(old) | set(new)):
                before, after = old.get(field), new.get(field)
                if before != after and isinstance(before, dict) and isinstance(after, dict):
                    before, after = ({k: d.get(k) for k in set(before) ^ set(after) | {k for k in before if before[k] != after.get(k)}}
                                     for d in (before, after))
                if before != after:
                    print(f"  {key} {field}: {str(before)[:200]} → {str(after)[:200]}")
    return 1 if differing else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="record the outputs of the code in this checkout")
    w.add_argument("dest", type=Path)
    w.add_argument("--corpus-dir", type=Path, default=SHARED / "corpus", help="default: %(default)s")
    w.add_argument("--no-corpus", action="store_true", help="the mirror only")
    c = sub.add_parser("compare", help="compare two recordings; exit 1 when they differ")
    c.add_argument("first", type=Path)
    c.add_argument("second", type=Path)
    a = ap.parse_args(argv)
    if a.command == "write":
        return write(a.dest, None if a.no_corpus else a.corpus_dir)
    return compare(a.first, a.second)


if __name__ == "__main__":
    sys.exit(main())
