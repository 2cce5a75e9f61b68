"""Syndication crawler: Scrapy project (settings, spiders, extraction, commands)."""
