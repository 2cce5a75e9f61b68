"""``scrapy parse``: Scrapy's command, without run bookkeeping.

A debug command is not a crawl: no run row, no drops, no health check or alert
(``RUN_RECORDING = False`` turns the run log off; the store is only read).
"""

from scrapy.commands.parse import Command as ScrapyCommand


class Command(ScrapyCommand):
    default_settings = {**ScrapyCommand.default_settings, "RUN_RECORDING": False}
