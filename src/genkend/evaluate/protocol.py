"""The evaluation protocol: which comparisons and searches are made, drawn with a seed.

Over the enrolled photos (one embedding each):

* 1:1 - every genuine pair (two photos of one identity) and the impostor pairs (two
  identities): all of them when there are at most ``impostor_cap``, otherwise
  ``impostor_cap`` pairs drawn uniformly without replacement;
* 1:N - a gallery of one photo per identity with two or more enrolled photos (drawn),
  that identity's other photos as mated probes, and the photos of identities with a
  single enrolled photo as non-mated probes.

Distances are Euclidean, computed in float64 from the float32 embeddings, exactly as
``genkend.index`` computes them, so a calibrated threshold means the same in search.

Invariant: the same embeddings, labels and seed always give the same pairs, gallery and
probes (``numpy.random.default_rng(seed)``, identities visited in sorted order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DEFAULT_IMPOSTOR_CAP = 1_000_000
# Elements of float64 difference arrays computed at once (about 256 MiB).
_BLOCK_ELEMENTS = 32 * 1024 * 1024


@dataclass(frozen=True)
class Comparisons:
    """1:1 distances: genuine and impostor, and how many impostor pairs were possible."""

    genuine: FloatArray
    impostor: FloatArray
    impostor_possible: int

    @property
    def sampled(self) -> bool:
        return self.impostor.size < self.impostor_possible


@dataclass(frozen=True)
class Searches:
    """1:N: row indices of the gallery, the mated and the non-mated probes."""

    gallery: IntArray
    mated: IntArray
    nonmated: IntArray


def comparisons(
    embeddings: npt.ArrayLike,
    labels: npt.ArrayLike,
    rng: np.random.Generator,
    impostor_cap: int = DEFAULT_IMPOSTOR_CAP,
) -> Comparisons:
    """Genuine distances of every same-identity pair; impostor distances, all or drawn."""
    rows = np.asarray(embeddings, dtype=np.float32)
    names = np.asarray(labels)
    genuine_i, genuine_j = _genuine_pairs(names)
    total = rows.shape[0] * (rows.shape[0] - 1) // 2
    possible = total - genuine_i.size
    impostor_i, impostor_j = _impostor_pairs(names, rng, impostor_cap, total, possible)
    return Comparisons(
        pair_distances(rows, genuine_i, genuine_j),
        pair_distances(rows, impostor_i, impostor_j),
        possible,
    )


def searches(labels: npt.ArrayLike, rng: np.random.Generator) -> Searches:
    """Gallery, mated and non-mated probes (see the module docstring)."""
    names = np.asarray(labels)
    gallery: list[int] = []
    mated: list[int] = []
    nonmated: list[int] = []
    for identity in np.unique(names):
        rows = np.flatnonzero(names == identity)
        if rows.size == 1:
            nonmated.append(int(rows[0]))
            continue
        chosen = int(rng.choice(rows))
        gallery.append(chosen)
        mated.extend(int(row) for row in rows if row != chosen)
    return Searches(_ints(gallery), _ints(sorted(mated)), _ints(sorted(nonmated)))


def pair_distances(rows: NDArray[np.float32], first: IntArray, second: IntArray) -> FloatArray:
    """Euclidean distance of each pair ``(rows[first[k]], rows[second[k]])``."""
    out = np.empty(first.size, dtype=np.float64)
    step = max(1, _BLOCK_ELEMENTS // max(rows.shape[1], 1))
    for start in range(0, first.size, step):
        stop = start + step
        difference = rows[first[start:stop]].astype(np.float64) - rows[second[start:stop]]
        out[start:stop] = np.sqrt(np.einsum("ij,ij->i", difference, difference))
    return out


def distance_matrix(queries: NDArray[np.float32], stored: NDArray[np.float32]) -> FloatArray:
    """Euclidean distances, one row per query and one column per stored row."""
    out = np.empty((queries.shape[0], stored.shape[0]), dtype=np.float64)
    stored64 = stored.astype(np.float64)
    step = max(1, _BLOCK_ELEMENTS // max(stored.size, 1))
    for start in range(0, queries.shape[0], step):
        block = queries[start : start + step].astype(np.float64)
        difference = block[:, np.newaxis, :] - stored64[np.newaxis, :, :]
        out[start : start + step] = np.sqrt(np.einsum("ijk,ijk->ij", difference, difference))
    return out


def _genuine_pairs(names: NDArray[np.generic]) -> tuple[IntArray, IntArray]:
    firsts: list[IntArray] = []
    seconds: list[IntArray] = []
    for identity in np.unique(names):
        rows = np.flatnonzero(names == identity)
        i, j = np.triu_indices(rows.size, k=1)
        firsts.append(rows[i])
        seconds.append(rows[j])
    if not firsts:
        return _ints([]), _ints([])
    return np.concatenate(firsts).astype(np.int64), np.concatenate(seconds).astype(np.int64)


def _impostor_pairs(
    names: NDArray[np.generic],
    rng: np.random.Generator,
    cap: int,
    total: int,
    possible: int,
) -> tuple[IntArray, IntArray]:
    if possible <= cap:
        i, j = np.triu_indices(names.size, k=1)
        keep = names[i] != names[j]
        return i[keep].astype(np.int64), j[keep].astype(np.int64)
    # Draw pair numbers without replacement, keep the impostor ones in draw order (a
    # uniform sample), and draw more only in the rare case too few were impostors.
    factor = 1.1
    while True:
        draws = min(total, math.ceil(cap * total / possible * factor) + 64)
        i, j = _pair_of(rng.choice(total, size=draws, replace=False), names.size)
        keep = names[i] != names[j]
        if int(keep.sum()) >= cap or draws == total:
            return i[keep][:cap], j[keep][:cap]
        factor *= 2


def _pair_of(numbers: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Row pair ``(i, j)``, ``i < j``, of each pair number in row-major upper-triangle order."""
    rows = np.arange(n, dtype=np.int64)
    starts = rows * (2 * n - rows - 1) // 2
    i = np.searchsorted(starts, numbers, side="right") - 1
    j = numbers - starts[i] + i + 1
    return i.astype(np.int64), j.astype(np.int64)


def _ints(values: list[int]) -> IntArray:
    return np.array(values, dtype=np.int64)
