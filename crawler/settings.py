"""Scrapy settings for the syndication crawler.

All component ordering lives here, in one table per component kind.
Every value can be overridden per run with ``-s NAME=value``.
"""

import os

from scrapy.settings import default_settings as _scrapy_defaults

from crawler.failures import TRANSIENT_NETWORK_ERRORS


def _cpu_count() -> int:
    """The cores this process may use (os.process_cpu_count() from Python 3.13)."""
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- Politeness ---------------------------------------------------------------
# An honest user agent naming the project and a contact URL; no impersonation.
CONTACT_URL = os.environ.get("CRAWLER_CONTACT_URL", "https://finews.withounder.com/about/")
USER_AGENT = f"syndication-crawler/0.1 (+{CONTACT_URL})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Items (and requests) a callback yields that Scrapy handles at once: it starts that many
# asyncio tasks for every response, 100 by default. The item pipelines are synchronous and an
# article page yields one item, so the other 99 tasks only cost the crawl process about a
# millisecond a page (bench/throughput.py, issue 12).
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# Scrapy's list, less CannotResolveHostError (crawler/failures.py groups the
# network errors): a host that does not resolve will not resolve seconds later,
# and a retry waits out the source's crawl delay (120 s for 人民网) only to fail
# the same way.
RETRY_EXCEPTIONS = [
    *TRANSIENT_NETWORK_ERRORS,
    # raised by HttpCompressionMiddleware on an empty compressed response (Scrapy's reason)
    OSError,
    "scrapy.core.downloader.handlers.http11.TunnelError",
]
DNS_TIMEOUT = 10

# --- Where things go --------------------------------------------------------------
# Path of the SQLite store. Overridable with -s STORE_PATH=... or the
# CRAWLER_STORE_PATH environment variable.
STORE_PATH = os.environ.get("CRAWLER_STORE_PATH", "data/stories.sqlite")
# Stories are written in batches: one transaction holds up to STORE_BATCH_SIZE
# stories or STORE_BATCH_MS milliseconds, whichever comes first (and is committed
# when the crawl is idle and when it stops). A hard kill loses the open batch whole,
# together with every arrival, drop and outcome that joined it; nothing vouching for
# those stories (validators, known URLs) is committed before them, so the next run
# fetches them again. STORE_BATCH_SIZE = 1: one transaction per story.
STORE_BATCH_SIZE = 100
STORE_BATCH_MS = 500

# When set (e.g. http://127.0.0.1:8000), every request for
# scheme://host/path?query is fetched from MIRROR_URL/host/path?query and the
# spider sees the response under the original URL.
MIRROR_URL = os.environ.get("CRAWLER_MIRROR_URL", "")

# Per-host mirrors, overriding MIRROR_URL for those hosts (JSON object
# {"host": "http://127.0.0.1:8001"}): one mirror per source.
MIRROR_HOST_URLS: dict[str, str] = {}

# --- Publication (Jekyll) -----------------------------------------------------
SITE_BASE = "//finews.withounder.com"
POST_CATEGORY_URL = "{site}/category/{slug}.html"
POST_HOME_URL = "{site}/"
POST_EXTENSION = "md"
# scrapy export: _posts/ keeps the last N days (0: all); older posts go to the archive folder
EXPORT_KEEP_DAYS = 0
EXPORT_ARCHIVE_DIR = "old_post"
# Outlet name -> category slug, for names whose pinyin is wrong or unwanted.
SLUG_OVERRIDES = {
    "东财滚动": "emnews",
}

# --- Sources -------------------------------------------------------------------
# A source's declaration (crawler/sources/<name>.py) is the truth about where
# its articles are listed. For one run, <NAME>_LISTINGS (comma-separated URLs,
# e.g. -s CHINADEVELOPMENT_LISTINGS=http://…/news/zj/) replaces its declared
# listings, and LIST_MAX_PAGES replaces every source's declared max_list_pages;
# the run logs the listing override. Neither is set here.

