"""The face backend protocol and the records it returns: detect, then align, then embed.

A face backend turns a picture into points in an *embedding space* where the same
person lands close together and different people far apart:

1. ``detect(image)`` finds each face: a box, five landmarks (eyes, nose, ...) and the
   detector's score, in pixels of the image it was given.
2. ``embed(image, faces)`` *aligns* each face (rotates and scales it so that the
   landmarks sit where the recogniser expects them) and runs the recogniser on the
   aligned crop, giving one row of ``dim`` float32 numbers per face.

Two embeddings are compared by their Euclidean (L2) distance: smaller is closer, and
every threshold is a ``max_distance``. An embedding only means something next to others
from the very same model and weights, so each backend has a ``name`` that carries the
model and a digest of its weight files (``dlib-resnet-v1:hog:sha256-3f1c0a9b2d4e``).
Callers store that name with every embedding and never compare embeddings whose names
differ.

The caller chooses the scale of the image: detectors find faces down to a minimum size
in pixels of the image they are given, so a small face in a large photo needs a larger
image (or detector upsampling), at a cost in time.

Invariant: a backend holds no process-global state. Constructing one loads its models
(seconds); build it once per worker process and reuse it. Backends are not pickled.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from genkend.errors import FaceError

Point = tuple[float, float]
Box = tuple[int, int, int, int]
Landmarks5 = tuple[Point, Point, Point, Point, Point]

ENTRY_POINT_GROUP = "genkend.face_backends"

_BUILTIN_BACKENDS = {
    "dlib": "genkend.faces.dlib_backend:DlibBackend",
    "fake": "genkend.faces.fake:FakeFaceBackend",
    "onnx": "genkend.faces.onnx_backend:OnnxBackend",
}


class LandmarkScheme(StrEnum):
    """What the five landmarks of a face are, in order.

    ``DLIB5``: dlib's 5-point shape predictor: outer and inner corner of the eye on the
    image's right, outer and inner corner of the eye on the image's left, base of the
    nose. ``ARCFACE5`` (insightface, SCRFD, RetinaFace): centre of the eye on the image's
    left, centre of the eye on the image's right, tip of the nose, mouth corner on the
    image's left, mouth corner on the image's right.
    """

    DLIB5 = "dlib5"
    ARCFACE5 = "arcface5"


@dataclass(frozen=True)
class DetectedFace:
    """One face found in an image, in pixels of the image given to ``detect``.

    ``box`` is ``(x1, y1, x2, y2)``, half-open (``x1 <= x < x2``) and clipped to the
    image. ``landmarks`` are five ``(x, y)`` points whose meaning ``landmark_scheme``
    gives; they may lie slightly outside the image. ``score`` is the detector's own
    confidence: comparable between faces of one detector only. ``detector`` names the
    detector that found the face.
    """

    box: Box
    landmarks: Landmarks5
    score: float
    detector: str
    landmark_scheme: LandmarkScheme

    def __post_init__(self) -> None:
        x1, y1, x2, y2 = self.box
        if x2 <= x1 or y2 <= y1:
            raise ValueError(f"empty face box {self.box}")
        if len(self.landmarks) != 5:
            raise ValueError(f"a face has 5 landmarks, got {len(self.landmarks)}")

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    def eye_centres(self) -> tuple[Point, Point]:
        """The centres of the eye on the image's left and the eye on the image's right."""
        pts = self.landmarks
        if self.landmark_scheme is LandmarkScheme.DLIB5:
            return _midpoint(pts[2], pts[3]), _midpoint(pts[0], pts[1])
        return pts[0], pts[1]

    def nose(self) -> Point:
        """The nose landmark (its base for ``DLIB5``, its tip for ``ARCFACE5``)."""
        if self.landmark_scheme is LandmarkScheme.DLIB5:
            return self.landmarks[4]
        return self.landmarks[2]

    def rescaled(self, factor: float) -> DetectedFace:
        """The same face with every coordinate multiplied by ``factor``.

        Maps a face found on a reduced image back to the original's pixels
        (``factor = original / reduced``). The box grows outwards to whole pixels so that
        it still contains the face.
        """
        if factor <= 0:
            raise ValueError(f"scale factor must be positive, got {factor}")
        x1, y1, x2, y2 = self.box
        box = (
            math.floor(x1 * factor),
            math.floor(y1 * factor),
            max(math.ceil(x2 * factor), math.floor(x1 * factor) + 1),
            max(math.ceil(y2 * factor), math.floor(y1 * factor) + 1),
        )
        landmarks = as_landmarks((x * factor, y * factor) for x, y in self.landmarks)
        return DetectedFace(box, landmarks, self.score, self.detector, self.landmark_scheme)


@dataclass(frozen=True)
class WeightFile:
    """One model file a backend loaded, with the SHA-256 of its whole content."""

    role: str
    path: Path
    sha256: str


@runtime_checkable
class FaceBackend(Protocol):
    """Finds faces and embeds them; see the module docstring for the concept.

    ``name`` identifies the embedding space: model, and a digest of every weight file.
    ``weights`` lists those files with their full SHA-256 for the record. ``dim`` is the
    length of one embedding. ``detect`` takes an RGB ``uint8`` array of shape
    ``(height, width, 3)``. ``embed`` returns a C-contiguous ``float32`` array of shape
    ``(len(faces), dim)``, one row per face in the given order, compared by Euclidean
    distance. Both raise ``FaceError`` when the model cannot run.
    """

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    @property
    def weights(self) -> tuple[WeightFile, ...]: ...

    def detect(self, image: NDArray[np.uint8]) -> list[DetectedFace]: ...

    def embed(
        self, image: NDArray[np.uint8], faces: Sequence[DetectedFace]
    ) -> NDArray[np.float32]: ...


def as_landmarks(points: Iterable[Sequence[float]]) -> Landmarks5:
    """Five ``(x, y)`` points as a tuple of float pairs; ``ValueError`` for any other count."""
    pts = [(float(p[0]), float(p[1])) for p in points]
    if len(pts) != 5:
        raise ValueError(f"a face has 5 landmarks, got {len(pts)}")
    return (pts[0], pts[1], pts[2], pts[3], pts[4])


def check_image(image: object) -> NDArray[np.uint8]:
    """Return ``image`` as a C-contiguous RGB ``uint8`` array, or raise ``FaceError``.

    Native detectors read the buffer directly, so a strided view (a crop, a flipped
    image) is copied here rather than handed over.
    """
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        kind = getattr(image, "dtype", type(image).__name__)
        raise FaceError(f"face backends take an RGB uint8 numpy array, got {kind}")
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] == 0 or image.shape[1] == 0:
        raise FaceError(f"face backends take an RGB image of shape (h, w, 3), got {image.shape}")
    return np.ascontiguousarray(image)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's content, read in chunks (weight files are large)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def weight_file(role: str, path: str | Path) -> WeightFile:
    """Digest one weight file; ``FaceError`` when it is missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise FaceError(f"{role} model file not found: {path}")
    try:
        return WeightFile(role=role, path=path, sha256=file_sha256(path))
    except OSError as err:
        raise FaceError(f"{role} model file cannot be read: {path}: {err}") from err


