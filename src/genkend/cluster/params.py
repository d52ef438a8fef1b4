"""What a clustering run is told: its thresholds, and the corrections investigators made.

``ClusterParams`` holds every threshold as a maximum Euclidean distance between face
embeddings (smaller is closer); ``Constraints`` holds the corrections (these faces are
one person; these two faces are not the same person) that every run must respect.

Invariant: both records are immutable and checked when built, so an engine never sees
a negative or infinite distance, thresholds out of order, or a face marked as "not the
same person" as itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# Defaults for the default face backend's space, dlib-resnet-v1+mirror+unit (unit-length
# embeddings; genkend.faces.dlib_backend), measured with benchmarks/bench_cluster.py on
# faces-dev: chosen on half of its people with the whole set and a 20,000-face synthetic
# set (precision first), checked on the other half and on 12 random halves. On faces-dev
# pairwise P/R/F1 0.997/0.939/0.967 and BCubed F1 0.973, against 0.929/0.973/0.951 and
# 0.948 for Chinese whispers at 0.5 on raw dlib descriptors (face_recognition, IPED).
# For raw dlib descriptors (dlib-resnet-v1, about 1.4 times longer) the same procedure
# gave 0.5 / 0.55 / 0.75.
DEFAULT_MAX_DISTANCE = 0.35
DEFAULT_MAX_MEAN_DISTANCE = 0.37
DEFAULT_MAX_DIAMETER = 0.5
DEFAULT_NEIGHBOURS = 64


@dataclass(frozen=True)
class ClusterParams:
    """Thresholds of evidence-weighted average-linkage clustering, all distances.

    Two clusters may merge when the mean distance over all ``p`` pairs of their faces
    (one face from each) is at most ``max_mean_distance - margin / sqrt(p)``, where
    ``margin = max_mean_distance - max_distance``, and no such pair is further apart
    than ``max_diameter``. So:

    - ``max_distance``: two single faces (one pair, the weakest evidence) merge only if
      at most this far apart.
    - ``max_mean_distance``: the mean distance two clusters may have when the pairs
      between them are many. A mean over ``p`` pairs varies about ``1/sqrt(p)`` as much
      as one distance does, so the allowed mean loosens from ``max_distance`` towards
      ``max_mean_distance`` as the evidence grows.
    - ``max_diameter``: no two faces in one cluster are further apart than this
      (corrections aside), whatever faces lie between them. This is what stops
      chaining.

    ``neighbours``: how many nearest faces (within ``max_mean_distance``) the scalable
    engine looks up per face, to find the clusters worth comparing. The result equals
    the exact reference whenever no face has more neighbours than this within
    ``max_mean_distance``; a smaller value can only pass over merges between clusters
    that no looked-up pair joins. Every merge made obeys the thresholds either way.

    The defaults are for the default face backend's embeddings (dlib ResNet, mirrored
    and unit length: ``dlib-resnet-v1+mirror+unit``); other spaces need their own.
    """

    max_distance: float = DEFAULT_MAX_DISTANCE
    max_mean_distance: float = DEFAULT_MAX_MEAN_DISTANCE
    max_diameter: float = DEFAULT_MAX_DIAMETER
    neighbours: int = DEFAULT_NEIGHBOURS

    def __post_init__(self) -> None:
        for name in ("max_distance", "max_mean_distance", "max_diameter"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite distance >= 0, got {value!r}")
        if not self.max_distance <= self.max_mean_distance <= self.max_diameter:
            raise ValueError(
                "thresholds must satisfy max_distance <= max_mean_distance <= max_diameter, "
                f"got {self.max_distance}, {self.max_mean_distance}, {self.max_diameter}"
            )
        if isinstance(self.neighbours, bool) or not isinstance(self.neighbours, int):
            raise ValueError(f"neighbours must be an integer, got {self.neighbours!r}")
        if self.neighbours < 1:
            raise ValueError(f"neighbours must be positive, got {self.neighbours}")

    @property
    def margin(self) -> float:
        """How much stricter than ``max_mean_distance`` the one-pair threshold is."""
        return self.max_mean_distance - self.max_distance


@dataclass(frozen=True)
class Constraints:
    """Investigators' corrections, by face position in the embeddings given to a run.

    ``must_link``: groups of faces that are one person (a merge); every group ends in
    one cluster. ``cannot_link``: pairs of faces that are not the same person (a split);
    the two never share a cluster. Clustering never adds a face to a cluster in a way
    that breaks one, so corrections survive re-clustering and incremental assignment.
    Contradictions (a cannot-link pair inside one must-link group) are refused by the
    run, which knows how many faces there are.
    """

    must_link: tuple[tuple[int, ...], ...] = ()
    cannot_link: tuple[tuple[int, int], ...] = ()

    def __init__(
        self,
        must_link: Iterable[Iterable[int]] = (),
        cannot_link: Iterable[tuple[int, int]] = (),
    ) -> None:
        # Accept any iterables (lists from JSON, numpy arrays) but keep plain tuples.
        object.__setattr__(self, "must_link", tuple(_faces(group) for group in must_link))
        object.__setattr__(self, "cannot_link", tuple(_pair(pair) for pair in cannot_link))

    def highest_face(self) -> int:
        """The largest face position named, or -1 when there are no constraints."""
        faces = [face for group in self.must_link for face in group]
        faces += [face for pair in self.cannot_link for face in pair]
        return max(faces, default=-1)


def _face(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"a face position must be an integer, got {value!r}")
    face = int(value)
    if face < 0:
        raise ValueError(f"a face position must not be negative, got {face}")
    return face


def _faces(group: Iterable[int]) -> tuple[int, ...]:
    faces = tuple(sorted({_face(face) for face in group}))
    if not faces:
        raise ValueError("a must-link group must name at least one face")
    return faces


def _pair(pair: Iterable[int]) -> tuple[int, int]:
    faces = tuple(_face(face) for face in pair)
    if len(faces) != 2:
        raise ValueError(f"a cannot-link pair must name two faces, got {faces}")
    low, high = sorted(faces)
    if low == high:
        raise ValueError(f"face {low} cannot be marked as not the same person as itself")
    return low, high
