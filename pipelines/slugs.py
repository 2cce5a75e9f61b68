"""Category slugs: pinyin of the outlet name, lowercase ASCII letters and digits."""

from __future__ import annotations

import hashlib
import re
import unicodedata


def slugify(name: str | None, overrides: dict[str, str] | None = None) -> str:
    """中国发展网 → ``zhongguofazhanwang``; ``安信国际证券(香港)`` →
    ``anxinguojizhengquanxianggang``. Overrides win and are cleaned the same way."""
    name = unicodedata.normalize("NFKC", (name or "").strip())
    if overrides and name in overrides:
        slug = re.sub(r"[^a-z0-9]", "", str(overrides[name]).lower())
        if slug:
            return slug
    slug = re.sub(r"[^a-z0-9]", "", _romanized(name).lower())
    if slug:
        return slug
    # a name with no letters, digits or Chinese characters still gets a stable slug
    return "outlet" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8] if name else "unknown"


def _romanized(name: str) -> str:
    """The name in pinyin; an ASCII name (a host name, an English outlet) is its own, as
    pypinyin writes it (tested), without loading pypinyin."""
    if name.isascii():
        return name
    # imported here: pypinyin loads its phrase dictionary at import (0.4–0.5 s), which a
    # run that stores nothing new, or no outlet with a Chinese name, should not pay (issue 12)
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name))
