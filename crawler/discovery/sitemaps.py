"""Sitemaps, sitemap indexes, gzip, Google News sitemaps and robots.txt.

Parsed as a stream (lxml iterparse over a gzip stream when compressed): an
enormous sitemap never becomes a tree in memory. Scrapy's own sitemap parser
drops the ``news:`` fields; here ``news:title`` and ``news:publication_date``
are kept as hints.

Hostile sitemaps are bounded: the decompressed bytes read (``max_bytes``,
gzip read in bounded chunks; over it → :class:`SitemapLimit`
``sitemap_too_large``), the length of one field (``max_element_chars``: the
entry comes out with ``problem="element_too_long"``) and, with ``huge_tree``
off, libxml2's own 10 MB limit on one text node — which stops the parse where
it is, so it is reported (``element_too_long``) rather than losing the URLs
after it without a word.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

GZIP_MAGIC = b"\x1f\x8b"
_LOCAL = re.compile(r"^\{[^}]*\}")


@dataclass(frozen=True)
class SitemapEntry:
    kind: str                   # "url" (a page) or "sitemap" (a child sitemap)
    loc: str
    lastmod: str | None = None
    news_title: str | None = None
    news_date: str | None = None
    problem: str | None = None  # "element_too_long": not to be requested


class SitemapLimit(ValueError):
    """The sitemap went over a limit; entries yielded before it stand."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


def _local(tag) -> str:
    return _LOCAL.sub("", tag) if isinstance(tag, str) else ""


class _Capped(io.RawIOBase):
    """A read-only stream that fails once more than ``limit`` bytes came out of it."""

    def __init__(self, raw, limit: int):
        self.raw, self.limit, self.count = raw, limit, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        # lxml asks for small chunks; never decompress more than 1 MiB at once
        chunk = self.raw.read(min(size, 1 << 20) if size and size > 0 else 1 << 20)
        self.count += len(chunk)
        if self.limit and self.count > self.limit:
            raise SitemapLimit("sitemap_too_large", f"more than {self.limit} bytes decompressed (SITEMAP_MAX_BYTES)")
        return chunk


def _stream(body: bytes, max_bytes: int = 0):
    raw = gzip.GzipFile(fileobj=io.BytesIO(body)) if body[:2] == GZIP_MAGIC else io.BytesIO(body)
    return _Capped(raw, max_bytes)


def iter_sitemap(
    body: bytes, max_entries: int = 50000, max_bytes: int = 0, max_element_chars: int = 0
) -> Iterator[SitemapEntry]:
    """Entries of a ``<urlset>`` or ``<sitemapindex>`` (gzip or not), in order.

    Stops after ``max_entries``; raises ``ValueError`` for bytes that are not
    a sitemap at all (so the caller can report the URL and the reason), and
    :class:`SitemapLimit` (a ``ValueError`` with a ``reason``) for one that
    goes over a limit.
    """
    count = 0
    root_seen = False
    try:
        context = etree.iterparse(
            _stream(body, max_bytes), events=("start", "end"), recover=True, huge_tree=False, resolve_entities=False, no_network=True
        )
        for event, el in context:
            name = _local(el.tag)
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if name not in ("urlset", "sitemapindex"):
                        raise ValueError(f"not a sitemap (root element <{name}>)")
                continue
            if name not in ("url", "sitemap"):
                continue
            fields = {}
            for child in el.iter():
                key = _local(child.tag)
                if child is el or not child.text:
                    continue
                parent = _local(child.getparent().tag) if child.getparent() is not None else ""
                if key == "title" and parent == "news":
                    fields["news_title"] = child.text.strip()
                elif key == "publication_date":
                    fields["news_date"] = child.text.strip()
                elif key in ("loc", "lastmod") and parent in ("url", "sitemap"):
                    fields[key] = child.text.strip()
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
            if fields.get("loc"):
                longest = max(fields, key=lambda k: len(fields[k]))
                if max_element_chars and len(fields[longest]) > max_element_chars:
                    yield SitemapEntry(kind=name, loc=fields["loc"][:200], problem="element_too_long")
                    continue
                yield SitemapEntry(kind=name, loc=fields["loc"], lastmod=fields.get("lastmod"),
                                   news_title=fields.get("news_title"), news_date=fields.get("news_date"))
                count += 1
                if count >= max_entries:
                    return
        # recover=True hides fatal errors; a resource limit stopped the parse mid-document
        for error in context.error_log:
            if "Resource limit exceeded" in error.message or "huge" in error.message.lower():
                raise SitemapLimit("element_too_long", f"line {error.line}: {error.message.strip()} — the rest of the sitemap is unread")
    except SitemapLimit:
        raise
    except (etree.XMLSyntaxError, OSError, EOFError) as exc:
        if not root_seen:
            raise ValueError(f"not a sitemap: {exc}") from exc
        # a truncated sitemap: what was read before the damage stands
        return
    if not root_seen:
        raise ValueError("not a sitemap (no XML root element)")


def robots_sitemaps(text: str) -> list[str]:
    """``Sitemap:`` lines of a robots.txt."""
    return [m.group(1).strip() for m in re.finditer(r"^\s*sitemap\s*:\s*(\S+)", text or "", flags=re.I | re.M)]
