"""Incremental cluster assignment over a SQLite store, and the rebuild that replays it.

The caller owns the connection and the transaction: `assign()` runs a handful of statements
and never commits, so the store pipeline can call it inside the transaction that inserts the
story (the story row must already be in `stories`).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from .signature import body_lead, signature
from .text import clean_body, figures, matching_text, named_source, shingles

if TYPE_CHECKING:
    from .signature import Signature

CHINA_TZ = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Config:
    # Copies of one story appear within a few days of each other; a formulaic report
    # (market close, weather) repeats its wording every day, so pairs further apart than
    # this are never the same story. Setting SYNDICATION_WINDOW_DAYS.
    window_days: float = 3.0
    # Share of the shorter text's shingles found in the longer one (containment): catches
    # an excerpt inside a full copy, where Jaccard would be low.
    min_containment: float = 0.7
    # Share of the shorter text's figures that may be missing from the longer text before
    # the two count as different stories (a few are allowed in long texts: corrections).
    figure_tolerance: float = 0.1
    stories_table: str = "stories"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None = None) -> Config:
        """From Scrapy settings (or a dict, or the environment): SYNDICATION_WINDOW_DAYS,
        SYNDICATION_MIN_CONTAINMENT, SYNDICATION_FIGURE_TOLERANCE."""
        src = settings if settings is not None else os.environ
        get = src.get
        return cls(
            window_days=float(get("SYNDICATION_WINDOW_DAYS", cls.window_days) or cls.window_days),
            min_containment=float(get("SYNDICATION_MIN_CONTAINMENT", cls.min_containment) or cls.min_containment),
            figure_tolerance=float(get("SYNDICATION_FIGURE_TOLERANCE", cls.figure_tolerance) or cls.figure_tolerance),
        )


@dataclass
class Prepared:
    """What matching needs of one story, computed once."""
    story_id: str
    text: str
    shingles: set[str]
    figures: frozenset[str]
    ts: int | None
    outlet: str | None
    named_source: str | None
    lead: str = ""


@dataclass(frozen=True)
class Verdict:
    same: bool
    containment: float
    jaccard: float
    reason: str      # "match", "window", "figures", "text"


@dataclass
class Assignment:
    story_id: str
    cluster_id: str
    is_new_cluster: bool
    merged_clusters: list[str] = field(default_factory=list)   # clusters merged into cluster_id
    matched_stories: list[str] = field(default_factory=list)   # verified near-duplicates
    origin_story_id: str | None = None
    similarity: float = 1.0          # containment between this story and the origin
    lag_minutes: int | None = 0      # minutes after the origin's publication
    candidates: int = 0              # LSH candidates looked at
    # where the MinHash came from: "worker" (a Fingerprint of the same text), "store"
    # (computed here), "stale" (a Fingerprint of another text was given: computed here)
    signature_from: str = "store"


def parse_ts(value: Any) -> int | None:
    """Epoch seconds of an ISO 8601 time (naive times are China time, as in the store)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CHINA_TZ)
    return int(dt.timestamp())


def story_time(story: Mapping[str, Any]) -> int | None:
    return parse_ts(story.get("published_at")) or parse_ts(story.get("first_seen"))


def prepare(story: Mapping[str, Any]) -> Prepared:
    """Matching text, shingles, figures, time and attribution of one story. Cached by content:
    copies arrive close together, so the same stored stories are verified again and again."""
    # every field _make_prepared reads: a story whose content changed is prepared again
    key = (story["id"], story.get("title"), story.get("body_text"), story.get("published_at"),
           story.get("first_seen"), story.get("outlet"), story.get("named_source"))
    return PREPARED_CACHE.get(key, lambda: _make_prepared(story))


class PreparedCache:
    """Prepared stories by their content, the least recently used dropped first, bounded by
    the shingles they hold as well as by their number: a story's shingle set is most of its
    memory (about 140 bytes a shingle), and stories differ in length a hundredfold. Bounded
    by number alone (``lru_cache(512)``), 512 stories of a 3,600-character median held 117 MB
    in the crawl process, which grew with the stored stories until the cache was full."""

    def __init__(self, max_shingles: int, max_stories: int):
        self.max_shingles = max_shingles
        self.max_stories = max_stories
        self.shingles = 0           # held now
        self._entries: OrderedDict[tuple, Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple, make) -> Prepared:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        made = make()
        with self._lock:
            if key not in self._entries:
                self._entries[key] = made
                self.shingles += len(made.shingles)
                while self._entries and (self.shingles > self.max_shingles or len(self._entries) > self.max_stories):
                    _, dropped = self._entries.popitem(last=False)
                    self.shingles -= len(dropped.shingles)
        return made

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.shingles = 0


