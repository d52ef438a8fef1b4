"""What a 1:N face search found: its matches and result as frozen records, and the rules
that rank them.

A link search's matches are faces of cases (``FaceMatch``); a gallery search's are gallery
identities (``IdentityMatch``), each ranked by its closest gallery face. Results are
candidates, never verdicts: each carries the distance, the threshold in force and, where
the backend has a calibration, the false-match rate measured at that distance. A gallery
search's matches become review candidates (``proposals``).

Invariant: records are frozen and their ``as_dict`` is the shape ``search face --json``
prints; nothing here reads the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from genkend.metrics.calibration import Calibration
from genkend.records import Neighbour
from genkend.review.candidates import Proposal

# Faces fetched per identity asked for, so that identities with many faces do not crowd
# out the others before grouping.
FACES_PER_IDENTITY = 5


@dataclass(frozen=True)
class FaceMatch:
    """A face of a case found by a link search."""

    kind: ClassVar[str] = "face"
    rank: int
    id: int
    case_id: str
    media_id: int
    cluster_id: int | None
    box: tuple[int, int, int, int]
    location: str | None
    distance: float
    max_distance: float
    fmr: float | None = None

    @property
    def named(self) -> str | None:
        return self.location

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "kind": self.kind,
            "id": self.id,
            "case_id": self.case_id,
            "media_id": self.media_id,
            "cluster_id": self.cluster_id,
            "box": list(self.box),
            "location": self.location,
            "distance": self.distance,
            "max_distance": self.max_distance,
            "fmr": self.fmr,
        }


@dataclass(frozen=True)
class IdentityMatch:
    """A gallery identity found by a gallery search; ``candidate_id`` once proposed."""

    kind: ClassVar[str] = "identity"
    rank: int
    id: int
    label: str
    status: str
    closest_gallery_face: int
    distance: float
    max_distance: float
    fmr: float | None = None
    candidate_id: int | None = None

    @property
    def named(self) -> str | None:
        return self.label

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rank": self.rank,
            "kind": self.kind,
            "id": self.id,
            "label": self.label,
            "status": self.status,
            "closest_gallery_face": self.closest_gallery_face,
            "distance": self.distance,
            "max_distance": self.max_distance,
            "fmr": self.fmr,
        }
        if self.candidate_id is not None:
            data["candidate_id"] = self.candidate_id
        return data


Match = FaceMatch | IdentityMatch


@dataclass(frozen=True)
class Result:
    """One search, as audited and shown."""

    kind: str
    reference: str
    reference_version: str
    backend: str
    probe_sha256: str
    probe_box: tuple[int, ...] | None
    started_at: str
    cases: tuple[str, ...] = ()
    ended_at: str = ""
    calibration_id: int | None = None
    authorisation_id: int | None = None
    candidates: tuple[Match, ...] = ()
    audit_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "reference": self.reference,
            "reference_version": self.reference_version,
            "backend": self.backend,
            "probe_sha256": self.probe_sha256,
            "probe_box": None if self.probe_box is None else list(self.probe_box),
            "started_at": self.started_at,
            "cases": list(self.cases),
            "ended_at": self.ended_at,
            "calibration_id": self.calibration_id,
            "authorisation_id": self.authorisation_id,
            "candidates": [c.as_dict() for c in self.candidates],
            "audit_seq": self.audit_seq,
        }


def closest_per_identity(
    found: Sequence[Neighbour], owners: Mapping[int, int], k: int
) -> list[tuple[int, float, int]]:
    """The ``k`` identities owning the faces ``found``, as (identity, distance, face),
    each by its closest face, best first (ties by identity id)."""
    best: dict[int, tuple[float, int]] = {}
    for n in found:
        identity = owners[n.id]
        if identity not in best or n.distance < best[identity][0]:
            best[identity] = (n.distance, n.id)
    ranked = sorted(best.items(), key=lambda item: (item[1][0], item[0]))[:k]
    return [(identity, distance, face_id) for identity, (distance, face_id) in ranked]


def with_fmr(matches: Sequence[Match], calibration: Calibration) -> tuple[Match, ...]:
    """The matches with the false-match rate measured at their distance."""
    return tuple(replace(m, fmr=calibration.fmr_at(m.distance)) for m in matches)


def proposals(result: Result, case_id: str, probe: str, search_seq: int) -> list[Proposal]:
    """A gallery search's identities as candidates to review, linked to its event."""
    return [
        Proposal(
            case_id=case_id,
            identity_id=int(m.id),
            probe=probe,
            probe_sha256=result.probe_sha256,
            distance=float(m.distance),
            max_distance=float(m.max_distance),
            fmr=m.fmr,
            backend=result.backend,
            search_seq=search_seq,
            authorisation_id=result.authorisation_id,
        )
        for m in result.candidates
    ]
