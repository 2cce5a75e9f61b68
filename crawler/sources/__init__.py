"""Source declarations: one small module per outlet.

Every module in this package that defines ``SOURCE`` (a ``SourceDecl``) is a
source: ``DECLARED`` maps its name to it, the spider loader makes a spider of
it, and extraction finds its site rules by URL host (``source_for_url``).
Adding an outlet is adding one module here; nothing else changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from urllib.parse import urlsplit

from .base import Discovery, SourceDecl, Template, TemplateError


def _discover() -> dict[str, SourceDecl]:
    found: dict[str, SourceDecl] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name == "base":
            continue
        try:
            module = importlib.import_module(f"{__name__}.{info.name}")
        except TemplateError as exc:
            # name the module: the template alone does not say which source it belongs to
            raise TemplateError(f"source module crawler/sources/{info.name}.py: {exc}") from exc
        decl = getattr(module, "SOURCE", None)
        if isinstance(decl, SourceDecl):
            if decl.name in found:
                raise ValueError(f"two source modules declare the name {decl.name!r}")
            found[decl.name] = decl
    return found


DECLARED: dict[str, SourceDecl] = _discover()


def source_for_url(url: str) -> SourceDecl | None:
    host = (urlsplit(url).hostname or "").lower()
    best = None
    for source in DECLARED.values():
        if source.owns_host(host):
            # the most specific domain wins (news.example.com over example.com)
            if best is None or max(map(len, source.allowed_domains)) > max(map(len, best.allowed_domains)):
                best = source
    return best


__all__ = ["DECLARED", "Discovery", "SourceDecl", "Template", "TemplateError", "source_for_url"]
