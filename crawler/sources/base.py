"""The shape of a source declaration and of its site extraction rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Template:
    """Selectors (CSS) for one page design of a site.

    A template applies to a page when its ``title`` and one of its ``body``
    selectors both match. ``date`` and ``outlet`` point at the nodes whose text
    holds them; ``meta`` at a meta line holding both (date first, then the
    outlet, labelled ``来源：`` or not).
    """

    name: str
    title: str
    body: tuple[str, ...]
    date: str | None = None
    outlet: str | None = None
    meta: str | None = None
    editor: str | None = None
    # years this design was seen in use, for documentation
    seen: str = ""


@dataclass(frozen=True)
class SourceDecl:
    name: str
    outlet: str
    site_names: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    article_url: re.Pattern[str]
    skip_url: re.Pattern[str] | None = None
    list_page_url: re.Pattern[str] | None = None
    templates: tuple[Template, ...] = ()
    timezone: str = "Asia/Shanghai"
    download_delay: float | None = None
    concurrency: int | None = None
    start_urls_setting: str | None = None
    notes: str = ""
    extra: dict = field(default_factory=dict)

    def owns_host(self, host: str) -> bool:
        host = host.lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def is_article_url(self, url: str) -> bool:
        if self.skip_url is not None and self.skip_url.search(url):
            return False
        return bool(self.article_url.search(url))

    def is_list_page_url(self, url: str) -> bool:
        return bool(self.list_page_url and self.list_page_url.search(url))
