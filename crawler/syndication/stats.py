"""Stats keys of syndication (Scrapy's ``component/event_count`` form), in one place:
the store pipeline increments them, crawlall's summary reads them."""

# a stored story that matched no stored story: it founds a cluster
NEW_CLUSTER_COUNT = "syndication/new_cluster_count"
# a stored story that joined an existing cluster: a near-duplicate copy
COPY_COUNT = "syndication/copy_count"
# clusters merged into another because a new copy bridged them
MERGED_COUNT = "syndication/merged_count"
