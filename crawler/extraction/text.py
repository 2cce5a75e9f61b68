"""Whitespace and text normalization shared by every extractor."""

from __future__ import annotations

import hashlib
import unicodedata

FULLWIDTH_SPACE = "\u3000"
# whitespace to normalize_space: what str.isspace() says (\s in re: NBSP and the full-width
# space included), and two invisible characters that Python does not count as whitespace
_INVISIBLE_SPACES = ("\u200b", "\ufeff")


def normalize_space(text: str | None) -> str:
    """Collapse every run of whitespace (incl. NBSP and full-width) to one space.

    The same as ``re.sub(r"[\\s\\u200b\\ufeff]+", " ", text).strip()``, written with
    str.split(), which splits on exactly the characters \\s matches, at a quarter of the
    regex's cost: it runs about ten times per paragraph of every page (issue 12)."""
    if not text:
        return ""
    for invisible in _INVISIBLE_SPACES:
        if invisible in text:
            text = text.replace(invisible, " ")
    return " ".join(text.split())


def is_blank(text: str | None) -> bool:
    """``not normalize_space(text)``, without building the normalized string: most texts
    asked about (the whitespace between a body's paragraphs) are whitespace alone."""
    return not text or text.isspace() or not normalize_space(text)


def strip_fullwidth_indent(text: str) -> str:
    """Remove the ``　　`` paragraph indentation Chinese CMSs write."""
    return text.replace(FULLWIDTH_SPACE * 2, "")


def fingerprint_text(text: str) -> str:
    """Text reduced for exact-duplicate detection: NFKC, no whitespace, no punctuation.

    Every character that is whitespace or of a punctuation, symbol or other (control, format,
    unassigned, private use) category goes. ``str.translate`` with a table filled as characters
    are met does that in C: a Python step per character made it the crawl process's costliest
    call (3–6 ms a page; issue 12)."""
    return unicodedata.normalize("NFKC", text or "").translate(_FINGERPRINT_TABLE)


def content_hash(body_text: str | None) -> str | None:
    """Hash of the body text reduced to letters and digits (``fingerprint_text``): equal for
    the same story whatever the markup, indentation or punctuation width. The stories
    table's exact-duplicate key; None for a text with no letter or digit."""
    fingerprint = fingerprint_text(body_text or "")
    return hashlib.sha256(fingerprint.encode("utf-8")).hexdigest() if fingerprint else None


class _FingerprintTable(dict):
    """Code point → None for a character fingerprint_text drops, else the code point itself;
    each decided at its first use. At most ``LIMIT`` are kept (a page of every character
    would otherwise hold a million): the others are decided again each time."""

    LIMIT = 65_536

    def __missing__(self, code_point: int) -> int | None:
        char = chr(code_point)
        kept = None if char.isspace() or unicodedata.category(char)[0] in "PSC" else code_point
        if len(self) < self.LIMIT:
            self[code_point] = kept
        return kept


_FINGERPRINT_TABLE = _FingerprintTable()
