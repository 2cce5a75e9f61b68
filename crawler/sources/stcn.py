"""Securities Times Online (证券时报网, stcn.com).

The website of 证券时报 (Securities Times, Shenzhen). Since its late-2022
relaunch everything lives on www.stcn.com: channel lists
``/article/list/<channel>.html`` (要闻 ``yw``, 快讯 ``kx``, 滚动 ``gd``, …) whose
further items load by XHR (``/article/list.html?type=<channel>``, infinite
scroll, no 下一页 link), and UTF-8 article pages ``/article/detail/<id>.html``
with ``div.detail-title``, a ``div.detail-info`` line of spans (来源 / author /
time) and ``div.detail-content``. Before the relaunch articles were
``http://<channel>.stcn.com/<YYYY>/<MMDD>/<id>.shtml`` (``div.txt_con``).
Pages often name 证券时报 (the paper), 人民财讯 or a wire as 来源. Discovery
starts from robots.txt (its ``Sitemap:`` lines; a sitemap for stcn.com is not
publicly documented, see the doc) and the list pages. Facts and where they
come from: docs/sources/stcn.md.
"""

import re

from .base import Discovery, SourceDecl, Template

TEMPLATES = (
    Template(
        name="v2022-detail",
        title="div.detail-title",
        body=("div.detail-content",),
        # the spans (来源 / 作者 / time) are not always separated by whitespace
        # in the markup, so the date and the 来源 are read span by span
        date="div.detail-info span:last-child",
        outlet='div.detail-info span:contains("来源")',
        seen="2022-2026, www.stcn.com/article/detail (RSSHub stcn routes)",
    ),
    Template(
        name="v2015-txtcon",
        # the title node of the old design is not documented in the sources
        # found; h2 inside the header block is the best guess (docs/sources/stcn.md)
        title="div.intal_tit h2",
        body=("div.txt_con", "div#ctrlfscont"),
        meta="div.intal_tit div.info",
        seen="2015-2021, <channel>.stcn.com/YYYY/MMDD/<id>.shtml",
    ),
)

SOURCE = SourceDecl(
    name="stcn",
    outlet="证券时报网",
    site_names=("证券时报网", "证券时报", "stcn.com"),
    allowed_domains=("stcn.com",),
    discovery=Discovery(
        # robots.txt: its Sitemap: lines lead to the sitemap index (if any)
        sitemaps=("https://www.stcn.com/robots.txt",),
        listings=(
            "https://www.stcn.com/article/list/yw.html",
            "https://www.stcn.com/article/list/gd.html",
        ),
        # list pages have no 下一页 (infinite scroll by XHR): one page each
        max_list_pages=1,
    ),
    # https://www.stcn.com/article/detail/<id>.html (2022 on)
    # http://<channel>.stcn.com/<YYYY>/<MMDD>/<id>.shtml (to 2022)
    article_url=re.compile(
        r"^https?://www\.stcn\.com/article/detail/\d+\.html$"
        r"|^https?://[a-z0-9-]+\.stcn\.com/(?:19|20)\d{2}/(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])/\d+\.shtml$",
        re.I,
    ),
    # e-paper (epaper.stcn.com) and data pages use other designs
    skip_url=re.compile(r"^https?://(?:epaper|data|app|m)\.stcn\.com/", re.I),
    story_id=re.compile(r"/(\d{5,})\.s?html$"),
    templates=TEMPLATES,
)
