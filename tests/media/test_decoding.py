"""Tests for genkend.media's decoding: refusals, the pixel cap, pictures, orientation.

Every picture is synthetic, made here with Pillow and numpy.
"""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageFile, JpegImagePlugin

from genkend import media
from genkend.errors import DecodeError, MediaError, TooLarge, UnsupportedMedia

Encode = Callable[..., bytes]
Picture = Callable[..., Image.Image]
MakeExif = Callable[..., Image.Exif]

BIG_CAP = 200_000_000  # genkend's default ``max_pixels``: far above every picture here
RED = (220, 20, 20)
BLUE = (20, 20, 220)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose valid IHDR declares ``width`` x ``height`` RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def _red_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), RED).save(out, format="PNG")
    return out.getvalue()


class _OneWayStream(io.RawIOBase):
    """A stream that cannot seek, like a pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


# ----------------------------------------------------------------------------- refusals


def test_decode_refuses_zero_bytes() -> None:
    with pytest.raises(UnsupportedMedia, match="empty"):
        media.decode(b"", max_pixels=BIG_CAP)


def test_decode_refuses_a_text_file_named_like_a_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "holiday.jpg"
    path.write_bytes(b"This is not a picture, whatever its name says.\n" * 10)
    with path.open("rb") as fp, pytest.raises(UnsupportedMedia, match="not an image"):
        media.decode(fp, max_pixels=BIG_CAP)


def test_decode_refuses_an_archive() -> None:
    with pytest.raises(UnsupportedMedia, match="application/gzip"):
        media.decode(gzip.compress(_red_png()), max_pixels=BIG_CAP)


def test_decode_refuses_an_image_format_it_does_not_decode() -> None:
    with pytest.raises(UnsupportedMedia, match="photoshop"):
        media.decode(b"8BPS\x00\x01" + b"\x00" * 100, max_pixels=BIG_CAP)


def test_decode_refuses_jpeg_2000_which_puremagic_would_call_jpeg() -> None:
    with pytest.raises(UnsupportedMedia, match="image/jp2"):
        media.decode(b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x00" * 64, max_pixels=BIG_CAP)


def test_decode_reports_a_truncated_jpeg(encode: Encode, two_halves: Picture) -> None:
    whole = encode(two_halves(), "JPEG", quality=90)
    with pytest.raises(DecodeError, match="truncated"):
        media.decode(whole[: len(whole) // 2], max_pixels=BIG_CAP)


def test_decode_reports_garbage_behind_a_jpeg_signature() -> None:
    with pytest.raises(DecodeError, match="image/jpeg"):
        media.decode(b"\xff\xd8\xff" + b"garbage" * 50, max_pixels=BIG_CAP)


def test_decode_errors_are_media_errors() -> None:
    # Ingest records MediaError on the item and goes on; nothing else may escape.
    for bad in (b"", b"text", b"\xff\xd8\xff\xe0garbage", _png_declaring(100_000, 100_000)):
        with pytest.raises(MediaError):
            media.decode(bad, max_pixels=BIG_CAP)


def test_decode_rejects_meaningless_limits() -> None:
    with pytest.raises(ValueError):
        media.decode(_red_png(), max_pixels=0)
    with pytest.raises(ValueError):
        media.decode(_red_png(), max_pixels=BIG_CAP, max_side=0)


# ---------------------------------------------------------------------------- pixel cap


def test_png_declaring_ten_gigapixels_is_too_large_not_a_crash() -> None:
    bomb = _png_declaring(100_000, 100_000)
    assert len(bomb) < 200  # tiny file, enormous declared size
    with pytest.raises(TooLarge, match=r"decompression bomb.*cap is 200000000"):
        media.decode(bomb, max_pixels=BIG_CAP)


def test_declared_size_is_checked_against_the_cap_before_decoding() -> None:
    # The file holds almost no pixel data: had decode started on pixels it would have
    # failed as truncated (DecodeError), not as too large.
    with pytest.raises(TooLarge, match=r"1200 x 1000 = 1200000 pixels.*cap of 1000000$"):
        media.decode(_png_declaring(1200, 1000), max_pixels=1_000_000)


def test_far_above_the_cap_pillow_refuses_at_open_and_the_cap_is_named() -> None:
    # Pillow's guard, set to the cap, refuses above twice the cap while parsing the header.
    with pytest.raises(TooLarge, match=r"decompression bomb.*cap is 1000000 pixels"):
        media.decode(_png_declaring(5000, 5000), max_pixels=1_000_000)


def test_a_108_megapixel_photo_passes_a_200_megapixel_cap() -> None:
    # 108 MP is above Pillow's default bomb limit (about 89 MP): before the guard
    # followed the cap, this was TooLarge. Now the cap is the rule; the tiny file then
    # fails on its missing pixel data, which shows that the size check let it through.
    with pytest.raises(DecodeError, match="truncated"):
        media.decode(_png_declaring(12_000, 9_000), max_pixels=200_000_000)


def test_a_108_megapixel_photo_is_too_large_for_a_100_megapixel_cap() -> None:
    with pytest.raises(TooLarge, match=r"12000 x 9000 = 108000000 pixels.*cap of 100000000$"):
        media.decode(_png_declaring(12_000, 9_000), max_pixels=100_000_000)


def test_pillow_guard_follows_the_cap_during_decode_only(
    monkeypatch: pytest.MonkeyPatch, encode: Encode, two_halves: Picture
) -> None:
    seen: list[int | None] = []
    original_load = ImageFile.ImageFile.load

    def spy_load(self: ImageFile.ImageFile) -> object:
        seen.append(Image.MAX_IMAGE_PIXELS)
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    before = Image.MAX_IMAGE_PIXELS
    media.decode(encode(two_halves(64, 48), "PNG"), max_pixels=123_456)
    assert seen and set(seen) == {123_456}
    assert before == Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize(
    ("data", "cap", "error"),
    [
        (_png_declaring(12_000, 9_000), 200_000_000, DecodeError),  # decodes, then fails
        (_png_declaring(12_000, 9_000), 100_000_000, TooLarge),  # Pillow warns; cap refuses
        (_png_declaring(100_000, 100_000), 200_000_000, TooLarge),  # Pillow refuses
        (b"\xff\xd8\xff" + b"garbage" * 50, 200_000_000, DecodeError),  # header fails
    ],
    ids=["decode-error", "cap", "pillow-refuses", "bad-header"],
)
def test_pillow_globals_are_restored_however_decode_ends(
    data: bytes, cap: int, error: type[MediaError]
) -> None:
    # Warnings are errors in this test suite, so a leaked DecompressionBombWarning
    # would fail here too.
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(error):
        media.decode(data, max_pixels=cap)
    assert before == Image.MAX_IMAGE_PIXELS
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# ------------------------------------------------------------------------------ pictures


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("GIF", "image/gif"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
        ("WEBP", "image/webp"),
        ("HEIF", "image/heic"),
        ("AVIF", "image/avif"),
        ("ICO", "image/x-icon"),
    ],
)
def test_each_supported_format_decodes(
    fmt: str, mime: str, encode: Encode, two_halves: Picture
) -> None:
    options: dict[str, object] = {"sizes": [(96, 64)]} if fmt == "ICO" else {}
    decoded = media.decode(encode(two_halves(96, 64), fmt, **options), max_pixels=BIG_CAP)
    assert decoded.mime == mime
    assert decoded.image.size == (96, 64)
    left, right = decoded.image.getpixel((10, 32)), decoded.image.getpixel((86, 32))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert left[0] > 150 > left[2]
    assert right[2] > 150 > right[0]


def test_exif_orientation_6_turns_the_picture_upright(
    encode: Encode, two_halves: Picture, camera_exif: MakeExif
) -> None:
    data = encode(two_halves(400, 300), "JPEG", quality=95, exif=camera_exif(orientation=6))
    decoded = media.decode(data, max_pixels=BIG_CAP)
    # Orientation 6: the stored picture is shown turned 90 degrees clockwise, so the
    # stored left (red) half becomes the top.
    assert decoded.image.size == (300, 400)
    assert (decoded.width, decoded.height) == (300, 400)
    top = decoded.image.getpixel((150, 50))
    bottom = decoded.image.getpixel((150, 350))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 150 > top[2]
    assert bottom[2] > 150 > bottom[0]
    assert decoded.exif.make == "Acme"


def test_orientation_and_reduction_together_keep_the_original_upright_size(
    encode: Encode, two_halves: Picture, camera_exif: MakeExif
) -> None:
    data = encode(two_halves(1600, 1200), "JPEG", quality=90, exif=camera_exif(orientation=8))
    decoded = media.decode(data, max_pixels=BIG_CAP, max_side=200)
    assert (decoded.width, decoded.height) == (1200, 1600)
    assert decoded.image.size == (150, 200)
    assert decoded.reduction == 8
    assert decoded.scale == pytest.approx(8.0)


def test_heic_round_trip(encode: Encode, two_halves: Picture) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15"
    data = encode(two_halves(320, 240), "HEIF", quality=90, exif=exif.tobytes())
    assert media.sniff(data).mime == "image/heic"
    decoded = media.decode(data, max_pixels=BIG_CAP)
    assert (decoded.format, decoded.mime) == ("HEIF", "image/heic")
    assert decoded.image.mode == "RGB"
    assert decoded.image.size == (320, 240)
    assert (decoded.exif.make, decoded.exif.model) == ("Apple", "iPhone 15")
    left = decoded.image.getpixel((40, 120))
    right = decoded.image.getpixel((280, 120))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert left[0] > 150 > left[2]
    assert right[2] > 150 > right[0]


def _gradient_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A 12-megapixel JPEG, smooth so that it encodes quickly."""
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)
    pixels = np.stack(
        [
            np.broadcast_to(x, (height, width)),
            np.broadcast_to(y[:, None], (height, width)),
            np.full((height, width), 128, np.float32),
        ],
        axis=2,
    ).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=85)
    return out.getvalue()


