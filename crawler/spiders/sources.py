"""One spider per declared source (crawler/sources/*.py).

Scrapy's spider loader is the registry: it finds these classes in this module,
so every declaration appears in ``scrapy list`` and runs with
``scrapy crawl <name>``.
"""

from __future__ import annotations

from ..sources import DECLARED, SourceDecl
from .news import NewsSpider


class SourceSpider(NewsSpider):
    """Crawls one declared source through the discovery it declares."""

    name = ""  # abstract: the loader skips a spider class without a name

    async def start(self):
        discovery = self.source.discovery
        for url in discovery.feeds:
            yield self.listing_request(url, self.parse_feed)
        for url in discovery.sitemaps:
            yield self.listing_request(url, self.parse_sitemap)
        listings = list(discovery.listings)
        if discovery.listings_setting and self.settings.get(discovery.listings_setting):
            listings = self.settings.getlist(discovery.listings_setting)
        for url in listings:
            yield self.listing_request(url, self.parse_list, page=1)


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
