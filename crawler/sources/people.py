"""People's Daily Online (人民网, people.com.cn).

The website of 人民日报 (People's Daily). Channels live on their own hosts
(politics., world., society., finance. …people.com.cn; regional sites such
as js.people.com.cn) and articles sit at ``/n1/YYYY/MMDD/c<channel>-<id>.html``
(``/n2/`` on regional sites). Pages are GB2312-labelled and really GBK. The
site publishes per-channel RSS feeds under www.people.com.cn/rss/ and a sitemap
index (www.people.cn/sitemap_index.xml, named in robots.txt together with
``Crawl-delay: 120``). Long articles are split into ``…-2.html`` pages.
Facts and where they come from: docs/sources/people.md.
"""

import re

from .base import Discovery, SourceDecl, Template

TEMPLATES = (
    # 2025–: paragraphs inside div#rm_txt_zw (in div.rm_txt_con, after the
    # "听新闻" div.bza); pager div.zdfy, 责编 div.edit and the share bar follow it.
    Template(
        name="v2025-rm-txt-zw",
        title="div.rm_txt h1",
        body=("div.rm_txt_con div#rm_txt_zw",),
        meta="div.rm_txt div.channel div.col-1-1",
        editor="div.rm_txt_con div.edit",
        seen="2025-2026, politics/world/society",
    ),
    # 2020–2024: paragraphs are direct children of div.rm_txt_con.
    Template(
        name="v2020-rm-txt",
        title="div.rm_txt h1",
        body=("div.rm_txt_con",),
        meta="div.rm_txt div.channel div.col-1-1",
        editor="div.rm_txt_con div.edit",
        seen="2020-2024, politics/world/society",
    ),
)

SOURCE = SourceDecl(
    name="people",
    outlet="人民网",
    site_names=("人民网", "people.com.cn"),
    allowed_domains=("people.com.cn", "people.cn"),
    discovery=Discovery(
        feeds=(
            "http://www.people.com.cn/rss/politics.xml",
            "http://www.people.com.cn/rss/world.xml",
            "http://www.people.com.cn/rss/society.xml",
        ),
        # the index robots.txt names (76 child sitemaps on the live site)
        sitemaps=("http://www.people.cn/sitemap_index.xml",),
    ),
    # http://<channel>.people.com.cn/n1/2026/1124/c1001-40612345.html (regional: /n2/)
    article_url=re.compile(
        r"^https?://[a-z0-9-]+\.people\.com\.cn/n[12]/(?:19|20)\d{2}/(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])/c\d+-\d{6,9}\.html$",
        re.I,
    ),
    # video and paper-edition pages, and the mobile site, are not article pages of this template
    skip_url=re.compile(r"://(?:v|tv|paper|m|search|data)\.people\.(?:com\.)?cn/", re.I),
    story_id=re.compile(r"/c\d+-(\d{6,9})\.html$"),
    continuation="-{n}",
    templates=TEMPLATES,
    # robots.txt asks for Crawl-delay: 120 (see the doc)
    download_delay=120.0,
    concurrency=1,
)