def test_large_jpeg_is_decoded_at_reduced_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded_sizes: list[tuple[int, int]] = []
    original_load = ImageFile.ImageFile.load

    def spy_load(self: ImageFile.ImageFile) -> object:
        loaded_sizes.append(self.size)
        return original_load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy_load, raising=False)
    decoded = media.decode(_gradient_photo(), max_pixels=BIG_CAP, max_side=500)
    # The decoder itself produced 1/8 of each side: 12 MP were never decoded.
    assert loaded_sizes[0] == (500, 375)
    assert decoded.reduction == 8
    assert decoded.image.size == (500, 375)
    assert (decoded.width, decoded.height) == (4000, 3000)
    assert decoded.scale == pytest.approx(8.0)


def test_draft_never_goes_below_max_side() -> None:
    decoded = media.decode(_gradient_photo(2000, 1500), max_pixels=BIG_CAP, max_side=600)
    # 1/2 gives 1000 x 750 (1/4 would be 500, below 600); then resized to 600.
    assert decoded.reduction == 2
    assert decoded.image.size == (600, 450)


def test_without_max_side_the_full_picture_is_decoded() -> None:
    decoded = media.decode(_gradient_photo(800, 600), max_pixels=BIG_CAP)
    assert decoded.image.size == (800, 600)
    assert (decoded.reduction, decoded.scale) == (1, 1.0)


