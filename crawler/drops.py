"""The exceptions that take an item out of the pipeline flow (raised by
pipelines, read by the run log): below both, so neither imports the other."""

from scrapy.exceptions import DropItem, IgnoreRequest


class DropStory(DropItem):
    """An item that will not be stored, with a reason code for the drops table."""

    def __init__(self, reason: str, detail: str = "", log_level: str = "WARNING"):
        super().__init__(f"{reason}: {detail}" if detail else reason, log_level=log_level)
        self.reason = reason
        self.detail = detail


class DuplicateStory(DropItem):
    """An item that is a story already stored: recorded against it, not a drop."""

    def __init__(self, story_id: str, relation: str):
        super().__init__(f"{relation} of story {story_id}", log_level="DEBUG")
        self.story_id = story_id
        self.relation = relation


class StoppedEarly(IgnoreRequest):
    """A queued request thrown away because the crawl is stopping (a signal, the
    time budget, a full store): not a drop, the next run asks for it again."""


# --- what a drop means for the next run (the ``url_outcomes`` table) -----------------
# permanent: the page itself is the problem (its content, its size, a robots.txt
# rule, a page that is gone); fetching it again would give the same answer, so
# the next incremental run does not (a recrawl does).
# transient: the site or the network failed this time; a later run retries with
# growing intervals (RETRY_LATER_BASE_HOURS, doubling) until RETRY_LATER_MAX_ATTEMPTS.
# A reason in neither set (e.g. ``dropped``, ``ignored``) is not remembered.
PERMANENT_DROPS = frozenset({
    "body_too_short", "empty_body", "no_title", "bad_title", "title_too_long", "no_outlet", "no_url",
    "not_an_article", "not_html", "extraction_failed", "bad_publication_date", "no_publication_date",
    "robots_disallowed", "http_400", "http_401", "http_404", "http_410", "http_451",
    "page_too_large", "too_many_links", "url_too_long", "redirect_loop", "too_many_redirects",
    "redirect_to_private_address",
})
TRANSIENT_DROPS = frozenset({
    "timeout", "connection_refused", "connection_lost", "dns_error", "http_403", "http_408", "http_429",
    "incomplete_multipage", "pipeline_error", "spider_error", "store_conflict",
    # the extraction worker died or ran out of time on the page: the machine's state
    # (memory, load) may be the cause, so the page gets later chances like a 5xx
    "worker_crashed", "extraction_timeout",
})


def outcome_kind(reason: str) -> str | None:
    """``permanent``, ``transient`` or None (not remembered) for a drop reason."""
    if reason in PERMANENT_DROPS:
        return "permanent"
    if reason in TRANSIENT_DROPS or reason.startswith(("http_5", "fetch_error_")):
        return "transient"
    return None


def retry_delay_hours(attempts: int, base_hours: float) -> float:
    """Hours to wait after the ``attempts``-th failure: base, 2·base, 4·base …"""
    return base_hours * 2 ** max(attempts - 1, 0)
