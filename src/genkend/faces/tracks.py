"""Face tracks: the faces of one person across nearby sampled frames of a video, as one.

A video sampled every few seconds shows the same person in frame after frame; stored
face by face, a 10-minute video would give thousands of faces of a handful of people.
``link`` collapses them: it walks the sampled frames in time order and joins each face
to the open track whose last face is closest, when all three hold:

- the embedding distance is at most ``max_distance`` (tight: well inside the clustering
  threshold, so a track never holds two people; clustering joins tracks later);
- the box centre moved at most ``max_shift`` box widths since the track's last face;
- the track's last face is at most ``max_gap`` seconds earlier.

Joining is greedy and one-to-one per frame: the closest (track, face) pairs first, each
track and each face used once. A face that joins nothing opens a new track.

Invariant: every face of the input is in exactly one track; a track's faces are in time
order, at most one per frame; its ``best`` is its face of highest quality (the earliest
of equals), and ``kept(k)`` always includes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from genkend.faces.pipeline import FoundFace


@dataclass(frozen=True)
class TrackParams:
    """When a face continues a track (see the module docstring)."""

    max_distance: float = 0.4
    max_shift: float = 1.5
    max_gap: float = 6.0

    def __post_init__(self) -> None:
        if self.max_distance <= 0 or self.max_shift <= 0 or self.max_gap <= 0:
            raise ValueError("max_distance, max_shift and max_gap must be positive")


@dataclass(frozen=True)
class Sighting:
    """One face found on one sampled frame, at ``timestamp`` seconds into the video."""

    timestamp: float
    face: FoundFace


@dataclass
class Track:
    """The sightings of one presumed person, in time order."""

    sightings: list[Sighting] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.sightings[0].timestamp

    @property
    def end(self) -> float:
        return self.sightings[-1].timestamp

    @property
    def best(self) -> Sighting:
        return max(self.sightings, key=lambda s: (s.face.quality, -s.timestamp))

    def kept(self, k: int) -> list[Sighting]:
        """The best sighting and the next best up to ``k`` in all, in time order."""
        ranked = sorted(self.sightings, key=lambda s: (-s.face.quality, s.timestamp))
        return sorted(ranked[: max(1, k)], key=lambda s: s.timestamp)


def link(frames: Sequence[tuple[float, Sequence[FoundFace]]], params: TrackParams) -> list[Track]:
    """The tracks of the faces of ``frames`` (timestamp, faces), in order of their start."""
    tracks: list[Track] = []
    for timestamp, found in sorted(frames, key=lambda f: f[0]):
        open_tracks = [t for t in tracks if 0 < timestamp - t.end <= params.max_gap]
        joined = _pairs(open_tracks, found, params)
        for index, face in enumerate(found):
            sighting = Sighting(timestamp, face)
            if index in joined:
                joined[index].sightings.append(sighting)
            else:
                tracks.append(Track([sighting]))
    return tracks


def _pairs(
    tracks: list[Track], found: Sequence[FoundFace], params: TrackParams
) -> dict[int, Track]:
    """Face index -> the track it continues, closest pairs first, one-to-one."""
    candidates: list[tuple[float, int, int]] = []
    for t, track in enumerate(tracks):
        last = track.sightings[-1].face
        for f, face in enumerate(found):
            distance = float(np.linalg.norm(last.vector() - face.vector()))
            if distance <= params.max_distance and _shift(last, face) <= params.max_shift:
                candidates.append((distance, t, f))
    joined: dict[int, Track] = {}
    used: set[int] = set()
    for _, t, f in sorted(candidates):
        if t not in used and f not in joined:
            used.add(t)
            joined[f] = tracks[t]
    return joined


def _shift(a: FoundFace, b: FoundFace) -> float:
    """How far the box centre moved, in widths of the larger box."""
    ax, ay = (a.box[0] + a.box[2]) / 2, (a.box[1] + a.box[3]) / 2
    bx, by = (b.box[0] + b.box[2]) / 2, (b.box[1] + b.box[3]) / 2
    width = max(a.box[2] - a.box[0], b.box[2] - b.box[0], 1)
    return float(np.hypot(ax - bx, ay - by)) / width
