"""Thumbnails: the small pictures reviewers see and the workspace keeps.

Responsibility: encode a decoded picture as a small JPEG (``thumbnail``).

Invariant: a thumbnail carries pixels only, no EXIF, GPS or ICC data, so that it never
leaks more than it shows; the caller's picture is never modified.
"""

from __future__ import annotations

import io

from PIL import Image

__all__ = ["thumbnail"]


def thumbnail(image: Image.Image, max_side: int, *, quality: int = 85) -> bytes:
    """JPEG bytes of ``image`` shrunk to at most ``max_side`` per side, without metadata.

    No EXIF, GPS or ICC data is carried over: thumbnails are shown to reviewers and kept
    in the workspace, and must not leak more than the pixels.
    """
    if max_side < 1:
        raise ValueError("max_side must be positive")
    small = image.convert("RGB")  # a copy, so the caller's image is left as it was
    small.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()
