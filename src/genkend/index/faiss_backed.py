"""FAISS-backed indexes: exact flat scans and HNSW graphs for embeddings, flat for PDQ.

FAISS only proposes candidates. Every distance reported is recomputed exactly by the
space (float embeddings) or is an exact bit count already (Hamming), so an approximate
index may miss a neighbour but never misstates a distance.

Invariants:

- The FAISS index is an ID map (``IndexIDMap``, ``IndexBinaryIDMap``) over an inner
  index whose n-th row belongs to the n-th id; the ID map carries the ids into the saved
  file. Searches run on the inner index and translate row numbers to ids here.
- An index with ``exact`` true returns what the linear scan returns, ties included.
  FAISS ranks float rows by float32 squared distances, which may misorder rows whose
  true distances are within rounding of each other, and breaks ties arbitrarily. So
  when the candidates cannot be shown to contain every row that ties or beats the k-th
  (``_complete``), a range search fetches all rows that could, and they are ranked
  exactly.
- Files are written whole or not at all (a temporary file, then an atomic rename), and
  read back only if they hold the kind of index asked for. No pickle.
"""

from __future__ import annotations

import math
import os
import secrets
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

import faiss
import numpy as np

from genkend.errors import WorkspaceError
from genkend.index.base import IndexBase
from genkend.index.space import (
    BinarySpace,
    DistanceArray,
    FloatSpace,
    IdArray,
    Rows,
    Space,
    rank,
)
from genkend.records import Neighbour

_Faiss = TypeVar("_Faiss", bound="FaissIndex")

# Extra candidates fetched beyond k: cheap, and they make the exact range-search
# fallback rare, since it is needed only when the k-th and the last candidate tie.
_CANDIDATE_MARGIN = 16


@dataclass(frozen=True)
class HnswParams:
    """How an HNSW graph is built and searched.

    ``m``: links per node (memory and build time grow with it; so does recall).
    ``ef_construction``: breadth of the search that links each new vector.
    ``ef_search``: breadth of each query's search; the recall/latency trade-off.
    On 1M synthetic clustered 128-d embeddings (benchmarks/bench_search.py) the defaults
    reach recall@10 0.997 (0.9996 for queries of known identities, 0.97 for strangers,
    whose ten nearest are nearly equidistant) at a few ms per query on one core;
    ``ef_search=512`` gave 0.989 at about half the latency.
    """

    m: int = 32
    ef_construction: int = 40
    ef_search: int = 1024

    def __post_init__(self) -> None:
        if min(self.m, self.ef_construction, self.ef_search) < 1:
            raise ValueError(f"HNSW parameters must be positive: {self}")


