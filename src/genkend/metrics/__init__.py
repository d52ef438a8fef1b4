"""Accuracy metrics of face comparison, search and clustering: pure numpy, no I/O.

Three questions, three families of numbers:

* **Clustering** (are the faces of one person grouped together?): ``pairwise_prf`` and
  ``bcubed_prf`` (``metrics.clustering``).
* **1:1 verification** (are two faces the same person?): from genuine and impostor
  distances, ``roc_curve``, ``fnmr_at_fmr``, ``best_accuracy`` and ``det_points``
  (``metrics.verification``).
* **1:N identification** (is a probe's mate at the top of a gallery search?):
  ``mate_ranks``, ``rank_k``, ``cmc`` and ``fnir_at_fpir`` (``metrics.identification``).

``Calibration`` (``metrics.calibration``) turns an evaluation into the distance -> FMR
table that every search result quotes.

Invariants: distances, never similarities - a comparison is accepted when its distance
is ``<= threshold``; no function reads or writes files or modifies its arguments.
"""

from genkend.metrics.calibration import (
    CALIBRATION_FORMAT,
    Calibration,
    CalibrationPoint,
    calibration_table,
)
from genkend.metrics.clustering import PrecisionRecall, bcubed_prf, pairwise_prf
from genkend.metrics.identification import cmc, fnir_at_fpir, mate_ranks, rank_k
from genkend.metrics.verification import (
    ErrorCurve,
    OperatingPoint,
    ThresholdAccuracy,
    best_accuracy,
    det_points,
    fnmr_at_fmr,
    roc_curve,
    threshold_at_rate,
)

__all__ = [
    "CALIBRATION_FORMAT",
    "Calibration",
    "CalibrationPoint",
    "ErrorCurve",
    "OperatingPoint",
    "PrecisionRecall",
    "ThresholdAccuracy",
    "bcubed_prf",
    "best_accuracy",
    "calibration_table",
    "cmc",
    "det_points",
    "fnir_at_fpir",
    "fnmr_at_fmr",
    "mate_ranks",
    "pairwise_prf",
    "rank_k",
    "roc_curve",
    "threshold_at_rate",
]
