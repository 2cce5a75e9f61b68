"""Every drop reason the code writes is in the registry (crawler/codes.py), each
registered code is written where the registry says, and docs/codes.md is current."""

from __future__ import annotations

import re

from crawler.codes import DROP_REASONS, STAGE_CODES, known_reason
from crawler.failures import REFUSAL_REASONS
from crawler.tools.codes import DOC, render

from .helpers import PROJECT

# the places a reason code is written as a literal
_REASON_RE = re.compile(
    r"""^\s*\("([a-z][a-z0-9_]+)",\s*"[^"\n]*",\s*[A-Z_]+\),?$|"""
    r"""(?:record_failure\([^,\n]+,\s*|_unreadable\([^,\n]+,\s*|DropStory\(|Refused\(|SitemapLimit\(|"""
    r"""found\.append\(\(|problem=|_drop\([^,\n]+,[^,\n]+,\s*)"([a-z][a-z0-9_]+)"(?=\s*[,)])"""
    # failure_reason: return "dns_error", "DNS lookup failed …"
    r"""|return\s+"([a-z][a-z0-9_]+)",\s*f?\""""
    # crawler/failures.py: ("dns_error", "DNS lookup failed …", ERROR_CLASSES),
    , re.M,
)
_NOT_REASONS = {"sitemap", "url", "script", "feed", "metadata", "title", "urls", "spider", "file", "replace", "hints"}


def _written_reasons() -> dict[str, str]:
    found = {}
    for root in ("crawler", "pipelines"):
        for path in (PROJECT / root).rglob("*.py"):
            if path.name == "codes.py":
                continue
            for codes in _REASON_RE.findall(path.read_text(encoding="utf-8")):
                for code in filter(None, codes):
                    found.setdefault(code, str(path.relative_to(PROJECT)))
    return {c: p for c, p in found.items() if c not in _NOT_REASONS}


def test_the_scan_finds_reasons_at_all():
    written = _written_reasons()
    assert {"no_publication_date", "store_conflict", "redirect_loop", "listing_bad_json", "dns_error"} <= set(written)


def test_every_reason_written_in_the_code_is_registered():
    missing = {c: p for c, p in _written_reasons().items() if not known_reason(c)}
    missing.update({c: "REFUSAL_REASONS" for c in REFUSAL_REASONS if not known_reason(c)})
    assert missing == {}, f"add these to crawler/codes.py DROP_REASONS, then python -m crawler.tools.codes --write: {missing}"


def test_every_registered_code_is_written_where_the_registry_says():
    wrong = []
    for entry in DROP_REASONS + STAGE_CODES:
        literal = entry.code.split("*")[0].rstrip(":/")
        if not literal:
            continue
        text = (PROJECT / entry.where).read_text(encoding="utf-8")
        if f'"{entry.code}"' not in text and f'"{literal}' not in text:
            wrong.append((entry.code, entry.where))
    assert wrong == []


def test_codes_doc_is_current():
    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m crawler.tools.codes --write"
