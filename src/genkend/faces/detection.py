"""Face detection at a chosen working scale, with every face reported in original pixels.

Responsibility: decide how large a picture the face detector sees (the *working image*),
make that image from a decoded picture, run a ``FaceBackend`` on it, and map each face
back to the pixels of the full-resolution upright original.

Why a plan. A detector finds faces down to a fixed size in the pixels it is given (dlib's
HOG detector without upsampling: boxes of about 55-65 px), and its time grows with the
pixels it scans. A face that is 128 px wide in a 4032 x 3024 phone photo is 32 px wide
in a copy scaled to 1024 px, too small for the detector; in a copy at 2016 px (the JPEG
decoder's own half-size draft, which is cheap) it is 64 px and is found. So the working
scale sets both the smallest face found and the time, and the plan states it as a
longer side in pixels:

- ``FAST`` (1008 px, a quarter-size JPEG draft): finds faces of about 1/16 of the longer
  side and more (256 px in a 12 MP photo), as a 1024 px copy without upsampling does;
- ``DEFAULT`` (2016 px, a half-size draft): about 1/32 (128 px in a 12 MP photo), as a
  1024 px copy with one detector upsampling does, without decoding the full photo;
- ``ACCURATE`` (3024 px, the half-size draft enlarged 1.5 times): about 1/42 (96 px in
  a 12 MP photo), at about 2.4 times the default's detection time.

The plans were measured with the dlib backend built with ``HOG_OPTIONS``: the HOG
detector without upsampling (the plan sets the scale) and a detection threshold lowered
by 0.2, which recovers faces whose score falls just below dlib's default at the edge of
a plan's range for few extra false detections (chosen on the benchmark's scenes).

Smaller originals are enlarged (at most ``max_enlargement`` times) so that faces of the
same fraction of the picture are still found in small pictures; larger ones are reduced.
Recall by face size and speed are measured by ``benchmarks/bench_face_scenes.py``.

Coordinates: pixel edges lie at whole numbers, so a working pixel ``x`` covers original
``x * scale_x`` to ``(x + 1) * scale_x`` (what Pillow's resize and the JPEG draft do).

Invariant: a face's box in original pixels is its working box with each edge multiplied
by the exact per-axis ratio of original to working size, grown outwards to whole pixels
and clipped to the original; landmarks are multiplied by the same ratios. Faces keep the
backend's order, and ``FaceDetection.faces[i]`` is ``working_faces[i]`` mapped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from genkend.faces.backend import DetectedFace, FaceBackend, as_landmarks, clip_box
from genkend.media import DecodedImage

__all__ = [
    "ACCURATE",
    "DEFAULT",
    "FAST",
    "HOG_OPTIONS",
    "PLANS",
    "DetectionPlan",
    "FaceDetection",
    "detect",
    "smallest_face",
    "to_original",
    "working_image",
]


@dataclass(frozen=True)
class DetectionPlan:
    """How large a picture the face detector sees.

    ``working_side``: the longer side, in pixels, of the working image for an original at
    least that large. ``decode_side``: the ``max_side`` to ask ``media.decode`` for; a
    JPEG is then decoded at a reduced scale by its decoder (draft mode), and the working
    image is made from that (None: the working side). ``max_enlargement``: a smaller
    original is enlarged up to this factor (1: never). ``tolerance``: a decoded picture
    whose longer side is within this fraction of the working side is used as it is,
    since a resize costs time and blurs. ``min_face``: faces whose box is narrower or
    lower than this, in original pixels, are dropped (0: none).
    """

    name: str
    working_side: int
    decode_side: int | None = None
    max_enlargement: float = 2.0
    tolerance: float = 0.1
    min_face: int = 0

    def __post_init__(self) -> None:
        if self.working_side < 1 or (self.decode_side is not None and self.decode_side < 1):
            raise ValueError("working_side and decode_side must be positive")
        if self.max_enlargement < 1 or not 0 <= self.tolerance < 1 or self.min_face < 0:
            raise ValueError(
                "max_enlargement must be at least 1, tolerance in [0, 1), min_face >= 0"
            )

    @property
    def decode_max_side(self) -> int:
        """The ``max_side`` for ``media.decode`` of a picture meant for this plan."""
        return self.working_side if self.decode_side is None else self.decode_side

    def working_scale(self, width: int, height: int) -> float:
        """Working pixels per original pixel for an original of ``width`` x ``height``."""
        if width < 1 or height < 1:
            raise ValueError(f"empty original size {width} x {height}")
        return min(self.max_enlargement, self.working_side / max(width, height))

    def working_size(self, width: int, height: int) -> tuple[int, int]:
        """The size of the working image for an original of ``width`` x ``height``."""
        scale = self.working_scale(width, height)
        return max(1, round(width * scale)), max(1, round(height * scale))


HOG_OPTIONS: Mapping[str, object] = MappingProxyType(
    {"detector": "hog", "upsample": 0, "adjust_threshold": -0.2}
)
"""``open_backend("dlib", **HOG_OPTIONS)``: the detector settings the plans were measured with."""

FAST = DetectionPlan("fast", working_side=1008)
DEFAULT = DetectionPlan("default", working_side=2016)
ACCURATE = DetectionPlan("accurate", working_side=3024, decode_side=2016)
PLANS: Mapping[str, DetectionPlan] = MappingProxyType(
    {plan.name: plan for plan in (FAST, DEFAULT, ACCURATE)}
)


@dataclass(frozen=True, eq=False)
class FaceDetection:
    """The faces one plan found in one picture.

    ``faces`` are in pixels of the full-resolution upright original (``original_size``,
    width and height); ``working_faces`` are the same faces, in the same order, in pixels
    of ``image``, the working image the detector saw: embed from it with those
    (``backend.embed(detection.image, detection.working_faces)``). ``scale`` is original
    pixels per working pixel, per axis.
    """

    plan: DetectionPlan
    faces: tuple[DetectedFace, ...]
    working_faces: tuple[DetectedFace, ...]
    image: NDArray[np.uint8]
    original_size: tuple[int, int]
    scale: tuple[float, float]


def detect(
    backend: FaceBackend, decoded: DecodedImage, plan: DetectionPlan = DEFAULT
) -> FaceDetection:
    """Find faces in ``decoded`` at ``plan``'s working scale; boxes in original pixels.

    Raises ``FaceError`` when the backend cannot run.
    """
    image = working_image(decoded, plan)
    height, width = image.shape[:2]
    scale_x, scale_y = decoded.width / width, decoded.height / height
    working_faces, faces = [], []
    for face in backend.detect(image):
        mapped = to_original(face, scale_x, scale_y, decoded.width, decoded.height)
        if mapped is not None and min(mapped.width, mapped.height) >= plan.min_face:
            working_faces.append(face)
            faces.append(mapped)
    return FaceDetection(
        plan=plan,
        faces=tuple(faces),
        working_faces=tuple(working_faces),
        image=image,
        original_size=(decoded.width, decoded.height),
        scale=(scale_x, scale_y),
    )


def working_image(decoded: DecodedImage, plan: DetectionPlan) -> NDArray[np.uint8]:
    """The RGB array the detector sees: ``decoded.image`` resized to the plan's scale.

    Kept as it is when its longer side is within the plan's tolerance of the working
    side, which is the case when it was decoded with ``plan.decode_max_side`` and no
    enlargement is wanted.
    """
    picture = decoded.image
    target = plan.working_size(decoded.width, decoded.height)
    if abs(max(picture.size) / max(target) - 1) > plan.tolerance:
        # Bilinear is antialiased when reducing and smooth when enlarging; the detector's
        # gradients need nothing sharper.
        picture = picture.resize(target, Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(picture, dtype=np.uint8))


def to_original(
    face: DetectedFace, scale_x: float, scale_y: float, width: int, height: int
) -> DetectedFace | None:
    """``face`` from working pixels to original pixels (``width`` x ``height``).

    Edges are multiplied by the per-axis scale, grown outwards to whole pixels and
    clipped to the original; None when nothing of the box is left inside it.
    """
    if scale_x <= 0 or scale_y <= 0:
        raise ValueError(f"scale factors must be positive, got {scale_x}, {scale_y}")
    x1, y1, x2, y2 = face.box
    box = clip_box(x1 * scale_x, y1 * scale_y, x2 * scale_x, y2 * scale_y, width, height)
    if box is None:
        return None
    landmarks = as_landmarks((x * scale_x, y * scale_y) for x, y in face.landmarks)
    return DetectedFace(box, landmarks, face.score, face.detector, face.landmark_scheme)


def smallest_face(plan: DetectionPlan, width: int, height: int, detector_min_face: int) -> int:
    """The smallest face box, in original pixels, the plan lets the detector find.

    ``detector_min_face`` is the smallest box the backend finds in the image it is given
    (dlib HOG without upsampling: about 64).
    """
    return math.ceil(detector_min_face / plan.working_scale(width, height))