# about 28 MB of shingles (copies of one story arrive close together: the stories they are
# verified against are the same few, again and again)
PREPARED_CACHE = PreparedCache(max_shingles=200_000, max_stories=512)


def _make_prepared(story: Mapping[str, Any]) -> Prepared:
    cleaned = clean_body(story.get("body_text"))  # for both matching texts below
    text = matching_text(story.get("body_text"), story.get("title"), cleaned_body=cleaned)
    return Prepared(
        story_id=story["id"],
        text=text,
        shingles=shingles(text),
        figures=frozenset(_comparable_figures(text)),
        ts=story_time(story),
        outlet=story.get("outlet"),
        # The integrator may pass what extraction found (a "来源：" meta line that differs
        # from the publishing site); otherwise it is looked for in the body text.
        named_source=story.get("named_source") or named_source(story.get("body_text")),
        lead=matching_text(story.get("body_text"), None, cleaned_body=cleaned),
    )


@dataclass(frozen=True)
class Fingerprint:
    """What `assign` computes of a new story's text that does not need the store: the
    signature (MinHash, length, band keys) and the source the body names. A worker process
    computes it (`fingerprint`, crawler/page_job.py) so that the crawl's one main process
    does not; `assign` uses it only when `inputs` says it was computed from the very title
    and body text the store holds, else computes all itself. Small and picklable (no numpy):
    about 1.4 KB."""
    inputs: str                          # inputs_key(title, body_text) it was computed from
    minhash: bytes                       # NUM_PERM little-endian uint32: the stored blob
    length: int                          # shingles of the matching text
    bands: tuple[tuple[int, int], ...]   # (band number, band hash), full and lead bands
    named_source: str | None             # named_source(body_text)

    def minhash_blob(self) -> bytes:     # as Signature.minhash_blob: _index takes either
        return self.minhash


def inputs_key(title: str | None, body_text: str | None) -> str:
    """A digest of the two texts the signature depends on (None reads as "", as every
    matching function does). Cheap next to the signature: 10 µs for 10 KB."""
    h = hashlib.blake2b(digest_size=16)
    for part in (title or "", body_text or ""):
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def fingerprint(title: str | None, body_text: str | None) -> Fingerprint:
    """The Fingerprint of a story with this title and body text: exactly what `assign`
    computes from the stored row (`prepare`, then `signature`), nothing else."""
    cleaned = clean_body(body_text)
    text = matching_text(body_text, title, cleaned_body=cleaned)
    sig = signature(text, shingles(text), lead_tokens=body_lead(cleaned))
    return Fingerprint(inputs=inputs_key(title, body_text), minhash=sig.minhash_blob(), length=sig.length,
                       bands=sig.bands, named_source=named_source(body_text))


def _comparable_figures(text: str) -> list[str]:
    figs = figures(text)
    # An excerpt can end in the middle of a figure ("成交额98" of "9876亿元"): a figure that
    # ends the text is not evidence.
    if figs and text.rstrip().endswith(figs[-1].rstrip("%")):
        figs = figs[:-1]
    return figs


def verify(a: Prepared, b: Prepared, cfg: Config = Config()) -> Verdict:
    """Whether two stories are copies of one story. Symmetric."""
    if not a.shingles or not b.shingles:
        return Verdict(False, 0.0, 0.0, "text")
    inter = len(a.shingles & b.shingles)
    short, long_ = (a, b) if len(a.shingles) <= len(b.shingles) else (b, a)
    containment = inter / len(short.shingles)
    jaccard = inter / (len(a.shingles) + len(b.shingles) - inter)
    if a.ts is not None and b.ts is not None and abs(a.ts - b.ts) > cfg.window_days * 86400:
        return Verdict(False, containment, jaccard, "window")
    if containment < cfg.min_containment:
        return Verdict(False, containment, jaccard, "text")
    # Formulaic reports (market close, exchange rates, weather, lottery) share their wording
    # day after day; their figures differ. Figures of the shorter text missing from the
    # longer one are evidence of a different story.
    missing = len(short.figures - long_.figures)
    if missing > int(cfg.figure_tolerance * len(short.figures)):
        return Verdict(False, containment, jaccard, "figures")
    return Verdict(True, containment, jaccard, "match")


