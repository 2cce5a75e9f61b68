"""Sitemaps, sitemap indexes, gzip, Google News sitemaps and robots.txt.

Parsed as a stream (lxml iterparse over a gzip stream when compressed): an
enormous sitemap never becomes a tree in memory. Scrapy's own sitemap parser
drops the ``news:`` fields; here ``news:title`` and ``news:publication_date``
are kept as hints.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from typing import Iterator

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


def _local(tag) -> str:
    return _LOCAL.sub("", tag) if isinstance(tag, str) else ""


def _stream(body: bytes):
    if body[:2] == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=io.BytesIO(body))
    return io.BytesIO(body)


def iter_sitemap(body: bytes, max_entries: int = 50000) -> Iterator[SitemapEntry]:
    """Entries of a ``<urlset>`` or ``<sitemapindex>`` (gzip or not), in order.

    Stops after ``max_entries``; raises ``ValueError`` for bytes that are not
    a sitemap at all (so the caller can report the URL and the reason).
    """
    count = 0
    root_seen = False
    try:
        context = etree.iterparse(
            _stream(body), events=("start", "end"), recover=True, huge_tree=True, resolve_entities=False, no_network=True
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
                yield SitemapEntry(kind=name, loc=fields["loc"], lastmod=fields.get("lastmod"),
                                   news_title=fields.get("news_title"), news_date=fields.get("news_date"))
                count += 1
                if count >= max_entries:
                    return
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
