"""Chinese news boilerplate around an extracted body, block by block.

Generic extractors keep lines every Chinese news page carries around the
article: the headline and the meta line above it (``来源：… 2022-06-08``,
``当前位置：首页 >``), and below it the editor line (``责任编辑：``), the
attribution (``（文章来源：…）``), ``【纠错】``/``【打印】`` links, ``分享到``/
``扫一扫`` widgets, copyright and disclaimer notices and related-news lists.
The rules here match those *Chinese* patterns only, so pages in other
languages pass through unchanged (apart from link lists and the headline).

A block is one paragraph of the cleaned body (see ``body.Block``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .text import normalize_space

# A whole short block that is never article text.
_END = r"(?:\s*[:：】\]）)>]|\s*$)"
JUNK_LINE_RE = re.compile(
    r"^[\s【\[（(]*(?:"
    # labelled meta lines: editor, source, original title, author
    r"(?:责任编辑|责编|值班编辑|编辑|审核|审校|校对|监制|(?:本文)?原标题|(?:文章|本文|稿件|新闻|图片|信息)?来源|作者|摄影|通讯员|原创)\s*[:：]"
    # page widgets
    r"|(?:纠错|打印|关闭|关闭窗口|打印本(?:页|文|稿)|返回(?:顶部|首页|页首|列表|搜狐)|发送给朋友|发表评论|我要评论|收藏本文|举报)" + _END +
    r"|分享到|扫一扫|扫描二维码|微信扫一扫|用微信扫|手机看新闻|(?:pdf|word|doc|附件)\s*下载" + _END +
    r"|(?:上一篇|下一篇|上一页|下一页)" + _END +
    r"|(?:相关(?:新闻|阅读|文章|报道|链接|稿件|专题)|推荐阅读|延伸阅读|热点推荐|今日推荐|精彩推荐|猜你喜欢|热门推荐|"
    r"图片精选|热点专题|更多精彩|热门文章|最新文章|最新新闻|热门新闻)" + _END +
    # notices and navigation
    r"|版权声明|免责声明|版权所有|Copyright\s*(?:©|\(c\)|\d{4})|©"
    r"|(?:当前位置|您的位置|你的位置|您现在的位置|所在位置)|首页\s*[>»/＞]"
    r"|(?:字号|字体)\s*(?:[:：]|$)|【字体|大\s*中\s*小\s*$|(?:阅读|浏览|点击)(?:量|数|次数)?\s*[:：]"
    r")",
    re.I,
)
# an app promotion line: 安装新浪财经客户端第一时间接收…, 下载XX APP
APP_PROMO_RE = re.compile(r"^[\s【\[（(]*(?:安装|下载)[^，。！]{0,12}(?:客户端|APP|App|app)")
APP_PROMO_MAX = 50
# How short a block must be for JUNK_LINE_RE to drop it.
JUNK_LINE_MAX = 120
# A trailing block in parentheses naming the source or editor: （文章来源：…） （责任编辑：…） (完)
ATTRIBUTION_RE = re.compile(r"^[（(【\[]\s*(?:(?:文章|本文|稿件)?来源|责任编辑|责编|编辑|作者|记者|完|编译|校对)[^）)】\]]{0,60}[）)】\]]$")
# Copyright / disclaimer / anti-piracy notices (also long ones).
COPYRIGHT_RE = re.compile(
    r"(?:版权(?:所有|声明|归)|著作权|免责声明|未经(?:书面)?(?:许可|授权)[^。]{0,20}(?:转载|使用|复制)|"
    r"不代表本(?:网|站|报)|凡本(?:网|站)注明|转载请注明|ICP备|ICP证|网安备|互联网新闻信息服务许可|"
    r"违法和不良信息举报|举报(?:电话|邮箱)|侵权(?:公告|必究|线索))"
)
# Markers after which a Chinese news page has nothing but boilerplate.
END_MARKER_RE = re.compile(
    r"^[\s【\[（(]*(?:责任编辑|责编|值班编辑|纠错|分享到|扫一扫|(?:文章|本文|稿件|新闻)?来源\s*[:：]|"
    r"相关(?:新闻|阅读|文章|报道|链接|稿件)|推荐阅读|延伸阅读|热点推荐|今日推荐|猜你喜欢|"
    r"上一篇|下一篇|版权声明|免责声明|返回搜狐|发送给朋友|打印本(?:页|文|稿))"
)
# A meta line above the article: source, author, time, view counts.
META_LINE_RE = re.compile(
    r"(?:来源|作者|记者|编辑|发布时间|发布日期|发表时间|发表于|发布于|时间|日期|字号|浏览|阅读|点击)\s*[:：]|"
    r"发表于|(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}"
)
BULLET_RE = re.compile(r"^[·•●◆■□▪▶►]")
SENTENCE_END_RE = re.compile(r"[。！？!?…]|[.;:](?:\s|$)")
CJK_RE = re.compile(r"[\u3400-\u9fff]")


_WORD_RE = re.compile(r"[^\W_]")


def has_cjk(text: str) -> bool:
    return bool(CJK_RE.search(text or ""))


def is_junk_line(text: str, *, normalized: bool = False) -> bool:
    """A short block that is boilerplate on a Chinese news page."""
    text = text if normalized else normalize_space(text)
    if not text or not _WORD_RE.search(text):
        return True
    if len(text) <= JUNK_LINE_MAX and (JUNK_LINE_RE.match(text) or ATTRIBUTION_RE.match(text)):
        return True
    return len(text) <= APP_PROMO_MAX and "。" not in text and bool(APP_PROMO_RE.match(text))


# a block opening with a notice heading: 雅虎中国著作权声明 …, 版权声明：…, 反侵权公告：…
NOTICE_HEAD_RE = re.compile(r"^.{0,16}?(?:著作权|版权|免责|侵权|法律)(?:声明|说明|公告|条款)")
# a block opening with a related-news heading
RELATED_HEAD_RE = re.compile(
    r"^[\s【\[（(]*(?:相关(?:新闻|阅读|文章|报道|链接|稿件|专题)|推荐阅读|延伸阅读|热点推荐|今日推荐|精彩推荐|猜你喜欢|"
    r"热门推荐|图片精选|热点专题|更多精彩|热门文章|最新文章|其他报道|今日焦点|往期回顾)"
)
CJK_SENTENCE_RE = re.compile(r"[。！？；]|[，,].*[，,]")


def is_copyright(text: str, *, normalized: bool = False) -> bool:
    text = text if normalized else normalize_space(text)
    if NOTICE_HEAD_RE.match(text):
        return True
    hits = {m.group(0)[:2] for m in COPYRIGHT_RE.finditer(text)}
    if not hits:
        return False
    # a short notice, or a paragraph that is about little else
    return len(text) <= 200 or len(hits) >= 2


def is_link_list(text: str, link_density: float) -> bool:
    """A related-news list or navigation line: mostly link text, or bullet items."""
    if link_density >= 0.6 and len(text) < 400:
        return True
    if RELATED_HEAD_RE.match(text) and (link_density >= 0.3 or "·" in text):
        return True
    return bool(BULLET_RE.match(text)) and link_density >= 0.3


def is_header_line(text: str, title: str) -> bool:
    """The headline, a breadcrumb or the meta line (source, time, author) above the article."""
    text = normalize_space(text)
    if not text:
        return True
    if title and (text == title or (len(text) <= len(title) + 30 and (title in text or (len(text) >= 8 and text in title)))):
        return True
    if len(text) < 100 and "。" not in text and "，" not in text and META_LINE_RE.search(text):
        return True
    return len(text) <= JUNK_LINE_MAX and bool(JUNK_LINE_RE.match(text))


def is_prose(text: str, link_density: float = 0.0, *, normalized: bool = False) -> bool:
    """A sentence or paragraph of article text (not a label, menu item or link)."""
    text = text if normalized else normalize_space(text)
    if link_density >= 0.5 or not text:
        return False
    if has_cjk(text):  # Chinese prose has sentence punctuation, whatever its length
        return bool(CJK_SENTENCE_RE.search(text))
    return bool(SENTENCE_END_RE.search(text)) or len(text) >= 80


def _is_title_line(text: str, title: str) -> bool:
    text = normalize_space(text)
    if not title or not text:
        return False
    return text == title or (len(text) <= len(title) + 30 and (title in text or (len(text) >= 8 and text in title)))


# a run of this many non-prose blocks at the start or end of a body is navigation or footer
NON_PROSE_RUN = 3
MENU_ITEM_CHARS = 25  # average length of such lines
END_MARKER_PROSE_AFTER = 0.3  # an end marker followed by more prose than this share is not the end


class _Marks:
    """The blocks' texts, what each one is (junk, prose) and which ones are kept so far."""

    def __init__(self, blocks: list):
        self.texts = [b.text for b in blocks]  # body.Block texts are whitespace-normalized already
        densities = [b.link_density for b in blocks]
        self.junk = [
            is_junk_line(t, normalized=True) or is_link_list(t, d) or is_copyright(t, normalized=True)
            for t, d in zip(self.texts, densities)
        ]
        self.prose = [not j and is_prose(t, d, normalized=True) for t, j, d in zip(self.texts, self.junk, densities)]
        self.keep = [True] * len(blocks)
        first_prose = self.first_prose()
        # text without any sentence (verse, a list): no run rules
        self.any_prose = first_prose < len(blocks)

    def first_prose(self, kept_only: bool = False) -> int:
        return next((i for i, p in enumerate(self.prose) if p and (self.keep[i] or not kept_only)), len(self.texts))

    def drop(self, indexes) -> None:
        for i in indexes:
            self.keep[i] = False


