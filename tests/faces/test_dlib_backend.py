"""The dlib backend with the real model: detection, coordinates, embeddings of real people.

Photos of real adults from the shared data folder (``GENKEND_TEST_DATA``), read by path;
tests that need them skip when it is absent. The CNN detector is slow on a CPU, so it
runs on small photos only. ``dlib_hog`` is the default pipeline (six views, unit length,
close-up rescue); ``raw`` computes dlib's own descriptors, as dlib documents them.
"""

from __future__ import annotations

import csv
import importlib.util
import logging
import re
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genkend.errors import FaceError
from genkend.faces import DetectedFace, LandmarkScheme, open_backend
from genkend.faces.backend import file_sha256, weights_digest
from genkend.faces.dlib_backend import DlibBackend

pytestmark = pytest.mark.faces

IDENTITIES = 10
PHOTOS_EACH = 3


def load(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def central_face(faces: list[DetectedFace], image: np.ndarray) -> DetectedFace:
    """The face nearest the image centre: the labelled person in a news photo."""
    cy, cx = image.shape[0] / 2, image.shape[1] / 2
    return min(
        faces,
        key=lambda f: (f.box[0] + f.box[2] - 2 * cx) ** 2 + (f.box[1] + f.box[3] - 2 * cy) ** 2,
    )


@pytest.fixture(scope="module")
def sample(face_data: Path) -> dict[str, list[Path]]:
    """10 identities spread over the alphabet, 3 photos each (first by path)."""
    by_identity: dict[str, list[Path]] = defaultdict(list)
    with (face_data / "faces-dev" / "labels.csv").open(newline="") as stream:
        for row in csv.DictReader(stream):
            by_identity[row["identity"]].append(face_data / "faces-dev" / row["path"])
    eligible = sorted(name for name, paths in by_identity.items() if len(paths) >= PHOTOS_EACH)
    step = len(eligible) // IDENTITIES
    chosen = eligible[::step][:IDENTITIES]
    return {name: sorted(by_identity[name])[:PHOTOS_EACH] for name in chosen}


@pytest.fixture(scope="module")
def photo(sample: dict[str, list[Path]]) -> np.ndarray:
    return load(next(iter(sample.values()))[0])


@pytest.fixture(scope="module")
def raw() -> DlibBackend:
    """dlib's own descriptors: one upright view, not scaled to unit length."""
    return DlibBackend(augment="none", unit_length=False, rescue_side=None)


# dlib documents 0.6 for its raw descriptors, which are about 1.4 long; on the unit
# sphere the same angle is about 0.6 / 1.4.
@pytest.mark.parametrize(("pipeline", "threshold"), [("raw", 0.6), ("dlib_hog", 0.42)])
def test_same_person_is_closer_than_different_people(
    pipeline: str,
    threshold: float,
    sample: dict[str, list[Path]],
    request: pytest.FixtureRequest,
) -> None:
    backend: DlibBackend = request.getfixturevalue(pipeline)
    counts, vectors = [], defaultdict(list)
    for identity, paths in sample.items():
        for path in paths:
            image = load(path)
            faces = backend.detect(image)
            counts.append(len(faces))
            if faces:
                vectors[identity].append(backend.embed(image, [central_face(faces, image)])[0])
    assert sum(c == 1 for c in counts) >= 0.8 * len(counts), counts
    same = [float(np.linalg.norm(a - b)) for vs in vectors.values() for a, b in combinations(vs, 2)]
    different = [
        float(np.linalg.norm(a - b))
        for (_, vs), (_, ws) in combinations(vectors.items(), 2)
        for a in vs
        for b in ws
    ]
    assert len(same) >= 20 and len(different) >= 300
    assert np.mean(same) < threshold < np.mean(different), (np.mean(same), np.mean(different))


def test_synthetic_image_without_a_face_gives_no_detection(dlib_hog: DlibBackend) -> None:
    ys, xs = np.mgrid[0:300, 0:400]
    gradient = np.stack([xs * 0.6, ys * 0.8, (xs + ys) * 0.3], axis=2).astype(np.uint8)
    noise = np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    assert dlib_hog.detect(gradient) == []
    assert dlib_hog.detect(noise) == []
    assert dlib_hog.detect(np.zeros((50, 50, 3), dtype=np.uint8)) == []


def test_boxes_and_landmarks_are_in_pixels_of_the_given_image(
    dlib_hog: DlibBackend, photo: np.ndarray
) -> None:
    (face,) = dlib_hog.detect(photo)
    height, width = photo.shape[:2]
    x1, y1, x2, y2 = face.box
    assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height
    assert face.landmark_scheme is LandmarkScheme.DLIB5
    assert face.detector == "dlib-hog"
    for x, y in face.landmarks:
        assert x1 <= x <= x2 and y1 <= y <= y2
    # The same photo pasted into a larger canvas: the box moves with it (up to a HOG cell
    # of the pyramid level that found it), the landmarks to a pixel or two, and the
    # embedding stays the same face.
    dx, dy = 300, 100
    canvas = np.zeros((height + 200, width + 400, 3), dtype=np.uint8)
    canvas[dy : dy + height, dx : dx + width] = photo
    (moved,) = dlib_hog.detect(canvas)
    shifted_box = (x1 + dx, y1 + dy, x2 + dx, y2 + dy)
    assert np.max(np.abs(np.subtract(moved.box, shifted_box))) <= 0.15 * face.width
    shifted = np.add(face.landmarks, (dx, dy))
    assert np.max(np.abs(np.subtract(moved.landmarks, shifted))) <= 3
    distance = np.linalg.norm(dlib_hog.embed(canvas, [moved]) - dlib_hog.embed(photo, [face]))
    assert distance < 0.2


def test_embeddings_have_shape_dtype_and_are_deterministic(
    dlib_hog: DlibBackend, photo: np.ndarray
) -> None:
    faces = dlib_hog.detect(photo)
    first = dlib_hog.embed(photo, faces)
    assert first.shape == (1, 128)
    assert first.dtype == np.float32
    assert first.flags.c_contiguous
    assert 0.2 < float(np.linalg.norm(first)) < 2.0  # dlib descriptors are not unit length
    np.testing.assert_array_equal(dlib_hog.embed(photo, dlib_hog.detect(photo)), first)
    assert dlib_hog.embed(photo, []).shape == (0, 128)


def test_faces_with_other_landmarks_are_refitted_from_their_box(
    dlib_hog: DlibBackend, photo: np.ndarray
) -> None:
    (face,) = dlib_hog.detect(photo)
    foreign = DetectedFace(face.box, face.landmarks, 0.9, "other", LandmarkScheme.ARCFACE5)
    np.testing.assert_allclose(
        dlib_hog.embed(photo, [foreign]), dlib_hog.embed(photo, [face]), atol=1e-6
    )


def test_min_face_size_drops_faces(photo: np.ndarray) -> None:
    assert DlibBackend(min_face_size=photo.shape[0]).detect(photo) == []


def test_name_carries_the_digest_of_the_weight_files_and_the_steps(
    dlib_hog: DlibBackend, raw: DlibBackend
) -> None:
    digest = r"sha256-[0-9a-f]{12}"
    assert re.fullmatch(rf"dlib-resnet-v1:hog:{digest}:mirror\+tilt5\+unit", dlib_hog.name)
    assert re.fullmatch(rf"dlib-resnet-v1:hog:{digest}", raw.name)
    assert dlib_hog.dim == 128
    assert [w.role for w in dlib_hog.weights] == [
        "dlib 5-point shape predictor",
        "dlib ResNet face recogniser",
        "dlib MMOD face detector",  # the close-up rescue
    ]
    assert len(raw.weights) == 2
    assert dlib_hog.name.split(":")[2] == weights_digest(dlib_hog.weights)
    assert raw.name.split(":")[2] == weights_digest(raw.weights)
    predictor = dlib_hog.weights[0]
    assert predictor.path.name == "shape_predictor_5_face_landmarks.dat"
    assert predictor.sha256 == file_sha256(predictor.path)


def test_cnn_detector_on_one_small_photo(dlib_hog: DlibBackend, photo: np.ndarray) -> None:
    cnn = open_backend("dlib", detector="cnn", upsample=0)
    assert re.fullmatch(r"dlib-resnet-v1:cnn:sha256-[0-9a-f]{12}:mirror\+tilt5\+unit", cnn.name)
    assert len(cnn.weights) == 3 and cnn.name != dlib_hog.name
    (face,) = cnn.detect(photo)
    (hog_face,) = dlib_hog.detect(photo)
    assert face.detector == "dlib-cnn"
    assert iou(face.box, hog_face.box) > 0.5
    distance = np.linalg.norm(cnn.embed(photo, [face]) - dlib_hog.embed(photo, [hog_face]))
    assert distance < 0.3  # the same face, the same embedding model


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"detector": "fast"}, "'hog' or 'cnn'"),
        ({"upsample": -1}, "must not be negative"),
        ({"augment": "jitter"}, "augment must be one of"),
        ({"runtime": "tensorflow"}, "runtime must be"),
        ({"rescue_side": 20}, "rescue_side must be at least 40"),
        ({"threads": 0}, "threads must be at least 1"),
    ],
)
def test_bad_options_are_face_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(FaceError, match=message):
        DlibBackend(**options)  # type: ignore[arg-type]


