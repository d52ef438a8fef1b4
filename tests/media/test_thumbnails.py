"""Tests for genkend.media's thumbnails: small JPEGs that carry pixels only."""

from __future__ import annotations

import io
import itertools
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


def test_blurred_is_a_grey_jpeg_with_no_sharp_edge_left(
    encode: Encode, two_halves: Picture, camera_exif: MakeExif
) -> None:
    data = encode(two_halves(400, 300), "JPEG", exif=camera_exif(lat=SOMEWHERE, lon=SOMEWHERE))
    decoded = media.decode(data, max_pixels=200_000_000)
    with Image.open(io.BytesIO(media.blurred(decoded.image, 200))) as image:
        assert (image.format, image.mode, image.size) == ("JPEG", "L", (200, 150))
        assert len(image.getexif()) == 0
        row = [image.getpixel((x, 75)) for x in range(200)]
    # the two halves' sharp border is smeared over many pixels: no big step between two
    steps = [abs(int(a) - int(b)) for a, b in itertools.pairwise(row)]
    assert max(steps) < 10
    assert abs(int(row[0]) - int(row[-1])) > 30  # yet the halves still differ in tone
    assert decoded.image.mode == "RGB"  # the caller's picture is untouched
