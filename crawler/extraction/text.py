"""Whitespace and text normalization shared by every extractor."""

from __future__ import annotations

import re
import unicodedata

FULLWIDTH_SPACE = "\u3000"
_WS_RE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")


def normalize_space(text: str | None) -> str:
    """Collapse every run of whitespace (incl. NBSP and full-width) to one space."""
    if not text:
        return ""
    return _WS_RE.sub(" ", text).strip()


def strip_fullwidth_indent(text: str) -> str:
    """Remove the ``　　`` paragraph indentation Chinese CMSs write."""
    return text.replace(FULLWIDTH_SPACE * 2, "")


def fingerprint_text(text: str) -> str:
    """Text reduced for exact-duplicate detection: NFKC, no whitespace, no punctuation."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch).startswith(("P", "S", "C"))))
