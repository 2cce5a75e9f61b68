"""Yicai (第一财经, yicai.com).

The Shanghai financial media group's website (第一财经日报 and Yicai TV).
Articles are UTF-8 pages ``https://www.yicai.com/news/<id>.html`` (paywalled
ones under ``/vip/news/<id>.html``); flashes are ``/brief/<id>.html``, videos
``/video/<id>.html``. The channel page ``/news/`` is server-rendered with the
newest items; further items load from a JSON API (``/api/ajax/getlatest``,
``getlistbycid``, ``getjuhelist``) behind a "加载更多" button, with no 下一页
link and no public RSS feed or sitemap found. Article pages carry the headline
in ``h1``, a line with the outlet and time, the text in ``#multi-text`` /
``div.multiText`` (inside ``div.m-txt``) with a small share box, and a ``_pb``
script holding the publication time (``actime``). Facts and where they come
from: docs/sources/yicai.md.
"""

import re

from .base import Discovery, SourceDecl, Template

TEMPLATES = (
    Template(
        name="v2018-multitext",
        title="div.title h1",
        body=("#multi-text", "div.multiText", "div.m-txt", "div.txt"),
        date="div.title p em",
        outlet="div.title p span",
        # author and 责编 (docs/sources/yicai.md): named here, the editor is not searched for
        # over the whole page
        editor="div.title p.names",
        seen="2018-2026, www.yicai.com/news (RSSHub yicai utils; simhash custom_constant.py)",
    ),
)

SOURCE = SourceDecl(
    name="yicai",
    outlet="第一财经",
    site_names=("第一财经", "一财网", "yicai.com"),
    allowed_domains=("yicai.com",),
    discovery=Discovery(
        listings=(
            "https://www.yicai.com/news/",
        ),
        # "加载更多" loads by XHR: the server-rendered page is the only list page
        max_list_pages=1,
    ),
    # https://www.yicai.com/news/<id>.html (ids: 7 digits to 2018, 9 digits since)
    article_url=re.compile(r"^https?://(?:www\.)?yicai\.com/news/\d{6,}\.html$", re.I),
    # /vip/ pages are paywalled (the text is cut); m. is the mobile mirror of www.
    skip_url=re.compile(r"/vip/|^https?://m\.yicai\.com/", re.I),
    story_id=re.compile(r"/news/(\d{6,})\.html$"),
    templates=TEMPLATES,
)
