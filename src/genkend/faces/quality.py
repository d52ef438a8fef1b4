"""How usable a detected face is for recognition: size, sharpness and pose, and a score.

Small, blurred and turned faces give embeddings that land far from the same person's
other faces, so ingest and review rank faces by quality (e.g. to pick the face that
represents a cluster, or to flag faces too poor to search with). Three measures:

- **size**: the distance between the eye centres, in pixels of the *original* image
  (``inter_eye_px``). Detection usually runs on a reduced image; ``scale`` (reduced
  size divided by original size) maps back. ``size_score`` rises linearly from 0 at
  ``min_inter_eye_px`` to 1 at ``good_inter_eye_px``.
- **sharpness**: the variance of the Laplacian (4-neighbour kernel) of the grey face
  crop, measured on the image as given (a reduced image looks sharper than its
  original). ``sharpness_score = v / (v + half_sharpness)``: 0.5 at ``half_sharpness``.
- **pose**: a yaw proxy from the landmarks: the offset of the nose from the eye midpoint
  along the line through the eyes, divided by the distance between the eyes
  (``yaw``: 0 for a frontal face, about 0.5 for a profile). ``pose_score`` falls
  linearly from 1 at 0 to 0 at ``max_yaw``. Pitch and roll are not measured (roll is
  undone by alignment).

``score`` is the geometric mean of the three scores: in 0-1, 0 when any measure is 0.

Invariant: ``assess`` only reads the image; every constant is a ``QualityParameters``
field that a caller can set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from genkend.faces.backend import DetectedFace, check_image

# ITU-R BT.601 luma weights, as Pillow's "L" conversion uses.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float64)


@dataclass(frozen=True)
class QualityParameters:
    """The constants of the quality formula (see the module docstring)."""

    min_inter_eye_px: float = 10.0
    good_inter_eye_px: float = 40.0
    half_sharpness: float = 50.0
    max_yaw: float = 0.5

    def __post_init__(self) -> None:
        if not 0 <= self.min_inter_eye_px < self.good_inter_eye_px:
            raise ValueError("need 0 <= min_inter_eye_px < good_inter_eye_px")
        if self.half_sharpness <= 0 or self.max_yaw <= 0:
            raise ValueError("half_sharpness and max_yaw must be positive")


@dataclass(frozen=True)
class FaceQuality:
    """The quality measures of one face and the scores derived from them (all 0-1)."""

    inter_eye_px: float
    face_px: float
    sharpness: float
    yaw: float
    size_score: float
    sharpness_score: float
    pose_score: float
    score: float


def assess(
    image: NDArray[np.uint8],
    face: DetectedFace,
    *,
    scale: float = 1.0,
    parameters: QualityParameters | None = None,
) -> FaceQuality:
    """Measure ``face`` as found in ``image``; ``scale`` is image size / original size."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    params = parameters or QualityParameters()
    (lx, ly), (rx, ry) = face.eye_centres()
    eye_distance = math.hypot(rx - lx, ry - ly)
    inter_eye_px = eye_distance / scale
    face_px = min(face.width, face.height) / scale
    sharpness = laplacian_variance(grey_crop(check_image(image), face.box))
    yaw = yaw_proxy(face)
    size_score = _clip01(
        (inter_eye_px - params.min_inter_eye_px)
        / (params.good_inter_eye_px - params.min_inter_eye_px)
    )
    sharpness_score = sharpness / (sharpness + params.half_sharpness)
    pose_score = _clip01(1.0 - yaw / params.max_yaw)
    score = (size_score * sharpness_score * pose_score) ** (1.0 / 3.0)
    return FaceQuality(
        inter_eye_px=inter_eye_px,
        face_px=face_px,
        sharpness=sharpness,
        yaw=yaw,
        size_score=size_score,
        sharpness_score=sharpness_score,
        pose_score=pose_score,
        score=score,
    )


def yaw_proxy(face: DetectedFace) -> float:
    """Nose offset from the eye midpoint along the eye line, per eye distance (>= 0)."""
    (lx, ly), (rx, ry) = face.eye_centres()
    nx, ny = face.nose()
    eye_distance = math.hypot(rx - lx, ry - ly)
    if eye_distance == 0:
        # Coincident eyes are a degenerate detection; treat it as the worst pose.
        return math.inf
    along = ((nx - (lx + rx) / 2) * (rx - lx) + (ny - (ly + ry) / 2) * (ry - ly)) / eye_distance
    return abs(along) / eye_distance


def grey_crop(image: NDArray[np.uint8], box: tuple[int, int, int, int]) -> NDArray[np.float64]:
    """The box's pixels as grey levels (0-255, float)."""
    x1, y1, x2, y2 = box
    crop = image[max(y1, 0) : max(y2, 0), max(x1, 0) : max(x2, 0)].astype(np.float64)
    grey: NDArray[np.float64] = crop @ _LUMA
    return grey


def laplacian_variance(grey: NDArray[np.float64]) -> float:
    """Variance of the 4-neighbour Laplacian over the interior; 0 for crops under 3x3."""
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return 0.0
    lap = (
        grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4.0 * grey[1:-1, 1:-1]
    )
    return float(lap.var())


def _clip01(value: float) -> float:
    return min(max(value, 0.0), 1.0)
