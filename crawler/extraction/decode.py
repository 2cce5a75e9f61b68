"""Bytes → text for web pages whose declared charset may be wrong.

Order: BOM → HTTP header charset → ``<meta>`` charset (also ``<?xml
encoding?>`` and the ``<text encoding="…">`` crawl wrapper some corpora use)
→ content check → detection (charset-normalizer).

A declared charset is trusted when the bytes decode under it without errors,
or with only a handful of bad bytes (real GBK pages often carry a few broken
sequences; reading them as anything else turns the whole page to mojibake).
It is *not* trusted when the bytes are valid multi-byte UTF-8: a page that
declares GB2312 or Latin-1 but is written in UTF-8 decodes "cleanly" under
the declared charset and still comes out as mojibake. GB2312/GBK are widened
to GB18030.
"""

from __future__ import annotations

import codecs
import html as html_lib
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from charset_normalizer import from_bytes

logger = logging.getLogger(__name__)

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_.:-]+)", re.I)
_XML_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""", re.I)
# the crawl wrapper of the zh69 dataset: <text id="URL" title="…" encoding="gb2312">
_WRAPPER_RE = re.compile(r"""^\s*<text\s+(?P<attrs>[^>]*?)>""", re.I | re.S)
_WRAPPER_BYTES_RE = re.compile(rb"""^\s*<text\s[^>]*?encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""", re.I | re.S)
_WRAPPER_ATTR_RE = re.compile(r"""(\w+)\s*=\s*"([^"]*)\"""")
_WRAPPER_END_RE = re.compile(r"</text>\s*$", re.I)
_WIDEN = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030"}
_ALIASES = {"utf8": "utf-8", "unicode": "utf-8", "x-euc-cn": "gb18030", "euc-cn": "gb18030", "big5-hkscs": "big5hkscs"}
# share of non-ASCII characters that may fail under a declared charset before it is distrusted
MAX_ERROR_SHARE = 0.02
_DETECT_BYTES = 200_000


def normalize_encoding(name: str | None) -> str | None:
    """A Python codec name for ``name`` (GB2312/GBK widened), or None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    name = _WIDEN.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return _WIDEN.get(codec, codec)


def header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET_RE.search(content_type or "")
    return normalize_encoding(match.group(1)) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset the document declares itself: ``<meta>``, ``<?xml?>`` or the crawl wrapper."""
    head = body[:4096]
    for pattern in (_META_CHARSET_RE, _XML_DECL_RE, _WRAPPER_BYTES_RE):
        match = pattern.search(head)
        if match:
            found = normalize_encoding(match.group(1).decode("ascii", "ignore"))
            if found:
                return found
    return None


def _bom(body: bytes) -> str | None:
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return "utf-8" if name == "utf-8-sig" else name
    return None


def strict_text(body: bytes, encoding: str) -> str | None:
    """The body decoded with ``encoding``; None when a byte sequence does not decode (or the
    codec is unknown)."""
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decodes_cleanly(body: bytes, encoding: str) -> bool:
    return strict_text(body, encoding) is not None


def error_share(body: bytes, encoding: str) -> float:
    """Share of the non-ASCII characters that fail to decode under ``encoding`` (1.0: unknown codec)."""
    try:
        text = body.decode(encoding, "replace")
    except LookupError:
        return 1.0
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if not non_ascii:
        return 0.0
    return text.count("\ufffd") / non_ascii


def _is_multibyte_utf8(body: bytes) -> bool:
    """Valid UTF-8 with at least one multi-byte sequence: almost never an accident."""
    if body.isascii():
        return False
    return decodes_cleanly(body, "utf-8")


@lru_cache(maxsize=64)
def is_single_byte(encoding: str) -> bool:
    """Latin-1, windows-125x, KOI8 …: every byte is a character, so every page "decodes"."""
    try:
        return len(bytes(range(0x80, 0x100)).decode(encoding, "replace")) == 128 and encoding not in ("utf-8",)
    except LookupError:
        return False


_CJK_RE = re.compile("[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
_MULTIBYTE_GUESSES = {"gb18030", "big5", "big5hkscs", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949", "utf-8", "iso2022_jp"}


def _mojibake_guess(body: bytes, declared: str) -> str | None:
    """A page declared in a single-byte charset whose bytes are really a CJK encoding
    (e.g. GBK labelled ISO-8859-1 decodes "cleanly" into mojibake): the detector's
    multi-byte guess when it decodes the page cleanly."""
    if not is_single_byte(declared):
        return None
    non_ascii = len(body) - len(body.decode("latin-1").encode("ascii", "ignore"))
    if non_ascii < 16:
        return None
    if decodes_cleanly(body, "gb18030"):
        text = body.decode("gb18030")
        cjk = len(_CJK_RE.findall(text))
        if cjk >= 0.8 * (len(text) - len(text.encode("ascii", "ignore"))):
            return "gb18030"
    guess = _detected(body)
    if guess in _MULTIBYTE_GUESSES and decodes_cleanly(body, guess):
        return guess
    return None


def _acceptable(body: bytes, encoding: str) -> bool:
    if decodes_cleanly(body, encoding):
        return True
    return error_share(body, encoding) <= MAX_ERROR_SHARE


def _detected(body: bytes) -> str | None:
    try:
        best = from_bytes(body[:_DETECT_BYTES]).best()
    except Exception as exc:  # a detector failure must not stop decoding (the page has no URL here)
        logger.warning("charset detection failed on a %d-byte page, decoding without its guess: %s: %s", len(body), type(exc).__name__, exc)
        return None
    if best is not None and best.encoding:
        return normalize_encoding(best.encoding)
    return None


def detect_encoding(body: bytes, declared: str | None = None) -> str:
    """The encoding to read ``body`` with; ``declared`` is the HTTP header's charset."""
    bom = _bom(body)
    if bom:
        return bom
    utf8 = _is_multibyte_utf8(body)
    candidates = [c for c in (normalize_encoding(declared), meta_charset(body)) if c]
    return (
        _clean_declaration(body, candidates, utf8)
        or ("utf-8" if utf8 or decodes_cleanly(body, "utf-8") else None)
        or _near_fit(body, candidates)
    )


