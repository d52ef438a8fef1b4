"""A fake face backend whose identities a test controls, for tests and plug-in authors.

A "face" is a square of an identity's colour in a synthetic image, with black eyes and
mouth (``paint`` draws them). The fake detector finds each such square: at least
``min_face_size`` pixels a side, nearly square, nearly filled once enclosed holes such as
the eyes count as filled, each channel within ``tolerance`` of the colour (so JPEG
saving and resizing survive). It places five ``ARCFACE5`` landmarks where the ArcFace
template puts them in the square. The fake recogniser maps each identity to a fixed
random unit vector (from its name and ``seed``), adds Gaussian noise of standard
deviation ``noise`` per component (drawn from the face's box, so the same image always
gives the same embedding) and L2-normalises:

- different identities lie about ``sqrt(2)`` (1.41) apart;
- two faces of one identity lie about ``noise * sqrt(2 * dim)`` apart for small noise
  (0 when ``noise`` is 0).

A square of an unknown colour that reaches ``embed`` (a box from elsewhere) embeds as an
identity named after its colour (``#rrggbb``).

Invariant: the fake is a pure function of its options and the pixels; it has no files,
so its name digests its options instead of weights.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray
from skimage.measure import label, regionprops

from genkend.errors import FaceError
from genkend.faces.alignment import ARCFACE_SIZE, ARCFACE_TEMPLATE, l2_normalise
from genkend.faces.backend import (
    DetectedFace,
    LandmarkScheme,
    WeightFile,
    as_landmarks,
    check_image,
)

Colour = tuple[int, int, int]

DEFAULT_IDENTITIES: Mapping[str, Colour] = {
    "alice": (230, 25, 75),
    "bob": (60, 180, 75),
    "carol": (0, 130, 200),
    "dave": (245, 130, 48),
    "erin": (145, 30, 180),
    "frank": (70, 240, 240),
}
DETECTOR_NAME = "fake-squares"


class FakeFaceBackend:
    """Detects solid squares of known colours; embeds each colour as its identity's vector.

    ``identities`` maps identity names to RGB colours (default ``DEFAULT_IDENTITIES``);
    colours must differ by more than ``2 * tolerance`` in some channel.
    """

    def __init__(
        self,
        identities: Mapping[str, Sequence[int]] | None = None,
        *,
        dim: int = 16,
        noise: float = 0.0,
        seed: int = 0,
        tolerance: int = 12,
        min_face_size: int = 8,
    ) -> None:
        palette = dict(DEFAULT_IDENTITIES if identities is None else identities)
        self._colours: dict[str, Colour] = {n: _colour(c) for n, c in sorted(palette.items())}
        _check_distinct(self._colours, tolerance)
        if dim < 2 or noise < 0 or tolerance < 0 or min_face_size < 1:
            raise FaceError("need dim >= 2, noise >= 0, tolerance >= 0, min_face_size >= 1")
        self._dim = dim
        self._noise = noise
        self._seed = seed
        self._tolerance = tolerance
        self._min_face_size = min_face_size
        options = {"colours": self._colours, "dim": dim, "noise": noise, "seed": seed}
        digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()
        self._name = f"fake:v1:sha256-{digest[:12]}"

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def weights(self) -> tuple[WeightFile, ...]:
        return ()

    @property
    def identities(self) -> Mapping[str, Colour]:
        return dict(self._colours)

    def paint(
        self,
        image: NDArray[np.uint8],
        faces: Iterable[tuple[str, int, int, int]],
    ) -> NDArray[np.uint8]:
        """A copy of ``image`` with a face ``(identity, x, y, size)`` drawn per face.

        A face is a square of the identity's colour with black eyes and mouth where the
        ArcFace template puts them, so that it has edges (a quality above 0).
        """
        out = check_image(image).copy()
        for identity, x, y, size in faces:
            out[y : y + size, x : x + size] = self._colours[identity]
            for x1, y1, x2, y2 in _features(size):
                out[y + y1 : y + y2, x + x1 : x + x2] = 0
        return out

    def canvas(
        self,
        width: int,
        height: int,
        faces: Iterable[tuple[str, int, int, int]] = (),
        background: Sequence[int] = (128, 128, 128),
    ) -> NDArray[np.uint8]:
        """A new ``height`` x ``width`` RGB image of ``background`` with ``faces`` painted."""
        blank = np.empty((height, width, 3), dtype=np.uint8)
        blank[...] = _colour(background)
        return self.paint(blank, faces)

    def identity_of(self, image: NDArray[np.uint8], face: DetectedFace) -> str:
        """The identity whose colour fills the centre of ``face``; ``#rrggbb`` if none."""
        centre = _centre_colour(check_image(image), face.box)
        for name, colour in self._colours.items():
            if _close(centre, colour, self._tolerance):
                return name
        return "#{:02x}{:02x}{:02x}".format(*centre)

    def detect(self, image: NDArray[np.uint8]) -> list[DetectedFace]:
        """Every nearly solid, nearly square patch of an identity's colour, largest first."""
        img = check_image(image).astype(np.int16)
        faces = []
        for colour in self._colours.values():
            mask = np.all(np.abs(img - np.array(colour, dtype=np.int16)) <= self._tolerance, axis=2)
            regions = regionprops(label(mask, connectivity=1))  # type: ignore[no-untyped-call]
            for region in regions:
                face = self._face_of(region.bbox, int(region.area_filled))
                if face is not None:
                    faces.append(face)
        faces.sort(key=lambda f: (-f.width * f.height, f.box))
        return faces

    def embed(self, image: NDArray[np.uint8], faces: Sequence[DetectedFace]) -> NDArray[np.float32]:
        """The identity's unit vector plus box-seeded noise, L2-normalised, per face."""
        img = check_image(image)
        rows = np.zeros((len(faces), self._dim), dtype=np.float64)
        for i, face in enumerate(faces):
            rows[i] = self._identity_vector(self.identity_of(img, face))
            if self._noise > 0:
                noise_rng = np.random.default_rng(_seed_of(self._seed, "noise", *face.box))
                rows[i] += noise_rng.normal(0.0, self._noise, self._dim)
        return l2_normalise(rows.astype(np.float32))

    def _face_of(self, bbox: tuple[int, ...], area: int) -> DetectedFace | None:
        top, left, bottom, right = bbox
        width, height = right - left, bottom - top
        if min(width, height) < self._min_face_size:
            return None
        if not 0.8 <= width / height <= 1.25 or area < 0.9 * width * height:
            return None
        template = ARCFACE_TEMPLATE / ARCFACE_SIZE
        landmarks = as_landmarks(
            (left + fx * width, top + fy * height) for fx, fy in template.tolist()
        )
        return DetectedFace(
            (left, top, right, bottom), landmarks, 1.0, DETECTOR_NAME, LandmarkScheme.ARCFACE5
        )

    def _identity_vector(self, identity: str) -> NDArray[np.float64]:
        rng = np.random.default_rng(_seed_of(self._seed, "identity", identity))
        vector = rng.normal(0.0, 1.0, self._dim)
        unit: NDArray[np.float64] = vector / np.linalg.norm(vector)
        return unit


