"""Channel list pages: article links and the next page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

NEXT_PAGE_TEXT_RE = re.compile(r"^\s*(?:下一页|下页|后一页|next|>|›|»)\s*$", re.I)
LIST_PAGE_NUMBER_RE = re.compile(r"/index_(\d+)\.s?html?$")


def channel_dir(list_url: str) -> str:
    return urlsplit(list_url).path.rsplit("/", 1)[0] + "/"


def is_next_page(url: str, text: str, list_url: str, page: int) -> bool:
    """A link to the next page of the same channel list: labelled 下一页, or
    the numbered page ``index_<page+1>.shtml``."""
    parts = urlsplit(url)
    if parts.netloc != urlsplit(list_url).netloc or not parts.path.startswith(channel_dir(list_url)):
        return False
    if url == list_url:
        return False
    if NEXT_PAGE_TEXT_RE.match(text or ""):
        return True
    match = LIST_PAGE_NUMBER_RE.search(parts.path)
    return match is not None and int(match.group(1)) == page + 1
