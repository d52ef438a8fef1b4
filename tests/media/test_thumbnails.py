"""Tests for genkend.media's thumbnails: small JPEGs that carry pixels only."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from genkend import media

Encode = Callable[..., bytes]
Picture = Callable[..., Image.Image]
MakeExif = Callable[..., Image.Exif]

SOMEWHERE = (IFDRational(10, 1), IFDRational(20, 1), IFDRational(30, 1))


def test_thumbnail_is_a_small_jpeg_without_metadata(
    encode: Encode, two_halves: Picture, camera_exif: MakeExif
) -> None:
    data = encode(two_halves(400, 300), "JPEG", exif=camera_exif(lat=SOMEWHERE, lon=SOMEWHERE))
    decoded = media.decode(data, max_pixels=200_000_000)
    assert decoded.exif.gps_lat is not None
    small = media.thumbnail(decoded.image, 100)
    assert media.sniff(small).mime == "image/jpeg"
    with Image.open(io.BytesIO(small)) as image:
        assert image.size == (100, 75)
        assert len(image.getexif()) == 0  # no GPS position leaks into a thumbnail
    assert decoded.image.size == (400, 300)  # the caller's picture is untouched


def test_thumbnail_of_a_small_picture_is_not_enlarged() -> None:
    with Image.open(io.BytesIO(media.thumbnail(Image.new("RGBA", (30, 20)), 100))) as image:
        assert image.size == (30, 20)


def test_thumbnail_rejects_a_meaningless_size() -> None:
    with pytest.raises(ValueError):
        media.thumbnail(Image.new("RGB", (30, 20)), 0)
