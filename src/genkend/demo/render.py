"""Rendering one demonstration picture: its original file and its near-duplicates.

Responsibility: ``render`` turns a ``PictureJob`` (what to draw, how to store it, which
near-duplicates to make of it) into the bytes of the original file and of each
near-duplicate, with their PDQ hashes as ingest computes them. It is a pure function
of the job, so jobs can run in worker processes in any order and still give the same
bytes.

Invariants, checked here rather than hoped for:

- an original's PDQ quality is at least ``MIN_QUALITY``, so that it is matched at all;
- every near-duplicate is within ``NEAR_MAX_DISTANCE`` bits of its original's PDQ and
  has a quality of at least ``MIN_QUALITY``; an edit that goes further is replaced by
  the job's next, milder edit, and a picture whose edits all go too far is drawn again
  (the next attempt), so a near-duplicate in the evidence always is one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from genkend.demo import pictures
from genkend.demo.encoding import Edit, camera_exif, edit, encode, ingest_pdq, stored_pixels
from genkend.hashes import digests as hashing
from genkend.records import ExifSummary, PerceptualHash

__all__ = [
    "MAX_ATTEMPTS",
    "MIN_QUALITY",
    "NEAR_MAX_DISTANCE",
    "PictureJob",
    "Rendered",
    "RenderedVariant",
    "Variant",
    "render",
]

MIN_QUALITY = 60
"""Smallest PDQ quality of a demonstration picture (ingest ignores hashes below 50)."""

NEAR_MAX_DISTANCE = 28
"""Largest PDQ distance of a near-duplicate from its original, measured as ingest
measures it; below ingest's default threshold (31), with a small margin for changes in
how ingest decodes. PDQ is sensitive to cropping: a crop of 3 % often moves a drawn
picture's hash by more than 31 bits, which is why crops here are small."""

MAX_ATTEMPTS = 8
"""Drawings tried for one job before giving up (never reached in practice)."""


@dataclass(frozen=True)
class Variant:
    """A near-duplicate to make: where it goes, and edits to try, strongest first."""

    location: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class PictureJob:
    """One picture to draw and store. ``size`` is the upright (displayed) size.

    ``orientation`` is the EXIF orientation tag to write (the stored pixels are turned
    so that the tag shows them upright); ``exif`` the camera facts to write (JPEG only);
    ``grain`` the strength of the sensor grain, 0 for none. ``attempt`` numbers the
    drawing: the random generator of a drawing is seeded with (seed, index, attempt).
    """

    seed: int
    index: int
    family: str
    size: tuple[int, int]
    fmt: str
    quality: int = 90
    grain: float = 0.0
    orientation: int | None = None
    exif: ExifSummary | None = None
    variants: tuple[Variant, ...] = ()
    attempt: int = 0


@dataclass(frozen=True)
class RenderedVariant:
    location: str
    data: bytes
    edit: Edit
    detail: str
    pdq: PerceptualHash
    distance: int
    size: tuple[int, int]


@dataclass(frozen=True)
class Rendered:
    """The files of one job: ``job.attempt`` is the drawing that was kept."""

    job: PictureJob
    data: bytes
    pdq: PerceptualHash
    size: tuple[int, int]
    variants: tuple[RenderedVariant, ...]


def render(job: PictureJob) -> Rendered:
    """The original file and the near-duplicates of ``job``, meeting the invariants."""
    for attempt in range(job.attempt, job.attempt + MAX_ATTEMPTS):
        found = _try(replace(job, attempt=attempt))
        if found is not None:
            return found
    raise RuntimeError(f"picture {job.index}: no drawing met the invariants")  # pragma: no cover


def _try(job: PictureJob) -> Rendered | None:
    rng = np.random.default_rng([job.seed, job.index, job.attempt])
    upright = pictures.draw(rng, job.size, job.family)
    if job.grain > 0:
        offset = (int(rng.integers(0, 256)), int(rng.integers(0, 256)))
        upright = pictures.Grain(rng, job.grain).apply(upright, offset)
    exif = None
    if job.fmt == "JPEG" and (job.exif is not None or job.orientation is not None):
        exif = camera_exif(job.exif or ExifSummary(), job.orientation)
    data = encode(stored_pixels(upright, job.orientation), job.fmt, job.quality, exif)
    pdq, size = ingest_pdq(data)
    if pdq.quality < MIN_QUALITY:
        return None
    variants = []
    for variant in job.variants:
        made = _variant(upright, pdq, variant)
        if made is None:
            return None
        variants.append(made)
    return Rendered(job, data, pdq, size, tuple(variants))


def _variant(
    upright: Image.Image, original: PerceptualHash, variant: Variant
) -> RenderedVariant | None:
    for change in variant.edits:
        edited, data = edit(upright, change)
        pdq, size = ingest_pdq(data)
        distance = hashing.hamming(pdq.value, original.value)
        if distance <= NEAR_MAX_DISTANCE and pdq.quality >= MIN_QUALITY:
            detail = change.describe(upright.size, edited.size)
            return RenderedVariant(variant.location, data, change, detail, pdq, distance, size)
    return None
