"""Item pipelines: normalize → validate → dedupe → render → store.

Each module is a thin Scrapy pipeline class around pure functions; their
order is set in one table, ``ITEM_PIPELINES`` in crawler/settings.py.
"""