def trim_blocks(blocks: Sequence, title: str = "") -> list:
    """Drop what surrounds the article in an extracted body (``body.Block``s): navigation
    and the headline/meta lines above it, boilerplate blocks inside it, everything after
    an end marker (``责任编辑``, ``相关新闻``, ``【纠错】`` …) once most of the text is
    behind us, and footer runs below it."""
    blocks = list(blocks)
    marks = _Marks(blocks)
    _trim_head(marks, title)
    _cut_at_end_marker(marks)
    _trim_footer(marks)
    return [blocks[i] for i in _without_single_junk(marks)]


def _trim_head(marks: _Marks, title: str) -> None:
    """1. head: everything up to the headline when no prose comes before it, a leading run
    of non-prose blocks that looks like navigation, and the headline, breadcrumb and meta
    lines right above the first paragraph."""
    first_prose = marks.first_prose()
    _drop_through_headline(marks, title, first_prose)
    _drop_navigation_run(marks, first_prose)
    _drop_header_lines(marks, title)


def _drop_through_headline(marks: _Marks, title: str, first_prose: int) -> None:
    for i in range(min(first_prose + 1, len(marks.texts))):
        if _is_title_line(marks.texts[i], title):
            marks.drop(range(i + 1))
            return


def _drop_navigation_run(marks: _Marks, first_prose: int) -> None:
    """The non-prose blocks before the first paragraph, when they hold boilerplate or
    look like a menu (a lead-in line or a hard-wrapped sentence stays)."""
    if not marks.any_prose:
        return
    texts, junk = marks.texts, marks.junk
    run = [i for i in range(first_prose) if marks.keep[i]]
    if any(junk[i] for i in run) or _menu_like([texts[i] for i in run]):
        marks.drop(i for i in run if junk[i] or not (_is_subhead(texts[i]) or _sentence_part(texts[i])))


