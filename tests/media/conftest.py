"""Synthetic pictures shared by the media tests: encoded files, a two-coloured picture
whose turn is plain to see, and camera EXIF written by Pillow (so that parsing is tested
on real EXIF bytes). No real imagery is used anywhere in these tests.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import ExifTags, Image

RED = (220, 20, 20)
BLUE = (20, 20, 220)


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _two_halves(width: int = 400, height: int = 300) -> Image.Image:
    """Left half red, right half blue: which way it was turned is plain to see."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    return image


def _camera_exif(
    *,
    orientation: int | None = None,
    lat: tuple[object, ...] | None = None,
    lat_ref: object = "N",
    lon: tuple[object, ...] | None = None,
    lon_ref: object = "E",
) -> Image.Exif:
    """EXIF of an "Acme Phone 7", serial SN-0042, taken 2021:03:04 05:06:07."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Acme"
    exif[ExifTags.Base.Model] = "Phone 7"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    camera = exif.get_ifd(ExifTags.IFD.Exif)
    camera[ExifTags.Base.BodySerialNumber] = "SN-0042"
    camera[ExifTags.Base.DateTimeOriginal] = "2021:03:04 05:06:07"
    if lat is not None and lon is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = lat_ref
        gps[ExifTags.GPS.GPSLatitude] = lat
        gps[ExifTags.GPS.GPSLongitudeRef] = lon_ref
        gps[ExifTags.GPS.GPSLongitude] = lon
    return exif


@pytest.fixture
def encode() -> Callable[..., bytes]:
    """``encode(image, fmt, **options)``: the file bytes Pillow writes for ``image``."""
    return _encode


@pytest.fixture
def two_halves() -> Callable[..., Image.Image]:
    """``two_halves(width=400, height=300)``: left half red, right half blue."""
    return _two_halves


@pytest.fixture
def camera_exif() -> Callable[..., Image.Exif]:
    """``camera_exif(orientation=..., lat=..., lat_ref=..., lon=..., lon_ref=...)``."""
    return _camera_exif
