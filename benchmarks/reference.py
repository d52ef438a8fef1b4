"""The reference face pipeline genkend is measured against: IPED's use of face_recognition.

IPED (the Brazilian Federal Police's open-source forensic tool) finds and embeds faces
with the ``face_recognition`` package (1.2.3), which wraps the same dlib models genkend
uses by default. Its settings, reproduced here: the picture decoded with Pillow and
converted to RGB, scaled so that its longer side is at most 1024 pixels (bilinear),
``face_locations(image, number_of_times_to_upsample=1, model="hog")``, then
``face_encodings(image, locations)`` (the 5-point landmark model, ``num_jitters=1``,
which dlib treats as no jitter). A location is ``(top, right, bottom, left)`` in pixels
of the scaled picture.

This module is for benchmarks only: ``face_recognition`` is not a genkend dependency,
and is installed next to genkend only to measure it. Importing it imports
``pkg_resources``, which newer setuptools deprecate with a warning; that warning is
silenced here, where it is expected, and nowhere else.

Invariant: the reference's pipeline is not tuned or "fixed" here; it runs as IPED runs it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

MAX_SIDE = 1024
UPSAMPLE = 1

Location = tuple[int, int, int, int]


@dataclass(frozen=True)
class ReferenceFaces:
    """The faces the reference found in one picture, in pixels of the scaled picture."""

    width: int
    height: int
    locations: tuple[Location, ...]
    encodings: NDArray[np.float64]


class Reference:
    """IPED's face pipeline; build one per worker process (it loads the dlib models)."""

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import face_recognition
        self._fr: Any = face_recognition

    def process(self, path: Path) -> ReferenceFaces:
        """Decode, scale, detect and embed every face of one picture."""
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        if max(image.size) > MAX_SIDE:
            scale = MAX_SIDE / max(image.size)
            size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
            image = image.resize(size, resample=Image.Resampling.BILINEAR)
        pixels = np.ascontiguousarray(np.asarray(image))
        locations = self._fr.face_locations(pixels, number_of_times_to_upsample=UPSAMPLE)
        encodings = self._fr.face_encodings(pixels, locations) if locations else []
        array = np.asarray(encodings, dtype=np.float64).reshape(len(locations), 128)
        return ReferenceFaces(
            image.width, image.height, tuple(tuple(loc) for loc in locations), array
        )
