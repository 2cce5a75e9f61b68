"""The article item that spiders yield and pipelines complete.

Raw and normalized values sit side by side: ``date_raw`` (as written on the
page or in the API) next to ``published_at`` (ISO 8601, China time).
"""

import scrapy


class ArticleItem(scrapy.Item):
    # identity
    story_id = scrapy.Field()        # stable id: the source's own id when it has one
    url = scrapy.Field()             # the URL the story was fetched under (link in the post)
    canonical_url = scrapy.Field()
    source = scrapy.Field()          # spider/source that served it (chinadevelopment, eastmoney)
    site = scrapy.Field()            # name of the site that served it (中国发展网, 东方财富)
    outlet = scrapy.Field()          # the outlet the story is from (来源 / medianame)
    editor = scrapy.Field()          # 责任编辑, when given
    # content
    title = scrapy.Field()
    title_stage = scrapy.Field()     # which step found the title (site rule, metadata, generic:…, feed:title)
    date_raw = scrapy.Field()
    published_at = scrapy.Field()
    date_stage = scrapy.Field()      # which step found the date (site_meta_line, metadata:…, url, api)
    date_precision = scrapy.Field()  # year, month, day, minute or second (not stored yet)
    body_html = scrapy.Field()
    body_text = scrapy.Field()
    digest = scrapy.Field()          # aggregator rolling feed: lead shown as a quote
    extractor = scrapy.Field()       # site:<source>/<template>, generic:trafilatura, api:<endpoint>
    encoding = scrapy.Field()
    fetched_at = scrapy.Field()
    # filled by pipelines
    slug = scrapy.Field()
    tag = scrapy.Field()
    # content_hash(body_text); a one-page article's comes with its page job (the normalize
    # pipeline computes any other item's)
    content_hash = scrapy.Field()
    post = scrapy.Field()
    verdict = scrapy.Field()         # dedupe: new or changed:<story id>
    # derived, not stored nor rendered: syndication.fingerprint(title, body_text) computed by an
    # extraction worker (crawler/page_job.py, a FingerprintJob); the store pipeline hands it to the store
    # (used only when it is of the stored text) and removes it from the item
    syndication_fingerprint = scrapy.Field()
