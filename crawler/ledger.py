"""Which listings were read completely in this run.

A listing (feed, sitemap, list page) is complete when it was read and every
request it led to — articles, continuation pages, child sitemaps, the next
list page — got its answer, none of them a fetch failure. Only complete
listings have their ETag/Last-Modified saved: a listing whose article failed
(a 404 that comes back, a timeout) or was never reached (time budget) is asked
again in full next run, so no page is lost to a 304.

A crawl that stops early (a signal, the time budget) keeps its ledger: a
request thrown away fails its listing, one never dequeued leaves it open.
A listing's pagination that stopped at a "mostly known" page is complete only
because every earlier run ended cleanly (after one that did not, listings are
walked in full: ``RunContext.catch_up``). A store that takes no more writes
abandons the ledger: the stories it lost had counted as answered.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Node:
    parent: str | None = None
    settled: bool = False       # every request of this listing has been made
    outstanding: int = 0        # requests made whose outcome is not known yet
    failed: bool = False
    closed: bool = False


class ListingLedger:
    def __init__(self) -> None:
        self._nodes: dict[str, _Node] = {}
        self.abandoned = False

    def abandon(self) -> None:
        """Outcomes can no longer be trusted (the store lost stories): no listing counts as complete."""
        self.abandoned = True

    def opened(self, url: str, parent: str | None = None) -> None:
        """The listing ``url`` (requested from ``parent``) was fetched; reading starts."""
        self._nodes.setdefault(url, _Node()).parent = parent

    def spawned(self, listing_url: str | None) -> None:
        """A request was made from ``listing_url``."""
        if listing_url in self._nodes:
            self._nodes[listing_url].outstanding += 1

    def settled(self, url: str) -> None:
        """Every request of ``url`` has been made."""
        if url in self._nodes:
            self._nodes[url].settled = True
            self._close_if_done(url)

    def failed(self, url: str) -> None:
        """The listing ``url`` could not be read (not a feed, broken sitemap…)."""
        if url in self._nodes:
            self._nodes[url].failed = True

    def done(self, listing_url: str | None, ok: bool) -> None:
        """A request made from ``listing_url`` has its outcome."""
        if not listing_url:
            return
        node = self._nodes.get(listing_url)
        if node is None:
            return
        node.outstanding -= 1
        node.failed |= not ok
        self._close_if_done(listing_url)

    def _close_if_done(self, url: str) -> None:
        node = self._nodes[url]
        if node.closed or not node.settled or node.outstanding > 0:
            return
        node.closed = True
        if node.parent:
            self.done(node.parent, ok=not node.failed)

    def complete(self, url: str) -> bool:
        if self.abandoned:
            return False
        node = self._nodes.get(url)
        return bool(node and node.closed and not node.failed)
