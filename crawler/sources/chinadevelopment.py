"""China Development Net (中国发展网, chinadevelopment.com.cn).

Channels live on sub-sites (www, news, finance, fz, dfmg, special …) as list pages
``/<channel>/`` paginated by 下一页 / ``index_N.shtml``; articles end in
``/<6–8 digit id>.shtml`` with the date in the path (``/YYYY/MM/``,
``/YYYY/MMDD/``, or ``/<YYYY>zt/<topic>/<YYYY>/<MM>/`` for special topics).
Five page designs coexist (v1–v5 below, tried in order); some pages are GBK,
some served as UTF-8 while written in GBK; dates are China time with no
offset. ``/jbxx/`` pages look like articles but are not. Facts and where they
come from: docs/sources/chinadevelopment.md.
"""

import re

from .base import Discovery, SourceDecl, Template

TEMPLATES = (
    Template(
        name="v1-main",
        title="h1#article-content-title",
        body=("div.article-detail-inner", "div.left-box div.article-describe", "div.left-box div.content"),
        date="div.article-infos span.date",
        outlet="div.article-infos span.source",
        seen="2016-2026, www/news/finance/jjj",
    ),
    Template(
        name="v2-showbox",
        title="div.show_box h1",
        body=("div.show_box_m",),
        date="p.show_box_info span:nth-of-type(1)",
        outlet="p.show_box_info span:nth-of-type(2)",
        seen="2019",
    ),
    Template(
        name="v3-tips",
        title="div.tips h1",
        body=("div.am-container div.content", "div.text_con div.box_con"),
        meta="div.rqly",
        seen="2019",
    ),
    Template(
        name="v4-contitle",
        title="div.con_title h1",
        body=("div.content.article-content",),
        meta="div.con_time",
        seen="2019",
    ),
    Template(
        name="v5-special",
        title="h1",
        body=("div.am-article-bd", "div.article"),
        meta="p.subtitle, p.am-article-meta",
        seen="2019 special topics",
    ),
)

SOURCE = SourceDecl(
    name="chinadevelopment",
    outlet="中国发展网",
    site_names=("中国发展网", "中国发展门户网", "chinadevelopment.com.cn"),
    allowed_domains=("chinadevelopment.com.cn",),
    discovery=Discovery(
        # the news channels of each sub-site (shared/sources/chinadevelopment.md)
        listings=(
            "http://www.chinadevelopment.com.cn/news/zj/",
            "http://www.chinadevelopment.com.cn/fgw/",
            "http://www.chinadevelopment.com.cn/zgzs/gg/",
            "http://www.chinadevelopment.com.cn/zgzs/zx/",
            "http://www.chinadevelopment.com.cn/zxsd/",
            "http://news.chinadevelopment.com.cn/zj/",
            "http://news.chinadevelopment.com.cn/ny/",
            "http://finance.chinadevelopment.com.cn/yw/",
            "http://finance.chinadevelopment.com.cn/sc/",
            "http://finance.chinadevelopment.com.cn/hy/",
            "http://fz.chinadevelopment.com.cn/rd/",
            "http://fz.chinadevelopment.com.cn/zcgd/",
            "http://dfmg.chinadevelopment.com.cn/mgkb/",
        ),
    ),
    # /<channel>/<YYYY>/<MM>/<id>.shtml, /<channel>/<YYYY>/<MMDD>/<id>.shtml,
    # /<channel>/<YYYY>/<id>.shtml, special.…/<YYYY>zt/<topic>/<YYYY>/<MM>/<id>.shtml
    article_url=re.compile(
        r"^https?://[a-z0-9.-]*chinadevelopment\.com\.cn/(?:[\w-]+/)+(?:19|20)\d{2}(?:/(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])?)?/\d{6,8}\.shtml$",
        re.I,
    ),
    # /jbxx/ pages (about us) look like articles; search and mobile hosts are other designs
    skip_url=re.compile(r"/jbxx/|search\.chinadevelopment|m\.chinadevelopment", re.I),
    story_id=re.compile(r"/(\d{6,8})\.shtml$"),
    templates=TEMPLATES,
    download_delay=0.5,
    concurrency=4,
)
