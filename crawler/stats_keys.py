"""Every stats key the project writes or reads, defined once, by component.

Keys take Scrapy's form ``component/event_count``. Their strings are stored in
``runs.stats`` (JSON) and read back by the health checks, the crawlall
summary, the benches and the tests, so a published string never changes: a
component renames its constant, not the key. A key with a variable part (a
failure reason, an extractor, a dedupe verdict) is built by a function here,
and the fixed keys read elsewhere are made by the same function.
"""

from __future__ import annotations

# --- Scrapy's own (written by Scrapy's core and downloader middlewares; read here) ----
DOWNLOADER_REQUESTS = "downloader/request_count"
DOWNLOADER_RESPONSES = "downloader/response_count"
DOWNLOADER_EXCEPTIONS = "downloader/exception_count"
DOWNLOADER_STATUS_PREFIX = "downloader/response_status_count/"  # + the HTTP status
ROBOTSTXT_REQUESTS = "robotstxt/request_count"

# --- run log (crawler/extensions/runlog.py) -----------------------------------------
RUN_ID = "run/id"                  # the runs row of this crawl
SOURCE_FAILED = "source/failed"    # set, to a summary, when no page could be fetched
RUNLOG_DROPS = "runlog/drop_count"
RUNLOG_ERRORS = "runlog/error_count"
HEALTH_FLAGS = "health/flag_count"
HEALTH_ALERT_FAILED = "health/alert_failed_count"  # written by versions before alerts ran off the reactor thread
RUNLOG_DROPPED_QUEUED = "runlog/dropped_queued_count"  # queued requests thrown away by an early close
STORE_BROKEN = "store/broken"      # set, to a one-line reason, when the store is full or damaged
STORE_UNSTORED = "store/unstored_count"

# --- spiders (crawler/spiders/) --------------------------------------------------------
LISTING_PAGES = "listing/page_count"
LISTING_NOT_MODIFIED = "listing/not_modified_count"
LISTING_STOPPED_KNOWN = "listing/stopped_known_count"
ARTICLE_PAGES = "article/page_count"
ARTICLE_CONTINUATION_PAGES = "article/continuation_page_count"

# --- the extraction pool (crawler/extensions/extract_pool.py) ---------------------------
EXTRACT_POOL_JOBS = "extract_pool/job_count"               # page jobs a worker process finished
EXTRACT_POOL_FINGERPRINT_JOBS = "extract_pool/fingerprint_job_count"   # fingerprint jobs finished
EXTRACT_POOL_JOB_CPU = "extract_pool/job_cpu_s"            # CPU seconds of both kinds, in the workers
EXTRACT_POOL_STARTS = "extract_pool/start_count"           # pools started (1, plus one per replacement)
EXTRACT_POOL_CRASHES = "extract_pool/crash_count"          # pools broken by a dying worker
EXTRACT_POOL_RETRIES = "extract_pool/retry_count"          # jobs run again, alone, after a crash
EXTRACT_POOL_TIMEOUTS = "extract_pool/timeout_count"       # jobs over EXTRACT_TIMEOUT
# --- throughput of a run (crawler/extensions/runlog.py; also runs.pages_per_s, cpu_s_per_page) ---
RUN_PAGES_PER_S = "run/pages_per_s"
RUN_CPU_S_PER_PAGE = "run/cpu_s_per_page"
RUN_CPU_S = "run/cpu_s"                                    # main process + the workers' job CPU
# keys that hold a measurement (seconds, a rate), not an event count
MEASUREMENTS = frozenset({EXTRACT_POOL_JOB_CPU, RUN_PAGES_PER_S, RUN_CPU_S_PER_PAGE, RUN_CPU_S})
DISCOVERY_MALFORMED_LINKS = "discovery/malformed_link_count"
FEED_MALFORMED = "feed/malformed_count"
FEED_ENTRIES = "feed/entry_count"
FEED_SKIPPED_ENTRIES = "feed/skipped_entry_count"
SITEMAP_URLS = "sitemap/url_count"
SITEMAP_SKIPPED_URLS = "sitemap/skipped_url_count"
SITEMAP_CAPPED = "sitemap/capped_count"
SITEMAP_UNCHANGED_CHILDREN_SKIPPED = "sitemap/unchanged_child_skipped_count"
HINTS_TITLE_USED = "hints/title_used_count"


