"""1:1 verification accuracy: FMR, FNMR, ROC and DET from genuine and impostor distances.

A *genuine* comparison is between two faces of one person, an *impostor* comparison
between faces of different people (ISO/IEC 19795-1). At a threshold, the false match
rate (FMR) is the share of impostor distances accepted and the false non-match rate
(FNMR) the share of genuine distances rejected.

Invariants: distances, never similarities - a comparison is accepted when its distance is
``<= threshold``. A threshold accepts all comparisons at its distance or none (ties are
never split), so an achieved error rate may lie below its target but never above it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ErrorCurve:
    """FMR and FNMR at every distinct threshold, thresholds ascending.

    ``fmr[i]`` is the share of impostor distances ``<= thresholds[i]``, ``fnmr[i]`` the
    share of genuine distances ``> thresholds[i]``. The first threshold lies just below
    every observed distance (nothing accepted: FMR 0, FNMR 1), the last is the largest
    observed distance (everything accepted).
    """

    thresholds: FloatArray
    fmr: FloatArray
    fnmr: FloatArray


@dataclass(frozen=True)
class OperatingPoint:
    """A threshold chosen for a target false positive rate, and the rates it achieves.

    For 1:1 the rates are FMR and FNMR; for 1:N they are FPIR and FNIR. ``threshold`` is
    a ``max_distance``; ``achieved`` never exceeds ``target``. ``negatives`` is the number
    of impostor comparisons (or non-mated searches) behind ``achieved``: a target below
    ``1 / negatives`` cannot be resolved and reads as zero false positives.
    """

    target: float
    threshold: float
    achieved: float
    miss_rate: float
    negatives: int

    @property
    def resolvable(self) -> bool:
        """Whether enough negatives were seen to observe one false positive at the target."""
        return self.target * self.negatives >= 1 - 1e-9


@dataclass(frozen=True)
class ThresholdAccuracy:
    """The threshold of best balanced accuracy, with its accuracy, FMR and FNMR."""

    threshold: float
    accuracy: float
    fmr: float
    fnmr: float


def roc_curve(genuine: npt.ArrayLike, impostor: npt.ArrayLike) -> ErrorCurve:
    """FMR and FNMR at every observed distance (see ``ErrorCurve``)."""
    gen, imp = sorted_distances(genuine), sorted_distances(impostor)
    observed = np.unique(np.concatenate([gen, imp]))
    if observed.size == 0:
        raise ValueError("no distances")
    below_all = np.nextafter(observed[0], -np.inf)
    thresholds = np.concatenate([[below_all], observed])
    fmr = share_at_or_below(imp, thresholds)
    fnmr = 1.0 - share_at_or_below(gen, thresholds)
    return ErrorCurve(thresholds, fmr, fnmr)


def threshold_at_rate(negatives: npt.ArrayLike, rate: float, others: npt.ArrayLike = ()) -> float:
    """The largest distance whose false positive rate over ``negatives`` is ``<= rate``.

    With ``n`` negative distances, at most ``k = floor(rate * n)`` may be accepted. The
    threshold is the largest observed distance (among ``negatives`` and ``others``, the
    positives) strictly below the ``(k+1)``-th smallest negative. Negatives tied at that
    distance are all rejected, so ties can only lower the achieved rate. When no observed
    distance lies below, the threshold is the float just below the smallest negative.
    """
    neg = sorted_distances(negatives)
    if neg.size == 0:
        raise ValueError("no negative distances")
    if not 0 <= rate <= 1:
        raise ValueError(f"rate must lie in [0, 1], got {rate}")
    allowed = math.floor(rate * neg.size * (1 + 1e-12))
    everything = np.concatenate([neg, sorted_distances(others)])
    if allowed >= neg.size:
        return float(everything.max())
    first_rejected = neg[allowed]
    below = everything[everything < first_rejected]
    if below.size:
        return float(below.max())
    return float(np.nextafter(first_rejected, -np.inf))


def fnmr_at_fmr(genuine: npt.ArrayLike, impostor: npt.ArrayLike, fmr: float) -> OperatingPoint:
    """FNMR at the threshold chosen by ``threshold_at_rate`` for a target FMR."""
    gen, imp = sorted_distances(genuine), sorted_distances(impostor)
    if gen.size == 0:
        raise ValueError("no genuine distances")
    threshold = threshold_at_rate(imp, fmr, gen)
    achieved = float(share_at_or_below(imp, np.array([threshold]))[0])
    fnmr = 1.0 - float(share_at_or_below(gen, np.array([threshold]))[0])
    return OperatingPoint(fmr, threshold, achieved, fnmr, int(imp.size))


def best_accuracy(genuine: npt.ArrayLike, impostor: npt.ArrayLike) -> ThresholdAccuracy:
    """The threshold that maximises balanced accuracy ``1 - (FMR + FNMR) / 2``.

    Balanced, because impostor comparisons outnumber genuine ones by orders of magnitude
    and plain accuracy would then reward rejecting everything; with as many genuine as
    impostor pairs (the LFW protocol) the two agree. Of equally good thresholds the
    smallest (strictest) is chosen.
    """
    curve = roc_curve(genuine, impostor)
    balanced = 1.0 - (curve.fmr + curve.fnmr) / 2.0
    best = int(np.argmax(balanced))
    return ThresholdAccuracy(
        float(curve.thresholds[best]),
        float(balanced[best]),
        float(curve.fmr[best]),
        float(curve.fnmr[best]),
    )


def det_points(curve: ErrorCurve, floor: float = 1e-6) -> tuple[FloatArray, FloatArray]:
    """The curve's (FMR, FNMR) as standard normal deviates, for a DET plot.

    Rates are clipped to ``[floor, 1 - floor]`` first: a rate of 0 or 1 has no deviate.
    """
    inverse = np.vectorize(NormalDist().inv_cdf, otypes=[np.float64])

    def deviate(rates: FloatArray) -> FloatArray:
        return np.asarray(inverse(np.clip(rates, floor, 1 - floor)), dtype=np.float64)

    return deviate(curve.fmr), deviate(curve.fnmr)


def sorted_distances(values: npt.ArrayLike) -> FloatArray:
    """The distances as a sorted 1-d float64 copy; NaN is refused (it has no order)."""
    array = np.sort(np.asarray(values, dtype=np.float64).ravel())
    if np.isnan(array).any():
        raise ValueError("distances contain NaN")
    return array


def share_at_or_below(sorted_values: FloatArray, thresholds: FloatArray) -> FloatArray:
    """For each threshold, the share of ``sorted_values`` at or below it (0 if empty)."""
    if sorted_values.size == 0:
        return np.zeros(thresholds.shape, dtype=np.float64)
    counts = np.searchsorted(sorted_values, thresholds, side="right")
    return counts.astype(np.float64) / sorted_values.size
