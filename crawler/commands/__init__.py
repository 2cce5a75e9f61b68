"""Project commands (COMMANDS_MODULE): crawl (with exit status), export, serve-mirror."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.commands import ScrapyCommand
    from scrapy.crawler import CrawlerProcessBase
    from scrapy.settings import Settings


def settings_of(command: ScrapyCommand) -> Settings:
    """The command's settings: scrapy.cmdline sets them before it calls ``run``."""
    if command.settings is None:
        raise RuntimeError(f"{type(command).__module__}: run before scrapy.cmdline set the settings")
    return command.settings


def process_of(command: ScrapyCommand) -> CrawlerProcessBase:
    """The command's crawler process: scrapy.cmdline sets it before it calls ``run``."""
    if command.crawler_process is None:
        raise RuntimeError(f"{type(command).__module__}: run before scrapy.cmdline set the crawler process")
    return command.crawler_process
