"""The fake face backend: identities a test controls, and how robust its squares are."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from genkend.errors import FaceError
from genkend.faces import DetectedFace, LandmarkScheme, assess
from genkend.faces.backend import as_landmarks
from genkend.faces.fake import DEFAULT_IDENTITIES, FakeFaceBackend


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b))


def test_each_painted_face_is_found_with_its_identity() -> None:
    fake = FakeFaceBackend()
    image = fake.canvas(
        300, 200, [("alice", 10, 10, 50), ("bob", 100, 20, 80), ("alice", 200, 120, 40)]
    )
    faces = fake.detect(image)
    assert [f.box for f in faces] == [(100, 20, 180, 100), (10, 10, 60, 60), (200, 120, 240, 160)]
    assert [fake.identity_of(image, f) for f in faces] == ["bob", "alice", "alice"]
    assert all(f.landmark_scheme is LandmarkScheme.ARCFACE5 for f in faces)


def test_same_identity_embeds_together_and_others_apart() -> None:
    fake = FakeFaceBackend()
    image = fake.canvas(
        300, 200, [("alice", 10, 10, 50), ("bob", 100, 20, 80), ("alice", 200, 120, 40)]
    )
    bob, alice1, alice2 = fake.embed(image, fake.detect(image))
    assert distance(alice1, alice2) == pytest.approx(0.0, abs=1e-6)
    assert distance(alice1, bob) > 1.0
    np.testing.assert_allclose(np.linalg.norm([bob, alice1]), math.sqrt(2), rtol=1e-5)


def test_noise_sets_the_same_identity_distance() -> None:
    dim, noise = 64, 0.02
    fake = FakeFaceBackend(dim=dim, noise=noise)
    faces = [("carol", 10 + 60 * i, 10, 50) for i in range(5)]
    image = fake.canvas(320, 80, faces)
    vectors = fake.embed(image, fake.detect(image))
    same = [distance(a, b) for i, a in enumerate(vectors) for b in vectors[i + 1 :]]
    expected = noise * math.sqrt(2 * dim)
    assert 0.5 * expected < np.mean(same) < 1.5 * expected


def test_seed_changes_the_identity_vectors_and_the_name() -> None:
    image = FakeFaceBackend().canvas(100, 100, [("dave", 10, 10, 60)])
    one, two = FakeFaceBackend(seed=1), FakeFaceBackend(seed=2)
    assert one.name != two.name
    assert FakeFaceBackend(seed=1).name == one.name
    first = one.embed(image, one.detect(image))
    assert distance(first, two.embed(image, two.detect(image))) > 0.5


def test_faces_survive_jpeg_and_resizing() -> None:
    fake = FakeFaceBackend()
    image = fake.canvas(400, 300, [("erin", 40, 40, 120), ("frank", 220, 100, 100)])
    buffer = io.BytesIO()
    Image.fromarray(image).resize((200, 150), Image.Resampling.BILINEAR).save(
        buffer, "JPEG", quality=85
    )
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        small = np.asarray(decoded.convert("RGB"))
    faces = fake.detect(small)
    assert sorted(fake.identity_of(small, f) for f in faces) == ["erin", "frank"]
    assert max(abs(a - b) for a, b in zip(faces[0].box, (20, 20, 80, 80), strict=True)) <= 2


def test_small_and_non_square_patches_are_not_faces() -> None:
    fake = FakeFaceBackend(min_face_size=10)
    image = fake.canvas(200, 100)
    image[10:16, 10:16] = DEFAULT_IDENTITIES["alice"]  # too small
    image[10:30, 50:110] = DEFAULT_IDENTITIES["bob"]  # a bar, not a square
    image[50:90, 120:160] = DEFAULT_IDENTITIES["carol"]
    image[50:90, 120:140][np.triu(np.ones((40, 20), dtype=bool))] = 128  # a triangle
    assert fake.detect(image) == []


def test_painted_faces_have_a_usable_quality() -> None:
    fake = FakeFaceBackend()
    image = fake.canvas(200, 200, [("alice", 20, 20, 160)])
    (face,) = fake.detect(image)
    quality = assess(image, face)
    assert quality.yaw < 1e-3  # the ArcFace template is all but symmetric
    assert quality.size_score == 1.0
    assert quality.score > 0.5


def test_an_unknown_colour_embeds_as_its_own_identity() -> None:
    fake = FakeFaceBackend()
    image = np.zeros((60, 60, 3), dtype=np.uint8)
    image[10:50, 10:50] = (1, 2, 3)
    landmarks = as_landmarks([(20, 25), (40, 25), (30, 32), (22, 40), (38, 40)])
    face = DetectedFace((10, 10, 50, 50), landmarks, 1.0, "elsewhere", LandmarkScheme.ARCFACE5)
    assert fake.identity_of(image, face) == "#010203"
    vector = fake.embed(image, [face])
    assert vector.shape == (1, 16)
    assert np.linalg.norm(vector) == pytest.approx(1.0)


def test_identities_are_the_tests_to_choose() -> None:
    fake = FakeFaceBackend({"x": (255, 0, 0), "y": (0, 0, 255)}, dim=3)
    image = fake.canvas(100, 50, [("y", 5, 5, 40)])
    assert fake.identities == {"x": (255, 0, 0), "y": (0, 0, 255)}
    assert [fake.identity_of(image, f) for f in fake.detect(image)] == ["y"]
    with pytest.raises(KeyError):
        fake.canvas(10, 10, [("z", 0, 0, 5)])


@pytest.mark.parametrize(
    ("identities", "options", "message"),
    [
        ({"a": (10, 10, 10), "b": (20, 20, 20)}, {}, "too alike"),
        ({"a": (10, 10)}, {}, "three values"),
        ({"a": (10, 10, 300)}, {}, "three values"),
        (None, {"dim": 1}, "dim >= 2"),
        (None, {"noise": -0.1}, "noise >= 0"),
    ],
)
def test_bad_options_are_face_errors(
    identities: dict[str, tuple[int, ...]] | None, options: dict[str, float], message: str
) -> None:
    with pytest.raises(FaceError, match=message):
        FakeFaceBackend(identities, **options)  # type: ignore[arg-type]
