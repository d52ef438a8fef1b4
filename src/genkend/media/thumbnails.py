"""Thumbnails: the small pictures reviewers see and the workspace keeps.

Responsibility: encode a decoded picture as a small JPEG (``thumbnail``), or as a
greyscale, strongly blurred one (``blurred``: the reviewer-welfare default, in which
no detail of the picture can be made out).

Invariant: a thumbnail carries pixels only, no EXIF, GPS or ICC data, so that it never
leaks more than it shows; the caller's picture is never modified.
"""

from __future__ import annotations

import io

from PIL import Image, ImageFilter, ImageOps

__all__ = ["BLUR_FRACTION", "blurred", "thumbnail"]

# The Gaussian blur's radius as a fraction of the blurred picture's longer side.
BLUR_FRACTION = 1 / 12
_MIN_BLUR_RADIUS = 4.0


def thumbnail(image: Image.Image, max_side: int, *, quality: int = 85) -> bytes:
    """JPEG bytes of ``image`` shrunk to at most ``max_side`` per side, without metadata.

    No EXIF, GPS or ICC data is carried over: thumbnails are shown to reviewers and kept
    in the workspace, and must not leak more than the pixels.
    """
    return _jpeg(_small(image, max_side), quality)


def blurred(image: Image.Image, max_side: int, *, quality: int = 85) -> bytes:
    """A greyscale (one-channel) JPEG of ``image`` at most ``max_side`` per side, blurred
    with a Gaussian of radius ``BLUR_FRACTION`` of its longer side; no metadata."""
    small = ImageOps.grayscale(_small(image, max_side))
    radius = max(_MIN_BLUR_RADIUS, max(small.size) * BLUR_FRACTION)
    return _jpeg(small.filter(ImageFilter.GaussianBlur(radius)), quality)


def _small(image: Image.Image, max_side: int) -> Image.Image:
    if max_side < 1:
        raise ValueError("max_side must be positive")
    small = image.convert("RGB")  # a copy, so the caller's image is left as it was
    small.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return small


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()
