"""China.com.cn (中国网, china.com.cn).

The state-run national news portal (China Internet Information Center). Its
many sub-sites (news., www., cppcc., finance., tech., travel., …) publish
UTF-8 pages at ``/txt/<YYYY-MM>/<DD>/content_<id>.htm`` (``.shtml`` on
www.china.com.cn since about 2024) or ``/<YYYY-MM>/<DD>/content_<id>.htm``;
the finance and tech sub-sites use ``/<channel>/<YYYYMMDD>/<id>.shtml``.
Channel list pages are ``node_<id>.htm`` / ``index.shtml``; long articles are
split into pages ``content_<id>_2.htm``, ``_3.htm`` … linked from an
``#autopage`` pager. The general template holds the time and 来源 in spans
``#pubtime_baidu`` / ``#source_baidu``; the CPPCC sub-site writes one
``发布时间： … | 来源： … | 责任编辑： …`` line. Facts and where they come from:
docs/sources/chinacomcn.md.
"""

import re

from .base import Discovery, SourceDecl, Template

TEMPLATES = (
    Template(
        name="v2014-txt-artinfo",
        title=".artTitle, .articleTitle",
        body=("#artiContent", "#articleBody", "div.articleBody", "div.artCon", "#artbody"),
        date="#pubtime_baidu",
        outlet="#source_baidu",
        editor="#editor_baidu",
        seen="2013-2024, news/www/txt pages (news_all china.py; white_list config_china.py)",
    ),
    Template(
        name="v2016-cppcc-center",
        title="div.center_title h1",
        body=("div.center_box",),
        meta="div.center_title div.span",
        seen="2019, cppcc.china.com.cn (news_all china.py)",
    ),
)

SOURCE = SourceDecl(
    name="chinacomcn",
    outlet="中国网",
    site_names=("中国网", "china.com.cn", "中国网新闻", "中国网财经"),
    allowed_domains=("china.com.cn",),
    discovery=Discovery(
        listings=(
            # 新闻中心 channel list (node page on news.china.com.cn)
            "http://news.china.com.cn/node_8005004.htm",
            # 财经 · 宏观 list
            "http://finance.china.com.cn/news/index.shtml",
        ),
        max_list_pages=3,
    ),
    # …/<YYYY-MM>/<DD>/content_<id>.htm|.html|.shtml on any sub-site (optionally under /txt/ or a channel dir)
    # …/<channel>/<YYYYMMDD>/<id>.shtml on finance./tech.
    # continuation pages content_<id>_2.htm … do not match
    article_url=re.compile(
        r"^https?://(?:[a-z0-9-]+\.)*china\.com\.cn/(?:[\w-]+/)*"
        r"(?:(?:19|20)\d{2}-(?:0[1-9]|1[0-2])/(?:0[1-9]|[12]\d|3[01])/content_\d+\.s?html?"
        r"|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])/\d+\.shtml)$",
        re.I,
    ),
    # English/foreign-language hosts, photo galleries and the 网络举报 notice page
    skip_url=re.compile(r"^https?://(?:english|french|german|russian|spanish|arabic|japanese|korean|photo|v|m)\.china\.com\.cn/"
                        r"|^https?://(?:www\.)?net\.china\.com\.cn/", re.I),
    story_id=re.compile(r"/(?:content_)?(\d{5,})\.s?html?$"),
    continuation="_{n}",
    templates=TEMPLATES,
)
