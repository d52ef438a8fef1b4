"""EXIF: the camera, time and place facts an investigator reads from a picture.

Responsibility: summarise an opened image's EXIF (``exif_summary``) as an
``ExifSummary`` record: make, model, serial number, time taken and GPS position.

Invariants:

- Garbage in a field gives ``None`` for that field, never an exception; unreadable EXIF
  as a whole gives an empty summary and a log line.
- A GPS position is given only when both latitude and longitude are valid, because half
  a position is misleading.
- Times are reported as written in the file; they carry no zone, so none is invented.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from PIL import ExifTags, Image

from genkend.media.pillow import DECODER_FAILURES, collected_warnings
from genkend.records import ExifSummary

__all__ = ["exif_summary"]

logger = logging.getLogger(__name__)


def exif_summary(image: Image.Image) -> ExifSummary:
    """The make, model, serial number, time taken and GPS position in an image's EXIF.

    Garbage in any field gives ``None`` for that field, never an exception. The time is
    the EXIF ``DateTimeOriginal`` string as written (``YYYY:MM:DD HH:MM:SS``, camera local
    time, no zone). GPS is signed decimal degrees (south and west negative), given only
    when both latitude and longitude are valid: half a position is misleading.
    """
    with collected_warnings():
        exif = _read_exif(image)
        if not exif:
            return ExifSummary()
        camera = _ifd(exif, ExifTags.IFD.Exif)
        gps = _ifd(exif, ExifTags.IFD.GPSInfo)
        lat, lon = _position(gps)
        return ExifSummary(
            make=_text(exif.get(ExifTags.Base.Make)),
            model=_text(exif.get(ExifTags.Base.Model)),
            serial=_text(camera.get(ExifTags.Base.BodySerialNumber))
            or _text(exif.get(ExifTags.Base.CameraSerialNumber)),
            taken_at=_text(camera.get(ExifTags.Base.DateTimeOriginal))
            or _text(exif.get(ExifTags.Base.DateTimeOriginal)),
            gps_lat=lat,
            gps_lon=lon,
        )


def _read_exif(image: Image.Image) -> Image.Exif | None:
    try:
        return image.getexif()
    except DECODER_FAILURES:
        logger.warning("unreadable EXIF ignored", exc_info=True)
        return None


def _ifd(exif: Image.Exif, tag: int) -> Mapping[int, Any]:
    try:
        return exif.get_ifd(tag)
    except DECODER_FAILURES:
        logger.warning("unreadable EXIF IFD 0x%04x ignored", tag, exc_info=True)
        return {}


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", " ").strip()
    return value or None


def _position(gps: Mapping[int, Any]) -> tuple[float | None, float | None]:
    lat = _coordinate(
        gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "N", "S", 90.0
    )
    lon = _coordinate(
        gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "E", "W", 180.0
    )
    if lat is None or lon is None:
        return None, None
    return lat, lon


def _coordinate(
    value: object, ref: object, positive: str, negative: str, limit: float
) -> float | None:
    """Degrees, minutes, seconds (rationals) and a hemisphere letter to signed degrees."""
    hemisphere = (_text(ref) or "").upper()[:1]
    if hemisphere not in (positive, negative):
        return None  # without a hemisphere the sign is unknown
    parts = value if isinstance(value, tuple | list) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    try:
        numbers = [float(part) for part in parts]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if not all(math.isfinite(n) and n >= 0 for n in numbers):
        return None
    degrees = sum(n / 60.0**i for i, n in enumerate(numbers))
    if degrees > limit:
        return None
    return -degrees if hemisphere == negative else degrees
