"""Encoding demonstration pictures as files, and the edits that make near-duplicates.

Responsibility: turn a picture into the bytes of a JPEG, PNG or HEIF file (``encode``),
with camera EXIF and an orientation tag where asked (``camera_exif``, ``stored_pixels``);
make the edits by which copies of a picture drift from their original (``edit``:
resizing, recompressing, cropping); and hash a file's picture the way ingest does
(``ingest_pdq``).

Invariants: the same picture and arguments always give the same bytes (Pillow's JPEG
and PNG writers and libheif's x265 encoder are deterministic; no time or software
stamp is written); an orientation tag always describes the stored pixels, so that a
reader who applies it sees the upright picture the caller passed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pillow_heif
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from genkend import media
from genkend.hashes import digests as hashing
from genkend.records import ExifSummary, PerceptualHash
from genkend.settings import Settings

__all__ = [
    "EDIT_METHODS",
    "FORMATS",
    "GPS_STEPS_PER_DEGREE",
    "INGEST_MAX_PIXELS",
    "Edit",
    "camera_exif",
    "edit",
    "encode",
    "ingest_pdq",
    "stored_pixels",
]

pillow_heif.register_heif_opener()

FORMATS = ("HEIF", "JPEG", "PNG")
EDIT_METHODS = ("crop", "recompress", "resize")

INGEST_MAX_PIXELS = Settings().max_pixels
"""The pixel cap of ingest's default settings; a demonstration picture stays below it."""

GPS_STEPS_PER_DEGREE = 360_000
"""Hundredths of an arc second per degree: the resolution of the GPS EXIF written."""

# The orientation tag's value -> the turn that shows the stored pixels upright, as
# ``ImageOps.exif_transpose`` applies it; the stored pixels get the opposite turn.
_UPRIGHT_TURN = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_270,
    8: Image.Transpose.ROTATE_90,
}
_OPPOSITE = {
    Image.Transpose.ROTATE_180: Image.Transpose.ROTATE_180,
    Image.Transpose.ROTATE_270: Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_90: Image.Transpose.ROTATE_270,
}
# libheif's default x265 preset takes seconds per picture; "ultrafast" writes the same
# kind of file (HEVC in HEIF) in a tenth of the time, which is all a demonstration needs.
# Without a thread pool x265 writes the same bytes whatever the number of CPU cores.
_HEIF_OPTIONS = {"enc_params": {"preset": "ultrafast", "x265:pools": "none"}}


def encode(
    picture: Image.Image, fmt: str, quality: int = 90, exif: Image.Exif | None = None
) -> bytes:
    """The bytes of ``picture`` as a ``fmt`` file (one of ``FORMATS``).

    ``quality`` applies to JPEG and HEIF; ``exif`` is written into JPEG files only.
    """
    out = io.BytesIO()
    if fmt == "JPEG":
        options = {} if exif is None else {"exif": exif}
        picture.save(out, format="JPEG", quality=quality, **options)
    elif fmt == "PNG":
        picture.save(out, format="PNG")
    elif fmt == "HEIF":
        picture.save(out, format="HEIF", quality=quality, **_HEIF_OPTIONS)
    else:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    return out.getvalue()


# ------------------------------------------------------------------------- camera EXIF


def camera_exif(facts: ExifSummary, orientation: int | None = None) -> Image.Exif:
    """EXIF that says what ``facts`` say, as a camera writes it, and the orientation tag.

    GPS positions are written as degrees, minutes and hundredths of arc seconds (steps
    of 1 / ``GPS_STEPS_PER_DEGREE`` degree); a position on that grid reads back as
    itself, up to floating-point rounding.
    """
    exif = Image.Exif()
    if facts.make is not None:
        exif[ExifTags.Base.Make] = facts.make
    if facts.model is not None:
        exif[ExifTags.Base.Model] = facts.model
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    camera = exif.get_ifd(ExifTags.IFD.Exif)
    if facts.taken_at is not None:
        camera[ExifTags.Base.DateTimeOriginal] = facts.taken_at
    if facts.serial is not None:
        camera[ExifTags.Base.BodySerialNumber] = facts.serial
    if facts.gps_lat is not None and facts.gps_lon is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if facts.gps_lat >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = _degrees(abs(facts.gps_lat))
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if facts.gps_lon >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = _degrees(abs(facts.gps_lon))
    return exif


