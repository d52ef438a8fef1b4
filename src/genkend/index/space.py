"""The two vector spaces genkend searches, each with its one definition of distance.

A space checks and converts what callers hand in (ids, vectors, queries, ``k``,
``max_distance``) and computes exact distances. Every index, fast or not, reports the
distances computed here, so two indexes over the same data report the same numbers, and
``rank`` gives every index the same result order.

Invariants:

- ``FloatSpace``: vectors and queries are rounded to float32 (as FAISS stores them); the
  distance is the Euclidean (L2) distance, not its square, computed in float64 from the
  float32 values, so every index reports the same number for the same pair.
- ``BinarySpace``: a vector is a bit string stored as ``bits // 8`` unsigned bytes (a
  256-bit PDQ hash is 32 bytes); the distance is the Hamming distance in bits.
- Results are sorted by distance, then id, and hold only distances ``<= max_distance``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from genkend.records import Neighbour

Metric = Literal["l2", "hamming"]

IdArray = NDArray[np.int64]
DistanceArray = NDArray[np.float64]
# Checked vectors: float32 embeddings or packed bits.
Rows = NDArray[np.float32] | NDArray[np.uint8]

# Rows per block when a linear scan computes float64 distances, so that the temporary
# float64 copy of a large gallery stays small (64 Ki rows of 128 dims: 64 MiB).
_SCAN_BLOCK_ROWS = 65_536

# Hamming weight of every byte value; a table lookup is the plainest correct popcount.
_POPCOUNT = np.array([bin(value).count("1") for value in range(256)], dtype=np.int64)


def check_ids(ids: ArrayLike) -> IdArray:
    """Return ``ids`` as a 1-D int64 array of distinct non-negative ids.

    FAISS uses -1 to mean "no result", and store ids are positive, so a negative id is
    a caller's bug rather than data.
    """
    array = np.asarray(ids)
    if array.ndim != 1:
        raise ValueError(f"ids must be a 1-D array, got shape {array.shape}")
    if array.size == 0:
        return np.empty(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise ValueError(f"ids must be integers, got dtype {array.dtype}")
    if array.min() < 0 or int(array.max()) > np.iinfo(np.int64).max:
        raise ValueError("ids must lie between 0 and 2**63 - 1")
    checked = array.astype(np.int64)
    if np.unique(checked).size != checked.size:
        raise ValueError("ids must be distinct; the same id appears twice in one add")
    return checked


def check_k(k: int) -> int:
    """Return ``k`` if it is a usable number of neighbours (a positive integer)."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def check_max_distance(max_distance: float) -> float:
    """Return ``max_distance`` as a float if it is a distance (not NaN, not negative)."""
    value = float(max_distance)
    if math.isnan(value) or value < 0:
        raise ValueError(f"max_distance must be a non-negative number, got {max_distance!r}")
    return value


def rank(
    ids: IdArray, distances: DistanceArray, k: int | None, max_distance: float
) -> list[Neighbour]:
    """The neighbours within ``max_distance``, by distance then id, at most ``k`` of them."""
    keep = distances <= max_distance
    kept_ids, kept_distances = ids[keep], distances[keep]
    order = np.lexsort((kept_ids, kept_distances))
    if k is not None:
        order = order[:k]
    return [Neighbour(id=int(kept_ids[i]), distance=float(kept_distances[i])) for i in order]


def _scan(stored: Rows, block_distances: Callable[[Rows], DistanceArray]) -> DistanceArray:
    """Apply ``block_distances`` to ``stored`` block by block, to bound temporary memory."""
    out = np.empty(stored.shape[0], dtype=np.float64)
    for start in range(0, stored.shape[0], _SCAN_BLOCK_ROWS):
        out[start : start + _SCAN_BLOCK_ROWS] = block_distances(
            stored[start : start + _SCAN_BLOCK_ROWS]
        )
    return out


