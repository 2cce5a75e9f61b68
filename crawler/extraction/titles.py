"""Title choice and cleaning."""

from __future__ import annotations

import re

from .text import normalize_space

# Separators sites put between the headline and their own name in <title>.
_SUFFIX_SEPARATORS = r"\s*(?:[_|｜\-–—]|--)\s*"


def strip_site_suffix(title: str, site_names: tuple[str, ...] | list[str]) -> str:
    """``标题_中国发展网`` / ``标题-中国发展网`` / ``标题 | 中国发展网`` → ``标题``.

    Only a trailing part naming one of ``site_names`` (optionally followed by
    further ``_频道`` parts) is removed; a title that is nothing but the site
    name is left alone.
    """
    title = normalize_space(title)
    for name in site_names:
        pattern = re.compile(_SUFFIX_SEPARATORS + re.escape(name) + r"(?:" + _SUFFIX_SEPARATORS + r"[^_|｜\-–—]{1,20})*$")
        stripped = pattern.sub("", title)
        if stripped and stripped != title:
            return stripped
    return title


def clean_title(raw: str | None, site_names: tuple[str, ...] | list[str] = ()) -> str:
    """Whitespace-normalized title without a site-name suffix."""
    if not raw:
        return ""
    return strip_site_suffix(normalize_space(raw), site_names)
