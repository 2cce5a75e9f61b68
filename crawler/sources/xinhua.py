"""Xinhua Net (新华网, news.cn / xinhuanet.com).

The website of 新华社. Article URLs went through three shapes, all still
served: ``xinhuanet.com/<channel>/YYYY-MM/DD/c_<id>.htm`` (to 2020),
``news.cn/<channel>/YYYY-MM/DD/c_<id>.htm`` (2021–2023) and
``news.cn/<channel>/YYYYMMDD/<32 hex>/c.html`` (2022–; also on xinhuanet.com).
Channel pages such as www.news.cn/world/index.html list the latest articles
in their HTML; older items are loaded by script ("加载更多") from a JSON
interface, so there is no 下一页 pagination to follow. The current template
splits the time over three spans (``2026`` / ``11/25`` / ``10:31:45``) that no
date rule reads, so such pages get the day from the URL. Old pages are split
into ``c_<id>_2.htm`` continuation pages. Facts and where they come from:
docs/sources/xinhua.md.
"""

import re

from .base import Discovery, SourceDecl, Template

TEMPLATES = (
    # 2020–: div.header-cont holds the split time and 来源; body in #detail
    Template(
        name="v2020-detail",
        title="div.head-line h1 span.title",
        body=("div#detail span#detailContent", "div#detail"),
        date="div.header-cont div.header-time",
        outlet="div.header-cont div.source",
        editor="div#articleEdit span.editor",
        seen="2020-2026, www.news.cn (both URL shapes)",
    ),
    # 2016–2020 on www.xinhuanet.com: h-title / h-info / #p-detail
    Template(
        name="v2016-h-title",
        title="div.h-title",
        body=("div#p-detail div.main-aticle", "div#p-detail"),
        meta="div.h-info",
        editor="div#p-detail span.editor",
        seen="2016-2020, www.xinhuanet.com",
    ),
)

SOURCE = SourceDecl(
    name="xinhua",
    outlet="新华网",
    site_names=("新华网", "新华网客户端", "xinhuanet.com", "news.cn"),
    allowed_domains=("news.cn", "xinhuanet.com"),
    discovery=Discovery(
        listings=(
            "http://www.news.cn/world/index.html",
            "http://www.news.cn/politics/index.html",
        ),
        # channel pages have no static next page (more items come from a JSON interface)
        max_list_pages=1,
    ),
    # http://www.xinhuanet.com/politics/2019-10/03/c_1125099876.htm (to 2023, also news.cn)
    # http://www.news.cn/world/20261125/<32 hex>/c.html (2022 on)
    article_url=re.compile(
        r"^https?://(?:[a-z0-9-]+\.)*(?:news\.cn|xinhuanet\.com)/(?:[a-z0-9_]+/){0,3}"
        r"(?:(?:19|20)\d{2}-(?:0[1-9]|1[0-2])/(?:0[1-9]|[12]\d|3[01])/c_\d{6,12}\.htm"
        r"|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])/[0-9a-f]{32}/c\.html)$",
        re.I,
    ),
    # English site, video pages, search and mobile pages are other templates
    skip_url=re.compile(r"://(?:english|search|m|h|vod)\.(?:news\.cn|xinhuanet\.com)/|/(?:english|video|vod)/", re.I),
    story_id=re.compile(r"/(?:c_)?(\d{6,12}|[0-9a-f]{32})(?:/c)?\.html?$"),
    continuation="_{n}",
    templates=TEMPLATES,
)
