"""The records of an evaluation: data, protocol, and the numbers, ready for JSON.

An ``EvaluationResult`` states what was measured on what: the backend (model and
weights digest), the data set and its failures to enrol, the protocol and its seed, and
the 1:1, 1:N and clustering numbers, with the curve and histogram data the report plots.

Invariant: ``EvaluationResult.to_dict`` gives plain JSON values only (no NaN or
infinity; times as UTC text), so ``to_json`` is valid strict JSON.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from genkend import clock
from genkend.metrics import (
    CalibrationPoint,
    OperatingPoint,
    PrecisionRecall,
    ThresholdAccuracy,
)

RESULT_FORMAT = "genkend.evaluation/1"


@dataclass(frozen=True)
class DataSummary:
    """The labelled data set as enrolled.

    ``failure_to_enrol_rate`` is ``failed_to_enrol / (photos - unreadable)``: a photo
    that cannot be decoded says nothing about the face backend. ``not_enrolled`` names
    every photo without an embedding, with the reason.
    """

    source: str
    photos: int
    identities: int
    enrolled: int
    enrolled_identities: int
    failed_to_enrol: int
    unreadable: int
    failure_to_enrol_rate: float
    several_faces: int
    not_enrolled: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Protocol:
    """How comparisons and searches were drawn; ``description`` says it in words."""

    description: str
    seed: int
    max_side: int
    face_choice: str
    impostor_cap: int
    genuine_pairs: int
    impostor_pairs: int
    impostor_pairs_possible: int
    gallery: int
    mated_probes: int
    nonmated_probes: int
    clustering_method: str | None


@dataclass(frozen=True)
class Histogram:
    """Counts of distances per bin; ``edges`` has one more entry than ``counts``."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Verification:
    """1:1 numbers: FNMR at target FMRs, best balanced accuracy, curve, histograms.

    ``curve`` samples the ROC (ascending distance, with exact FMR and FNMR at each).
    """

    at_fmr: tuple[OperatingPoint, ...]
    accuracy: ThresholdAccuracy
    curve: tuple[CalibrationPoint, ...]
    genuine_histogram: Histogram
    impostor_histogram: Histogram


@dataclass(frozen=True)
class RankRate:
    """The share of mated probes whose mate ranks at ``rank`` or better."""

    rank: int
    rate: float


@dataclass(frozen=True)
class Identification:
    """1:N numbers: rank-k rates, the CMC curve (rank 1 first) and FNIR at FPIR.

    ``at_fpir`` is empty when there were no non-mated probes.
    """

    ranks: tuple[RankRate, ...]
    cmc: tuple[float, ...]
    at_fpir: tuple[OperatingPoint, ...]


@dataclass(frozen=True)
class ClusteringScores:
    """Clustering of all enrolled photos against their identities."""

    method: str
    clusters: int
    pairwise: PrecisionRecall
    bcubed: PrecisionRecall


@dataclass(frozen=True)
class EvaluationResult:
    """Everything one evaluation measured, and on what. None: not measurable here."""

    backend: str
    created_at: datetime
    genkend_version: str
    data: DataSummary
    protocol: Protocol
    verification: Verification | None
    identification: Identification | None
    clustering: ClusteringScores | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        body = dataclasses.asdict(self, dict_factory=_plain)
        return {"format": RESULT_FORMAT, **body}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, allow_nan=False)


def _plain(items: list[tuple[str, Any]]) -> dict[str, Any]:
    return {key: _value(value) for key, value in items}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.to_text(value)
    if isinstance(value, tuple):
        return [_value(v) for v in value]
    return value
