"""Text for matching: normalization, shingles, figures and the outlet a copy names as source.

Pure functions, no I/O. Everything here runs on the NFKC form of the text, so full-width
letters, digits and punctuation (`０．５２％`, `（`, `：`) compare equal to their half-width
forms and one set of patterns covers both.
"""

from __future__ import annotations

import re
import unicodedata

# Lines that are not the story but what an outlet wraps around it. Matched on the NFKC
# text, so "：" is ":" and "（" is "(" here.
_DROP_LINE = re.compile(
    r"^\s*(?:\(?(?:责任编辑|责编|编辑|校对|审核|监制|主编|值班编辑|来源|文章来源|稿源|原标题|作者|记者|"
    r"本文来源|本文来自|转载自|图片来源|点击阅读全文|阅读全文|分享到|扫一扫|【?纠错】?)"
    r"\s*[:：)].*|\s*(?:点击阅读全文|阅读全文|查看原文|展开全文)\s*(?:>+|›|»)?\s*)$",
    re.M,
)
# The same things inside a line.
_INLINE = [
    re.compile(r"\((?:文章来源|来源|稿源|责任编辑|责编|编辑|记者|作者|通讯员)[^()]{0,40}\)"),
    re.compile(r"【(?:文章来源|来源|责任编辑|编辑|纠错)[^【】]{0,40}】"),
    re.compile(r"(?:责任编辑|责编)\s*[:：]\s*\S{0,20}$", re.M),
    re.compile(r"(?:文章来源|稿源)\s*[:：]\s*\S{0,30}$", re.M),
    re.compile(r"(?:点击阅读全文|阅读全文|查看原文|展开全文)\s*(?:>+|›|»)?.*$", re.M | re.S),
    re.compile(r"\(记者[^()]{0,30}\)"),
    re.compile(r"\(通讯员[^()]{0,30}\)"),
]
# Datelines at the start of the body: "中国发展网讯 ", "本报讯", "新华社北京6月8日电",
# "央广网北京2月13日消息", "(记者 张三)".
_DATELINE = re.compile(
    r"^\s*(?:【[^【】]{1,20}】\s*)?"
    r"(?:[\w·]{1,12}?(?:网|社|报|台|站|客户端|新闻)?讯\s*|"
    r"[\w·]{1,12}?(?:网|社|报|台|站|客户端|新闻)[\w·]{0,8}?\d{1,2}月\d{1,2}日(?:电|讯|消息)\s*|"
    r"本报[\w]{0,8}?\d{0,2}月?\d{0,2}日?讯\s*)"
    r"(?:\((?:记者|通讯员)[^()]{0,30}\)\s*)?"
)
# Headline decorations that copies add or drop: 【独家】, [快讯], 快讯：, 突发！ (see clean_title).
_TITLE_PREFIX_WORDS = re.compile(r"^(?:独家|快讯|突发|视频|图|组图|最新|重磅|原创|热点|早知道|聚焦|关注|直击|独家报道)$")
_NAMED_SOURCE = re.compile(
    r"(?:文章来源|稿件来源|来源|稿源|转载自|本文来自|据)\s*[:：]?\s*"
    r"([\u4e00-\u9fffA-Za-z·]{2,12}?)(?=[\s)）】,，。;；|/\-—_]|$|客户端|官网|微信|消息|报道|记者)"
)
# CJK ideographs, kana and hangul: each character a token of its own
_CJK_RANGES = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_CJK_CLASS = f"[{_CJK_RANGES}]"
_NOT_CJK_OR_SPACE = f"[^ {_CJK_RANGES}]"
_CJK = re.compile(_CJK_CLASS)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_]+", re.U)
_CJK_SPLIT = re.compile(f"{_CJK_CLASS}|[^{_CJK_RANGES}]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")
# inside a word: where a CJK character meets another letter (matching_text)
_CJK_EDGE = re.compile(f"(?<={_CJK_CLASS})(?={_NOT_CJK_OR_SPACE})|(?<={_NOT_CJK_OR_SPACE})(?={_CJK_CLASS})")
# a space between two CJK characters (matching_text)
_CJK_GAP = re.compile(f"(?<={_CJK_CLASS}) (?={_CJK_CLASS})")


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def clean_title(title: str | None) -> str:
    """The headline without the prefixes copies add (【独家】, 快讯：); only short known-looking
    prefixes are cut, so "上海：全面复工" keeps its place name when it is the whole story."""
    t = nfkc(title or "").strip()
    while True:
        m = re.match(r"^\s*(?:【([^【】]{1,8})】|\[([^\[\]]{1,8})\]|([\w]{1,6})\s*[:|!])\s*", t)
        if not m:
            return t
        word = next(g for g in m.groups() if g)
        bracketed = m.group(1) or m.group(2)
        if not bracketed and not _TITLE_PREFIX_WORDS.match(word):
            return t
        t = t[m.end():]