class FaissIndex(IndexBase):
    """Search through a FAISS ID map; see the module docstring."""

    def __init__(self, space: Space, index: Any, ids: IdArray | None = None) -> None:
        super().__init__(space, ids)
        # The ID map owns the inner index; holding it keeps the inner one alive.
        self._index = index
        binary = isinstance(space, BinarySpace)
        downcast = faiss.downcast_IndexBinary if binary else faiss.downcast_index
        self._inner: Any = downcast(index.index)

    def save(self, path: Path) -> None:
        """Write the index to ``path`` atomically (``faiss.write_index``, no pickle).
        The partial file is this writer's own: two searches of one server that build
        the same index at once each write theirs and the second rename wins."""
        partial = path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
        try:
            self._write(partial)
            os.replace(partial, path)
        except (OSError, RuntimeError) as error:
            partial.unlink(missing_ok=True)
            raise WorkspaceError(f"cannot write index file {path}: {error}") from error

    def _write(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    def _store(self, ids: IdArray, rows: Rows) -> None:
        self._index.add_with_ids(rows, ids)

    def _knn(self, queries: Rows, k: int, max_distance: float) -> list[list[Neighbour]]:
        fetch = min(len(self), k + _CANDIDATE_MARGIN)
        raw, rows = self._inner.search(queries, fetch)
        return [
            self._refine(query, query_raw, query_rows, k, max_distance)
            for query, query_raw, query_rows in zip(queries, raw, rows, strict=True)
        ]

    def _refine(
        self, query: Rows, raw: Any, rows: Any, k: int, max_distance: float
    ) -> list[Neighbour]:
        found = rows >= 0
        raw, rows = raw[found], rows[found]
        hits = rank(self._ids[rows], self._distances(query, rows, raw), k, max_distance)
        if not self.exact or rows.size == len(self):
            return hits
        # Rows beyond the candidates matter only if they could tie or beat this bound.
        bound = hits[-1].distance if len(hits) == k else max_distance
        if self._complete(query, raw, bound):
            return hits
        ids, distances = self._range(query, bound)
        return rank(ids, distances, k, max_distance)

    def _complete(self, query: Rows, raw: Any, bound: float) -> bool:
        # Every row not fetched scored at least the last candidate's raw distance, and
        # every row within ``bound`` scores below the raw radius.
        return bool(raw.max() >= self._raw_radius(query, bound))

    def _within(self, query: Rows, max_distance: float) -> list[Neighbour]:
        ids, distances = self._range(query, max_distance)
        return rank(ids, distances, None, max_distance)

    def _range(self, query: Rows, bound: float) -> tuple[IdArray, DistanceArray]:
        """Ids and exact distances of (at least) every row within ``bound`` of ``query``."""
        _, raw, rows = self._inner.range_search(
            query[np.newaxis, :], self._raw_radius(query, bound)
        )
        return self._ids[rows], self._distances(query, rows, raw)

    @abstractmethod
    def _raw_radius(self, query: Rows, bound: float) -> float:
        """A FAISS radius whose range search (strictly below it) finds every row within
        ``bound`` of ``query``, despite FAISS's rounding."""

    @abstractmethod
    def _distances(self, query: Rows, rows: Any, raw: Any) -> DistanceArray:
        """Exact distances from ``query`` to the given inner ``rows`` (FAISS said ``raw``)."""


class FaissFloatIndex(FaissIndex):
    """Float embeddings under the Euclidean distance; FAISS scores squared L2 in float32."""

    _space: FloatSpace

    def _raw_radius(self, query: Rows, bound: float) -> float:
        squared = bound * bound + self._space.squared_error_bound(query, bound)
        # One float32 step up, so that a row scored exactly ``squared`` still passes.
        return float(np.nextafter(np.float32(squared), np.float32(np.inf)))

    def _distances(self, query: Rows, rows: Any, raw: Any) -> DistanceArray:
        if rows.size == 0:
            return np.empty(0, dtype=np.float64)
        stored = self._inner.reconstruct_batch(rows)
        return self._space.distances(stored, query)

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read an index that ``save`` wrote; ``WorkspaceError`` if it is not one of ``cls``."""
        index = load_float_index(path)
        if not isinstance(index, cls):
            raise WorkspaceError(f"{path} holds a {type(index).__name__}, not a {cls.__name__}")
        return index


class FlatFloatIndex(FaissFloatIndex):
    """Exact search over float embeddings: FAISS ``IndexFlatL2`` (a SIMD linear scan).

    Single-query latency grows linearly with size: about 10 ms per 100,000 vectors of 128
    dims on one core (benchmarks/), so large galleries want ``HnswFloatIndex``.
    """

    exact: ClassVar[bool] = True

    def __init__(self, dim: int) -> None:
        space = FloatSpace(dim)
        super().__init__(space, faiss.IndexIDMap(faiss.IndexFlatL2(space.dim)))


class HnswFloatIndex(FaissFloatIndex):
    """Approximate search over float embeddings: FAISS ``IndexHNSWFlat``.

    A graph of the vectors that a query walks greedily; it may miss a true neighbour
    (recall below 1), so ``exact`` is false. Stored vectors are kept whole, so reported
    distances are exact. Vectors cannot be removed; rebuild from the store instead.
    """

    exact: ClassVar[bool] = False

    def __init__(self, dim: int, params: HnswParams | None = None) -> None:
        params = params or HnswParams()
        space = FloatSpace(dim)
        inner = faiss.IndexHNSWFlat(space.dim, params.m, faiss.METRIC_L2)
        inner.hnsw.efConstruction = params.ef_construction
        inner.hnsw.efSearch = params.ef_search
        super().__init__(space, faiss.IndexIDMap(inner))

    @property
    def params(self) -> HnswParams:
        """The graph's parameters, as built (or as read back from a file)."""
        hnsw = self._inner.hnsw
        return HnswParams(
            m=int(hnsw.nb_neighbors(1)),
            ef_construction=int(hnsw.efConstruction),
            ef_search=int(hnsw.efSearch),
        )

    @property
    def ef_search(self) -> int:
        """Breadth of each query's graph search (the recall/latency trade-off)."""
        return int(self._inner.hnsw.efSearch)

    @ef_search.setter
    def ef_search(self, value: int) -> None:
        if value < 1:
            raise ValueError(f"ef_search must be positive, got {value}")
        self._inner.hnsw.efSearch = int(value)


class BinaryIndex(FaissIndex):
    """Exact Hamming search over bit strings (PDQ: 256 bits as (n, 32) uint8 arrays).

    FAISS ``IndexBinaryFlat``: a linear scan with hardware popcount. Hamming distances are
    exact integers, so only ties need the exact fallback. ``search_radius(query, 31)`` is
    the near-duplicate question "every hash within 31 bits", and it is complete.
    """

    exact: ClassVar[bool] = True

    def __init__(self, bits: int = 256) -> None:
        space = BinarySpace(bits)
        super().__init__(space, faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(space.bits)))

    def _write(self, path: Path) -> None:
        faiss.write_index_binary(self._index, str(path))

    def _raw_radius(self, query: Rows, bound: float) -> float:
        # FAISS keeps distances strictly below the radius; distances are whole bits.
        return math.floor(min(bound, self._space.dim)) + 1

    def _distances(self, query: Rows, rows: Any, raw: Any) -> DistanceArray:
        return np.asarray(raw, dtype=np.float64)

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read an index that ``save`` wrote; ``WorkspaceError`` if it is not one."""
        index = _read(path, faiss.read_index_binary)
        inner = faiss.downcast_IndexBinary(index.index) if _is_id_map(index, binary=True) else None
        if not isinstance(inner, faiss.IndexBinaryFlat):
            raise WorkspaceError(f"{path} does not hold a binary flat index with ids")
        return _wrap(cls, BinarySpace(int(index.d)), index)


def load_float_index(path: Path) -> FlatFloatIndex | HnswFloatIndex:
    """Read a float index that ``save`` wrote, flat or HNSW, whichever the file holds."""
    index = _read(path, faiss.read_index)
    inner = faiss.downcast_index(index.index) if _is_id_map(index, binary=False) else None
    if inner is None or inner.metric_type != faiss.METRIC_L2:
        raise WorkspaceError(f"{path} does not hold an L2 float index with ids")
    space = FloatSpace(int(index.d))
    if isinstance(inner, faiss.IndexHNSWFlat):
        return _wrap(HnswFloatIndex, space, index)
    if isinstance(inner, faiss.IndexFlat):
        return _wrap(FlatFloatIndex, space, index)
    raise WorkspaceError(f"{path} holds an unsupported index ({type(inner).__name__})")


def _read(path: Path, reader: Any) -> Any:
    if not path.is_file():
        raise WorkspaceError(f"index file {path} does not exist")
    try:
        return reader(str(path))
    except RuntimeError as error:
        raise WorkspaceError(f"cannot read index file {path}; rebuild it: {error}") from error


def _is_id_map(index: Any, *, binary: bool) -> bool:
    kind = faiss.IndexBinaryIDMap if binary else faiss.IndexIDMap
    return isinstance(index, kind)


def _wrap(cls: type[_Faiss], space: Space, index: Any) -> _Faiss:
    """An instance of ``cls`` around an index read from a file (no new FAISS index)."""
    ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    if ids.size != index.ntotal:
        raise WorkspaceError(f"index file has {index.ntotal} vectors but {ids.size} ids")
    if np.unique(ids).size != ids.size:
        raise WorkspaceError("index file holds the same id twice; rebuild it")
    wrapped = cls.__new__(cls)
    FaissIndex.__init__(wrapped, space, index, ids)
    return wrapped
