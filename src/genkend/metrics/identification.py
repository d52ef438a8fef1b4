"""1:N identification accuracy: mate ranks, CMC, rank-k and FNIR at FPIR (NIST FRVT 1:N).

A *mated* probe has its identity in the gallery, a *non-mated* probe has not. For mated
probes the rank of the nearest mate gives rank-k and the CMC curve; with a threshold,
the false negative identification rate (FNIR) is the share of mated searches that miss
their mate and the false positive identification rate (FPIR) the share of non-mated
searches that return any candidate.

Invariant: distances, never similarities; ties count against the probe's mate.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from genkend.metrics.verification import (
    FloatArray,
    OperatingPoint,
    share_at_or_below,
    sorted_distances,
    threshold_at_rate,
)

IntArray = NDArray[np.int64]


def mate_ranks(
    distances: npt.ArrayLike, probe_labels: npt.ArrayLike, gallery_labels: npt.ArrayLike
) -> tuple[IntArray, FloatArray]:
    """Rank and distance of each probe's nearest mate in a gallery search.

    ``distances`` has one row per probe and one column per gallery entry. The rank is 1
    plus the number of non-mates at a distance ``<=`` the nearest mate's: ties count
    against the mate (pessimistic). A probe without a mate in the gallery gets rank 0
    and distance ``inf``.
    """
    matrix = np.asarray(distances, dtype=np.float64)
    probes, gallery = np.asarray(probe_labels), np.asarray(gallery_labels)
    if matrix.shape != (probes.size, gallery.size):
        raise ValueError(f"distances {matrix.shape} != ({probes.size}, {gallery.size})")
    is_mate = probes[:, np.newaxis] == gallery[np.newaxis, :]
    mate_distance = np.where(is_mate, matrix, np.inf).min(axis=1, initial=np.inf)
    closer = (~is_mate) & (matrix <= mate_distance[:, np.newaxis])
    ranks = 1 + closer.sum(axis=1).astype(np.int64)
    ranks[~is_mate.any(axis=1)] = 0
    return ranks, mate_distance


def rank_k(ranks: npt.ArrayLike, k: int) -> float:
    """The share of mated probes whose mate ranks at ``k`` or better (rank 0: not found)."""
    array = np.asarray(ranks, dtype=np.int64)
    if array.size == 0:
        raise ValueError("no ranks")
    return float(((array >= 1) & (array <= k)).mean())


def cmc(ranks: npt.ArrayLike, max_rank: int) -> FloatArray:
    """Cumulative match characteristic: ``rank_k`` for k = 1 .. ``max_rank``."""
    return np.array([rank_k(ranks, k) for k in range(1, max_rank + 1)], dtype=np.float64)


def fnir_at_fpir(
    mated_distances: npt.ArrayLike,
    nonmated_best_distances: npt.ArrayLike,
    fpir: float,
    *,
    mated_ranks: npt.ArrayLike | None = None,
    max_rank: int | None = None,
) -> OperatingPoint:
    """FNIR at the threshold whose FPIR is at most ``fpir`` (NIST FRVT 1:N).

    FPIR is the share of non-mated searches whose best candidate lies within the
    threshold; the threshold is chosen as in ``threshold_at_rate``. FNIR is the share of
    mated searches whose mate lies beyond it - or, when ``max_rank`` is given, ranks
    worse than ``max_rank`` (``mated_ranks`` then required; rank 0 is a miss).
    """
    mated = np.asarray(mated_distances, dtype=np.float64).ravel()
    nonmated = sorted_distances(nonmated_best_distances)
    if mated.size == 0:
        raise ValueError("no mated searches")
    finite = mated[np.isfinite(mated)]
    threshold = threshold_at_rate(nonmated, fpir, finite)
    hit = mated <= threshold
    if max_rank is not None:
        if mated_ranks is None:
            raise ValueError("max_rank needs mated_ranks")
        ranks = np.asarray(mated_ranks, dtype=np.int64).ravel()
        hit &= (ranks >= 1) & (ranks <= max_rank)
    achieved = float(share_at_or_below(nonmated, np.array([threshold]))[0])
    return OperatingPoint(fpir, threshold, achieved, float(1.0 - hit.mean()), int(nonmated.size))