def test_non_rgb_images_are_refused(dlib_hog: DlibBackend) -> None:
    with pytest.raises(FaceError, match="shape"):
        dlib_hog.detect(np.zeros((20, 20), dtype=np.uint8))
    with pytest.raises(FaceError, match="uint8"):
        dlib_hog.detect(np.zeros((20, 20, 3), dtype=np.float32))


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def test_raw_pipeline_gives_dlibs_own_descriptor_in_both_runtimes(
    raw: DlibBackend, photo: np.ndarray
) -> None:
    import dlib

    from genkend.faces.dlib_backend import RECOGNISER, SHAPE_PREDICTOR, _model_path

    (face,) = raw.detect(photo)
    x1, y1, x2, y2 = face.box
    shape = dlib.shape_predictor(str(_model_path(SHAPE_PREDICTOR)))(
        photo, dlib.rectangle(x1, y1, x2 - 1, y2 - 1)
    )
    recogniser = dlib.face_recognition_model_v1(str(_model_path(RECOGNISER)))
    expected = np.asarray(recogniser.compute_face_descriptor(photo, shape, 0))
    np.testing.assert_allclose(raw.embed(photo, [face])[0], expected, atol=1e-5)
    in_dlib = DlibBackend(augment="none", unit_length=False, rescue_side=None, runtime="dlib")
    np.testing.assert_allclose(in_dlib.embed(photo, [face])[0], expected, atol=1e-5)


