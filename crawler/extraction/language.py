"""Which writing the page's text is in, from the text itself (not the charset: GBK pages
can be English, UTF-8 pages anything).

The Chinese rules of the chain (boilerplate lines, 来源/责任编辑, Chinese date forms,
title suffixes) are worth their cost only on Chinese text; elsewhere they cut real
sentences. A share of scripts over the visible letters is enough to tell them apart
and costs one pass over the text.
"""

from __future__ import annotations

import re

# Han ideographs (with extension A and compatibility forms)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{_HAN}]")
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_HANGUL_RE = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LETTER_RE = re.compile(r"[^\W\d_]")
# runs of the characters that are not Han, not letters: what is left when they go is the
# Han characters, the letters. Counted so, a CJK page's letters cost a regex match per run,
# not a match (and a string) per character: 1.0 → 0.5 ms a page (issue 12)
_NOT_HAN_RUN_RE = re.compile(f"[^{_HAN}]+")
_NOT_LETTER_RUN_RE = re.compile(r"[\W\d_]+")

# Han characters among the letters above which a page counts as Chinese. Chinese pages
# carry Latin letters too (English names, URLs, navigation), rarely more than half.
CHINESE_SHARE = 0.3
SAMPLE = 20_000


def detect_language(text: str | None) -> str:
    """``"zh"`` for Chinese text, ``"ja"``/``"ko"`` for Japanese/Korean (Han characters
    with kana/hangul), ``"other"`` for any other writing, ``""`` when there are no letters."""
    sample = (text or "")[:SAMPLE]
    han = len(_NOT_HAN_RUN_RE.sub("", sample))
    kana = len(_KANA_RE.findall(sample))
    hangul = len(_HANGUL_RE.findall(sample))
    if not (han or kana or hangul):
        # no CJK character: "other" when there is any letter at all, which the first one
        # shows, instead of counting every letter of a page (0.8 ms on these pages; issue 12)
        return "other" if _LETTER_RE.search(sample) else ""
    letters = len(_NOT_LETTER_RUN_RE.sub("", sample))
    if hangul > max(han, kana) and hangul >= 0.2 * letters:
        return "ko"
    if kana >= 0.1 * letters:  # Japanese writes kana between its Han characters
        return "ja"
    return "zh" if han >= CHINESE_SHARE * letters else "other"
