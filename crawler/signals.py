"""Project signals (Scrapy signals are plain objects)."""

# sent by spiders when a page could not be fetched or read:
# handler(url, reason, detail, source, kind) — kind is "listing" or "article"
page_failed = object()