def test_default_embedding_is_unit_length_and_mirror_symmetric(
    dlib_hog: DlibBackend, raw: DlibBackend, photo: np.ndarray
) -> None:
    mirrored = np.ascontiguousarray(photo[:, ::-1])

    def mirror_distance(backend: DlibBackend) -> float:
        here = backend.embed(photo, backend.detect(photo))
        there = backend.embed(mirrored, backend.detect(mirrored))
        return float(np.linalg.norm(here - there))

    (vector,) = dlib_hog.embed(photo, dlib_hog.detect(photo))
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)
    # A face and its mirror image are measured from the same two sides: nearly the same
    # embedding; one view alone sees them differently.
    assert mirror_distance(dlib_hog) < 0.06
    assert mirror_distance(raw) > 2 * mirror_distance(dlib_hog)


def test_each_face_of_a_batch_is_embedded_as_if_alone(
    dlib_hog: DlibBackend, sample: dict[str, list[Path]]
) -> None:
    first, second = (load(paths[0]) for paths in list(sample.values())[:2])
    canvas = np.zeros((250, 520, 3), dtype=np.uint8)
    canvas[:, :250], canvas[:, 270:] = first, second
    faces = dlib_hog.detect(canvas)
    assert {face.box[0] < 250 for face in faces} == {True, False}  # both photos' faces
    together = dlib_hog.embed(canvas, faces)
    alone = np.concatenate([dlib_hog.embed(canvas, [face]) for face in faces])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert float(np.linalg.norm(together[0] - together[-1])) > 0.3


def test_close_up_rescue_finds_a_tight_crop_that_hog_misses(
    dlib_hog: DlibBackend, photo: np.ndarray
) -> None:
    (face,) = dlib_hog.detect(photo)
    x1, y1, x2, y2 = face.box
    inset = (x2 - x1) // 10
    crop = np.ascontiguousarray(photo[y1 + inset : y2 - inset, x1 + inset : x2 - inset])
    assert DlibBackend(rescue_side=None).detect(crop) == []
    (rescued,) = dlib_hog.detect(crop)
    assert rescued.detector == "dlib-cnn"
    height, width = crop.shape[:2]
    bx1, by1, bx2, by2 = rescued.box
    assert 0 <= bx1 < bx2 <= width and 0 <= by1 < by2 <= height
    assert (bx2 - bx1) * (by2 - by1) > 0.5 * width * height
    distance = np.linalg.norm(dlib_hog.embed(crop, [rescued]) - dlib_hog.embed(photo, [face]))
    assert distance < 0.35  # the same person, cut closer


def test_without_onnx_the_resnet_runs_in_dlib_and_says_so(
    raw: DlibBackend,
    photo: np.ndarray,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "onnx" else real_find_spec(name, *args),
    )
    with caplog.at_level(logging.WARNING, logger="genkend.faces.dlib_backend"):
        backend = DlibBackend(augment="none", unit_length=False, rescue_side=None)
    assert "onnx package is missing" in caplog.text
    (face,) = raw.detect(photo)
    np.testing.assert_allclose(backend.embed(photo, [face]), raw.embed(photo, [face]), atol=1e-5)
