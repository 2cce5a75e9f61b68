"""Bytes → text for web pages whose declared charset may be wrong.

Order: BOM → HTTP header charset → ``<meta>`` charset → content detection
(charset-normalizer). A declared charset is trusted only when the bytes
decode under it without errors; GB2312/GBK are widened to GB18030.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_.:-]+)", re.I)
_WIDEN = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030"}


def normalize_encoding(name: str | None) -> str | None:
    """A Python codec name for ``name`` (GB2312/GBK widened), or None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _WIDEN.get(name, name)
    try:
        return _WIDEN.get(codecs.lookup(name).name, codecs.lookup(name).name)
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET_RE.search(content_type or "")
    return normalize_encoding(match.group(1)) if match else None


def meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET_RE.search(body[:4096])
    return normalize_encoding(match.group(1).decode("ascii", "ignore")) if match else None


def _bom(body: bytes) -> str | None:
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return name
    return None


def decodes_cleanly(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detect_encoding(body: bytes, declared: str | None = None) -> str:
    """The encoding to read ``body`` with; ``declared`` is the HTTP header's charset."""
    bom = _bom(body)
    if bom:
        return bom
    for candidate in (normalize_encoding(declared), meta_charset(body)):
        if candidate and decodes_cleanly(body, candidate):
            return candidate
    if decodes_cleanly(body, "utf-8"):
        return "utf-8"
    best = from_bytes(body[:200000]).best()
    if best is not None and best.encoding:
        guess = normalize_encoding(best.encoding)
        if guess:
            return guess
    return "gb18030" if decodes_cleanly(body, "gb18030") else "utf-8"


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(text, encoding)``; undecodable bytes become U+FFFD, never an exception."""
    encoding = detect_encoding(body, header_charset(content_type))
    return body.decode(encoding, "replace"), encoding
