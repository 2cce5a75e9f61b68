"""CCTV.com (央视网, cctv.com).

The website of China Media Group's CCTV. Text articles sit on channel hosts
(news., finance. …cctv.com) at ``/YYYY/MM/DD/ARTI<20 letters and
digits><YYMMDD>.shtml``; video pages use ``VIDE…`` ids instead and another
template. Pages are UTF-8. Under the headline a line gives the outlet as a
link followed by the time (``央视网 2024年05月15日 20:07``); reprints name
their real outlet there (新华社, 央视新闻客户端 …). No sitemap could be found
for the site (robots.txt declares none); discovery uses the news channel's
RSS feeds (news.cctv.com/rss/*.xml). The channel list pages themselves are
filled by script from ``…/cmsdatainterface/page/<channel>_N.jsonp`` files,
which this project's discovery does not read. Facts and where they come
from: docs/sources/cctv.md.
"""

import re

from .base import Discovery, SourceDecl, Template

TEMPLATES = (
    # 2019– ("gaiban" redesign): div.title_area h1 + div.info1, body div.content_area
    Template(
        name="v2019-content-area",
        title="div.title_area h1",
        body=("div.content_area", "div#content_area"),
        meta="div.title_area div.info1, div.title_area div.info",
        editor="div.zebian",
        seen="2019-2026, news./finance.cctv.com",
    ),
)

SOURCE = SourceDecl(
    name="cctv",
    outlet="央视网",
    site_names=("央视网", "央视网(cctv.com)", "cctv.com", "CCTV"),
    allowed_domains=("cctv.com", "cctv.cn"),
    discovery=Discovery(
        feeds=(
            "https://news.cctv.com/rss/china.xml",
            "https://news.cctv.com/rss/world.xml",
        ),
    ),
    # https://news.cctv.com/2024/05/15/ARTIflTnFvNMx9nUVc4PA7T2240515.shtml
    article_url=re.compile(
        r"^https?://[a-z0-9-]+\.cctv\.(?:com|cn)/(?:19|20)\d{2}/(?:0[1-9]|1[0-2])/(?:0[1-9]|[12]\d|3[01])/ARTI[0-9A-Za-z]{16,28}\.shtml$"
    ),
    # video pages (VIDE…, videu…) and the tv./v. hosts are not text articles
    skip_url=re.compile(r"/(?:VIDE|vide)[0-9A-Za-z]+\.shtml$|://(?:tv|v|vod)\.cctv\.", re.I),
    story_id=re.compile(r"/(ARTI[0-9A-Za-z]{16,28})\.shtml$"),
    templates=TEMPLATES,
)
