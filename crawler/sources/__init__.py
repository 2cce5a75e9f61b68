"""Source declarations: one small module per outlet.

A declaration names the source, its outlet, its domains, how its articles are
discovered and (optionally) its site extraction rules, versioned per site
design. ``DECLARED`` maps source name → declaration; extraction looks rules up
by URL host with ``source_for_url``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .base import SourceDecl, Template
from .chinadevelopment import SOURCE as CHINADEVELOPMENT

DECLARED: dict[str, SourceDecl] = {s.name: s for s in (CHINADEVELOPMENT,)}


def source_for_url(url: str) -> SourceDecl | None:
    host = (urlsplit(url).hostname or "").lower()
    for source in DECLARED.values():
        if source.owns_host(host):
            return source
    return None


__all__ = ["DECLARED", "SourceDecl", "Template", "source_for_url"]