# The aggregator's hosts changed over time: every endpoint is configuration.
EASTMONEY_LIST_URLS = ",".join(
    [
        "http://finews.zning.xyz/web/webapi?type=102&count=100&newsid=1",
        "http://finews.zning.xyz/web/webapi?type=45&count=100&newsid=1",
        "http://finews.zning.xyz/information/newmarket/web/webapi?marketType=37&count=100",
        "http://finews.zning.xyz/information/newmarket/web/webapi?marketType=38&count=100",
        "http://finews.zning.xyz/information/newmarket/web/webapi?marketType=39&count=100",
    ]
)
EASTMONEY_TEXT_URL = "http://finews.zning.xyz/NewsData/GetNewsText.do?id={infoCode}"
EASTMONEY_SHARE_URL = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode={infoCode}"
# Items of the rolling feed name no outlet: the predecessor filed them under
# this outlet name (slug "emnews", tag "东财滚动新闻").
EASTMONEY_ROLLING_OUTLET = "东财滚动"

# --- Incremental crawling ---------------------------------------------------
# Articles already in the store are not fetched again unless RECRAWL is set
# (every article) or RECRAWL_HOURS (articles published in the last N hours).
RECRAWL = False
RECRAWL_HOURS = 0
# RUN_RECORDING (not set here: a project setting would outrank the commands'
# defaults) is on for a crawl: run row, drops, health flags. The debug commands
# (scrapy shell, parse, fetch, view, check) turn it off and only read the store.
# An article URL that failed for a transient reason (5xx, timeout, connection
# error) is tried again on later runs: after BASE hours, then 2×, 4× … and
# given up after MAX_ATTEMPTS failures (recorded in url_outcomes). An undated
# stored story is fetched again on the same schedule, to find its date.
RETRY_LATER_BASE_HOURS = 1.0
RETRY_LATER_MAX_ATTEMPTS = 5
# Stop paginating a channel list once at least this share of a page's article
# links are already known (lists are newest first).
LISTING_STOP_KNOWN_SHARE = 0.5

# --- crawlall, health and alerts ---------------------------------------------
CRAWLALL_SOURCES: list[str] = []  # empty: every source except the generic spiders
CRAWLALL_EXCLUDE: list[str] = []
CRAWLALL_BUDGET = 1800         # seconds per source (CLOSESPIDER_TIMEOUT)
CRAWLALL_PROGRESS_INTERVAL = 30
HEALTH_MIN_HISTORY = 2
HEALTH_MIN_PAGES = 3
HEALTH_SHARE_JUMP = 0.3
HEALTH_STALE_FACTOR = 3.0
HEALTH_MIN_STALE_HOURS = 24
# Called when a run flags a source: a command (gets the flags as JSON on
# stdin) and/or a webhook URL (POSTed the same JSON); retried, never fatal.
ALERT_COMMAND = os.environ.get("CRAWLER_ALERT_COMMAND", "")
ALERT_WEBHOOK_URL = os.environ.get("CRAWLER_ALERT_WEBHOOK_URL", "")
# seconds an alert hook may take in all (retries included); sent off the reactor thread
ALERT_TIMEOUT = 5.0

# --- Quality gate ------------------------------------------------------------
# A story whose body text is shorter than this many characters is dropped.
MIN_BODY_CHARS = 30
# A longer title is dropped (title_too_long): no headline is this long; a
# feed or page put its body or junk there (an aggregator sent 1,000,000 chars).
MAX_TITLE_CHARS = 300

# --- Extraction in worker processes (crawler/extensions/extract_pool.py) ----------
# Article pages are extracted in this many worker processes (default: the cores this
# process may use), awaited from the reactor so downloads go on meanwhile; 0: in the
# crawl process, one page at a time, as before. Started on the first article page.
EXTRACT_WORKERS = _cpu_count()
# Seconds a page's extraction may take in a worker; a slower page is dropped as
# extraction_timeout (transient: retried by later runs). Not applied with 0 workers.
EXTRACT_TIMEOUT = 60.0
# Pages each worker extracts before the pool's workers are replaced (new ones fork from
# the fork server in milliseconds): bounds what a worker's memory can grow to.
EXTRACT_WORKER_MAX_PAGES = 500

