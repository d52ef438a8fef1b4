"""Clustering accuracy: pairwise and BCubed precision, recall and F1.

``pairwise_prf`` counts pairs of items placed together; ``bcubed_prf`` (Amigo et al.
2009) averages, item by item, how pure and how complete the item's cluster is. Labels
are compared only for equality, so any hashable label values work.

Invariant: pure functions of the two labellings; the label arrays are never modified.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class PrecisionRecall:
    """Precision, recall and their harmonic mean F1, each in ``[0, 1]``."""

    precision: float
    recall: float
    f1: float


def pairwise_prf(
    true_labels: npt.ArrayLike, pred_labels: npt.ArrayLike, *, noise: object = None
) -> PrecisionRecall:
    """Pairwise precision, recall and F1 of a clustering against the true identities.

    A pair of items is *predicted together* when both carry the same predicted label and
    *truly together* when both carry the same true label. Precision is the share of
    predicted pairs that are true, recall the share of true pairs that are predicted.
    With no predicted pair precision is 1 (nothing was wrongly joined); with no true pair
    recall is 1 (nothing could be missed). Items whose predicted label equals ``noise``
    (e.g. ``-1`` from a density clustering) each count as a cluster of their own.
    """
    table = _contingency(true_labels, pred_labels, noise)
    together = _pairs(table.cells)
    precision = _ratio(together, _pairs(table.pred_sizes))
    recall = _ratio(together, _pairs(table.true_sizes))
    return PrecisionRecall(precision, recall, _f1(precision, recall))


def bcubed_prf(
    true_labels: npt.ArrayLike, pred_labels: npt.ArrayLike, *, noise: object = None
) -> PrecisionRecall:
    """BCubed precision, recall and F1 (Bagga and Baldwin 1998; Amigo et al. 2009).

    For each item: precision is the share of its predicted cluster that has its true
    identity, recall the share of its true identity that is in its predicted cluster
    (the item itself included). Both are averaged over items; F1 is the harmonic mean of
    the two averages. With no items all three are 1. ``noise`` as in ``pairwise_prf``.
    """
    table = _contingency(true_labels, pred_labels, noise)
    count = int(table.cells.sum())
    if count == 0:
        return PrecisionRecall(1.0, 1.0, 1.0)
    # Each of the n items of a cell scores n / |cluster| (precision) and n / |identity|
    # (recall); a cell thus contributes n**2 / size.
    squares = table.cells.astype(np.float64) ** 2
    precision = float((squares / table.pred_sizes[table.cell_pred]).sum() / count)
    recall = float((squares / table.true_sizes[table.cell_true]).sum() / count)
    return PrecisionRecall(precision, recall, _f1(precision, recall))


class _Contingency(NamedTuple):
    """The non-empty (identity, cluster) cells: their sizes, identity and cluster codes."""

    cells: IntArray
    cell_true: IntArray
    cell_pred: IntArray
    true_sizes: IntArray
    pred_sizes: IntArray


def _contingency(
    true_labels: npt.ArrayLike, pred_labels: npt.ArrayLike, noise: object
) -> _Contingency:
    # Sparse: a dense identity x cluster table of a large seizure would not fit in memory.
    true = np.asarray(true_labels)
    pred = np.asarray(pred_labels)
    if true.ndim != 1 or true.shape != pred.shape:
        raise ValueError(f"label arrays must be 1-d of equal length: {true.shape}, {pred.shape}")
    true_codes = np.unique(true, return_inverse=True)[1].astype(np.int64)
    pred_codes = np.unique(pred, return_inverse=True)[1].astype(np.int64)
    if noise is not None and pred.size:
        is_noise = pred == noise
        # Noise items become singletons: fresh codes after the last real one.
        pred_codes[is_noise] = pred_codes.max() + 1 + np.arange(int(is_noise.sum()))
    pred_count = int(pred_codes.max(initial=-1)) + 1
    cell_keys, cells = np.unique(true_codes * pred_count + pred_codes, return_counts=True)
    return _Contingency(
        cells=cells.astype(np.int64),
        cell_true=(cell_keys // max(pred_count, 1)).astype(np.int64),
        cell_pred=(cell_keys % max(pred_count, 1)).astype(np.int64),
        true_sizes=np.bincount(true_codes).astype(np.int64),
        pred_sizes=np.bincount(pred_codes, minlength=pred_count).astype(np.int64),
    )


def _pairs(counts: IntArray) -> int:
    return int((counts * (counts - 1) // 2).sum())


def _ratio(numerator: float, denominator: float) -> float:
    return 1.0 if denominator == 0 else float(numerator) / float(denominator)


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 0.0 if total == 0 else 2 * precision * recall / total
