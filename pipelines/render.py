"""Render: the Jekyll post of each item (the format is ``crawler.post``)."""

from __future__ import annotations

from crawler.post import render_post


class RenderPipeline:
    def __init__(self, settings):
        self.site_base = settings.get("SITE_BASE")
        self.category_url = settings.get("POST_CATEGORY_URL")
        self.home_url = settings.get("POST_HOME_URL")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings)

    def process_item(self, item):
        item["post"] = render_post(
            title=item["title"],
            published_at=item["published_at"],
            slug=item["slug"],
            tag=item["tag"],
            outlet=item["outlet"],
            body_html=item["body_html"],
            link=item["url"],
            site_base=self.site_base,
            category_url=self.category_url,
            home_url=self.home_url,
            digest=item.get("digest"),
        )
        return item