# --- Hostile input: caps and refusals (crawler/middlewares/limits.py, safety.py) ---
# Bytes of a page (article, list page, feed, API answer) after decompression;
# a larger one is not downloaded further and is dropped as page_too_large.
# News pages are 50-500 KB; extraction time grows faster than linearly with
# size (bench/hostile_memory.py: ~25 s for 2 MB of paragraphs, during which
# the process does not answer SIGTERM), so the cap is 2 MB.
MAX_PAGE_BYTES = 2 * 1024 * 1024
# Bytes of a feed or list page after decompression (listing_too_large).
MAX_LISTING_BYTES = 10 * 1024 * 1024
# Bytes of a sitemap after decompression (HTTP Content-Encoding or a .gz
# file): the sitemap protocol's own limit. Larger: sitemap_too_large.
SITEMAP_MAX_BYTES = 50 * 1024 * 1024
# Characters of one sitemap field (<loc>, <lastmod>, news:title): a longer
# entry is dropped as element_too_long (libxml2 itself stops at 10 MB a node).
SITEMAP_MAX_ELEMENT_CHARS = 4096
# Entries read from one sitemap.
SITEMAP_MAX_URLS = 50000
# Entries read from one feed.
FEED_MAX_ENTRIES = 5000
# A page with more links than this is a link list, not an article (too_many_links).
MAX_PAGE_LINKS = 5000
# The upper bound for anything else (robots.txt, requests with their own meta).
DOWNLOAD_MAXSIZE = SITEMAP_MAX_BYTES
DOWNLOAD_WARNSIZE = MAX_PAGE_BYTES
# Follow redirects and meta refreshes to loopback/private/link-local addresses.
ALLOW_PRIVATE_REDIRECTS = False
REDIRECT_MAX_TIMES = 10
URLLENGTH_LIMIT = 2083

# --- Components, in order --------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # The mirror sits just below Scrapy's DownloaderStats (850) so a mirrored
    # request is counted once; everything before it sees the original URL.
    # incremental: known articles never leave, listings are asked conditionally
    "crawler.middlewares.incremental.KnownArticleMiddleware": 80,
    "crawler.middlewares.incremental.ConditionalRequestMiddleware": 560,
    "crawler.middlewares.encoding.EncodingRepairMiddleware": 880,
    "crawler.middlewares.mirror.MirrorMiddleware": 840,
    # hostile input: every request gets its size cap; over-limit responses and
    # refused redirects fail with a reason code (crawler/middlewares/limits.py, safety.py)
    "crawler.middlewares.limits.ResponseLimitsMiddleware": 845,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.limits.LimitedCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.safety.SafeRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.safety.SafeMetaRefreshMiddleware": 580,
    "crawler.middlewares.safety.PrivateAddressMiddleware": 620,
}

SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "crawler.middlewares.safety.RecordedUrlLengthMiddleware": 800,
}

ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.render.RenderPipeline": 400,
    "pipelines.store.StorePipeline": 500,
}

EXTENSIONS = {
    "crawler.extensions.quietlog.QuietNetworkErrors": 100,
    "crawler.extensions.runlog.RunLog": 500,
    "crawler.extensions.extract_pool.ExtractionPool": 600,
}
# Scrapy's own extensions without the telnet console and the remote control, which are off
# (TELNETCONSOLE_ENABLED, REMOTE_CONTROL_ENABLED) but would still be imported: Scrapy imports
# every component named in a setting, even one set to None, before it can say NotConfigured,
# and these two pull in twisted.conch and aiohttp (0.1–0.4 s of every run's start, issue 12).
EXTENSIONS_BASE = {
    path: order for path, order in _scrapy_defaults.EXTENSIONS_BASE.items()
    if path not in ("scrapy.extensions.telnet.TelnetConsole", "scrapy.extensions.remote_control.RemoteControl")
}

# --- Misc ----------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("CRAWLER_LOG_LEVEL", "INFO")
LOGSTATS_INTERVAL = 30.0
# No listening consoles: a scheduled crawler opens no ports.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_FORMATTER = "crawler.logformatter.QuietDropLogFormatter"
