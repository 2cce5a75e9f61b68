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
