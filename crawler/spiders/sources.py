"""One spider per declared source (crawler/sources/*.py).

Scrapy's spider loader is the registry: it finds these classes in this module,
so every declaration appears in ``scrapy list`` and runs with
``scrapy crawl <name>``.
"""

from __future__ import annotations

import logging

from ..sources import DECLARED, SourceDecl
from .news import NewsSpider

logger = logging.getLogger(__name__)


class SourceSpider(NewsSpider):
    """Crawls one declared source through the discovery it declares."""

    name = ""  # abstract: the loader skips a spider class without a name
    # set on every class spider_class() builds (this abstract one is never run)
    source: SourceDecl

    async def start(self):
        discovery = self.source.discovery
        for url in discovery.feeds:
            yield self.listing_request(url, self.parse_feed)
        for url in discovery.sitemaps:
            yield self.listing_request(url, self.parse_sitemap)
        for url in self.start_listings():
            yield self.listing_request(url, self.parse_list, page=1)

    def start_listings(self) -> list[str]:
        """The declared list pages, or those of the one override setting ``<NAME>_LISTINGS``."""
        setting = self.source.listings_setting
        legacy = setting.replace("_LISTINGS", "_CHANNELS")
        if self.settings.get(legacy):
            logger.warning("setting %s is not read (the override of %s's listings is %s)", legacy, self.name, setting)
        override = [url.strip() for url in self.settings.getlist(setting) if url.strip()]
        if override:
            # said at INFO: a run that does not read the declared channels must say so
            logger.info("listings of %s overridden by setting %s (%d URL%s)", self.name, setting, len(override), "" if len(override) == 1 else "s")
            return override
        return list(self.source.discovery.listings)


def spider_class(decl: SourceDecl) -> type[SourceSpider]:
    class_name = "".join(part.capitalize() for part in decl.name.replace("-", "_").split("_")) + "Spider"
    return type(
        class_name,
        (SourceSpider,),
        {
            "name": decl.name,
            "source": decl,
            "site_name": decl.outlet,
            "allowed_domains": list(decl.allowed_domains),
            "__module__": __name__,
            "__doc__": f"Spider for {decl.outlet} ({decl.name}), built from crawler/sources/{decl.name}.py.",
        },
    )


def _register() -> None:
    for decl in DECLARED.values():
        cls = spider_class(decl)
        globals()[cls.__name__] = cls


_register()