def _features(size: int) -> list[tuple[int, int, int, int]]:
    """Boxes of the eyes and the mouth of a painted face of side ``size``, in the square."""
    t = ARCFACE_TEMPLATE * (size / ARCFACE_SIZE)
    r = max(size // 16, 1)
    eyes = [(round(x) - r, round(y) - r, round(x) + r, round(y) + r) for x, y in t[:2]]
    mouth = (round(t[3, 0]), round(t[3, 1]) - r // 2, round(t[4, 0]), round(t[3, 1]) + r - r // 2)
    return [*eyes, mouth]


def _colour(value: Sequence[int]) -> Colour:
    if len(value) != 3 or not all(0 <= int(v) <= 255 for v in value):
        raise FaceError(f"a colour is three values 0-255, got {value!r}")
    return (int(value[0]), int(value[1]), int(value[2]))


def _check_distinct(colours: Mapping[str, Colour], tolerance: int) -> None:
    items = list(colours.items())
    for i, (name_a, a) in enumerate(items):
        for name_b, b in items[i + 1 :]:
            if _close(a, b, 2 * tolerance):
                raise FaceError(f"identities {name_a!r} and {name_b!r} have colours too alike")


def _close(a: Sequence[int], b: Sequence[int], tolerance: int) -> bool:
    return all(abs(int(x) - int(y)) <= tolerance for x, y in zip(a, b, strict=True))


def _centre_colour(image: NDArray[np.uint8], box: tuple[int, int, int, int]) -> Colour:
    """The median colour of the middle half of the box (robust to blurred edges)."""
    x1, y1, x2, y2 = box
    qx, qy = (x2 - x1) // 4, (y2 - y1) // 4
    patch = image[y1 + qy : y2 - qy, x1 + qx : x2 - qx].reshape(-1, 3)
    if patch.size == 0:
        patch = image[y1:y2, x1:x2].reshape(-1, 3)
    median = np.median(patch, axis=0)
    return (int(median[0]), int(median[1]), int(median[2]))


def _seed_of(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")
