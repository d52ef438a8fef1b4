"""Media: content type, pixels, orientation, EXIF and thumbnails of one file.

Responsibility: turn the bytes of one file into the facts and pixels the rest of genkend
works on, or into one ``MediaError`` that says why not. The package's public surface is
this module; its parts are

- ``content_type``: what a file is, from its magic bytes (``sniff``, ``ContentType``),
  and whether its name lies about it (``extension_note``);
- ``decoding``: the upright RGB pixels of an image within the pixel cap (``decode``);
- ``exif``: camera, time and place from EXIF (``exif_summary``);
- ``thumbnails``: small JPEGs without metadata (``thumbnail``), greyscale and blurred
  for reviewer welfare (``blurred``);
- ``pillow``: Pillow's process-wide state (the bomb guard, warnings, the HEIF opener).

Invariants (each part states its own in detail):

- The content type comes from the bytes, never from a file name.
- An image's declared size is checked against the caller's pixel cap before any pixel is
  decoded; a decompression bomb is a ``TooLarge``, never a crash or a ``MemoryError``.
- Pillow's process-wide switches are changed only by ``pillow.pixel_limit``, for one
  decode at a time, and restored afterwards; truncated data is never accepted.
- Pillow's warnings about one file never escape as warnings.
"""

from __future__ import annotations

from genkend.media.content_type import SNIFF_BYTES, ContentType, Kind, extension_note, sniff
from genkend.media.decoding import DecodedImage, decode
from genkend.media.exif import exif_summary
from genkend.media.thumbnails import blurred, thumbnail

__all__ = [
    "SNIFF_BYTES",
    "ContentType",
    "DecodedImage",
    "Kind",
    "blurred",
    "decode",
    "exif_summary",
    "extension_note",
    "sniff",
    "thumbnail",
]
