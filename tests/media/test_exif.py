"""Tests for genkend.media's EXIF summary, on EXIF bytes written by Pillow."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from genkend import media
from genkend.records import ExifSummary

MakeExif = Callable[..., Image.Exif]

SYDNEY_LAT = (IFDRational(33, 1), IFDRational(51, 1), IFDRational(3099, 100))
SYDNEY_LON = (IFDRational(151, 1), IFDRational(12, 1), IFDRational(365, 10))


def _exif_of(exif: Image.Exif) -> ExifSummary:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (220, 20, 20)).save(out, format="JPEG", exif=exif)
    with Image.open(out) as image:
        return media.exif_summary(image)


def test_exif_summary_reads_camera_time_and_southern_western_position(
    camera_exif: MakeExif,
) -> None:
    summary = _exif_of(camera_exif(lat=SYDNEY_LAT, lat_ref="S", lon=SYDNEY_LON, lon_ref="W"))
    assert summary.make == "Acme"
    assert summary.model == "Phone 7"
    assert summary.serial == "SN-0042"
    assert summary.taken_at == "2021:03:04 05:06:07"
    assert summary.gps_lat == pytest.approx(-(33 + 51 / 60 + 30.99 / 3600))
    assert summary.gps_lon == pytest.approx(-(151 + 12 / 60 + 36.5 / 3600))


def test_exif_summary_northern_eastern_position_is_positive(camera_exif: MakeExif) -> None:
    summary = _exif_of(camera_exif(lat=SYDNEY_LAT, lat_ref="N", lon=SYDNEY_LON, lon_ref="E"))
    assert summary.gps_lat is not None and summary.gps_lat > 33.8
    assert summary.gps_lon is not None and summary.gps_lon > 151.2


@pytest.mark.parametrize(
    ("lat", "lat_ref", "lon", "lon_ref"),
    [
        ((IFDRational(33, 0), IFDRational(1, 1), IFDRational(1, 1)), "S", SYDNEY_LON, "E"),
        (SYDNEY_LAT, "Q", SYDNEY_LON, "E"),
        (SYDNEY_LAT, "", SYDNEY_LON, "E"),
        ((IFDRational(95, 1), IFDRational(0, 1), IFDRational(0, 1)), "N", SYDNEY_LON, "E"),
        (SYDNEY_LAT, "N", (IFDRational(1, 1),) * 4, "E"),
        (SYDNEY_LAT, "N", SYDNEY_LON, "X"),
    ],
    ids=["zero-denominator", "bad-ref", "no-ref", "beyond-pole", "four-parts", "bad-lon-ref"],
)
def test_exif_summary_garbage_position_is_none(
    lat: tuple[object, ...],
    lat_ref: str,
    lon: tuple[object, ...],
    lon_ref: str,
    camera_exif: MakeExif,
) -> None:
    summary = _exif_of(camera_exif(lat=lat, lat_ref=lat_ref, lon=lon, lon_ref=lon_ref))
    assert (summary.gps_lat, summary.gps_lon) == (None, None)
    assert summary.make == "Acme"  # the rest of the EXIF still counts


def test_exif_summary_of_a_picture_without_exif_is_empty() -> None:
    assert media.exif_summary(Image.new("RGB", (8, 8))).is_empty()


def test_exif_summary_trims_padding() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Acme\x00\x00   "
    exif[ExifTags.Base.Model] = "   "
    summary = _exif_of(exif)
    assert (summary.make, summary.model) == ("Acme", None)
