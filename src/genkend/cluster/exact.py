"""The exact reference: the agglomeration of ``genkend.cluster``, over every distance.

Textbook agglomerative clustering, written to be checked by reading. It holds, for
every two current clusters, the sum and the maximum of the distances between their
faces (one from each). The merge key of two clusters with ``p`` such pairs is their
mean distance plus ``margin / sqrt(p)`` (``ClusterParams``). It repeatedly merges the
two clusters with the smallest key among those allowed to merge: key at most
``max_mean_distance``, maximum at most ``max_diameter``, not both existing clusters,
no cannot-link pair between them. Ties go to the pair with the smaller cluster
numbers. It stops when no pair is allowed. A merged cluster's sums and maxima are the
element-wise sums and maxima of its two parts' (exact for these two statistics).

Costs O(n^2) memory and O(n^2) time per merge: for tests and small sets (a few
thousand faces). It is the oracle the scalable engine (``genkend.cluster.graph``) is
tested against.

Invariant: every merge it makes is allowed at the moment it is made, and it makes the
smallest allowed merge first.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from genkend.cluster.params import ClusterParams
from genkend.cluster.problem import Problem, Vectors
from genkend.index.space import FloatSpace

Matrix = NDArray[np.float64]


def agglomerate(problem: Problem, params: ClusterParams) -> NDArray[np.int64]:
    """The head (smallest group number) of each group's final cluster."""
    sums, maxima = _group_distances(problem)
    allowed = _allowed(problem)
    sizes = np.bincount(problem.group_of, minlength=problem.groups).astype(np.float64)
    heads = np.arange(problem.groups, dtype=np.int64)
    # keys[a, b] for a < b only; the rest is infinite.
    keys = _keys(sums, maxima, allowed, np.outer(sizes, sizes), params)
    keys[np.tril_indices(problem.groups)] = np.inf
    while keys.size:
        # argmin scans row by row: the first smallest key has the smallest a, then b.
        a, b = divmod(int(np.argmin(keys)), problem.groups)
        if not keys[a, b] <= params.max_mean_distance:
            break
        sums[a] += sums[b]
        sums[:, a] = sums[a]
        maxima[a] = np.maximum(maxima[a], maxima[b])
        maxima[:, a] = maxima[a]
        allowed[a] &= allowed[b]
        allowed[:, a] = allowed[a]
        allowed[b] = allowed[:, b] = False
        sizes[a] += sizes[b]
        heads[heads == b] = a
        # Only the merged cluster's keys changed; the absorbed one has none any more.
        row = _keys(sums[a], maxima[a], allowed[a], sizes[a] * sizes, params)
        keys[a, a + 1 :], keys[:a, a] = row[a + 1 :], row[:a]
        keys[b], keys[:, b] = np.inf, np.inf
    return heads


def pairwise_distances(vectors: Vectors) -> Matrix:
    """Every distance, computed by the vector space's one definition of distance."""
    if vectors.shape[0] == 0:
        return np.empty((0, 0), dtype=np.float64)
    space = FloatSpace(vectors.shape[1])
    return np.stack([space.distances(vectors, row) for row in vectors])


def _group_distances(problem: Problem) -> tuple[Matrix, Matrix]:
    """Sum and maximum of the face-to-face distances between every two groups."""
    distances = pairwise_distances(problem.vectors)
    g, n = problem.groups, problem.vectors.shape[0]
    membership = np.zeros((g, n), dtype=np.float64)
    membership[problem.group_of, np.arange(n)] = 1.0
    sums = membership @ distances @ membership.T
    by_row = np.full((g, n), -np.inf)
    np.maximum.at(by_row, problem.group_of, distances)
    maxima = np.full((g, g), -np.inf)
    np.maximum.at(maxima, problem.group_of, by_row.T)
    return sums, maxima


def _allowed(problem: Problem) -> NDArray[np.bool_]:
    """Which two groups may merge, as far as the constraints and anchors say."""
    allowed = ~np.eye(problem.groups, dtype=np.bool_)
    anchored = np.flatnonzero(problem.anchored)
    allowed[np.ix_(anchored, anchored)] = False
    for a, b in problem.cannot_link:
        allowed[a, b] = allowed[b, a] = False
    return allowed


def _keys(
    sums: NDArray[np.float64],
    maxima: NDArray[np.float64],
    allowed: NDArray[np.bool_],
    pairs: NDArray[np.float64],
    params: ClusterParams,
) -> NDArray[np.float64]:
    """Merge keys (mean distance plus the evidence margin) of cluster pairs with the given
    statistics; infinity where the merge is not allowed."""
    keys = sums / pairs + params.margin / np.sqrt(pairs)
    ok = allowed & (maxima <= params.max_diameter) & (keys <= params.max_mean_distance)
    return np.where(ok, keys, np.inf)
