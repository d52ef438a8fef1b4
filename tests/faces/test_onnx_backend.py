"""The ONNX backend, run on tiny models the tests build (see conftest.py for their layout)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from genkend.errors import FaceError
from genkend.faces import DetectedFace, LandmarkScheme, open_backend
from genkend.faces.alignment import ARCFACE_TEMPLATE, align, arcface_input
from genkend.faces.backend import as_landmarks
from genkend.faces.onnx_backend import OnnxBackend, letterbox, nms

DetectorBuilder = Callable[..., Path]
RecogniserBuilder = Callable[..., Path]


def bright_square(width: int = 256, height: int = 128) -> np.ndarray:
    """Black image, white square at x 128-192, y 32-96 (letterboxed to 64: x 32-48)."""
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[32:96, 128:192] = 255
    return image


@pytest.fixture
def backend(build_detector: DetectorBuilder, build_recogniser: RecogniserBuilder) -> OnnxBackend:
    return OnnxBackend(build_detector(), build_recogniser())


def assert_box_near(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 4) -> None:
    assert np.max(np.abs(np.subtract(actual, expected))) <= tolerance, (actual, expected)


def test_letterbox_centres_and_maps_back() -> None:
    canvas, box = letterbox(bright_square(), 64, 64, "centre")
    assert canvas.shape == (64, 64, 3)
    assert (box.scale_x, box.scale_y, box.pad_x, box.pad_y) == (0.25, 0.25, 0, 16)
    assert canvas[:16].max() == 0 and canvas[48:].max() == 0  # black bands
    assert canvas[32, 40].min() == 255  # inside the square: (160, 64) * 0.25 + pad
    points = np.array([[32.0, 24.0], [48.0, 40.0]])
    np.testing.assert_allclose(box.to_image(points), [[128, 32], [192, 96]])


def test_letterbox_top_left_pads_bottom_and_right() -> None:
    canvas, box = letterbox(bright_square(), 64, 64, "top-left")
    assert (box.pad_x, box.pad_y) == (0, 0)
    assert canvas[32:].max() == 0
    assert canvas[16, 40].min() == 255


def test_detect_maps_boxes_back_to_image_pixels(backend: OnnxBackend) -> None:
    faces = backend.detect(bright_square())
    # Row 0 (the square), row 3 (shifted right, clipped at 256); duplicate and weak dropped.
    assert len(faces) == 2
    first, second = faces
    assert_box_near(first.box, (128, 32, 192, 96))
    assert first.score == pytest.approx(1.0)
    assert_box_near(second.box, (208, 32, 256, 96))
    assert second.box[2] == 256  # clipped to the image
    assert second.score == pytest.approx(0.8)
    assert first.landmark_scheme is LandmarkScheme.ARCFACE5
    assert first.detector.startswith("onnx-det-sha256-")
    expected = ARCFACE_TEMPLATE / 112 * 64 + (128, 32)
    np.testing.assert_allclose(first.landmarks, expected, atol=4)


def test_detect_top_left_letterbox_maps_back_too(
    build_detector: DetectorBuilder, build_recogniser: RecogniserBuilder
) -> None:
    backend = OnnxBackend(build_detector(), build_recogniser(), letterbox="top-left")
    assert_box_near(backend.detect(bright_square())[0].box, (128, 32, 192, 96))


def test_score_threshold_and_nms_are_applied(
    build_detector: DetectorBuilder, build_recogniser: RecogniserBuilder
) -> None:
    det, rec = build_detector(), build_recogniser()
    low = OnnxBackend(det, rec, score_threshold=0.2).detect(bright_square())
    assert sorted(round(f.score, 2) for f in low) == [0.3, 0.8, 1.0]
    assert_box_near(min(low, key=lambda f: f.score).box, (8, 16, 40, 48))
    no_nms = OnnxBackend(det, rec, nms_iou=1.0).detect(bright_square())
    assert sorted(round(f.score, 2) for f in no_nms) == [0.8, 0.9, 1.0]


def test_min_face_size_drops_small_faces(
    build_detector: DetectorBuilder, build_recogniser: RecogniserBuilder
) -> None:
    backend = OnnxBackend(build_detector(), build_recogniser(), min_face_size=50)
    faces = backend.detect(bright_square())
    assert [f.score for f in faces] == [pytest.approx(1.0)]  # the clipped 48-px face is gone


def test_no_bright_pixels_no_faces(backend: OnnxBackend) -> None:
    assert backend.detect(np.zeros((128, 256, 3), dtype=np.uint8)) == []


def test_detector_normalisation_is_configurable(
    build_detector: DetectorBuilder, build_recogniser: RecogniserBuilder
) -> None:
    det, rec = build_detector(), build_recogniser()
    # With mean 255 even white becomes 0, which the tiny detector does not count as bright.
    assert OnnxBackend(det, rec, mean=255.0, std=1.0).detect(bright_square()) == []
    red = np.zeros((128, 256, 3), dtype=np.uint8)
    red[32:96, 128:192] = (255, 0, 0)
    # Only the first channel counts: red is seen in RGB order and not in BGR order.
    mean, std = (127.5, 0.0, 0.0), (1.0, 1e6, 1e6)
    assert len(OnnxBackend(det, rec, mean=mean, std=std).detect(red)) == 2
    assert OnnxBackend(det, rec, mean=mean, std=std, channel_order="BGR").detect(red) == []


def test_dynamic_detector_input_uses_input_size(
    build_detector: DetectorBuilder, build_recogniser: RecogniserBuilder
) -> None:
    backend = OnnxBackend(build_detector(size=None), build_recogniser(), input_size=64)
    assert_box_near(backend.detect(bright_square())[0].box, (128, 32, 192, 96))


def test_fixed_detector_input_conflicting_with_input_size_is_refused(
    build_detector: DetectorBuilder, build_recogniser: RecogniserBuilder
) -> None:
    with pytest.raises(FaceError, match="input_size=640 conflicts"):
        OnnxBackend(build_detector(), build_recogniser(), input_size=640)


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array(
        [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10]], dtype=np.float64
    )
    scores = np.array([0.5, 0.9, 0.7, 0.5])
    assert nms(boxes, scores, 0.4) == [1, 2]
    assert nms(boxes, scores, 1.0) == [1, 2, 0, 3]
    assert nms(np.zeros((0, 4)), np.zeros(0), 0.4) == []


def test_align_maps_landmarks_onto_the_template() -> None:
    # A ramp image: red encodes x, green encodes y, so every output pixel says where it came from.
    ys, xs = np.mgrid[0:300, 0:300]
    image = np.stack([xs * 0.8, ys * 0.8, np.zeros_like(xs)], axis=2).astype(np.uint8)
    landmarks = ARCFACE_TEMPLATE * 2 + (50, 30)  # the template, twice as large, moved
    crop = align(image, landmarks)
    assert crop.shape == (112, 112, 3)
    assert crop.dtype == np.uint8
    for u, v in [(10, 10), (56, 56), (100, 90)]:
        assert abs(int(crop[v, u, 0]) - 0.8 * (50 + 2 * u)) <= 1.5
        assert abs(int(crop[v, u, 1]) - 0.8 * (30 + 2 * v)) <= 1.5


def test_align_refuses_degenerate_landmarks() -> None:
    with pytest.raises(FaceError, match="degenerate"):
        align(np.zeros((50, 50, 3), dtype=np.uint8), [(10.0, 10.0)] * 5)


def test_arcface_input_normalisation() -> None:
    aligned = np.zeros((112, 112, 3), dtype=np.uint8)
    aligned[..., 0] = 255
    chw = arcface_input(aligned)
    assert chw.shape == (3, 112, 112)
    assert chw.dtype == np.float32
    assert chw[0].min() == chw[0].max() == 1.0
    assert chw[1].min() == chw[1].max() == -1.0
    assert arcface_input(aligned, bgr=True)[2].min() == 1.0


def test_embed_returns_unit_rows_in_order(backend: OnnxBackend) -> None:
    image = bright_square()
    faces = backend.detect(image)
    vectors = backend.embed(image, faces)
    assert vectors.shape == (2, 8)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(backend.embed(image, faces[::-1]), vectors[::-1])
    assert backend.embed(image, []).shape == (0, 8)


def test_embed_input_is_centred_on_127_5(backend: OnnxBackend) -> None:
    # (255 - x - 127.5) / 127.5 == -(x - 127.5) / 127.5, and the projection is linear.
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (128, 128, 3), dtype=np.uint8)
    landmarks = as_landmarks(ARCFACE_TEMPLATE)
    face = DetectedFace((0, 0, 112, 112), landmarks, 1.0, "test", LandmarkScheme.ARCFACE5)
    np.testing.assert_allclose(
        backend.embed(255 - image, [face]), -backend.embed(image, [face]), atol=1e-5
    )


def test_batch_one_recogniser_gives_the_same_embeddings(
    build_detector: DetectorBuilder, build_recogniser: RecogniserBuilder
) -> None:
    det = build_detector()
    batched = OnnxBackend(det, build_recogniser(file="batched.onnx"))
    single = OnnxBackend(det, build_recogniser(batch=1, file="single.onnx"))
    image = bright_square()
    faces = batched.detect(image)
    np.testing.assert_allclose(single.embed(image, faces), batched.embed(image, faces), atol=1e-5)


def test_embed_refuses_landmarks_of_another_scheme(backend: OnnxBackend) -> None:
    dlib_face = DetectedFace(
        (0, 0, 50, 50), as_landmarks([(10, 10)] * 5), 1.0, "dlib-hog", LandmarkScheme.DLIB5
    )
    with pytest.raises(FaceError, match="ARCFACE5"):
        backend.embed(bright_square(), [dlib_face])


def test_name_digests_both_files(
    build_detector: DetectorBuilder, build_recogniser: RecogniserBuilder, tmp_path: Path
) -> None:
    det = build_detector()
    first = OnnxBackend(det, build_recogniser(seed=1, file="a.onnx"))
    second = OnnxBackend(det, build_recogniser(seed=2, file="b.onnx"))
    det_part = first.name.split(":")[1]
    assert first.name.startswith("onnx-arcface:det-sha256-")
    assert second.name.split(":")[1] == det_part  # same detector file
    assert second.name != first.name  # different recogniser weights
    assert [w.sha256[:12] for w in first.weights] == [
        det_part.removeprefix("det-sha256-"),
        first.name.split(":")[2].removeprefix("rec-sha256-"),
    ]
    assert OnnxBackend(det, tmp_path / "a.onnx").name == first.name  # content, not path


def test_open_backend_builds_the_onnx_backend(
    build_detector: DetectorBuilder, build_recogniser: RecogniserBuilder
) -> None:
    backend = open_backend("onnx", detector=build_detector(), recogniser=build_recogniser(dim=5))
    assert isinstance(backend, OnnxBackend)
    assert backend.dim == 5


def test_missing_model_file_is_a_face_error(
    build_recogniser: RecogniserBuilder, tmp_path: Path
) -> None:
    with pytest.raises(FaceError, match="ONNX face detector model file not found"):
        OnnxBackend(tmp_path / "nothing.onnx", build_recogniser())


def test_invalid_onnx_file_is_a_face_error(build_detector: DetectorBuilder, tmp_path: Path) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"this is not a protobuf" * 10)
    with pytest.raises(FaceError, match="ONNX face recogniser is not a usable ONNX model"):
        OnnxBackend(build_detector(), junk)


def test_detector_without_the_named_outputs_is_refused(
    build_detector: DetectorBuilder, build_recogniser: RecogniserBuilder
) -> None:
    det = build_detector(boxes_name="dets")
    with pytest.raises(FaceError, match=r"no output 'boxes'.*'dets'"):
        OnnxBackend(det, build_recogniser())
    assert (
        len(OnnxBackend(det, build_recogniser(), boxes_output="dets").detect(bright_square())) == 2
    )


def test_a_detector_used_as_recogniser_is_refused(build_detector: DetectorBuilder) -> None:
    det = build_detector()
    with pytest.raises(FaceError, match=r"recogniser input is \[1, 3, 64, 64\]"):
        OnnxBackend(det, det)
