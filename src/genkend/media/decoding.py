"""Decoding: the pixels of one image file, upright, RGB and within the pixel cap.

Responsibility: turn the bytes of one image file into a ``DecodedImage`` (``decode``),
or into one ``MediaError`` that says why not.

Invariants:

- The declared size of an image is checked against the caller's pixel cap
  (``max_pixels``) before any pixel is decoded; that cap is the rule, and Pillow's own
  bomb guard follows it for the duration of the decode (``pillow.pixel_limit``). A
  decompression bomb is a ``TooLarge``, never a crash or a ``MemoryError``.
- Truncated or corrupt data is a ``DecodeError``.
- Only the one Pillow decoder that matches the file's magic number ever runs on evidence,
  so a hostile file cannot reach a decoder it did not announce (EPS, for instance, would
  start Ghostscript).
- A decoded image is RGB and upright (EXIF orientation applied), and it carries the size
  of the original upright picture, so that positions found on a reduced decode map back.
- The caller's stream is read from its start and never closed here.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from genkend.errors import DecodeError, TooLarge, UnsupportedMedia
from genkend.media.content_type import SNIFF_BYTES, ContentType, sniff
from genkend.media.exif import exif_summary
from genkend.media.pillow import DECODER_FAILURES, collected_warnings, pixel_limit
from genkend.records import ExifSummary

__all__ = ["DecodedImage", "decode"]

logger = logging.getLogger(__name__)

# The only Pillow decoder allowed for each MIME type ``sniff`` can return.
_DECODERS: Mapping[str, tuple[str, ...]] = {
    "image/jpeg": ("JPEG",),  # also yields "MPO" for phone JPEGs with extra pictures
    "image/png": ("PNG",),  # APNG too
    "image/gif": ("GIF",),
    "image/bmp": ("BMP",),
    "image/x-ms-bmp": ("BMP",),
    "image/tiff": ("TIFF",),
    "image/webp": ("WEBP",),
    "image/heic": ("HEIF",),
    "image/heif": ("HEIF",),
    "image/heic-sequence": ("HEIF",),
    "image/heif-sequence": ("HEIF",),
    "image/avif": ("AVIF",),
    "image/x-icon": ("ICO",),
    "image/vnd.microsoft.icon": ("ICO",),
}

_JPEG_FORMATS = frozenset({"JPEG", "MPO"})


@dataclass(frozen=True)
class DecodedImage:
    """One decoded picture, ready for hashing and face detection.

    ``image`` is RGB, upright, and at most ``max_side`` on its longer side; treat it as
    read-only. ``width`` and ``height`` are those of the full-resolution upright
    original; multiply a position on ``image`` by ``scale`` to place it on the original
    (per axis the factors can differ by the rounding of one pixel). ``reduction`` is the
    JPEG draft factor (1, 2, 4 or 8) the decoder itself shrank by; 1 for other formats.
    ``frames`` counts the frames or pages of the file; only the first is decoded.
    """

    image: Image.Image
    width: int
    height: int
    scale: float
    format: str
    mime: str
    frames: int
    reduction: int
    exif: ExifSummary


def decode(data: bytes | BinaryIO, *, max_pixels: int, max_side: int | None = None) -> DecodedImage:
    """Decode the first frame of an image file into an upright RGB picture.

    ``data`` is the whole file, as bytes or as a binary stream read from its start.
    Multi-frame files (animated GIF and PNG, multi-page TIFF, HEIF sequences) give their
    first frame only; ``DecodedImage.frames`` says how many there are. ``max_pixels``
    caps the declared width x height of the file, and Pillow's bomb guard is set to the
    same number while the file decodes, so a cap above Pillow's default (about 89
    megapixels) admits a 108 or 200 megapixel photo. ``max_side`` bounds the longer side
    of the result; JPEG files are then decoded at a reduced scale by the decoder itself
    (draft mode), which is what makes a 12-megapixel phone photo cheap to hash. A JPEG
    decoded that way may come out up to 10 % below ``max_side`` (``DRAFT_SLACK``) rather
    than be resized.

    Raises ``UnsupportedMedia`` for content that is not an image genkend decodes (empty,
    text, video, archive, ...), ``TooLarge`` above the pixel cap or for a decompression
    bomb, and ``DecodeError`` for truncated or corrupt image data.
    """
    if max_pixels < 1 or (max_side is not None and max_side < 1):
        raise ValueError("max_pixels and max_side must be positive")
    stream = _seekable(data)
    content = sniff(stream.read(SNIFF_BYTES))
    stream.seek(0)
    formats = _decoder_for(content)
    with (
        pixel_limit(max_pixels),
        collected_warnings() as caught,
        _open(stream, formats, content, max_pixels) as opened,
    ):
        declared = opened.size
        _check_declared_size(declared, caught, max_pixels)
        reduction = _draft(opened, max_side)
        _load(opened, content, max_pixels)
        exif = exif_summary(opened)
        upright, width, height = _upright(opened, declared)
        picture = _fit(_rgb(upright), max_side)
        return DecodedImage(
            image=picture,
            width=width,
            height=height,
            scale=max(width, height) / max(picture.width, picture.height),
            format=str(opened.format),
            mime=content.mime,
            frames=_frame_count(opened),
            reduction=reduction,
            exif=exif,
        )


def _seekable(data: bytes | BinaryIO) -> BinaryIO:
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(data)
    if data.seekable():
        data.seek(0)
        return _Borrowed(data)
    # Pillow needs to seek; a pipe or network stream is read into memory once.
    return io.BytesIO(data.read())


class _Borrowed(io.BufferedIOBase, BinaryIO):
    """The caller's stream, lent to Pillow, which closes some streams it has read.

    Closing this wrapper leaves the caller's stream open: the caller owns it.
    """

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        return self._stream.read(-1 if size is None else size)

    def read1(self, size: int = -1, /) -> bytes:
        return self.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()


def _decoder_for(content: ContentType) -> tuple[str, ...]:
    if content.kind == "empty":
        raise UnsupportedMedia("empty file: there are no bytes to decode")
    if content.kind != "image":
        raise UnsupportedMedia(f"not an image: the content is {content.mime} ({content.kind})")
    formats = _DECODERS.get(content.mime)
    if formats is None:
        raise UnsupportedMedia(f"{content.mime} is not an image format genkend decodes")
    return formats


def _bomb(exc: Image.DecompressionBombError, max_pixels: int) -> TooLarge:
    # Pillow refuses at twice its limit, which is the cap here; naming the cap keeps the
    # record readable without knowing that rule.
    return TooLarge(f"decompression bomb: {exc} (the cap is {max_pixels} pixels)")


@contextlib.contextmanager
def _open(
    stream: BinaryIO, formats: tuple[str, ...], content: ContentType, max_pixels: int
) -> Iterator[ImageFile.ImageFile]:
    """Open (parse the header of) an image with one allowed decoder; close it afterwards."""
    try:
        opened = Image.open(stream, formats=list(formats))
    except Image.DecompressionBombError as exc:
        raise _bomb(exc, max_pixels) from exc
    except UnidentifiedImageError as exc:
        raise DecodeError(
            f"content starts like {content.mime} but its header does not parse"
        ) from exc
    except DECODER_FAILURES as exc:
        raise DecodeError(f"{content.mime} header does not parse: {exc}") from exc
    try:
        yield opened
    finally:
        opened.close()


def _check_declared_size(
    declared: tuple[int, int], caught: list[warnings.WarningMessage], max_pixels: int
) -> None:
    width, height = declared
    if width * height > max_pixels:
        raise TooLarge(
            f"image declares {width} x {height} = {width * height} pixels, "
            f"above the cap of {max_pixels}"
        )
    for warning in caught:
        if issubclass(warning.category, Image.DecompressionBombWarning):
            raise TooLarge(f"decompression bomb: {warning.message}")


# A JPEG may be decoded down to this share of ``max_side``: a 4032 px photo asked for at
# 512 px then decodes at 1/8 (504 px, no resize) instead of 1/4 plus a resize, which
# costs a third more time for the same PDQ and detection.
DRAFT_SLACK = 0.9


def _draft(opened: ImageFile.ImageFile, max_side: int | None) -> int:
    """Let the JPEG decoder shrink by 2, 4 or 8 while staying at least
    ``DRAFT_SLACK * max_side``.

    Returns the reduction chosen (1 when none). Must run before any pixel is loaded.
    """
    if max_side is None or opened.format not in _JPEG_FORMATS:
        return 1
    width, height = opened.size
    longest = max(width, height)
    if longest <= max_side:
        return 1
    target = max_side * DRAFT_SLACK
    wanted = (math.ceil(width * target / longest), math.ceil(height * target / longest))
    if opened.draft(None, wanted) is None:
        return 1
    return max(1, round(width / opened.size[0]))


def _load(opened: ImageFile.ImageFile, content: ContentType, max_pixels: int) -> None:
    try:
        opened.load()
    except Image.DecompressionBombError as exc:
        raise _bomb(exc, max_pixels) from exc
    except DECODER_FAILURES as exc:
        raise DecodeError(f"{content.mime} data does not decode: {exc}") from exc


def _upright(
    opened: ImageFile.ImageFile, declared: tuple[int, int]
) -> tuple[Image.Image, int, int]:
    """Apply the EXIF orientation; return the picture and the full upright original size.

    ``declared`` is the size in the file, before any draft reduction. The HEIF decoder
    rotates by itself and resets the tag, so no turn is ever applied twice.
    """
    width, height = declared
    upright = ImageOps.exif_transpose(opened)
    if upright is None or upright is opened:
        # ``opened`` is closed once decode returns; the result must not be it.
        upright = opened.copy()
    if upright.size != opened.size:  # turned a quarter: the original is turned too
        return upright, height, width
    return upright, width, height


def _frame_count(opened: ImageFile.ImageFile) -> int:
    """How many frames or pages the file has; 1 when the later ones do not parse."""
    try:
        return int(getattr(opened, "n_frames", 1))
    except DECODER_FAILURES as exc:
        logger.warning("frame count unknown, later frames do not parse: %s", exc)
        return 1


def _rgb(picture: Image.Image) -> Image.Image:
    # Alpha is dropped, not composited, as the PDQ reference implementation does, so
    # that hashes of transparent pictures agree with other PDQ tools.
    return picture if picture.mode == "RGB" else picture.convert("RGB")


def _fit(picture: Image.Image, max_side: int | None) -> Image.Image:
    longest = max(picture.size)
    if max_side is None or longest <= max_side:
        return picture
    factor = max_side / longest
    size = (max(1, round(picture.width * factor)), max(1, round(picture.height * factor)))
    # reducing_gap=3 first shrinks by whole factors: as good as a full Lanczos, faster.
    return picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
