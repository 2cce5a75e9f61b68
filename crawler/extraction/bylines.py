"""Outlet (来源) and editor (责任编辑) found in meta lines."""

from __future__ import annotations

import re

from .dates import FULL_DATE_RE
from .text import normalize_space

SOURCE_RE = re.compile(r"(?:来源|来自|稿源|出处)\s*[:：]\s*(?P<name>[^\s|｜/，,;；]+(?:\s*\([^)]*\))?)")
EDITOR_RE = re.compile(r"(?:责任编辑|责编|编辑)\s*[:：]\s*(?P<name>[^\s|｜)）\]】]{1,20})")
_CLOSING = "）)】]"
_SITE_SEPARATORS = ("-", "－", "_", "—", "|", "｜")


def parse_outlet(text: str | None, site_names: tuple[str, ...] | list[str] = ()) -> str | None:
    """The outlet named in a meta line, without the serving site's name around it.

    ``来源：经济日报-中国发展网`` → ``经济日报``; ``2019-04-09 13:34  中国发展网``
    (no label) → ``中国发展网``: whatever follows the date.
    """
    text = normalize_space(text)
    if not text:
        return None
    match = SOURCE_RE.search(text)
    if match:
        name = match.group("name")
    else:
        rest = FULL_DATE_RE.sub(" ", text)
        rest = normalize_space(re.sub(r"(?:作者|编辑|责任编辑|发布时间|时间)\s*[:：]\s*\S*", " ", rest))
        if not rest or len(rest) > 30:
            return None
        name = rest.split(" ")[0]
    name = name.strip(_CLOSING + " ")
    # the site's name is only taken off where a separator joins it (most outlets have none)
    if not any(sep in name for sep in _SITE_SEPARATORS):
        return name or None
    for site in site_names:
        for sep in _SITE_SEPARATORS:
            suffix, prefix = sep + site, site + sep
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
            # 人民网－人民日报: the paper, carried by the site
            if name.startswith(prefix) and len(name) > len(prefix):
                name = name[len(prefix) :]
    return name or None


def parse_editor(text: str | None) -> str | None:
    match = EDITOR_RE.search(normalize_space(text))
    return match.group("name").strip() if match else None
