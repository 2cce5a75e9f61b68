"""Render: the Jekyll post of each item (the format and the inert rendering
of page text are ``crawler.post``)."""

from __future__ import annotations

from crawler.drops import DropStory
from crawler.extraction.dates import to_post_date
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
        if not item.get("published_at"):
            # undated: no valid post (its date is in the front matter); stored
            # with post NULL and rendered when a later fetch finds the date
            item["post"] = None
            return item
        try:
            to_post_date(item["published_at"])
        except (ValueError, OverflowError) as exc:  # e.g. year 9999 with a negative offset
            raise DropStory("bad_publication_date", f"{item['published_at']!r} cannot be a post date ({exc}) — {item.get('url')}") from None
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