@dataclass(frozen=True)
class FloatSpace:
    """Float embeddings of ``dim`` dimensions under the Euclidean (L2) distance."""

    dim: int

    metric: Metric = "l2"

    def __post_init__(self) -> None:
        if self.dim < 1:
            raise ValueError(f"dim must be positive, got {self.dim}")

    def rows(self, vectors: ArrayLike, what: str) -> NDArray[np.float32]:
        """``vectors`` as a C-contiguous (n, dim) float32 array of finite values."""
        array = np.asarray(vectors)
        if array.dtype.kind not in "fiu":
            raise ValueError(f"{what} must be real numbers, got dtype {array.dtype}")
        if array.ndim != 2 or array.shape[1] != self.dim:
            raise ValueError(f"{what} must have shape (n, {self.dim}), got {array.shape}")
        rows = np.ascontiguousarray(array, dtype=np.float32)
        if not np.isfinite(rows).all():
            raise ValueError(f"{what} hold NaN or infinite values (or values beyond float32)")
        return rows

    def one(self, query: ArrayLike) -> NDArray[np.float32]:
        """A single query of shape (dim,) as a (1, dim) float32 array."""
        array = np.asarray(query)
        if array.ndim != 1:
            raise ValueError(f"query must have shape ({self.dim},), got {array.shape}")
        return self.rows(array[np.newaxis, :], "query")

    def distances(self, stored: Rows, query: Rows) -> DistanceArray:
        """Exact L2 distances from ``query`` (dim,) to each row of ``stored``."""
        query64 = query.astype(np.float64)

        def block_distances(block: Rows) -> DistanceArray:
            difference = block.astype(np.float64) - query64
            squared: DistanceArray = np.sum(difference * difference, axis=1)
            return np.sqrt(squared)

        return _scan(stored, block_distances)

    def squared_error_bound(self, query: Rows, distance: float) -> float:
        """Most that float32 arithmetic can misstate the squared distance of a row.

        The bound covers FAISS's two ways of computing a squared L2 distance in float32
        (summing squared differences, or ``|x|^2 + |y|^2 - 2<x, y>``) for any row ``y``
        at most ``distance`` from ``query``: a dot product of n terms is off by at most
        n * eps * |x| * |y| (the standard forward error bound), and |y| <= |x| + distance.
        It is deliberately generous; a looser bound only costs a wider exact check.
        """
        eps = float(np.finfo(np.float32).eps)
        norm = float(np.linalg.norm(query.astype(np.float64)))
        return 2.0 * (self.dim + 2) * eps * (norm * norm + (norm + distance) ** 2)


@dataclass(frozen=True)
class BinarySpace:
    """Bit strings of ``bits`` bits (a multiple of 8) under the Hamming distance."""

    bits: int

    metric: Metric = "hamming"

    def __post_init__(self) -> None:
        if self.bits < 8 or self.bits % 8:
            raise ValueError(f"bits must be a positive multiple of 8, got {self.bits}")

    @property
    def dim(self) -> int:
        """The dimension of a binary space is its number of bits, as in FAISS."""
        return self.bits

    def rows(self, vectors: ArrayLike, what: str) -> NDArray[np.uint8]:
        """``vectors`` as a C-contiguous (n, bits // 8) uint8 array."""
        array = np.asarray(vectors)
        width = self.bits // 8
        if array.dtype != np.uint8:
            raise ValueError(f"{what} must be packed bits of dtype uint8, got {array.dtype}")
        if array.ndim != 2 or array.shape[1] != width:
            raise ValueError(f"{what} must have shape (n, {width}), got {array.shape}")
        return np.ascontiguousarray(array)

    def one(self, query: ArrayLike) -> NDArray[np.uint8]:
        """A single query of shape (bits // 8,) as a (1, bits // 8) uint8 array."""
        array = np.asarray(query)
        if array.ndim != 1:
            raise ValueError(f"query must have shape ({self.bits // 8},), got {array.shape}")
        return self.rows(array[np.newaxis, :], "query")

    def distances(self, stored: Rows, query: Rows) -> DistanceArray:
        """Exact Hamming distances in bits from ``query`` to each row of ``stored``."""

        def block_distances(block: Rows) -> DistanceArray:
            bits: NDArray[np.int64] = _POPCOUNT[np.bitwise_xor(block, query)].sum(axis=1)
            return bits.astype(np.float64)

        return _scan(stored, block_distances)


Space = FloatSpace | BinarySpace