def _drop_header_lines(marks: _Marks, title: str) -> None:
    """The kept blocks before the first kept paragraph, as long as each is a header line."""
    first_prose = marks.first_prose(kept_only=True)
    for i in range(first_prose):
        if not marks.keep[i]:
            continue
        if not is_header_line(marks.texts[i], title):
            return
        marks.keep[i] = False


def _cut_at_end_marker(marks: _Marks) -> None:
    """2. an end marker after most of the article's prose: the rest is boilerplate (unless the
    article visibly goes on: prose right after it and much more of it, e.g. a photo credit)."""
    texts, keep = marks.texts, marks.keep
    prose_sizes = [len(t) if k and p else 0 for t, k, p in zip(texts, keep, marks.prose)]
    total = sum(prose_sizes) or 1
    seen = 0
    for i, text in enumerate(texts):
        if not keep[i]:
            continue
        is_end = seen >= 0.5 * total and len(text) <= JUNK_LINE_MAX and END_MARKER_RE.match(text)
        if is_end and not _goes_on_after(marks, i, total - seen - prose_sizes[i], total):
            marks.drop(range(i, len(texts)))
            return
        seen += prose_sizes[i]


def _goes_on_after(marks: _Marks, i: int, prose_after: int, total: int) -> bool:
    """The article visibly goes on after block ``i``: the next kept block is prose and
    more than END_MARKER_PROSE_AFTER of the prose is still to come."""
    following = next((j for j in range(i + 1, len(marks.texts)) if marks.keep[j]), None)
    return following is not None and marks.prose[following] and prose_after > END_MARKER_PROSE_AFTER * total


def _trim_footer(marks: _Marks) -> None:
    """3. a trailing run of non-prose blocks that looks like a footer: from its first
    boilerplate block on, or all of it when it is long (a signature line or two stays)."""
    if not marks.any_prose:
        return
    texts, keep, junk = marks.texts, marks.keep, marks.junk
    last_prose = max((i for i, p in enumerate(marks.prose) if p and keep[i]), default=-1)
    tail = [i for i in range(last_prose + 1, len(texts)) if keep[i]]
    first_junk = next((n for n, i in enumerate(tail) if junk[i]), len(tail))
    cut = 0 if _menu_like([texts[i] for i in tail[:first_junk]]) else first_junk
    marks.drop(tail[cut:])


def _without_single_junk(marks: _Marks) -> list[int]:
    """4. the kept blocks without single boilerplate blocks anywhere, and without trailing notices."""
    texts = marks.texts
    kept = [i for i in range(len(texts)) if marks.keep[i] and not (marks.junk[i] and not is_copyright(texts[i], normalized=True))]
    while kept and is_copyright(texts[kept[-1]], normalized=True):
        kept.pop()
    return kept


def _menu_like(texts: list[str]) -> bool:
    """Several short non-sentence lines in a row: a menu, a link list, a footer."""
    return len(texts) >= NON_PROSE_RUN and sum(map(len, texts)) <= MENU_ITEM_CHARS * len(texts)


_CLAUSE_RE = re.compile(r"[，、]|, ")


def _sentence_part(text: str) -> bool:
    """A line of running text cut short (a hard-wrapped page), not a menu: it has a clause break."""
    return len(text) >= 15 and bool(_CLAUSE_RE.search(text))


def _is_subhead(text: str) -> bool:
    """A lead-in line an article may start with (``编者按``, ``个人简介：``)."""
    return bool(re.match(r"^(?:编者按|编者的话|导语|摘要|内容提要|个人简介|人物简介|背景)[:：]?$", text))
