"""The calibration of a face backend: the distance -> error-rate table search results quote.

An evaluation on a labelled data set measures, at chosen distances, the FMR and FNMR of
one backend (model and weights). Every search result then states the FMR measured at
its distance (``Calibration.fmr_at``), so that a reviewer reads how often a stranger
comes that close. Stored as JSON (format ``genkend.calibration/1``), never pickled.

Invariant: ``fmr_at`` never under-estimates the measured FMR: it reads the table as a
step function from above and never reports less than one false match in all impostor
comparisons seen.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from genkend import clock
from genkend.errors import SettingsError
from genkend.metrics.verification import share_at_or_below, sorted_distances, threshold_at_rate

CALIBRATION_FORMAT = "genkend.calibration/1"


@dataclass(frozen=True)
class CalibrationPoint:
    """At ``max_distance``: the empirical FMR and FNMR of one backend on one data set."""

    max_distance: float
    fmr: float
    fnmr: float


@dataclass(frozen=True)
class Calibration:
    """The distance -> error-rate table of one backend, measured on a labelled data set.

    ``points`` ascend in ``max_distance``. ``fmr_at`` reads the table as a step function
    from above, so it never under-estimates the measured FMR. Valid only for embeddings
    whose backend name equals ``backend`` (model and weights digest).
    """

    backend: str
    points: tuple[CalibrationPoint, ...]
    genuine_comparisons: int
    impostor_comparisons: int
    dataset: str
    seed: int
    created_at: datetime

    def __post_init__(self) -> None:
        if not self.points:
            raise ValueError("a calibration needs at least one point")
        distances = [p.max_distance for p in self.points]
        if distances != sorted(distances):
            raise ValueError("calibration points must ascend in max_distance")
        if self.impostor_comparisons < 1:
            raise ValueError("a calibration needs impostor comparisons")
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")

    @property
    def fmr_resolution(self) -> float:
        """The smallest FMR the impostor comparisons can show: ``1 / impostor_comparisons``."""
        return 1.0 / self.impostor_comparisons

    def fmr_at(self, distance: float) -> float:
        """An upper bound on the measured FMR of accepting at ``distance``.

        The FMR of the first table point at or above ``distance`` (FMR only grows with
        distance); 1 beyond the table. Zero false matches in ``n`` comparisons do not
        show a rate below ``1 / n``, so the result is never below ``fmr_resolution``.
        """
        if math.isnan(distance):
            raise ValueError("distance is NaN")
        distances = [p.max_distance for p in self.points]
        index = int(np.searchsorted(distances, distance, side="left"))
        fmr = 1.0 if index == len(self.points) else self.points[index].fmr
        return max(fmr, self.fmr_resolution)

    def max_distance_for(self, fmr: float) -> float | None:
        """The largest tabled ``max_distance`` whose FMR is ``<= fmr``; None if there is none."""
        fitting = [p.max_distance for p in self.points if p.fmr <= fmr]
        return max(fitting) if fitting else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": CALIBRATION_FORMAT,
            "backend": self.backend,
            "dataset": self.dataset,
            "seed": self.seed,
            "created_at": clock.to_text(self.created_at),
            "genuine_comparisons": self.genuine_comparisons,
            "impostor_comparisons": self.impostor_comparisons,
            "points": [[p.max_distance, p.fmr, p.fnmr] for p in self.points],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """Rebuild from ``to_dict`` output; ``SettingsError`` for anything malformed."""
        if not isinstance(data, dict) or data.get("format") != CALIBRATION_FORMAT:
            raise SettingsError(f"not a calibration in format {CALIBRATION_FORMAT}")
        try:
            return cls(
                backend=str(data["backend"]),
                points=tuple(
                    CalibrationPoint(float(d), float(fmr), float(fnmr))
                    for d, fmr, fnmr in data["points"]
                ),
                genuine_comparisons=int(data["genuine_comparisons"]),
                impostor_comparisons=int(data["impostor_comparisons"]),
                dataset=str(data["dataset"]),
                seed=int(data["seed"]),
                created_at=clock.from_text(str(data["created_at"])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SettingsError(f"malformed calibration: {exc}") from exc

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SettingsError(f"calibration is not JSON: {exc}") from exc
        return cls.from_dict(data)


def calibration_table(
    genuine: npt.ArrayLike, impostor: npt.ArrayLike, steps: int = 200
) -> tuple[CalibrationPoint, ...]:
    """A compact calibration table: exact FMR and FNMR at chosen distances.

    The distances are the thresholds of log-spaced target FMRs (1e-6 .. 1, so the low
    FMRs that matter are resolved) merged with ``steps`` evenly spaced distances over the
    observed range. Each point's rates are measured exactly at its distance, which makes
    ``Calibration.fmr_at`` conservative whatever the grid.
    """
    gen, imp = sorted_distances(genuine), sorted_distances(impostor)
    observed = np.concatenate([gen, imp])
    targets = np.logspace(-6, 0, 61)
    at_targets = [threshold_at_rate(imp, float(t), gen) for t in targets]
    even = np.linspace(observed.min(), observed.max(), steps)
    grid = np.unique(np.concatenate([at_targets, even]))
    fmr = share_at_or_below(imp, grid)
    fnmr = 1.0 - share_at_or_below(gen, grid)
    return tuple(
        CalibrationPoint(float(d), float(a), float(m))
        for d, a, m in zip(grid, fmr, fnmr, strict=True)
    )
