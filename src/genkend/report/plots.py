"""Plots of an evaluation, as PNG bytes: ROC, DET, distance histograms and CMC.

Figures are drawn with matplotlib's object API on the Agg canvas, never through
``pyplot``, so no global figure state exists and nothing opens a window.

Invariant: each function is a pure function of the result's numbers; the PNG carries no
time stamp or software tag, so equal results give equal bytes.
"""

from __future__ import annotations

import io
import math
from statistics import NormalDist

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import NDArray

from genkend.evaluate import Histogram, Identification, Verification
from genkend.metrics import ErrorCurve, det_points

__all__ = ["cmc_png", "det_png", "histogram_png", "roc_png"]

_SIZE = (5.0, 3.6)
_DPI = 100
_DET_TICKS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.05, 0.2, 0.5, 0.8, 0.95)
_FLOOR = 1e-6


def roc_png(verification: Verification) -> bytes:
    """True match rate against FMR (log scale), with the FMR targets marked."""
    curve = _curve(verification)
    figure, axes = _figure()
    shown = curve.fmr > 0
    axes.plot(curve.fmr[shown], 1.0 - curve.fnmr[shown], color="tab:blue")
    axes.set_xscale("log")
    for point in verification.at_fmr:
        axes.axvline(point.target, color="grey", linestyle=":", linewidth=0.8)
    axes.set_xlabel("false match rate (FMR)")
    axes.set_ylabel("true match rate (1 - FNMR)")
    axes.set_title("ROC")
    axes.set_ylim(0.0, 1.01)
    return _png(figure)


def det_png(verification: Verification) -> bytes:
    """FNMR against FMR on normal-deviate axes (Martin et al. 1997)."""
    curve = _curve(verification)
    x, y = det_points(curve, floor=_FLOOR)
    figure, axes = _figure()
    axes.plot(x, y, color="tab:red")
    deviate = NormalDist().inv_cdf
    for set_ticks, set_limits, rates in (
        (axes.set_xticks, axes.set_xlim, curve.fmr),
        (axes.set_yticks, axes.set_ylim, curve.fnmr),
    ):
        # Start the axis at the decade below the smallest rate the data resolve.
        ticks = [t for t in _DET_TICKS if t >= _lowest_decade(rates)]
        set_ticks([deviate(t) for t in ticks], [f"{t:g}" for t in ticks], fontsize=7)
        set_limits(deviate(ticks[0]), deviate(ticks[-1]))
    axes.set_xlabel("false match rate (FMR)")
    axes.set_ylabel("false non-match rate (FNMR)")
    axes.set_title("DET")
    return _png(figure)


def histogram_png(verification: Verification) -> bytes:
    """Genuine and impostor distance distributions (each scaled to its own total)."""
    figure, axes = _figure()
    _bars(axes, verification.impostor_histogram, "impostor pairs", "tab:red")
    _bars(axes, verification.genuine_histogram, "genuine pairs", "tab:blue")
    for point in verification.at_fmr:
        axes.axvline(point.threshold, color="grey", linestyle=":", linewidth=0.8)
    axes.set_xlabel("distance (thresholds at the target FMRs dotted)")
    axes.set_ylabel("share of pairs")
    axes.set_title("Distances")
    axes.legend(fontsize=8)
    return _png(figure)


def cmc_png(identification: Identification) -> bytes:
    """Identification rate of mated probes by rank."""
    figure, axes = _figure()
    ranks = np.arange(1, len(identification.cmc) + 1)
    axes.plot(ranks, identification.cmc, marker="o", markersize=3, color="tab:green")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("rank")
    axes.set_ylabel("mate found at this rank or better")
    axes.set_title("CMC")
    axes.set_ylim(0.0, 1.01)
    return _png(figure)


def _lowest_decade(rates: NDArray[np.float64]) -> float:
    positive = rates[rates > 0]
    smallest = float(positive.min()) if positive.size else _FLOOR
    return max(10.0 ** math.floor(math.log10(smallest)), _FLOOR)


def _curve(verification: Verification) -> ErrorCurve:
    points = verification.curve
    return ErrorCurve(
        thresholds=np.array([p.max_distance for p in points], dtype=np.float64),
        fmr=np.array([p.fmr for p in points], dtype=np.float64),
        fnmr=np.array([p.fnmr for p in points], dtype=np.float64),
    )


def _bars(axes: Axes, histogram: Histogram, label: str, colour: str) -> None:
    edges = np.array(histogram.edges, dtype=np.float64)
    counts = np.array(histogram.counts, dtype=np.float64)
    shares = counts / max(counts.sum(), 1.0)
    axes.stairs(shares, edges, fill=True, alpha=0.5, color=colour, label=label)


def _figure() -> tuple[Figure, Axes]:
    figure = Figure(figsize=_SIZE, dpi=_DPI, layout="tight")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.grid(True, linewidth=0.3)
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
