"""Vector search: face embeddings by Euclidean distance, PDQ hashes by Hamming distance.

An index holds vectors under integer ids (the store's ids) and answers two questions:
the ``k`` nearest stored vectors within ``max_distance`` (``search``, ``search_many``),
and every stored vector within ``max_distance`` (``search_radius``, the near-duplicate
question "all PDQ hashes within 31 bits"). Smaller is closer; there are no similarities.

Every kind of index has a trivially correct linear scan as its reference
(``ExactFloatIndex``, ``ExactBinaryIndex``); the FAISS indexes behind the same
``VectorIndex`` protocol are tested against it. ``FlatFloatIndex`` and ``BinaryIndex``
return exactly what the scan returns, ties included; ``HnswFloatIndex`` is approximate
(``exact`` is false: it may miss a neighbour, but reports exact distances).
``build_float_index`` chooses flat or HNSW by the expected size.

Invariant: indexes are derived data. The store is the truth; an index file (``save``,
``load``; FAISS's own format, never pickle) is a cache that can be deleted and rebuilt.
An index is not safe for an ``add`` during a search: one writer owns it.

FAISS spreads work over OpenMP threads, one per core by default. Where other processes
keep the cores busy (ingest workers, one per core), that oversubscription made single
queries 10-50 times slower in measurements; such processes should call
``faiss.omp_set_num_threads(1)``. The choice is the process's, so this package leaves it.
"""

from __future__ import annotations

from genkend.index.base import VectorIndex
from genkend.index.exact import ExactBinaryIndex, ExactFloatIndex
from genkend.index.faiss_backed import (
    BinaryIndex,
    FaissFloatIndex,
    FlatFloatIndex,
    HnswFloatIndex,
    HnswParams,
    load_float_index,
)
from genkend.index.space import Metric

__all__ = [
    "DEFAULT_FLAT_LIMIT",
    "BinaryIndex",
    "ExactBinaryIndex",
    "ExactFloatIndex",
    "FaissFloatIndex",
    "FlatFloatIndex",
    "HnswFloatIndex",
    "HnswParams",
    "Metric",
    "VectorIndex",
    "build_float_index",
    "load_float_index",
]

# Largest gallery searched by exact linear scan when the caller does not choose:
# 100,000 vectors of 128 dims take about 10 ms per single query on one core.
DEFAULT_FLAT_LIMIT = 100_000


def build_float_index(
    dim: int,
    size_hint: int,
    exact: bool | None = None,
    *,
    flat_limit: int = DEFAULT_FLAT_LIMIT,
    hnsw: HnswParams | None = None,
) -> FlatFloatIndex | HnswFloatIndex:
    """An empty float index for about ``size_hint`` vectors of ``dim`` dimensions.

    ``exact=True`` gives a flat (exact) index whatever the size, ``exact=False`` an HNSW
    one; ``None`` chooses flat up to ``flat_limit`` vectors and HNSW beyond.
    """
    if size_hint < 0:
        raise ValueError(f"size_hint must not be negative, got {size_hint}")
    if exact is None:
        exact = size_hint <= flat_limit
    return FlatFloatIndex(dim) if exact else HnswFloatIndex(dim, hnsw)