def extracted_by(extractor: str | None) -> str:
    """Pages extracted by ``extractor`` ("site:<template>" counts as "site"; None as "none")."""
    return f"extract/{(extractor or 'none').split(':')[0]}_count"


EXTRACT_SITE = extracted_by("site")
EXTRACT_GENERIC = extracted_by("generic")
EXTRACT_NONE = extracted_by(None)


def fetch_failed(reason_or_kind: str) -> str:
    """Failed pages, by reason code (crawler/failures.py, the spiders) and by kind ("article", "listing")."""
    return f"fetch/failed_{reason_or_kind}_count"


FETCH_FAILED_LISTINGS = fetch_failed("listing")
FETCH_FAILED_ARTICLES = fetch_failed("article")
# article requests that failed in the download (their errback), not after parsing
FETCH_FAILED_ARTICLE_REQUESTS = fetch_failed("article_request")
FETCH_FAILED_EXTRACTION = fetch_failed("extraction_failed")
FETCH_FAILED_URL_TOO_LONG = fetch_failed("url_too_long")

# --- downloader middlewares (crawler/middlewares/) ------------------------------------
LIMITS_TOO_LARGE = "limits/too_large_count"
MIRROR_REWRITTEN = "mirror/rewritten_count"
MIRROR_REDIRECT_REROUTED = "mirror/redirect_rerouted_count"
SAFETY_REDIRECT_LOOPS = "safety/redirect_loop_count"
SAFETY_PRIVATE_REDIRECTS = "safety/private_redirect_count"
ENCODING_REPAIRED = "encoding/repaired_count"
INCREMENTAL_SKIPPED_KNOWN = "incremental/skipped_known_count"
INCREMENTAL_RECRAWLED = "incremental/recrawled_count"
INCREMENTAL_SKIPPED_REMEMBERED = "incremental/skipped_remembered_count"  # a permanent drop of an earlier run
INCREMENTAL_SKIPPED_WAITING = "incremental/skipped_waiting_count"        # a transient failure not due yet
VALIDATE_UNDATED = "validate/undated_count"  # stored with no publication date (held back from export)
INCREMENTAL_RETRIED = "incremental/retried_count"
INCREMENTAL_UNDATED_REFETCH = "incremental/undated_refetch_count"
OUTCOMES_WAITING = "outcomes/waiting_count"  # URLs waiting for a later run (url_outcomes)
CONDITIONAL_ASKED = "conditional/asked_count"
CONDITIONAL_NOT_MODIFIED = "conditional/not_modified_count"
CONDITIONAL_SAVED = "conditional/saved_count"
CONDITIONAL_WITHHELD = "conditional/withheld_count"

# --- item pipelines (pipelines/) --------------------------------------------------------
VALIDATE_DROPPED_PREFIX = "validate/dropped_"


def validate_dropped(reason: str) -> str:
    """Items the validate pipeline dropped, by reason code."""
    return f"{VALIDATE_DROPPED_PREFIX}{reason}_count"


VALIDATE_DROPPED_NO_DATE = validate_dropped("no_publication_date")


def dedupe_verdict(verdict: str) -> str:
    """Items the dedupe pipeline recognised ("duplicate", "seen_again")."""
    return f"dedupe/{verdict}_count"


DEDUPE_DUPLICATES = dedupe_verdict("duplicate")
DEDUPE_SEEN_AGAIN = dedupe_verdict("seen_again")
STORE_STORED = "store/stored_count"
STORE_UPDATED = "store/updated_count"
STORE_BATCHES = "store/batch_count"          # transactions committed by the store pipeline

# --- syndication (counted by the store pipeline, read by crawlall's summary) ---------
SYNDICATION_NEW_CLUSTERS = "syndication/new_cluster_count"
SYNDICATION_COPIES = "syndication/copy_count"
SYNDICATION_MERGED = "syndication/merged_count"
# the story's MinHash came from an extraction worker (a FingerprintJob), not the store
SYNDICATION_PRECOMPUTED = "syndication/precomputed_signature_count"
# a one-page article whose text is a stored story's: no fingerprint job (the page is a copy)
SYNDICATION_FINGERPRINT_SKIPPED = "syndication/fingerprint_skipped_count"
# a worker's fingerprint was not of the stored text (a pipeline changed title or body): recomputed
SYNDICATION_STALE_FINGERPRINT = "syndication/stale_fingerprint_count"