def similarity(a: Prepared, b: Prepared) -> float:
    if a.story_id == b.story_id:
        return 1.0
    if not a.shingles or not b.shingles:
        return 0.0
    return round(len(a.shingles & b.shingles) / min(len(a.shingles), len(b.shingles)), 4)


class _Store:
    def __init__(self, conn: sqlite3.Connection, cfg: Config):
        self.conn = conn
        self.cfg = cfg
        self.t = cfg.stories_table

    def story_rows(self, ids: list[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            q = (f"SELECT id, title, body_text, published_at, first_seen, outlet, cluster_id "
                 f"FROM {self.t} WHERE id IN ({','.join('?' * len(chunk))})")
            for row in self.conn.execute(q, chunk):
                out[row[0]] = dict(zip(("id", "title", "body_text", "published_at", "first_seen", "outlet", "cluster_id"), row))
        return out


def _conn(db) -> sqlite3.Connection:
    return getattr(db, "conn", db)   # sqlite_utils.Database or sqlite3.Connection


def candidates(conn: sqlite3.Connection, bands) -> list[int]:
    """sig_ids sharing at least one band key, in a stable order."""
    found: set[int] = set()
    for band, h in bands:
        for (sig_id,) in conn.execute("SELECT sig_id FROM lsh_bands WHERE band = ? AND hash = ?", (band, h)):
            found.add(sig_id)
    return sorted(found)


def _index(conn: sqlite3.Connection, story_id: str, ts: int | None, outlet: str | None, named: str | None,
           sig: Signature | Fingerprint) -> int:
    row = conn.execute("SELECT sig_id FROM story_signatures WHERE story_id = ?", (story_id,)).fetchone()
    if row:   # a changed story is indexed again under its old sig_id
        conn.execute("DELETE FROM lsh_bands WHERE sig_id = ?", (row[0],))
        conn.execute(
            "UPDATE story_signatures SET minhash=?, length=?, ts=?, outlet=?, named_source=? WHERE sig_id=?",
            (sig.minhash_blob(), sig.length, ts, outlet, named, row[0]))
        sig_id = row[0]
    else:
        sig_id = conn.execute(
            "INSERT INTO story_signatures (story_id, minhash, length, ts, outlet, named_source) VALUES (?,?,?,?,?,?)",
            (story_id, sig.minhash_blob(), sig.length, ts, outlet, named)).lastrowid
    conn.executemany("INSERT INTO lsh_bands (band, hash, sig_id) VALUES (?,?,?)",
                     [(b, h, sig_id) for b, h in sig.bands])
    return sig_id


def _iso(ts: int | None) -> str | None:
    return datetime.fromtimestamp(ts, CHINA_TZ).isoformat() if ts is not None else None


def _outlet_matches(named: str, outlet: str | None) -> bool:
    if not outlet:
        return False
    return named == outlet or named in outlet or outlet in named


def choose_origin(members: list[tuple[str, int | None, str | None, str | None]]) -> str:
    """Origin of a cluster from (story_id, ts, outlet, named_source) of its members: the copy
    of the outlet the copies name as their source (most named, then earliest naming), when
    that outlet's copy is in the cluster; otherwise the earliest published."""
    order = sorted(members, key=lambda m: (m[1] if m[1] is not None else 1 << 62, m[0]))
    named: Counter[str] = Counter()
    first_naming: dict[str, int] = {}
    for pos, (_, _, outlet, src) in enumerate(order):
        if src and not _outlet_matches(src, outlet):
            named[src] += 1
            first_naming.setdefault(src, pos)
    for src, _ in sorted(named.items(), key=lambda kv: (-kv[1], first_naming[kv[0]])):
        for sid, _, outlet, _ in order:
            if _outlet_matches(src, outlet):
                return sid
    return order[0][0]


def assign(db, story: Mapping[str, Any], cfg: Config | None = None, *, at: str | None = None,
           precomputed: Fingerprint | None = None) -> Assignment:
    """Index one stored story and put it in a cluster: a new one, the one its verified
    near-duplicates are in, or — when they are in several — the earliest of those, into
    which the others are merged (recorded in `cluster_merges`). Updates the story's
    cluster_id / similarity_to_origin / lag_minutes and the cluster row; does not commit.

    `story` needs id, title, body_text, published_at, first_seen, outlet. `at` is the time
    written to clusters.last_changed / cluster_merges.merged_at (default: the story's
    first_seen, so that a rebuild writes what the crawl wrote). `precomputed`: the story's
    `fingerprint`, computed elsewhere (a worker process); used only when it is of this
    story's title and body text, else ignored (the result is the same either way)."""
    cfg = cfg or Config()
    conn = _conn(db)
    store = _Store(conn, cfg)
    t = cfg.stories_table
    at = at or story.get("first_seen") or datetime.now(timezone.utc).isoformat(timespec="seconds")
    story_id, ts, outlet = story["id"], story_time(story), story.get("outlet")
    fp = precomputed
    if fp is not None and fp.inputs != inputs_key(story.get("title"), story.get("body_text")):
        fp = None
    prep: Prepared | None = None

    def prepared() -> Prepared:
        # the matching text and shingles: with a fingerprint, only when there is something
        # to verify (prepare's cache keeps them for the copies that arrive later)
        nonlocal prep
        if prep is None:
            prep = prepare(story)
        return prep

    sig: Signature | Fingerprint
    if fp is not None:
        sig, named = fp, story.get("named_source") or fp.named_source
    else:
        p = prepared()
        sig, named = signature(p.text, p.shingles, p.lead), p.named_source

    cand_ids = [c for c in candidates(conn, sig.bands)]
    matched: list[tuple[str, str | None, Verdict]] = []
    if cand_ids:
        lo = None if ts is None else ts - cfg.window_days * 86400
        hi = None if ts is None else ts + cfg.window_days * 86400
        rows = []
        for i in range(0, len(cand_ids), 500):
            chunk = cand_ids[i:i + 500]
            rows += conn.execute(
                f"SELECT story_id, ts FROM story_signatures WHERE sig_id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        # The window is checked on the index row before any story text is read.
        ids = [sid for sid, cts in rows if sid != story_id
               and (cts is None or lo is None or lo <= cts <= hi)]
        for sid, row in sorted(store.story_rows(ids).items()):
            v = verify(prepared(), prepare(row), cfg)
            if v.same:
                matched.append((sid, row["cluster_id"], v))
    _index(conn, story_id, ts, outlet, named, sig)

    clusters = sorted({c for _, c, _ in matched if c})
    result = Assignment(story_id=story_id, cluster_id=story_id, is_new_cluster=not clusters,
                        matched_stories=[s for s, _, _ in matched], candidates=len(cand_ids),
                        signature_from="worker" if fp is not None else "stale" if precomputed is not None else "store")
    if not clusters:
        conn.execute(f"UPDATE {t} SET cluster_id = ?, similarity_to_origin = 1.0, lag_minutes = 0 WHERE id = ?",
                     (story_id, story_id))
        conn.execute(
            "INSERT OR REPLACE INTO clusters (id, origin_story_id, first_published, stories, outlets, last_changed) "
            "VALUES (?,?,?,?,?,?)", (story_id, story_id, _iso(ts), 1, 1 if outlet else 0, at))
        result.origin_story_id = story_id
        return result

    # The surviving cluster is the one whose story was published first (ties: smallest id).
    firsts = {}
    for cid in clusters:
        row = conn.execute("SELECT first_published FROM clusters WHERE id = ?", (cid,)).fetchone()
        firsts[cid] = parse_ts(row[0]) if row and row[0] else 1 << 62
    target = min(clusters, key=lambda c: (firsts[c], c))
    for cid in clusters:
        if cid == target:
            continue
        moved = conn.execute(f"UPDATE {t} SET cluster_id = ? WHERE cluster_id = ?", (target, cid)).rowcount
        conn.execute("DELETE FROM clusters WHERE id = ?", (cid,))
        conn.execute("INSERT INTO cluster_merges (into_cluster, from_cluster, story_id, stories_moved, merged_at) "
                     "VALUES (?,?,?,?,?)", (target, cid, story_id, moved, at))
        result.merged_clusters.append(cid)
    conn.execute(f"UPDATE {t} SET cluster_id = ? WHERE id = ?", (target, story_id))
    result.cluster_id = target
    old_origin = conn.execute("SELECT origin_story_id FROM clusters WHERE id = ?", (target,)).fetchone()[0]
    origin, sim, lag = _refresh(conn, store, target, prepared(), old_origin, bool(result.merged_clusters), at)
    result.origin_story_id, result.similarity, result.lag_minutes = origin, sim, lag
    return result


def _refresh(conn, store: _Store, cid: str, new: Prepared, old_origin: str, merged: bool, at: str):
    t = store.t
    members = conn.execute(
        f"SELECT s.id, g.ts, g.outlet, g.named_source FROM {t} s JOIN story_signatures g ON g.story_id = s.id "
        f"WHERE s.cluster_id = ?", (cid,)).fetchall()
    origin = choose_origin(members)
    ts_of = {m[0]: m[1] for m in members}
    first = min((m[1] for m in members if m[1] is not None), default=None)
    outlets = len({m[2] for m in members if m[2]})
    conn.execute("UPDATE clusters SET origin_story_id=?, first_published=?, stories=?, outlets=?, last_changed=? WHERE id=?",
                 (origin, _iso(first), len(members), outlets, at, cid))

    def lag(sid):
        a, o = ts_of.get(sid), ts_of.get(origin)
        return None if a is None or o is None else round((a - o) / 60)

    if origin == old_origin and not merged:
        # Only the newcomer needs its similarity to the (unchanged) origin.
        origin_row = store.story_rows([origin])[origin] if origin != new.story_id else None
        sim = similarity(new, prepare(origin_row)) if origin_row else 1.0
        conn.execute(f"UPDATE {t} SET similarity_to_origin=?, lag_minutes=? WHERE id=?", (sim, lag(new.story_id), new.story_id))
        return origin, sim, lag(new.story_id)
    rows = store.story_rows([m[0] for m in members if m[0] != new.story_id])
    preps = {sid: prepare(r) for sid, r in rows.items()}
    preps[new.story_id] = new
    op = preps[origin]
    updates = [(similarity(p, op), lag(sid), sid) for sid, p in preps.items()]
    conn.executemany(f"UPDATE {t} SET similarity_to_origin=?, lag_minutes=? WHERE id=?", updates)
    return origin, similarity(new, op), lag(new.story_id)


def rebuild(db, cfg: Config | None = None) -> dict:
    """Rebuild the index and every cluster from the stored stories, replaying them in
    arrival order (first_seen, then the order they were indexed in, then published_at and id)
    exactly as the crawls assigned them, so the result equals the incremental one. Does not
    commit."""
    cfg = cfg or Config()
    conn = _conn(db)
    t = cfg.stories_table
    # The crawl's own order: sig_id grows with every story assign() indexed, and first_seen
    # has whole seconds only (a crawl stores several stories a second; in another order the
    # same stories can found other clusters). Stories never indexed (a store made before
    # syndication) follow, within their first_seen second, by published_at and id.
    indexed = dict(conn.execute("SELECT story_id, sig_id FROM story_signatures"))
    stories = conn.execute(f"SELECT id, first_seen, published_at FROM {t}").fetchall()
    stories.sort(key=lambda r: (r[1] or "", indexed.get(r[0], 1 << 62), r[2] or "", r[0]))
    ids = [r[0] for r in stories]
    for table in ("lsh_bands", "story_signatures", "clusters", "cluster_merges"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute(f"UPDATE {t} SET cluster_id = NULL, similarity_to_origin = NULL, lag_minutes = NULL")
    store = _Store(conn, cfg)
    merges = 0
    for i in range(0, len(ids), 200):
        rows = store.story_rows(ids[i:i + 200])
        for sid in ids[i:i + 200]:
            merges += len(assign(conn, rows[sid], cfg).merged_clusters)
    clusters = conn.execute("SELECT count(*) FROM clusters").fetchone()[0]
    return {"stories": len(ids), "clusters": clusters, "merges": merges}


def snapshot(db, cfg: Config | None = None) -> dict:
    """Everything the clustering wrote, for comparing two runs (rebuild vs incremental)."""
    cfg = cfg or Config()
    conn = _conn(db)
    return {
        "stories": conn.execute(f"SELECT id, cluster_id, similarity_to_origin, lag_minutes FROM {cfg.stories_table} ORDER BY id").fetchall(),
        "clusters": conn.execute("SELECT * FROM clusters ORDER BY id").fetchall(),
        "merges": conn.execute("SELECT into_cluster, from_cluster, story_id, stories_moved, merged_at FROM cluster_merges ORDER BY id").fetchall(),
    }
