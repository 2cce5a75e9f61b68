"""Title choice and cleaning."""

from __future__ import annotations

import functools
import re

from .text import normalize_space

# Separators sites put between the headline and their own name in <title>.
_SEPARATOR_CHARS = "_|｜-–—"
_SUFFIX_SEPARATORS = rf"\s*(?:[{re.escape(_SEPARATOR_CHARS)}]|--)\s*"


def strip_site_suffix(title: str, site_names: tuple[str, ...] | list[str]) -> str:
    """``标题_中国发展网`` / ``标题-中国发展网`` / ``标题 | 中国发展网`` → ``标题``.

    Only a trailing part naming one of ``site_names`` (optionally followed by
    further ``_频道`` parts) is removed; a title that is nothing but the site
    name is left alone.
    """
    title = normalize_space(title)
    # every suffix starts with a separator: a headline without one (most h1) has none to strip,
    # and the patterns, which begin with \s*, would be tried at every character of it
    if not any(separator in title for separator in _SEPARATOR_CHARS):
        return title
    for pattern in _site_suffix_patterns(tuple(site_names)):
        stripped = pattern.sub("", title)
        if stripped and stripped != title:
            return stripped
    return title


@functools.lru_cache(maxsize=256)
def _site_suffix_patterns(site_names: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    # built once per source: escaping and looking the patterns up in re's cache on every call
    # was a tenth of a source's site-rule time (issue 12, bench/site_rules.py)
    return tuple(
        re.compile(_SUFFIX_SEPARATORS + re.escape(name) + r"(?:" + _SUFFIX_SEPARATORS + rf"[^{re.escape(_SEPARATOR_CHARS)}]{{1,20}})*$")
        for name in site_names
    )


_TAG_RE = re.compile(r"<[a-zA-Z/][^>]*>")


def clean_title(raw: str | None, site_names: tuple[str, ...] | list[str] = ()) -> str:
    """Whitespace-normalized title without markup or a site-name suffix."""
    if not raw:
        return ""
    if "<" in raw and _TAG_RE.search(raw):  # og:title with markup in it
        raw = _TAG_RE.sub(" ", raw)
    return strip_site_suffix(normalize_space(raw), site_names)


# Separators between a headline and the site/channel names in <title>: spaced dashes,
# bars, underscores, guillemets; an unspaced hyphen only between CJK text ("标题-网站").
# The Chinese dash "——" inside headlines is not a separator.
_PART_SEPARATORS_RE = re.compile(
    r"\s+[-–—|｜»«·•]\s+|\s*[_|｜»«]+\s*|\s*--+\s*|(?<=[\u4e00-\u9fff）)》”])\s*[-–](?=[\u4e00-\u9fff（(《“])"
)


def headline_from_title(title: str | None) -> str:
    """The headline part of a ``<title>`` such as ``标题_频道_网站名`` or
    ``博客名 » 标题``: the first part, unless another part is at least twice
    as long (a site name in front); the whole title when it has no separator
    or the parts are too short."""
    title = normalize_space(title)
    if not title:
        return ""
    parts = [p.strip() for p in _PART_SEPARATORS_RE.split(title)]
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return title
    longest = max(parts, key=len)
    best = parts[0] if len(longest) < 2 * len(parts[0]) else longest
    return best if len(best) >= 4 else title
