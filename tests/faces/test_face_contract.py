"""The FaceBackend contract, run against every backend, and the backend registry.

Each backend case supplies an image with at least one face it can find and a blank
image: the fake (painted squares), ONNX (tiny test models, a bright square) and dlib (a
real photo; skipped when the shared data folder is absent).
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import genkend.faces
from genkend.errors import FaceError
from genkend.faces import (
    DetectedFace,
    FaceBackend,
    LandmarkScheme,
    available_backends,
    open_backend,
)
from genkend.faces.backend import as_landmarks, clip_box, weights_digest
from genkend.faces.fake import FakeFaceBackend


@dataclass(frozen=True)
class Case:
    backend: FaceBackend
    image: np.ndarray
    blank: np.ndarray


def _fake_case() -> Case:
    fake = FakeFaceBackend(noise=0.01)
    image = fake.canvas(240, 160, [("alice", 20, 30, 60), ("bob", 130, 50, 80)])
    return Case(fake, image, fake.canvas(240, 160))


def _onnx_case(request: pytest.FixtureRequest) -> Case:
    build_detector: Callable[..., Path] = request.getfixturevalue("build_detector")
    build_recogniser: Callable[..., Path] = request.getfixturevalue("build_recogniser")
    backend = open_backend("onnx", detector=build_detector(), recogniser=build_recogniser())
    image = np.zeros((128, 256, 3), dtype=np.uint8)
    image[32:96, 128:192] = 255
    return Case(backend, image, np.zeros_like(image))


def _dlib_case(request: pytest.FixtureRequest) -> Case:
    data: Path = request.getfixturevalue("face_data")
    backend: FaceBackend = request.getfixturevalue("dlib_hog")
    with Image.open(data / "faces-dev" / "Aaron_Peirsol" / "lfw__Aaron_Peirsol_0001.jpg") as im:
        image = np.asarray(im.convert("RGB"))
    return Case(backend, image, np.full_like(image, 90))


@pytest.fixture(params=["fake", "onnx", pytest.param("dlib", marks=pytest.mark.faces)])
def case(request: pytest.FixtureRequest) -> Case:
    if request.param == "fake":
        return _fake_case()
    if request.param == "onnx":
        return _onnx_case(request)
    return _dlib_case(request)


def test_backend_identity(case: Case) -> None:
    backend = case.backend
    assert isinstance(backend, FaceBackend)
    assert backend.name and not any(c.isspace() for c in backend.name)
    assert "sha256-" in backend.name
    assert isinstance(backend.dim, int) and backend.dim > 0
    for weight in backend.weights:
        assert weight.path.is_file()
        assert len(weight.sha256) == 64 and int(weight.sha256, 16) >= 0


def test_blank_image_has_no_faces(case: Case) -> None:
    assert case.backend.detect(case.blank) == []


def test_detected_faces_lie_in_the_image(case: Case) -> None:
    faces = case.backend.detect(case.image)
    assert faces
    height, width = case.image.shape[:2]
    for face in faces:
        x1, y1, x2, y2 = face.box
        assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height
        assert all(isinstance(v, int) for v in face.box)
        assert len(face.landmarks) == 5 and all(len(p) == 2 for p in face.landmarks)
        assert math.isfinite(face.score)
        assert face.detector and isinstance(face.landmark_scheme, LandmarkScheme)
    assert [f.score for f in faces] == sorted((f.score for f in faces), reverse=True)


def test_embeddings_have_one_row_per_face(case: Case) -> None:
    faces = case.backend.detect(case.image)
    vectors = case.backend.embed(case.image, faces)
    assert vectors.shape == (len(faces), case.backend.dim)
    assert vectors.dtype == np.float32 and vectors.flags.c_contiguous
    assert np.all(np.isfinite(vectors))
    for i, face in enumerate(faces):
        np.testing.assert_allclose(case.backend.embed(case.image, [face])[0], vectors[i], atol=1e-5)
    empty = case.backend.embed(case.image, [])
    assert empty.shape == (0, case.backend.dim) and empty.dtype == np.float32


def test_results_are_deterministic(case: Case) -> None:
    first = case.backend.detect(case.image)
    assert case.backend.detect(case.image) == first
    np.testing.assert_array_equal(
        case.backend.embed(case.image, first), case.backend.embed(case.image, first)
    )


def test_read_only_images_are_read_and_left_unchanged(case: Case) -> None:
    image = case.image.copy()
    image.setflags(write=False)
    faces = case.backend.detect(image)
    case.backend.embed(image, faces)
    np.testing.assert_array_equal(image, case.image)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((20, 20), dtype=np.uint8),
        np.zeros((20, 20, 4), dtype=np.uint8),
        np.zeros((20, 20, 3), dtype=np.float32),
        np.zeros((0, 20, 3), dtype=np.uint8),
        [[0, 0, 0]],
    ],
    ids=["grey", "rgba", "float", "empty", "list"],
)
def test_non_rgb_uint8_images_are_refused(case: Case, bad: object) -> None:
    with pytest.raises(FaceError):
        case.backend.detect(bad)  # type: ignore[arg-type]
    with pytest.raises(FaceError):
        case.backend.embed(bad, [])  # type: ignore[arg-type]


# --- the registry ----------------------------------------------------------------------


def test_public_api_is_sorted_and_complete() -> None:
    assert genkend.faces.__all__ == sorted(genkend.faces.__all__)
    for name in genkend.faces.__all__:
        assert hasattr(genkend.faces, name)


def test_importing_the_package_loads_no_model_library() -> None:
    code = (
        "import sys, genkend.faces; "
        "print(sorted(m for m in ('dlib', 'onnxruntime') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_built_in_backends_are_available() -> None:
    assert {"dlib", "fake", "onnx"} <= set(available_backends())


def test_open_backend_passes_options() -> None:
    backend = open_backend("fake", dim=4, noise=0.0)
    assert isinstance(backend, FakeFaceBackend)
    assert backend.dim == 4


def test_unknown_backend_is_a_face_error() -> None:
    with pytest.raises(FaceError, match=r"unknown face backend 'arcface'; available: dlib, fake"):
        open_backend("arcface")


def test_misspelt_option_is_a_face_error_naming_the_accepted_ones() -> None:
    with pytest.raises(FaceError, match=r"bad options for face backend 'fake'.*accepted: .*noise"):
        open_backend("fake", nosie=0.1)


def test_plug_ins_are_found_by_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = metadata.EntryPoint(
        name="squares", value="genkend.faces.fake:FakeFaceBackend", group="genkend.face_backends"
    )

    def entry_points(**selection: str) -> list[metadata.EntryPoint]:
        return [plugin] if all(getattr(plugin, k) == v for k, v in selection.items()) else []

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    assert "squares" in available_backends()
    assert isinstance(open_backend("squares", dim=3), FakeFaceBackend)


def test_a_plug_in_that_is_no_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = metadata.EntryPoint(name="junk", value="pathlib:Path", group="genkend.face_backends")
    monkeypatch.setattr(metadata, "entry_points", lambda **_: [plugin])
    with pytest.raises(FaceError, match="does not implement the FaceBackend protocol"):
        open_backend("junk")


# --- the records -----------------------------------------------------------------------


def face(box: tuple[int, int, int, int] = (10, 20, 30, 50)) -> DetectedFace:
    landmarks = as_landmarks([(12.5, 25.0), (27.5, 25.0), (20.0, 35.0), (14.0, 45.0), (26.0, 45.0)])
    return DetectedFace(box, landmarks, 0.9, "test", LandmarkScheme.ARCFACE5)


def test_detected_face_is_frozen_and_validated() -> None:
    record = face()
    assert (record.width, record.height) == (20, 30)
    with pytest.raises(AttributeError):
        record.score = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="empty face box"):
        face((10, 10, 10, 20))
    with pytest.raises(ValueError, match="5 landmarks"):
        as_landmarks([(0, 0)] * 4)


def test_rescaled_maps_a_face_to_original_pixels() -> None:
    big = face().rescaled(2.5)
    assert big.box == (25, 50, 75, 125)
    assert big.landmarks[0] == (31.25, 62.5)
    assert big.score == 0.9 and big.landmark_scheme is LandmarkScheme.ARCFACE5
    assert face((1, 1, 4, 4)).rescaled(1 / 3).box == (0, 0, 2, 2)  # grows outwards
    with pytest.raises(ValueError):
        face().rescaled(0)


def test_clip_box_grows_to_whole_pixels_and_clips() -> None:
    assert clip_box(1.5, 2.2, 10.1, 20.9, 100, 100) == (1, 2, 11, 21)
    assert clip_box(-5, -5, 120, 50, 100, 40) == (0, 0, 100, 40)
    assert clip_box(120, 10, 130, 20, 100, 100) is None


def test_weights_digest_is_reproducible_from_file_digests(tmp_path: Path) -> None:
    import hashlib

    from genkend.faces.backend import weight_file

    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"first")
    b.write_bytes(b"second")
    files = [weight_file("a", a), weight_file("b", b)]
    lines = "\n".join(hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b))
    assert weights_digest(files) == "sha256-" + hashlib.sha256(lines.encode()).hexdigest()[:12]
    assert weights_digest(files[::-1]) != weights_digest(files)
    with pytest.raises(FaceError, match="c model file not found"):
        weight_file("c", tmp_path / "c.bin")
