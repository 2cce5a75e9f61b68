"""Project commands (COMMANDS_MODULE): crawl (with exit status), export, serve-mirror…, and what
they share: the settings, crawler process and store file a command runs with."""

from __future__ import annotations

import sys
from pathlib import Path
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


def existing_store(command: ScrapyCommand, store_option: str | None, name: str) -> str | None:
    """The store file the command reads (``--store``, else the STORE_PATH setting), or None
    once it has said that there is none there (exit status 2)."""
    store_path = store_option or settings_of(command).get("STORE_PATH")
    if not Path(store_path).is_file():
        print(f"{name}: error: no store at {store_path}", file=sys.stderr)
        command.exitcode = 2
        return None
    return store_path


def process_of(command: ScrapyCommand) -> CrawlerProcessBase:
    """The command's crawler process: scrapy.cmdline sets it before it calls ``run``."""
    if command.crawler_process is None:
        raise RuntimeError(f"{type(command).__module__}: run before scrapy.cmdline set the crawler process")
    return command.crawler_process