def test_non_jpeg_is_resized_to_max_side(encode: Encode, two_halves: Picture) -> None:
    decoded = media.decode(encode(two_halves(800, 600), "PNG"), max_pixels=BIG_CAP, max_side=200)
    assert decoded.image.size == (200, 150)
    assert (decoded.width, decoded.height, decoded.reduction) == (800, 600, 1)
    assert decoded.scale == pytest.approx(4.0)
    assert (decoded.format, decoded.mime) == ("PNG", "image/png")


@pytest.mark.parametrize("mode", ["RGBA", "LA", "L", "P", "CMYK", "I;16"])
def test_every_decoded_picture_is_rgb(mode: str, encode: Encode, two_halves: Picture) -> None:
    fmt = "TIFF" if mode in ("CMYK",) else "PNG"
    image = two_halves(64, 48).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":
        image = image.convert("I;16")
    decoded = media.decode(encode(image, fmt), max_pixels=BIG_CAP)
    assert decoded.image.mode == "RGB"
    assert decoded.image.size == (64, 48)


def test_animated_gif_gives_its_first_frame_and_counts_the_rest(encode: Encode) -> None:
    frames = [Image.new("RGB", (40, 30), RED), Image.new("RGB", (40, 30), BLUE)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    decoded = media.decode(data, max_pixels=BIG_CAP)
    assert decoded.frames == 2
    pixel = decoded.image.getpixel((20, 15))
    assert isinstance(pixel, tuple) and pixel[0] > 150 > pixel[2]


def test_phone_jpeg_with_a_second_picture_decodes_as_jpeg(
    encode: Encode, two_halves: Picture
) -> None:
    frames = [two_halves(200, 100), Image.new("RGB", (200, 100), BLUE)]
    data = encode(frames[0], "MPO", save_all=True, append_images=frames[1:])
    decoded = media.decode(data, max_pixels=BIG_CAP, max_side=50)
    assert (decoded.mime, decoded.format, decoded.frames) == ("image/jpeg", "MPO", 2)
    assert decoded.image.size == (50, 25)


def test_decode_reads_streams_from_their_start(
    tmp_path: Path, encode: Encode, two_halves: Picture
) -> None:
    data = encode(two_halves(), "PNG")
    path = tmp_path / "no-extension"
    path.write_bytes(data)
    with path.open("rb") as fp:
        fp.read(10)  # a stream left mid-way by a previous reader
        assert media.decode(fp, max_pixels=BIG_CAP).image.size == (400, 300)
        assert not fp.closed  # the caller owns the stream (Pillow closes PNG streams)
        fp.seek(0)
        assert fp.read(8) == b"\x89PNG\r\n\x1a\n"
    one_way = io.BufferedReader(_OneWayStream(data))
    assert media.decode(one_way, max_pixels=BIG_CAP).image.size == (400, 300)


def test_corrupt_exif_does_not_stop_decoding(encode: Encode, two_halves: Picture) -> None:
    image_data = encode(two_halves(64, 48), "JPEG")
    garbage = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff" + b"\x07" * 30
    segment = b"\xff\xe1" + struct.pack(">H", len(garbage) + 2) + garbage
    data = image_data[:2] + segment + image_data[2:]
    decoded = media.decode(data, max_pixels=BIG_CAP)
    assert decoded.image.size == (64, 48)
    assert decoded.exif.make is None
