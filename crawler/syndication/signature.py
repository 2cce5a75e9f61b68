"""MinHash signatures and LSH band keys (datasketch MinHash, fixed seed).

Two signatures per story:
- the *full* signature over all shingles of the matching text, banded for Jaccard ≈ 0.4–0.5
  (FULL_BANDS × FULL_ROWS = 32 × 4 of 128 permutations: a pair with Jaccard 0.6 becomes a
  candidate with probability 0.99, 0.5 → 0.87, 0.3 → 0.23);
- the *lead* signature over the first LEAD_CHARS characters of the body (LEAD_BANDS × LEAD_ROWS = 16 × 4 of
  64 permutations; with 32 the estimate's spread, ±0.07, lost real excerpts), which finds an excerpt (`…点击阅读全文`) or a copy whose last paragraphs were
  dropped: their Jaccard with the full copy can be far below any banding threshold, while the
  leads are nearly identical.
Band keys are 64-bit signed integers (blake2b of the band's rows), stored as SQLite INTEGERs;
lead bands are numbered after the full ones so both live in one table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from hashlib import sha1
from typing import TYPE_CHECKING

from .text import shingles, tokens

if TYPE_CHECKING:
    import numpy as np
    from datasketch import MinHash

SEED = 20240610
# datasketch ≥ 2.0 scheme, pinned: stored signatures from another scheme are not comparable.
SCHEME = "affine32"
NUM_PERM = 128
FULL_BANDS, FULL_ROWS = 32, 4
LEAD_PERM = 64
LEAD_BANDS, LEAD_ROWS = 16, 4
LEAD_CHARS = 100            # tokens of the body: CJK characters, or words
MIN_LEAD_SHINGLES = 20      # shorter texts get no lead bands (their full signature is the lead)


@lru_cache(maxsize=1)
def _templates() -> tuple[MinHash, MinHash]:
    """The full and the lead MinHash templates. Permutations are fixed by SEED; building
    them is the costly part of MinHash(), so they are built once — on the first signature,
    not at import: datasketch's MinHash (numpy) costs 0.1–0.2 s to import, which a run that stores
    nothing new should not pay (issue 12)."""
    from .minhash import MinHash  # datasketch's, without scipy

    return (MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME),
            MinHash(num_perm=LEAD_PERM, seed=SEED + 1, scheme=SCHEME))


@dataclass(frozen=True)
class Signature:
    minhash: np.ndarray          # NUM_PERM uint32 values
    length: int                  # number of shingles
    bands: tuple[tuple[int, int], ...]   # (band number, band hash)

    def minhash_blob(self) -> bytes:
        return self.minhash.astype("<u4").tobytes()


def _minhash(items: set[str], template: MinHash) -> np.ndarray:
    """The MinHash of ``items`` (datasketch's, with its default hash: the first 4 bytes of the
    SHA-1 of the UTF-8 text, little-endian). The hashes are taken here, in one comprehension,
    and handed to datasketch as they are (``hashfunc=int``): its own per-item call of
    ``sha1_hash32`` was a third of a Chinese page's fingerprint. Items are taken in any
    order (a minimum does not depend on it)."""
    import numpy as np

    from .minhash import MinHash  # datasketch's, without scipy

    m = MinHash(num_perm=len(template.hashvalues), seed=template.seed, hashfunc=int, permutations=template.permutations, scheme=SCHEME)
    if items:
        m.update_batch([int.from_bytes(sha1(item.encode("utf-8")).digest()[:4], "little") for item in items])
    return m.hashvalues.astype(np.uint32)


def band_keys(values: np.ndarray, bands: int, rows: int, offset: int = 0) -> list[tuple[int, int]]:
    out = []
    raw = values.astype("<u4")
    for b in range(bands):
        digest = hashlib.blake2b(raw[b * rows:(b + 1) * rows].tobytes(), digest_size=8).digest()
        out.append((offset + b, int.from_bytes(digest, "little", signed=True)))
    return out


def lead_text(text: str) -> str:
    """The first LEAD_CHARS tokens (characters of CJK text, words otherwise)."""
    return " ".join(tokens(text, LEAD_CHARS))


def body_lead(cleaned_body: str) -> str:
    """``lead_text(matching_text(body_text, None))`` from ``clean_body(body_text)``: the tokens
    of a matching text are those it is written from, so the first LEAD_CHARS tokens of the
    cleaned body are its lead, without writing the body's matching text (a fifth of a
    fingerprint's cost; issue 12)."""
    return " ".join(tokens(cleaned_body.strip().lower(), LEAD_CHARS))


def signature(text: str, shingle_set: set[str] | None = None, lead: str | None = None, *, lead_tokens: str | None = None) -> Signature:
    """The signature of a matching text (see `text.matching_text`). `lead` is the matching
    text of the body alone (without the headline, which copies rewrite); default `text`.
    `lead_tokens`: `lead_text` of it, when the caller has it (`body_lead`)."""
    sh = shingle_set if shingle_set is not None else shingles(text)
    template, lead_template = _templates()
    full = _minhash(sh, template)
    bands = band_keys(full, FULL_BANDS, FULL_ROWS)
    lead_sh = shingles(lead_tokens if lead_tokens is not None else lead_text(lead if lead is not None else text))
    # An excerpt's lead is its whole text, so a lead is indexed even when it is the full text.
    if len(lead_sh) >= MIN_LEAD_SHINGLES:
        bands += band_keys(_minhash(lead_sh, lead_template), LEAD_BANDS, LEAD_ROWS, offset=FULL_BANDS)
    return Signature(full, len(sh), tuple(bands))


def estimated_jaccard(a: bytes | np.ndarray, b: bytes | np.ndarray) -> float:
    """Jaccard estimated from two stored minhash blobs (share of equal values)."""
    import numpy as np

    va = np.frombuffer(a, dtype="<u4") if isinstance(a, bytes) else a
    vb = np.frombuffer(b, dtype="<u4") if isinstance(b, bytes) else b
    return float(np.mean(va == vb))
