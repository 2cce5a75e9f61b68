"""Syndication: near-duplicate copies of one story across outlets, grouped in clusters.

Issue 10. Exact duplicates (same body hash) stay arrivals in `story_urls`; near-duplicates are
stories of their own that share `stories.cluster_id`.

How a story is matched
    1. `matching_text(body_text, title)` — NFKC (full-width → half-width), datelines
       (`中国发展网讯`, `新华社北京6月8日电`, `（记者…）`), editor/source lines (`责任编辑：…`,
       `（文章来源：…）`), read-more tails (`点击阅读全文`), headline prefixes (`【独家】`, `快讯：`)
       removed; punctuation dropped; CJK characters written together, other words spaced.
    2. `shingles(text)` — 4-grams of one token stream in which every CJK character is a
       token and other words/figures are tokens: character 4-grams for CJK text, word 4-grams
       otherwise, and the same cut for mixed text whichever script dominates.
    3. `signature(text)` — datasketch MinHash (128 permutations, fixed seed, scheme affine32),
       32 bands × 4 rows, plus a 64-permutation signature of the body's first 100 tokens in
       16 bands × 4 rows (finds excerpts and copies missing their last paragraphs). Band hashes
       are 64-bit INTEGERs in `lsh_bands(band, hash, sig_id)`, indexed on (band, hash): one
       candidate lookup is 48 index probes whatever the store's size.
    4. `verify(a, b)` on every candidate — containment of the shorter text's shingles in the
       longer's ≥ 0.7 (Jaccard is reported too); published within `window_days` (setting
       `SYNDICATION_WINDOW_DAYS`, default 3) of each other; no more than 10 % of the shorter
       text's figures (numbers, percentages, amounts) missing from the longer one — the guard
       against formulaic reports (market close, exchange rates, weather, lottery) whose wording
       repeats while the story does not.

API for the integrator (store / pipeline / export)
    schema:  `schema.all_ddl()` (story_signatures, lsh_bands, clusters, cluster_merges and the
             index on stories.cluster_id) and `schema.stories_columns_ddl()` (ALTERs adding
             stories.cluster_id TEXT, similarity_to_origin REAL, lag_minutes INTEGER) — one named
             migration.
    crawl:   `assign(conn, story, Config.from_settings(crawler.settings))` right after the story
             row is inserted, in the same transaction (the story pipeline's store step); `story`
             is a mapping with id, title, body_text, published_at, first_seen, outlet (the
             publishing outlet: outlets are counted and the named source is looked up by it)
             and optionally named_source (the outlet the page credits, e.g. extraction's
             `来源：` when it differs from the site: the body text no longer holds
             `（文章来源：…）` after boilerplate cleaning). Returns
             an `Assignment(cluster_id, is_new_cluster, merged_clusters, matched_stories,
             origin_story_id, similarity, lag_minutes, candidates)`: stats keys like
             `syndication/new_cluster`, `syndication/joined`, `syndication/merged` come from it.
             Call it only for stored stories, not for exact duplicates (arrivals).
             `assign(..., precomputed=fingerprint(title, body_text))`: the signature (MinHash,
             bands) and the body's named source computed beforehand — by an extraction
             worker process (crawler/page_job.py), off the crawl's main process. Used only
             when its `inputs` digest is that of the stored title and body text; otherwise
             (absent: EXTRACT_WORKERS=0, rebuilds; or of other text) assign computes them.
    command: `rebuild(conn, cfg)` empties the four tables and replays every stored story in
             arrival order (first_seen, then the order they were indexed in: first_seen has
             whole seconds; then published_at, id); the result equals the incremental one (`snapshot(conn)` compares both; tested). Neither function commits.
    `conn` is a sqlite3.Connection or a sqlite_utils.Database.

Clusters
    id = the id of the story that founded the cluster (stable under rebuild). origin = the
    copy of the outlet that the members name as their source (`来源：新华社`) when that outlet's
    copy is in the cluster, else the earliest published. Each story gets
    similarity_to_origin (containment, 1.0 for the origin) and lag_minutes (its publication
    minus the origin's; negative when a named source published later). A story that matches
    stories of several clusters merges them into the one published first; each merge is a
    row of cluster_merges (into, from, bridging story, stories moved, time).
    clusters.last_changed / cluster_merges.merged_at are the first_seen of the story that
    caused the change (so rebuild writes what the crawl wrote).

Not handled here: a changed story (re-crawl) is re-indexed and may join/merge clusters, but a
cluster is never split; run `rebuild` after mass changes.
"""

from .index import (
    Assignment,
    Config,
    Fingerprint,
    Prepared,
    Verdict,
    assign,
    candidates,
    choose_origin,
    fingerprint,
    inputs_key,
    prepare,
    rebuild,
    snapshot,
    verify,
)
from .schema import all_ddl, clusters_ddl, create_all, index_ddl, stories_columns_ddl
from .signature import NUM_PERM, Signature, signature
from .text import clean_body, clean_title, figures, matching_text, named_source, shingles

__all__ = [
    "Assignment", "Config", "Fingerprint", "Prepared", "Verdict", "assign", "candidates", "choose_origin", "fingerprint",
    "inputs_key", "prepare",
    "rebuild", "snapshot", "verify", "all_ddl", "clusters_ddl", "create_all", "index_ddl",
    "stories_columns_ddl", "NUM_PERM", "Signature", "signature", "clean_body", "clean_title",
    "figures", "matching_text", "named_source", "shingles",
]
