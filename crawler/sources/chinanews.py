"""China News Service online (中国新闻网 / 中新网, chinanews.com.cn).

The website of 中国新闻社. Since the move from chinanews.com to chinanews.com.cn
articles sit at ``/<channel>/YYYY/MM-DD/<id>.shtml`` (gn 国内, gj 国际, sh 社会,
cj 财经 …) on www.chinanews.com.cn, served as UTF-8; older pages on
www.chinanews.com were GB2312. The site publishes RSS feeds under /rss/, the
best known being the rolling feed scroll-news.xml. Pages carry a
``日期　来源：…`` line under the headline; wire copy names its real outlet
there (新华社, 中国新闻社 …). Facts and where they come from: docs/sources/chinanews.md.
"""

import re

from .base import Discovery, SourceDecl, Template

TEMPLATES = (
    Template(
        name="v2019-maincontent",
        title="div.content_maincontent_more h1",
        body=("div.content_maincontent_more div.left_zw",),
        meta="div.content_maincontent_more div.content_left_time",
        editor="div.left_name",
        seen="2019-2026, www.chinanews.com.cn",
    ),
    # older www.chinanews.com pages (GB2312): date/source line in div.left-t
    Template(
        name="v2012-left-t",
        title="#cont_1_1_2 h1",
        body=("#cont_1_1_2 div.left_zw", "div.left_zw"),
        meta="#cont_1_1_2 div.left-t",
        editor="div.left_name",
        seen="up to ~2019, www.chinanews.com",
    ),
)

SOURCE = SourceDecl(
    name="chinanews",
    outlet="中国新闻网",
    site_names=("中新网", "中国新闻网", "chinanews.com.cn", "chinanews.com"),
    allowed_domains=("chinanews.com.cn", "chinanews.com"),
    discovery=Discovery(
        feeds=(
            "https://www.chinanews.com.cn/rss/scroll-news.xml",
            "https://www.chinanews.com.cn/rss/china.xml",
        ),
    ),
    # https://www.chinanews.com.cn/gn/2026/11-25/10712345.shtml (also www.chinanews.com)
    article_url=re.compile(
        r"^https?://www\.chinanews\.com(?:\.cn)?/[a-z]{2,12}/(?:19|20)\d{2}/(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])/\d{5,9}\.shtml$",
        re.I,
    ),
    # video and photo-gallery pages use other templates
    skip_url=re.compile(r"chinanews\.com(?:\.cn)?/(?:shipin|tp|live|m)/", re.I),
    story_id=re.compile(r"/(\d{5,9})\.shtml$"),
    templates=TEMPLATES,
)
