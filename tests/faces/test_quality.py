"""Face quality: size in original pixels, Laplacian sharpness, landmark yaw, the score."""

from __future__ import annotations

import math

import numpy as np
import pytest

from genkend.faces import DetectedFace, LandmarkScheme, QualityParameters, assess
from genkend.faces.backend import Point, as_landmarks
from genkend.faces.quality import laplacian_variance, yaw_proxy


def arcface_face(
    eyes: tuple[Point, Point], nose: Point, box: tuple[int, int, int, int] = (0, 0, 100, 100)
) -> DetectedFace:
    mouth = ((eyes[0][0], nose[1] + 20), (eyes[1][0], nose[1] + 20))
    landmarks = as_landmarks([eyes[0], eyes[1], nose, *mouth])
    return DetectedFace(box, landmarks, 1.0, "test", LandmarkScheme.ARCFACE5)


def checkerboard(size: int) -> np.ndarray:
    grid = (np.indices((size, size)).sum(axis=0) % 2 * 255).astype(np.uint8)
    return np.repeat(grid[:, :, None], 3, axis=2)


def test_laplacian_variance_of_a_checkerboard_is_known_exactly() -> None:
    # Every interior pixel differs from its 4 neighbours by 255: Laplacian is +-1020.
    grey = checkerboard(10)[..., 0].astype(np.float64)
    assert laplacian_variance(grey) == pytest.approx(1020.0**2)


def test_laplacian_variance_is_zero_for_flat_and_tiny_crops() -> None:
    assert laplacian_variance(np.full((20, 20), 77.0)) == 0.0
    assert laplacian_variance(np.zeros((2, 50))) == 0.0


def test_sharp_face_scores_above_blurred_face() -> None:
    face = arcface_face(((30, 40), (70, 40)), (50, 60))
    sharp = assess(checkerboard(100), face)
    flat = assess(np.full((100, 100, 3), 128, dtype=np.uint8), face)
    assert sharp.sharpness > 1e5
    assert sharp.sharpness_score > 0.99
    assert flat.sharpness == 0.0
    assert flat.sharpness_score == 0.0
    assert flat.score == 0.0


def test_size_is_measured_in_original_pixels() -> None:
    face = arcface_face(((30, 40), (50, 40)), (40, 60))
    image = checkerboard(100)
    as_given = assess(image, face)
    from_halved = assess(image, face, scale=0.5)
    assert as_given.inter_eye_px == pytest.approx(20.0)
    assert from_halved.inter_eye_px == pytest.approx(40.0)
    assert from_halved.face_px == pytest.approx(200.0)
    # Defaults: linear from 10 px (0) to 40 px (1).
    assert as_given.size_score == pytest.approx(1 / 3)
    assert from_halved.size_score == pytest.approx(1.0)


def test_yaw_proxy_is_nose_offset_along_the_eye_line_per_eye_distance() -> None:
    frontal = arcface_face(((30, 40), (70, 40)), (50, 60))
    turned = arcface_face(((30, 40), (70, 40)), (60, 60))
    assert yaw_proxy(frontal) == pytest.approx(0.0)
    assert yaw_proxy(turned) == pytest.approx(0.25)
    quality = assess(checkerboard(100), turned)
    assert quality.pose_score == pytest.approx(0.5)  # max_yaw 0.5 by default


def test_yaw_proxy_ignores_roll() -> None:
    # The same turned face rotated by 90 degrees: eyes vertical, nose offset along them.
    rolled = arcface_face(((40, 30), (40, 70)), (60, 60))
    assert yaw_proxy(rolled) == pytest.approx(0.25)


def test_coincident_eyes_give_the_worst_pose() -> None:
    face = arcface_face(((50, 40), (50, 40)), (50, 60))
    quality = assess(checkerboard(100), face)
    assert math.isinf(quality.yaw)
    assert quality.pose_score == 0.0
    assert quality.score == 0.0


def test_dlib_landmarks_use_eye_corner_midpoints() -> None:
    # dlib 5-point order: right-hand eye outer, inner; left-hand eye outer, inner; nose.
    landmarks = as_landmarks([(80, 40), (60, 40), (20, 40), (40, 40), (50, 70)])
    face = DetectedFace((0, 0, 100, 100), landmarks, 1.0, "dlib-hog", LandmarkScheme.DLIB5)
    assert face.eye_centres() == ((30.0, 40.0), (70.0, 40.0))
    assert face.nose() == (50, 70)
    quality = assess(checkerboard(100), face)
    assert quality.inter_eye_px == pytest.approx(40.0)
    assert quality.yaw == pytest.approx(0.0)


def test_score_is_the_geometric_mean_of_the_components() -> None:
    face = arcface_face(((30, 40), (55, 40)), (47.5, 60))
    image = np.random.default_rng(0).integers(0, 256, (100, 100, 3), dtype=np.uint8)
    q = assess(image, face)
    assert 0 < q.score < 1
    assert q.score == pytest.approx((q.size_score * q.sharpness_score * q.pose_score) ** (1 / 3))


def test_parameters_change_the_scores() -> None:
    face = arcface_face(((30, 40), (50, 40)), (40, 60))
    strict = QualityParameters(min_inter_eye_px=20, good_inter_eye_px=80)
    assert assess(checkerboard(100), face, parameters=strict).size_score == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_inter_eye_px": 50, "good_inter_eye_px": 40},
        {"half_sharpness": 0},
        {"max_yaw": -1},
    ],
)
def test_bad_parameters_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        QualityParameters(**kwargs)


def test_bad_scale_is_refused() -> None:
    face = arcface_face(((30, 40), (70, 40)), (50, 60))
    with pytest.raises(ValueError, match="scale"):
        assess(checkerboard(100), face, scale=0)
