"""Pillow's process-wide state, touched in this one place.

Responsibility: everything the media package needs from Pillow that is not about one
file: the HEIF opener, the exceptions by which Pillow's plugins report corrupt data,
collecting Pillow's warnings about a file, and making Pillow's decompression-bomb guard
follow genkend's pixel cap for the duration of one decode.

Invariants:

- ``ImageFile.LOAD_TRUNCATED_IMAGES`` is never changed: truncated data stays an error.
- ``Image.MAX_IMAGE_PIXELS`` is changed only inside ``pixel_limit``, one decode at a
  time (a module lock), and is restored on the way out, also when the decode fails.
  While a decode runs, every other thread of the process sees the decode's limit; that
  is acceptable because ingest decodes in worker processes, one file at a time each, and
  ``warnings.catch_warnings`` (which every decode needs) is process-wide state anyway.
- Pillow's warnings about one file never escape as warnings: they are collected, and
  those that are not decompression bombs are logged.
"""

from __future__ import annotations

import contextlib
import logging
import struct
import threading
import warnings
import zlib
from collections.abc import Iterator

import pillow_heif
from PIL import Image

__all__ = ["DECODER_FAILURES", "collected_warnings", "pixel_limit"]

logger = logging.getLogger(__name__)

# Registering twice is harmless; it makes Pillow open HEIC/HEIF (iPhone photos).
pillow_heif.register_heif_opener()

DECODER_FAILURES: tuple[type[Exception], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    RuntimeError,
    struct.error,
    zlib.error,
)
"""The built-in exceptions by which Pillow's plugins report corrupt or truncated data."""

_LIMIT_LOCK = threading.Lock()


@contextlib.contextmanager
def collected_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Collect Pillow's warnings about one file instead of letting them escape.

    Decompression-bomb warnings are left to the caller, which turns them into
    ``TooLarge``; the rest (corrupt EXIF and the like) are logged once the file is done.
    ``catch_warnings`` is process-wide state, which is why ingest decodes in worker
    processes, not threads.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield caught
        finally:
            for warning in caught:
                if not issubclass(warning.category, Image.DecompressionBombWarning):
                    logger.warning("while decoding: %s", warning.message)


@contextlib.contextmanager
def pixel_limit(max_pixels: int) -> Iterator[None]:
    """Set Pillow's bomb guard (``Image.MAX_IMAGE_PIXELS``) to ``max_pixels`` for a while.

    Pillow has no per-call limit: its guard is this module-level number, fixed at about
    89 megapixels, which would refuse a 108 or 200 megapixel phone photo that genkend's
    own cap admits. With the guard at genkend's cap, Pillow warns above the cap and
    refuses above twice the cap, wherever it checks a size (the declared size when a
    file is opened, GIF frames, TIFF tiles, ICO entries, the WebP canvas before it is
    allocated), so the cap is the one rule and Pillow's checks stay as a second line.

    Holding the lock serialises decodes between threads, so no decode ever runs under
    another's limit; the previous value is restored however the block ends.
    """
    with _LIMIT_LOCK:
        previous = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = max_pixels
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = previous
