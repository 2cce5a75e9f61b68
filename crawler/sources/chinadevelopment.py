"""China Development Net (中国发展网, chinadevelopment.com.cn).

Facts and where they come from: docs/sources/chinadevelopment.md. Several page designs coexist on the
site; each is a Template below, tried in order. A page none of them matches
goes to the generic extractor, and the item records which path produced it.
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
        listings=(
            "http://www.chinadevelopment.com.cn/news/zj/",
            "http://finance.chinadevelopment.com.cn/yw/",
            "http://fz.chinadevelopment.com.cn/rd/",
        ),
        # the full channel list is a setting, so operators can add channels
        listings_setting="CHINADEVELOPMENT_CHANNELS",
    ),
    # /<channel>/<YYYY>/<MM>/<id>.shtml, /<channel>/<YYYY>/<MMDD>/<id>.shtml,
    # /<channel>/<YYYY>/<id>.shtml, special.…/<YYYY>zt/<topic>/<YYYY>/<MM>/<id>.shtml
    article_url=re.compile(
        r"^https?://[a-z0-9.-]*chinadevelopment\.com\.cn/(?:[\w-]+/)+(?:19|20)\d{2}(?:/(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])?)?/\d{6,8}\.shtml$",
        re.I,
    ),
    skip_url=re.compile(r"/jbxx/|search\.chinadevelopment|m\.chinadevelopment", re.I),
    story_id=re.compile(r"/(\d{6,8})\.shtml$"),
    templates=TEMPLATES,
    download_delay=0.5,
    concurrency=4,
    notes="docs/sources/chinadevelopment.md",
)
