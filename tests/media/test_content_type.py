"""Tests for genkend.media's content types: ``sniff`` names content by its magic bytes."""

from __future__ import annotations

import bz2
import dataclasses
import gzip
import io
import lzma
import tarfile
import zipfile
from collections.abc import Callable

import pytest
from PIL import Image

from genkend import media


def _red(fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (220, 20, 20)).save(out, format=fmt, **options)
    return out.getvalue()


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    size = 16 + 4 * len(compatible)
    box = size.to_bytes(4, "big") + b"ftyp" + major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return box + b"\x00" * 64


def _tar(fmt: int) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as archive:
        member = tarfile.TarInfo("dir/a.txt")
        member.size = 5
        archive.addfile(member, io.BytesIO(b"hello"))
    return out.getvalue()


def _zip(*members: tuple[str, bytes], stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return out.getvalue()


SNIFF_CASES = [
    ("jpeg", lambda: _red("JPEG"), "image/jpeg", "image"),
    ("png", lambda: _red("PNG"), "image/png", "image"),
    ("gif89a", lambda: _red("GIF"), "image/gif", "image"),
    ("gif87a", lambda: b"GIF87a" + b"\x00" * 20, "image/gif", "image"),
    ("bmp", lambda: _red("BMP"), "image/bmp", "image"),
    ("tiff-le", lambda: _red("TIFF"), "image/tiff", "image"),
    ("tiff-be", lambda: b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 20, "image/tiff", "image"),
    ("webp", lambda: _red("WEBP"), "image/webp", "image"),
    ("heic", lambda: _red("HEIF"), "image/heic", "image"),
    ("avif", lambda: _red("AVIF"), "image/avif", "image"),
    ("heif-mif1", lambda: _ftyp(b"mif1", b"mif1", b"miaf"), "image/heif", "image"),
    ("heic-via-mif1", lambda: _ftyp(b"mif1", b"heic", b"miaf"), "image/heic", "image"),
    ("avif-via-mif1", lambda: _ftyp(b"mif1", b"avif", b"miaf"), "image/avif", "image"),
    ("heic-sequence", lambda: _ftyp(b"hevc", b"msf1"), "image/heic-sequence", "image"),
    ("jpeg2000", lambda: b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x00" * 20, "image/jp2", "image"),
    ("mp4", lambda: _ftyp(b"isom", b"isom", b"iso2", b"mp41"), "video/mp4", "video"),
    ("mp4-mp42", lambda: _ftyp(b"mp42", b"mp42", b"isom"), "video/mp4", "video"),
    ("mov", lambda: _ftyp(b"qt  ", b"qt  "), "video/quicktime", "video"),
    ("mov-old", lambda: b"\x00\x00\x00\x08wide" + b"\x00" * 20, "video/quicktime", "video"),
    ("3gp", lambda: _ftyp(b"3gp4", b"isom", b"3gp4"), "video/3gpp", "video"),
    ("m4a", lambda: _ftyp(b"M4A ", b"M4A ", b"mp42"), "audio/mp4", "other"),
    ("avi", lambda: b"RIFF\x00\x10\x00\x00AVI LIST" + b"\x00" * 20, "video/x-msvideo", "video"),
    (
        "mkv",
        lambda: b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska" + b"\x00" * 20,
        "video/x-matroska",
        "video",
    ),
    (
        "webm",
        lambda: b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 20,
        "video/webm",
        "video",
    ),
    ("zip", lambda: _zip(("a.jpg", _red("JPEG"))), "application/zip", "archive"),
    ("zip-empty", lambda: _zip(), "application/zip", "archive"),
    (
        "epub",
        lambda: _zip(("mimetype", b"application/epub+zip"), ("a.xhtml", b"x"), stored_first=True),
        "application/epub+zip",
        "archive",
    ),
    ("tar-posix", lambda: _tar(tarfile.PAX_FORMAT), "application/x-tar", "archive"),
    ("tar-gnu", lambda: _tar(tarfile.GNU_FORMAT), "application/x-tar", "archive"),
    ("gzip", lambda: gzip.compress(b"hello"), "application/gzip", "archive"),
    ("bzip2", lambda: bz2.compress(b"hello"), "application/x-bzip2", "archive"),
    ("xz", lambda: lzma.compress(b"hello"), "application/x-xz", "archive"),
    (
        "7z",
        lambda: b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 24,
        "application/x-7z-compressed",
        "archive",
    ),
    ("rar", lambda: b"Rar!\x1a\x07\x01\x00" + b"\x00" * 24, "application/vnd.rar", "archive"),
    ("pdf", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf", "document"),
    ("empty", lambda: b"", "application/x-empty", "empty"),
    ("text", lambda: b"Dear diary, today was a good day.\n", "application/octet-stream", "other"),
    (
        "bm-text",
        lambda: b"BMW and Audi are car makers, not bitmaps.",
        "application/octet-stream",
        "other",
    ),
    # These come from the puremagic fallback.
    ("wav", lambda: b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40, "audio/wave", "other"),
    ("ico", lambda: _red("ICO"), "image/x-icon", "image"),
    ("rtf", lambda: b"{\\rtf1\\ansi hello}" + b"\x00" * 20, "application/rtf", "document"),
]


@pytest.mark.parametrize(
    ("make", "mime", "kind"),
    [case[1:] for case in SNIFF_CASES],
    ids=[case[0] for case in SNIFF_CASES],
)
def test_sniff_names_content_by_its_magic_bytes(
    make: Callable[[], bytes], mime: str, kind: str
) -> None:
    content = media.sniff(make()[: media.SNIFF_BYTES])
    assert (content.mime, content.kind) == (mime, kind)


def test_sniff_returns_a_frozen_record() -> None:
    content = media.sniff(b"%PDF-1.4")
    assert content == media.ContentType("application/pdf", "document")
    with pytest.raises(dataclasses.FrozenInstanceError):
        content.kind = "image"  # type: ignore[misc,unused-ignore]


NATURAL_EXTENSION = {
    "jpeg": "jpg",
    "gif89a": "gif",
    "gif87a": "gif",
    "tiff-le": "tif",
    "tiff-be": "tif",
    "heif-mif1": "heif",
    "heic-via-mif1": "heic",
    "avif-via-mif1": "avif",
    "heic-sequence": "heic",
    "jpeg2000": "jp2",
    "mp4-mp42": "mp4",
    "mov-old": "mov",
    "tar-posix": "tar",
    "tar-gnu": "tar",
    "gzip": "gz",
    "bzip2": "bz2",
    "zip-empty": "zip",
    "text": "txt",
    "bm-text": "txt",
    "empty": "jpg",
}


@pytest.mark.parametrize(
    ("name", "make"),
    [(NATURAL_EXTENSION.get(case[0], case[0]), case[1]) for case in SNIFF_CASES],
    ids=[case[0] for case in SNIFF_CASES],
)
def test_a_file_named_for_its_content_gets_no_note(name: str, make: Callable[[], bytes]) -> None:
    content = media.sniff(make()[: media.SNIFF_BYTES])
    assert media.extension_note(f"DCIM/file.{name}", content) is None
    assert media.extension_note(f"file.{name.upper()}", content) is None


@pytest.mark.parametrize(
    ("name", "data", "note"),
    [
        (
            "a.jpg",
            b"just some text\n",
            "extension .jpg claims image/jpeg; content is not recognised",
        ),
        ("a.jpg", _red("PNG"), "extension .jpg claims image/jpeg; content is image/png"),
        ("a.txt", _red("JPEG"), "extension .txt claims text/plain; content is image/jpeg"),
        ("a.mp4", _zip(("x", b"y")), "extension .mp4 claims video/mp4; content is application/zip"),
        ("notes", _red("JPEG"), None),  # no extension: nothing claimed
        ("a.unknownext", _red("JPEG"), None),
        ("a.txt", b"%PDF-1.7\n", None),  # neither side a picture or video: walked by content anyway
    ],
)
def test_an_extension_that_lies_about_a_picture_or_video_is_noted(
    name: str, data: bytes, note: str | None
) -> None:
    assert media.extension_note(name, media.sniff(data)) == note