def _degrees(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    hundredths = round(value * GPS_STEPS_PER_DEGREE)  # of an arc second
    whole, rest = divmod(hundredths, GPS_STEPS_PER_DEGREE)
    minutes, seconds = divmod(rest, GPS_STEPS_PER_DEGREE // 60)
    return (IFDRational(whole, 1), IFDRational(minutes, 1), IFDRational(seconds, 100))


def stored_pixels(upright: Image.Image, orientation: int | None) -> Image.Image:
    """The pixels a camera stores for ``upright`` when it tags them with ``orientation``.

    Phones store what the sensor saw and tag how to turn it; a reader that honours the
    tag (as genkend's decoding does) gets ``upright`` back.
    """
    if orientation is None or orientation == 1:
        return upright
    return upright.transpose(_OPPOSITE[_UPRIGHT_TURN[orientation]])


# ------------------------------------------------------------------------------- edits


@dataclass(frozen=True)
class Edit:
    """How a near-duplicate is made from its original picture.

    ``method`` is one of ``EDIT_METHODS``. ``amount`` is the scale factor for
    ``resize`` (0.5: half the width and height), the JPEG quality for ``recompress``,
    and the fraction of width and height cut away for ``crop``, half on each side
    (0.02: 1 % from every edge).
    The result is always saved as a JPEG at ``quality``.
    """

    method: str
    amount: float
    quality: int = 85

    def describe(self, before: tuple[int, int], after: tuple[int, int]) -> str:
        sizes = f"{before[0]} x {before[1]} to {after[0]} x {after[1]}"
        if self.method == "resize":
            return f"resized by {self.amount:.0%} ({sizes}), JPEG quality {self.quality}"
        if self.method == "recompress":
            return f"recompressed as JPEG at quality {int(self.amount)}"
        cut = f"{self.amount:.1%} of its width and height, half from each edge"
        return f"cropped by {cut} ({sizes}), JPEG quality {self.quality}"


def edit(upright: Image.Image, change: Edit) -> tuple[Image.Image, bytes]:
    """The edited picture and its JPEG bytes (without EXIF, as apps re-save pictures)."""
    width, height = upright.size
    if change.method == "resize":
        size = (max(64, round(width * change.amount)), max(64, round(height * change.amount)))
        edited = upright.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        return edited, encode(edited, "JPEG", change.quality)
    if change.method == "recompress":
        return upright, encode(upright, "JPEG", int(change.amount))
    if change.method == "crop":
        cut_w, cut_h = round(width * change.amount), round(height * change.amount)
        box = (cut_w // 2, cut_h // 2, width - (cut_w - cut_w // 2), height - (cut_h - cut_h // 2))
        edited = upright.crop(box)
        return edited, encode(edited, "JPEG", change.quality)
    raise ValueError(f"unknown edit {change.method!r}; known: {', '.join(EDIT_METHODS)}")


# ----------------------------------------------------------------------------- hashing


def ingest_pdq(data: bytes) -> tuple[PerceptualHash, tuple[int, int]]:
    """The PDQ hash of a file's picture as ingest computes it, and the upright size.

    Decoded by ``genkend.media.decode`` (EXIF orientation applied, JPEG draft mode) at
    the side PDQ works from, then hashed by ``genkend.hashes.digests.PdqHasher``.
    """
    decoded = media.decode(data, max_pixels=INGEST_MAX_PIXELS, max_side=hashing.PDQ_MAX_SIDE)
    value = hashing.PdqHasher().hash(decoded.image)
    if value is None:  # only for a picture without pixels, which is never drawn here
        raise ValueError("a demonstration picture has no pixels")
    return value, (decoded.width, decoded.height)
