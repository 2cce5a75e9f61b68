"""datasketch's MinHash, imported without the rest of datasketch.

``import datasketch`` runs the package's ``__init__``, which imports every structure it
offers; its LSH classes import scipy (``scipy.integrate``, for their parameter search).
The store does its own banding (signature.py) and uses only ``MinHash``, which needs
numpy and nothing else. Measured here: ``import datasketch`` adds 54 MB RSS and 567
modules to a process, ``datasketch.minhash`` alone 18 MB. Every extraction worker and the
pool's fork server hold a copy, so the difference is about 110 MB of the crawl's process
tree with two workers (issue 12, docs/throughput-history.md).

How: the ``datasketch`` package is put in ``sys.modules`` *without* running its
``__init__`` while ``datasketch.minhash`` (and the ``datasketch.hashfunc`` it imports) load,
then taken out again. A later ``import datasketch`` (an analyst's script, a test) runs the
real ``__init__``, which finds those two submodules already loaded: ``datasketch.MinHash``
is then this very class. If datasketch is already imported, its class is used as is.
"""

from __future__ import annotations

import importlib.util
import sys


def _import_minhash() -> type:
    loaded = sys.modules.get("datasketch")
    if loaded is not None:
        return loaded.MinHash
    spec = importlib.util.find_spec("datasketch")
    if spec is None:
        raise ImportError("datasketch is not installed")
    package = importlib.util.module_from_spec(spec)   # not executed: no __init__ imports
    sys.modules["datasketch"] = package
    try:
        from datasketch.minhash import MinHash
    finally:
        if sys.modules.get("datasketch") is package:
            del sys.modules["datasketch"]
    return MinHash


MinHash = _import_minhash()
