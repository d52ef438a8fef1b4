"""Bulk input for the ingest benchmarks: many phone photos, or very many small files.

Responsibility: ``generate_phone_photos`` writes 12-megapixel JPEGs that weigh what
phone photos weigh (2-5 MB at quality 90), each with its own bytes and its own PDQ
hash, quickly: a few base scenes are drawn once, and each photo is a base scene shifted,
recoloured and overlaid with a few large shapes of its own, with grain. ``generate_small_
files`` writes up to hundreds of thousands of tiny PNG, JPEG and text files for the
memory benchmark, without encoding a picture per file: a handful of tiny pictures are
encoded once, and each file is one of them with a comment of its own (a PNG ``tEXt``
chunk, a JPEG ``COM`` segment), which changes the bytes and leaves the pixels alone.

Invariants: the output is a pure function of the arguments (same seed, same bytes);
nothing drawn resembles a person; files are only ever created in ``folder``.
"""

from __future__ import annotations

import os
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from genkend.demo import pictures
from genkend.demo.damaged import PNG_SIGNATURE
from genkend.demo.encoding import camera_exif, encode
from genkend.records import ExifSummary

__all__ = ["generate_phone_photos", "generate_small_files"]

PHONE_PHOTO_SIZE = (4032, 3024)
FILES_PER_FOLDER = 1000
_BASE_SCENES = 4
_SHIFT = 48  # pixels a photo's window may move on its base scene, each way
_PNG_AFTER_HEADER = len(PNG_SIGNATURE) + 25  # the IHDR chunk is 25 bytes long
_JPEG_COMMENT = b"\xff\xfe"
_FIRST_SHOT = datetime(2023, 6, 1, 9, 0, tzinfo=UTC)


def generate_phone_photos(
    folder: Path, count: int, seed: int, size: tuple[int, int] = PHONE_PHOTO_SIZE
) -> list[Path]:
    """Writes ``count`` phone-like JPEG photos of ``size`` into ``folder``; their paths.

    About a quarter of a second per 12-megapixel photo on one core, most of it in the
    JPEG encoder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 0xB11C])
    canvas = (size[0] + 2 * _SHIFT, size[1] + 2 * _SHIFT)
    families = sorted(pictures.PHOTO_FAMILIES)
    bases = [
        pictures.draw(rng, canvas, families[n % len(families)])
        for n in range(min(count, _BASE_SCENES))
    ]
    grain = pictures.Grain(rng, 6.0)
    serial = f"{rng.integers(10**9, 10**10)}"
    paths = []
    for number in range(count):
        photo = _vary(rng, bases[number % len(bases)], size)
        photo = grain.apply(photo, (int(rng.integers(0, 256)), int(rng.integers(0, 256))))
        taken = _FIRST_SHOT + timedelta(minutes=7 * number)
        facts = ExifSummary("Apple", "iPhone 12 Pro", serial, f"{taken:%Y:%m:%d %H:%M:%S}")
        path = folder / f"IMG_{number + 1:05d}.JPG"
        path.write_bytes(encode(photo, "JPEG", 90, camera_exif(facts)))
        os.utime(path, (taken.timestamp(), taken.timestamp()))
        paths.append(path)
    return paths


def _vary(rng: np.random.Generator, base: Image.Image, size: tuple[int, int]) -> Image.Image:
    """A window of ``base``, recoloured, with large shapes of its own on top.

    The shapes change the coarse layout that PDQ sees, so photos of one base scene
    hash far apart; the shift and colour change alone would not.
    """
    left, top = (int(v) for v in rng.integers(0, 2 * _SHIFT + 1, 2))
    photo = base.crop((left, top, left + size[0], top + size[1]))
    gains = rng.uniform(0.85, 1.15, 3)
    table = [min(255, int(level * gain)) for gain in gains for level in range(256)]
    photo = photo.point(table)
    canvas = ImageDraw.Draw(photo)
    width, height = size
    for _ in range(int(rng.integers(3, 6))):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        rx, ry = rng.uniform(0.08, 0.25) * width, rng.uniform(0.08, 0.25) * height
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            canvas.ellipse((x - rx, y - ry, x + rx, y + ry), fill=colour)
        else:
            canvas.rectangle((x - rx, y - ry, x + rx, y + ry), fill=colour)
    return photo


def generate_small_files(folder: Path, count: int, seed: int) -> int:
    """Writes ``count`` tiny files (PNG, JPEG, text) under ``folder``; returns ``count``.

    Files go into numbered subfolders of ``FILES_PER_FOLDER`` each, as a real file
    system spreads them. Every file has distinct bytes. The count, not a list of
    paths, is returned: a list of 100,000 paths would weigh on the memory benchmark
    that this input is for.
    """
    folder = Path(folder)
    rng = np.random.default_rng([seed, 0x5A11])
    pngs = [encode(pictures.icon(rng, side), "PNG") for side in (16, 24, 32, 48)]
    jpegs = [
        encode(pictures.draw(rng, (64, 64), family), "JPEG", 80)
        for family in sorted(pictures.FAMILIES)
    ]
    for number in range(count):
        subfolder = folder / f"{number // FILES_PER_FOLDER:04d}"
        if number % FILES_PER_FOLDER == 0:
            subfolder.mkdir(parents=True, exist_ok=True)
        note = f"file {number} of {count}".encode("ascii")
        kind = number % 5
        if kind < 2:
            name, data = f"icon_{number:06d}.png", _png_with_text(pngs[number % len(pngs)], note)
        elif kind < 4:
            name, data = (
                f"thumb_{number:06d}.jpg",
                _jpeg_with_comment(jpegs[number % len(jpegs)], note),
            )
        else:
            name, data = f"note_{number:06d}.txt", b"demonstration note\n" + note + b"\n"
        (subfolder / name).write_bytes(data)
    return count


def _png_with_text(png: bytes, text: bytes) -> bytes:
    """``png`` with a ``tEXt`` comment chunk right after its header chunk."""
    body = b"Comment\x00" + text
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + body) & 0xFFFFFFFF)
    return png[:_PNG_AFTER_HEADER] + chunk + png[_PNG_AFTER_HEADER:]


def _jpeg_with_comment(jpeg: bytes, text: bytes) -> bytes:
    """``jpeg`` with a ``COM`` segment right after its start-of-image marker."""
    segment = _JPEG_COMMENT + struct.pack(">H", len(text) + 2) + text
    return jpeg[:2] + segment + jpeg[2:]