def weights_digest(files: Sequence[WeightFile]) -> str:
    """``sha256-`` and the first 12 hex digits of a digest over all weight files.

    The digest is the SHA-256 of the files' own SHA-256 hex digests, in the given order,
    joined by newlines, so it can be reproduced with ``sha256sum`` alone.
    """
    joined = "\n".join(f.sha256 for f in files).encode("ascii")
    return "sha256-" + hashlib.sha256(joined).hexdigest()[:12]


def clip_box(x1: float, y1: float, x2: float, y2: float, width: int, height: int) -> Box | None:
    """Grow a box outwards to whole pixels and clip it to the image; None when empty."""
    left = min(max(math.floor(x1), 0), width)
    top = min(max(math.floor(y1), 0), height)
    right = min(max(math.ceil(x2), 0), width)
    bottom = min(max(math.ceil(y2), 0), height)
    if right <= left or bottom <= top:
        return None
    return (left, top, right, bottom)


def available_backends() -> list[str]:
    """Names ``open_backend`` accepts: the built-in ones and installed plug-ins."""
    plugins = {ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(set(_BUILTIN_BACKENDS) | plugins)


def open_backend(name: str, **options: Any) -> FaceBackend:
    """Construct the face backend called ``name`` (``dlib``, ``onnx``, ``fake``, plug-ins).

    Plug-ins register a factory under the ``genkend.face_backends`` entry-point group.
    ``options`` are the backend's keyword arguments; an unknown one is a ``FaceError``
    naming the accepted ones, so that a misspelt setting is never silently ignored.
    """
    factory = _factory(name)
    try:
        inspect.signature(factory).bind(**options)
    except TypeError as err:
        accepted = ", ".join(inspect.signature(factory).parameters) or "none"
        raise FaceError(
            f"bad options for face backend {name!r}: {err}; accepted: {accepted}"
        ) from err
    backend = factory(**options)
    if not isinstance(backend, FaceBackend):
        raise FaceError(f"face backend {name!r} does not implement the FaceBackend protocol")
    return backend


def _factory(name: str) -> Callable[..., object]:
    if name in _BUILTIN_BACKENDS:
        module_name, _, attribute = _BUILTIN_BACKENDS[name].partition(":")
        factory: Callable[..., object] = getattr(importlib.import_module(module_name), attribute)
        return factory
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP, name=name):
        loaded: Callable[..., object] = entry_point.load()
        return loaded
    raise FaceError(f"unknown face backend {name!r}; available: {', '.join(available_backends())}")


def _midpoint(a: Point, b: Point) -> Point:
    return ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0)