def clean_body(body_text: str | None) -> str:
    """The body without datelines, editor/source lines, read-more tails; NFKC form."""
    t = nfkc(body_text or "")
    t = _DROP_LINE.sub("", t)
    for pattern in _INLINE:
        t = pattern.sub("", t)
    lines = [line.strip() for line in t.splitlines() if line.strip()]
    # Copies stack datelines ("证券时报网讯 长江网10月4日讯 …"): strip them all.
    for _ in range(4):
        if not lines:
            break
        first = _DATELINE.sub("", lines[0], count=1).lstrip()
        if first == lines[0]:
            break
        lines[0] = first
        if not first:
            lines.pop(0)
    return "\n".join(lines)


def tokens(text: str, limit: int | None = None) -> list[str]:
    """Figures, words, and every CJK character as a token of its own: one token stream for
    Chinese, other scripts and mixed text, so an excerpt and its full copy are cut alike
    whichever script dominates either. ``limit``: the first ``limit`` tokens only (the rest
    of the text is not read)."""
    out: list[str] = []
    found = _TOKEN.findall(text) if limit is None else (match.group(0) for match in _TOKEN.finditer(text))
    for tok in found:
        if limit is not None and len(out) >= limit:
            break
        # an ASCII token holds no CJK character: most tokens of text in other scripts
        if not tok.isascii() and _CJK.search(tok):
            out.extend(_CJK_SPLIT.findall(tok))
        else:
            out.append(tok)
    return out if limit is None else out[:limit]


def matching_text(body_text: str | None, title: str | None = None, *, cleaned_body: str | None = None) -> str:
    """The text compared between copies: cleaned title and body, NFKC, lower case, without
    punctuation; CJK characters written together, other words separated by one space.
    ``cleaned_body``: ``clean_body(body_text)``, when the caller has it already.

    Its tokens are the ones it is written from: each token reads back as itself, CJK
    characters are tokens of one character, and a space parts every other pair."""
    body = clean_body(body_text) if cleaned_body is None else cleaned_body
    text = (clean_title(title) + "\n" + body).strip().lower()
    # tokens() parted by one space, none between two CJK characters; written with two regex
    # passes over the words _TOKEN finds instead of a Python step per token, which cost a
    # third of a Chinese page's fingerprint (a token per character; issue 12). A CJK
    # character and other letters in one word are two tokens (tokens() splits them): a space
    # goes between them first; then every space between two CJK characters goes.
    words = " ".join(_TOKEN.findall(text))
    if not words.isascii():
        words = _CJK_EDGE.sub(" ", words)
        words = _CJK_GAP.sub("", words)
    return words


def shingles(text: str, *, n: int = 4) -> set[str]:
    """n-grams of tokens: character n-grams in CJK text (each character is a token), word
    n-grams in other scripts, both in mixed text."""
    toks = tokens(text)
    if not toks:
        return set()
    if len(toks) <= n:
        return {"\x1f".join(toks)}
    return {"\x1f".join(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def figures(text: str) -> list[str]:
    """Figures (counts, percentages, amounts, prices) in order of appearance, commas removed."""
    return [m.group(0).replace(",", "") for m in _NUMBER.finditer(nfkc(text))]


def named_source(body_text: str | None) -> str | None:
    """The outlet a copy names as its source (`来源：新华社`, `（文章来源：人民网）`, `据新华社报道`)."""
    t = nfkc(body_text or "")
    found = None
    for m in _NAMED_SOURCE.finditer(t):
        # "据了解" is not an attribution; "据新华社报道" is: after 据 only outlet-like names count.
        if m.group(0).startswith("据") and not re.search(r"(?:社|网|报|台|新闻|电视|日报)$", m.group(1)):
            continue
        found = m.group(1)   # the last attribution: closing source lines win over quotes
    return found