def _cjk_share(text: str, fits) -> float:
    chars = _CJK_RE.findall(text[:20000])
    return sum(1 for c in chars if fits(c)) / len(chars) if len(chars) >= 50 else 1.0


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _frequent_big5(char: str) -> bool:
    try:
        return 0xA4 <= char.encode("big5")[0] <= 0xC6  # Big5's frequent characters (level 1)
    except UnicodeEncodeError:
        return False


def _big5_not_gbk(body: bytes) -> bool:
    """Big5 bytes labelled GBK decode "cleanly" as GBK into rare characters: real
    GBK Chinese keeps nearly all its characters in GB2312, real Big5 nearly all in
    Big5's frequent level 1 (checked on the corpora: no real page crosses)."""
    if not decodes_cleanly(body, "big5"):
        return False
    as_gbk, as_big5 = body.decode("gb18030"), body.decode("big5")
    return _cjk_share(as_gbk, _in_gb2312) < 0.8 and _cjk_share(as_big5, _frequent_big5) >= 0.9


def _clean_declaration(body: bytes, candidates: list[str], utf8: bool) -> str | None:
    """The first declared charset the bytes decode under without an error (a page that
    is valid UTF-8 is UTF-8, whatever it declares: content check)."""
    for candidate in candidates:
        if candidate == "utf-8" or utf8:
            if utf8 or decodes_cleanly(body, "utf-8"):
                return "utf-8"
            continue
        if decodes_cleanly(body, candidate):
            if candidate == "gb18030" and _big5_not_gbk(body):
                return "big5"
            return _mojibake_guess(body, candidate) or candidate
    return None


def _near_fit(body: bytes, candidates: list[str]) -> str:
    """Nothing decodes cleanly: a declaration that nearly fits beats a guess; a guess
    beats GB18030, the commonest charset of a page that says nothing."""
    for candidate in candidates:
        if candidate != "utf-8" and _acceptable(body, candidate):
            return candidate
    guess = _detected(body)
    if guess and _acceptable(body, guess):
        if guess != "gb18030" and _acceptable(body, "gb18030") and error_share(body, "gb18030") <= error_share(body, guess):
            # detectors often pick a CJK cousin (big5, euc-kr) or a Cyrillic codepage for GBK text
            return "gb18030"
        return guess
    if _acceptable(body, "gb18030"):
        return "gb18030"
    if candidates:
        return candidates[0]
    return guess or "utf-8"


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(text, encoding)``; undecodable bytes become U+FFFD, never an exception."""
    encoding = detect_encoding(body, header_charset(content_type))
    try:
        return body.decode(encoding, "replace"), encoding
    except LookupError:
        return body.decode("utf-8", "replace"), "utf-8"


@dataclass(frozen=True)
class CrawlWrapper:
    """What the ``<text id="URL" title="…" encoding="…">`` crawl wrapper said."""

    url: str | None
    title: str | None
    encoding: str | None


def unwrap_crawl_wrapper(text: str) -> tuple[str, CrawlWrapper | None]:
    """Strip the ``<text id=… title=… encoding=…>…</text>`` wrapper some saved corpora put
    around a page; returns the inner HTML and the wrapper's attributes (None when absent)."""
    match = _WRAPPER_RE.match(text or "")
    if not match:
        return text, None
    attrs = {k.lower(): html_lib.unescape(v) for k, v in _WRAPPER_ATTR_RE.findall(match.group("attrs"))}
    if not ({"id", "encoding"} & set(attrs)):
        return text, None
    inner = _WRAPPER_END_RE.sub("", text[match.end():])
    return inner, CrawlWrapper(url=attrs.get("id") or None, title=attrs.get("title") or None, encoding=attrs.get("encoding") or None)
