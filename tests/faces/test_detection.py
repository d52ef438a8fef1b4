"""Detection plans: the working scale, and faces mapped back to original pixels.

Synthetic canvases with the fake backend's painted faces (JPEG-encoded into tmp_path
and decoded at reduced scale, as ingest decodes) check the mapping and that a plan finds
small faces a naive reduced pass misses; one test runs dlib on a real adult face pasted
into a 12 MP canvas (skipped without the shared photos).
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from genkend.faces import DetectedFace, LandmarkScheme, open_backend
from genkend.faces.backend import as_landmarks
from genkend.faces.detection import (
    ACCURATE,
    DEFAULT,
    FAST,
    HOG_OPTIONS,
    PLANS,
    DetectionPlan,
    detect,
    smallest_face,
    to_original,
    working_image,
)
from genkend.faces.fake import DEFAULT_IDENTITIES, FakeFaceBackend
from genkend.media import DecodedImage, decode

MAX_PIXELS = 50_000_000
PHONE = (4032, 3024)


def jpeg(image: np.ndarray, path: Path) -> bytes:
    """Save as a high-quality JPEG without chroma subsampling; return the bytes."""
    Image.fromarray(image).save(path, quality=95, subsampling=0)
    return path.read_bytes()


def decoded_for(data: bytes, plan: DetectionPlan) -> DecodedImage:
    return decode(data, max_pixels=MAX_PIXELS, max_side=plan.decode_max_side)


def face(box: tuple[int, int, int, int]) -> DetectedFace:
    x1, y1, x2, y2 = box
    marks = as_landmarks(
        (x1 + (x2 - x1) * f, y1 + (y2 - y1) * f) for f in (0.2, 0.4, 0.5, 0.6, 0.8)
    )
    return DetectedFace(box, marks, 1.0, "test", LandmarkScheme.ARCFACE5)


@pytest.fixture
def fake() -> FakeFaceBackend:
    """Three identities only: the fake labels a whole-image mask per identity colour."""
    identities = {n: DEFAULT_IDENTITIES[n] for n in ("alice", "bob", "carol")}
    backend = open_backend("fake", identities=identities, min_face_size=20)
    assert isinstance(backend, FakeFaceBackend)
    return backend


# --- the plan -------------------------------------------------------------------------


def test_plans_scale_phone_photos_to_jpeg_draft_sizes() -> None:
    assert FAST.working_size(*PHONE) == (1008, 756)
    assert DEFAULT.working_size(*PHONE) == (2016, 1512)
    assert ACCURATE.working_size(*PHONE) == (3024, 2268)
    assert ACCURATE.decode_max_side == 2016
    assert DEFAULT.decode_max_side == 2016
    assert set(PLANS) == {"fast", "default", "accurate"}


def test_small_pictures_are_enlarged_at_most_max_enlargement() -> None:
    assert DEFAULT.working_scale(640, 480) == 2.0
    assert DEFAULT.working_scale(1500, 1000) == pytest.approx(2016 / 1500)
    assert DetectionPlan("x", 2016, max_enlargement=1.0).working_scale(640, 480) == 1.0
    assert DEFAULT.working_scale(3024, 4032) == 0.5  # portrait: the longer side counts


def test_smallest_face_follows_the_working_scale() -> None:
    assert smallest_face(DEFAULT, *PHONE, detector_min_face=64) == 128
    assert smallest_face(FAST, *PHONE, detector_min_face=64) == 256
    assert smallest_face(DEFAULT, 640, 480, detector_min_face=64) == 32


@pytest.mark.parametrize(
    "options",
    [
        {"working_side": 0},
        {"working_side": 100, "decode_side": 0},
        {"working_side": 100, "max_enlargement": 0.5},
        {"working_side": 100, "tolerance": 1.0},
        {"working_side": 100, "min_face": -1},
    ],
)
def test_bad_plans_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        DetectionPlan("bad", **options)


# --- mapping back to original pixels --------------------------------------------------


def test_to_original_multiplies_edges_and_grows_to_whole_pixels() -> None:
    mapped = to_original(face((10, 20, 30, 41)), 1.5, 1.25, 1000, 1000)
    assert mapped is not None
    assert mapped.box == (15, 25, 45, 52)  # 41 * 1.25 = 51.25 grows to 52
    assert mapped.landmarks[0] == pytest.approx((14 * 1.5, 24.2 * 1.25))
    assert (mapped.score, mapped.detector, mapped.landmark_scheme) == (
        1.0,
        "test",
        LandmarkScheme.ARCFACE5,
    )


def test_to_original_contains_the_exact_box_and_is_the_smallest_such() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        x1, y1 = (int(v) for v in rng.integers(0, 500, 2))
        w, h = (int(v) for v in rng.integers(1, 200, 2))
        sx, sy = (float(v) for v in rng.uniform(0.3, 5.0, 2))
        mapped = to_original(face((x1, y1, x1 + w, y1 + h)), sx, sy, 10_000, 10_000)
        assert mapped is not None
        assert mapped.box == (
            math.floor(x1 * sx),
            math.floor(y1 * sy),
            math.ceil((x1 + w) * sx),
            math.ceil((y1 + h) * sy),
        )


def test_to_original_clips_to_the_original_and_drops_boxes_outside_it() -> None:
    mapped = to_original(face((90, 0, 110, 20)), 2.0, 2.0, 200, 100)
    assert mapped is not None and mapped.box == (180, 0, 200, 40)
    assert to_original(face((100, 0, 110, 20)), 2.0, 2.0, 200, 100) is None
    with pytest.raises(ValueError):
        to_original(face((1, 1, 2, 2)), 0.0, 1.0, 10, 10)


def test_painted_faces_map_back_from_a_half_size_draft(
    fake: FakeFaceBackend, tmp_path: Path
) -> None:
    painted = [("alice", 1001, 333, 160), ("bob", 3500, 2700, 300), ("carol", 0, 0, 120)]
    data = jpeg(fake.canvas(*PHONE, painted), tmp_path / "phone.jpg")
    decoded = decoded_for(data, DEFAULT)
    assert decoded.reduction == 2 and decoded.image.size == (2016, 1512)

    found = detect(fake, decoded, DEFAULT)

    assert found.scale == (2.0, 2.0) and found.original_size == PHONE
    assert found.image.shape == (1512, 2016, 3)  # the draft itself: no resize
    by_identity = {
        fake.identity_of(found.image, w): f
        for w, f in zip(found.working_faces, found.faces, strict=True)
    }
    assert set(by_identity) == {"alice", "bob", "carol"}
    for identity, x, y, size in painted:
        box = by_identity[identity].box
        # One working pixel is two original pixels; JPEG softens the square's edge.
        assert np.abs(np.subtract(box, (x, y, x + size, y + size))).max() <= 3, identity
    for working, original in zip(found.working_faces, found.faces, strict=True):
        assert original == to_original(working, 2.0, 2.0, *PHONE)


def test_odd_sizes_map_per_axis(fake: FakeFaceBackend, tmp_path: Path) -> None:
    """A 3001 x 1999 original reduced to 2016 px: the axes scale by different ratios."""
    data = jpeg(fake.canvas(3001, 1999, [("alice", 2500, 1500, 200)]), tmp_path / "odd.jpg")
    found = detect(fake, decoded_for(data, DEFAULT), DEFAULT)
    height, width = found.image.shape[:2]
    assert found.scale == (3001 / width, 1999 / height)
    assert found.scale[0] != found.scale[1]
    (only,) = found.faces
    assert np.abs(np.subtract(only.box, (2500, 1500, 2700, 1700))).max() <= 3


# --- small faces ----------------------------------------------------------------------


def test_plan_finds_a_small_face_that_a_naive_reduced_pass_misses(
    fake: FakeFaceBackend, tmp_path: Path
) -> None:
    """A 48 px face in a 12 MP photo: 12 px at 1024 (below the detector), 24 px at 2016."""
    data = jpeg(fake.canvas(*PHONE, [("bob", 2000, 1500, 48)]), tmp_path / "small.jpg")
    naive = decode(data, max_pixels=MAX_PIXELS, max_side=1024)
    assert fake.detect(np.asarray(naive.image)) == []

    found = detect(fake, decoded_for(data, DEFAULT), DEFAULT)

    assert len(found.faces) == 1
    assert np.abs(np.subtract(found.faces[0].box, (2000, 1500, 2048, 1548))).max() <= 3


def test_small_pictures_are_enlarged_so_small_faces_are_found(
    fake: FakeFaceBackend, tmp_path: Path
) -> None:
    """A 14 px face in a 400 x 300 picture: found on the 2x working image, mapped back."""
    data = jpeg(fake.canvas(400, 300, [("carol", 100, 50, 14)]), tmp_path / "tiny.jpg")
    decoded = decoded_for(data, DEFAULT)
    assert fake.detect(np.asarray(decoded.image)) == []

    found = detect(fake, decoded, DEFAULT)

    assert found.image.shape == (600, 800, 3) and found.scale == (0.5, 0.5)
    assert len(found.faces) == 1
    assert np.abs(np.subtract(found.faces[0].box, (100, 50, 114, 64))).max() <= 1


def test_min_face_drops_faces_smaller_in_original_pixels(
    fake: FakeFaceBackend, tmp_path: Path
) -> None:
    painted = [("alice", 100, 100, 100), ("bob", 1000, 1000, 300)]
    data = jpeg(fake.canvas(*PHONE, painted), tmp_path / "two.jpg")
    plan = DetectionPlan("big-only", working_side=2016, min_face=200)
    found = detect(fake, decoded_for(data, plan), plan)
    assert [fake.identity_of(found.image, w) for w in found.working_faces] == ["bob"]
    assert len(found.faces) == 1 and found.faces[0].width >= 200


def test_a_decode_within_tolerance_is_used_as_it_is(fake: FakeFaceBackend) -> None:
    buffer = io.BytesIO()
    Image.fromarray(fake.canvas(*PHONE)).save(buffer, format="JPEG", quality=80)
    decoded = decode(buffer.getvalue(), max_pixels=MAX_PIXELS, max_side=1900)
    assert max(decoded.image.size) == 1900
    assert working_image(decoded, DEFAULT).shape == (1425, 1900, 3)
    strict = DetectionPlan("strict", working_side=2016, tolerance=0.0)
    assert working_image(decoded, strict).shape == (1512, 2016, 3)


# --- the real detector ----------------------------------------------------------------


@pytest.mark.faces
def test_dlib_finds_a_real_160px_face_in_a_phone_photo_by_plan(
    face_data: Path, tmp_path: Path
) -> None:
    """dlib HOG (``HOG_OPTIONS``) finds a 160 px face at the default scale, not at the fast.

    At 2016 px the face is 80 px wide (found); at 1008 px, 40 px (below the detector).
    """
    hog = open_backend("dlib", **HOG_OPTIONS)
    with Image.open(face_data / "faces-dev" / "Aaron_Peirsol" / "lfw__Aaron_Peirsol_0001.jpg") as p:
        photo = p.convert("RGB")
    (source,) = hog.detect(np.asarray(photo.resize((500, 500), Image.Resampling.BICUBIC)))
    factor = 160 / source.width  # the pasted face box is 160 px wide
    pasted = photo.resize((round(500 * factor), round(500 * factor)), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", PHONE, (96, 112, 90))
    canvas.paste(pasted, (2500, 900))
    offsets = (2500, 900, 2500, 900)
    x1, y1, x2, y2 = (v * factor + o for v, o in zip(source.box, offsets, strict=True))
    data = jpeg(np.asarray(canvas), tmp_path / "real.jpg")

    fast = detect(hog, decoded_for(data, FAST), FAST)
    default = detect(hog, decoded_for(data, DEFAULT), DEFAULT)

    assert fast.faces == ()
    assert len(default.faces) == 1
    box = default.faces[0].box
    overlap_w = min(box[2], x2) - max(box[0], x1)
    overlap_h = min(box[3], y2) - max(box[1], y1)
    union = (box[2] - box[0]) * (box[3] - box[1]) + (x2 - x1) * (y2 - y1)
    assert overlap_w * overlap_h / (union - overlap_w * overlap_h) >= 0.5
