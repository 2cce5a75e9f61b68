"""China Economic Net (中国经济网, ce.cn).

The online arm of 经济日报 (Economic Daily), run on a TRS WCM publishing
system: static ``.shtml`` pages under many sub-hosts (www, finance, intl,
district, tech, …), channel list pages ``index.shtml`` whose further pages are
``index_1.shtml``, ``index_2.shtml``, … written by a JavaScript pager
(``createPageHTML``), article pages ``/<channel>/<YYYYMM>/<DD>/t<YYYYMMDD>_<id>.shtml``
(since about 2025 also ``/<channel>/<YYYYMM>/t<YYYYMMDD>_<id>.shtml``) served in
GB2312/GBK, with the headline in ``h1#articleTitle``, the time and the ``来源：``
line in ``span#articleTime`` / ``span#articleSource`` and the text in
``div#articleText`` (a ``div.TRS_Editor`` inside). Many pages are reprints whose
来源 names 经济日报 or another outlet. Facts and where they come from:
docs/sources/ce.md.
"""

import re

from .base import Discovery, SourceDecl, Template

TEMPLATES = (
    Template(
        name="v2012-articletext",
        title="h1#articleTitle",
        body=("div#articleText",),
        date="span#articleTime",
        outlet="span#articleSource",
        seen="2013-2024, www/finance/district/tech; ids from public crawlers (docs/sources/ce.md)",
    ),
)

SOURCE = SourceDecl(
    name="ce",
    outlet="中国经济网",
    site_names=("中国经济网", "中国经济网——国家经济门户", "国家经济门户", "ce.cn"),
    allowed_domains=("ce.cn",),
    discovery=Discovery(
        listings=(
            # 国内时政 · 滚动
            "http://www.ce.cn/xwzx/gnsz/gdxw/",
            # 金融证券 · 滚动
            "http://finance.ce.cn/rolling/",
            # 产业市场 · 即时新闻
            "http://www.ce.cn/cysc/newmain/yc/jsxw/",
        ),
        # pages 2+ (index_1.shtml, …) are only written by the JS pager: only
        # page 1 of each channel is reached (docs/sources/ce.md, "List pages")
    ),
    # /<channel…>/<YYYYMM>/<DD>/t<YYYYMMDD>_<id>.shtml (to 2024)
    # /<channel…>/<YYYYMM>/t<YYYYMMDD>_<id>.shtml (2025 on)
    # continuation pages t…_<id>_1.shtml, _2.shtml … do not match (no _n before .shtml)
    article_url=re.compile(
        r"^https?://(?:[a-z0-9-]+\.)*ce\.cn/(?:[\w-]+/)+(?:19|20)\d{2}(?:0[1-9]|1[0-2])/(?:(?:0[1-9]|[12]\d|3[01])/)?"
        r"t(?:19|20)\d{6}_\d+\.shtml$",
        re.I,
    ),
    # e-paper, mobile, English and video hosts use other page designs
    skip_url=re.compile(r"^https?://(?:paper|m|en|cen|tv)\.ce\.cn/", re.I),
    story_id=re.compile(r"/t((?:19|20)\d{6}_\d+)\.shtml$"),
    # TRS numbers the pages of a long article t…_<id>.shtml, t…_<id>_1.shtml
    # (page 2), _2.shtml (page 3): page n carries n-1 (docs/sources/ce.md)
    continuation="_{n}",
    continuation_first=1,
    templates=TEMPLATES,
)
