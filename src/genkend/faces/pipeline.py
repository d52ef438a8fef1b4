"""Faces of one decoded picture: detect, align and embed, rate, crop a thumbnail.

Runs in the ingest worker processes (and for gallery enrolment and search probes).
Boxes and landmarks come back in pixels of the ORIGINAL upright picture, whatever size
it was decoded at; the detection plan (``faces.detection``) chooses the working scale.
Each process builds its backend once (``backend_for``) and keeps it: loading the models
costs about a second.

Invariant: a face record always names the backend (model and weights digest) that
embedded it; embeddings of different backends are never compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from genkend.errors import FaceError
from genkend.faces.backend import DetectedFace, FaceBackend, open_backend
from genkend.faces.detection import DEFAULT, HOG_OPTIONS, PLANS, DetectionPlan, detect
from genkend.faces.quality import assess
from genkend.media import DecodedImage, decode, thumbnail

if TYPE_CHECKING:
    from genkend.settings import Settings

THUMBNAIL_SIDE = 112
# Context around the box in the thumbnail, as a fraction of the box size.
THUMBNAIL_MARGIN = 0.25


@dataclass(frozen=True)
class FaceOptions:
    """Which backend, with which options, and the detection plan (scale) used with it."""

    backend: str = "dlib"
    options: tuple[tuple[str, Any], ...] = tuple(sorted(HOG_OPTIONS.items()))
    plan: str = DEFAULT.name

    @property
    def detection_plan(self) -> DetectionPlan:
        if self.plan not in PLANS:
            raise FaceError(f"unknown face detection plan {self.plan!r}: {', '.join(PLANS)}")
        return PLANS[self.plan]

    @property
    def max_side(self) -> int:
        """The longest side pictures are decoded at for this plan."""
        return self.detection_plan.decode_max_side

    def describe(self) -> dict[str, Any]:
        return {"backend": self.backend, "options": dict(self.options), "plan": self.plan}


def face_options(settings: Settings) -> FaceOptions:
    """The face options the settings choose (backend, its detector, the detection plan)."""
    backend_options: tuple[tuple[str, Any], ...] = ()
    if settings.face_backend == "dlib":
        chosen = {**HOG_OPTIONS, "detector": settings.face_detector}
        backend_options = tuple(sorted(chosen.items()))
    return FaceOptions(settings.face_backend, backend_options, settings.face_plan)


@dataclass(frozen=True)
class FoundFace:
    """One face of a picture, ready to store. Coordinates in original pixels."""

    box: tuple[int, int, int, int]
    landmarks: tuple[tuple[float, float], ...]
    score: float
    quality: float
    quality_detail: dict[str, float] = field(hash=False)
    embedding: bytes
    thumbnail: bytes

    def vector(self) -> np.ndarray:
        return np.frombuffer(self.embedding, dtype=np.float32)

    def landmarks_json(self) -> str:
        return json.dumps([[round(x, 2), round(y, 2)] for x, y in self.landmarks])


_BACKENDS: dict[FaceOptions, FaceBackend] = {}


def backend_for(options: FaceOptions) -> FaceBackend:
    """The backend of this process for ``options``, built on first use."""
    if options not in _BACKENDS:
        _BACKENDS[options] = open_backend(options.backend, **dict(options.options))
    return _BACKENDS[options]


def find_faces(
    decoded: DecodedImage, backend: FaceBackend, plan: DetectionPlan = DEFAULT
) -> list[FoundFace]:
    """Detect at the plan's working scale, embed there, report in original pixels."""
    detection = detect(backend, decoded, plan)
    if not detection.faces:
        return []
    vectors = backend.embed(detection.image, list(detection.working_faces))
    # working pixels per original pixel, for the size part of the quality
    scale = 1.0 / max(detection.scale)
    return [
        _found(detection.image, working, original, vector, scale)
        for working, original, vector in zip(
            detection.working_faces, detection.faces, vectors, strict=True
        )
    ]


def _found(
    image: np.ndarray,
    working: DetectedFace,
    original: DetectedFace,
    vector: np.ndarray,
    scale: float,
) -> FoundFace:
    quality = assess(image, working, scale=scale)
    return FoundFace(
        box=original.box,
        landmarks=tuple((float(x), float(y)) for x, y in original.landmarks),
        score=float(working.score),
        quality=float(quality.score),
        quality_detail={
            "inter_eye_px": round(quality.inter_eye_px, 2),
            "face_px": round(quality.face_px, 2),
            "sharpness": round(quality.sharpness, 2),
            "yaw": round(quality.yaw, 3),
        },
        embedding=np.asarray(vector, dtype=np.float32).tobytes(),
        thumbnail=_thumbnail(Image.fromarray(image), working),
    )


def _thumbnail(image: Image.Image, face: DetectedFace) -> bytes:
    x1, y1, x2, y2 = face.box
    margin_x, margin_y = (x2 - x1) * THUMBNAIL_MARGIN, (y2 - y1) * THUMBNAIL_MARGIN
    crop = image.crop(
        (
            max(0, int(x1 - margin_x)),
            max(0, int(y1 - margin_y)),
            min(image.width, int(x2 + margin_x)),
            min(image.height, int(y2 + margin_y)),
        )
    )
    return thumbnail(crop, THUMBNAIL_SIDE)


def faces_in_file(
    data: bytes, options: FaceOptions, max_pixels: int
) -> tuple[FaceBackend, list[FoundFace]]:
    """Every face of a picture given as file bytes (gallery enrolment, search probes)."""
    decoded = decode(data, max_pixels=max_pixels, max_side=options.max_side)
    backend = backend_for(options)
    return backend, find_faces(decoded, backend, options.detection_plan)


def largest(found: list[FoundFace]) -> FoundFace | None:
    """The face with the largest box: the subject of a portrait or a probe photo."""
    return max(found, key=lambda f: (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]), default=None)
