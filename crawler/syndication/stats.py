"""Stats keys of syndication, named as the rest of the package uses them; defined
once in ``crawler.stats_keys``."""

from ..stats_keys import SYNDICATION_COPIES as COPY_COUNT
from ..stats_keys import SYNDICATION_MERGED as MERGED_COUNT
from ..stats_keys import SYNDICATION_NEW_CLUSTERS as NEW_CLUSTER_COUNT

__all__ = ["COPY_COUNT", "MERGED_COUNT", "NEW_CLUSTER_COUNT"]
