"""Content types: what a file is, judged from its first bytes.

Responsibility: name the content of a file (``sniff``) so that genkend knows whether to
decode it as an image, hand it to the frame extractor, walk it as an archive, or only
record it; and say when a file's name lies about a picture or video
(``extension_note``), as forensic tools flag an extension mismatch.

Invariants:

- The content type comes from the bytes (magic numbers), never from a file name.
- ``sniff`` is a pure function of the bytes it is given and never raises: content it
  cannot name is ``application/octet-stream`` of kind ``other``.
- What an extension claims comes from Python's built-in table (never the machine's
  ``mime.types``), so the same name gets the same note on every machine.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Literal

import puremagic

__all__ = ["SNIFF_BYTES", "ContentType", "Kind", "extension_note", "sniff"]

SNIFF_BYTES = 4096
"""How many leading bytes ``sniff`` wants: enough for TAR (offset 257) and for puremagic."""

Kind = Literal["image", "video", "archive", "document", "other", "empty"]

_OCTET_STREAM = "application/octet-stream"


@dataclass(frozen=True)
class ContentType:
    """What a file is, judged from its first bytes.

    ``kind`` says what genkend does with it: ``image`` is decoded, ``video`` goes to the
    frame extractor, ``archive`` is opened and walked (ZIP-based office and e-book files
    included, because the pictures inside them matter), ``document`` (PDF, legacy Office,
    RTF) is recorded, ``other`` is recorded, ``empty`` has no bytes at all.
    """

    mime: str
    kind: Kind


_EMPTY = ContentType("application/x-empty", "empty")
_UNKNOWN = ContentType(_OCTET_STREAM, "other")

# Signatures at offset 0 that need no further look.
_PREFIXES: tuple[tuple[bytes, ContentType], ...] = (
    (b"\xff\xd8\xff", ContentType("image/jpeg", "image")),
    (b"\x89PNG\r\n\x1a\n", ContentType("image/png", "image")),
    (b"GIF87a", ContentType("image/gif", "image")),
    (b"GIF89a", ContentType("image/gif", "image")),
    (b"II*\x00", ContentType("image/tiff", "image")),
    (b"MM\x00*", ContentType("image/tiff", "image")),
    (b"II+\x00", ContentType("image/tiff", "image")),  # BigTIFF
    (b"MM\x00+", ContentType("image/tiff", "image")),
    (b"PK\x03\x04", ContentType("application/zip", "archive")),
    (b"PK\x05\x06", ContentType("application/zip", "archive")),  # empty archive
    (b"PK\x07\x08", ContentType("application/zip", "archive")),  # spanned archive
    (b"\x1f\x8b\x08", ContentType("application/gzip", "archive")),
    (b"\xfd7zXZ\x00", ContentType("application/x-xz", "archive")),
    (b"7z\xbc\xaf\x27\x1c", ContentType("application/x-7z-compressed", "archive")),
    (b"Rar!\x1a\x07", ContentType("application/vnd.rar", "archive")),
    # JPEG 2000 before puremagic, which calls it image/jpeg.
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", ContentType("image/jp2", "image")),
    (b"\xff\x4f\xff\x51", ContentType("image/x-jp2-codestream", "image")),
    (b"%PDF-", ContentType("application/pdf", "document")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ContentType("application/x-ole-storage", "document")),
)

# ISO base media file format (MP4, MOV, HEIF, AVIF): the brands in the ``ftyp`` box.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis"})
_HEIC_SEQUENCE_BRANDS = frozenset({b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"mif2"})
_HEIF_SEQUENCE_BRANDS = frozenset({b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
# Old QuickTime files start with a top-level atom instead of ``ftyp``.
_QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
# A BMP's second header starts with its own size; only these sizes exist.
_BMP_DIB_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})

_PUREMAGIC_ARCHIVES = frozenset(
    {
        "application/x-tar",
        "application/x-rar-compressed",
        "application/x-bzip2",
        "application/zstd",
        "application/x-lzip",
        "application/x-lzma",
        "application/x-cpio",
        "application/x-iso9660-image",
        "application/vnd.ms-cab-compressed",
    }
)
_PUREMAGIC_DOCUMENTS = frozenset(
    {
        "application/msword",
        "application/rtf",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/postscript",
    }
)


def sniff(head: bytes) -> ContentType:
    """Return the content type of a file from its first bytes (at least ``SNIFF_BYTES``).

    The file name plays no part: a text file named ``a.jpg`` is ``other``. Important
    signatures are checked here explicitly; the rest is left to ``puremagic``.
    """
    if not head:
        return _EMPTY
    for prefix, content in _PREFIXES:
        if head.startswith(prefix):
            return _refine_zip(head, content)
    return (
        _riff(head)
        or _iso_media(head)
        or _matroska(head)
        or _bmp(head)
        or _tar(head)
        or _bzip2(head)
        or _puremagic(head)
    )


def _refine_zip(head: bytes, content: ContentType) -> ContentType:
    """Name EPUB and OpenDocument files by the ``mimetype`` member they store first.

    They stay archives: the pictures inside them are what an investigator needs.
    """
    if content.mime != "application/zip" or not head.startswith(b"PK\x03\x04"):
        return content
    stored = head[8:10] == b"\x00\x00"
    name_length = int.from_bytes(head[26:28], "little")
    if not stored or name_length != 8 or head[30:38] != b"mimetype":
        return content
    start = 38 + int.from_bytes(head[28:30], "little")  # after the extra field
    length = min(int.from_bytes(head[18:22], "little"), 100)
    declared = head[start : start + length].decode("ascii", "replace")
    if declared.startswith("application/") and declared.isprintable() and " " not in declared:
        return ContentType(declared, "archive")
    return content


def _riff(head: bytes) -> ContentType | None:
    if not head.startswith(b"RIFF"):
        return None
    form = head[8:12]
    if form == b"WEBP":
        return ContentType("image/webp", "image")
    if form == b"AVI ":
        return ContentType("video/x-msvideo", "video")
    return None


def _iso_media(head: bytes) -> ContentType | None:
    """MP4, MOV, 3GP, HEIC/HEIF and AVIF, told apart by the brands of the ``ftyp`` box."""
    box_type = head[4:8]
    box_size = int.from_bytes(head[0:4], "big")
    # Size 0 means "to the end of the file", 1 "64-bit size follows"; else at least 8.
    if box_type in _QUICKTIME_ATOMS and (box_size in (0, 1) or box_size >= 8):
        return ContentType("video/quicktime", "video")
    if box_type != b"ftyp" or len(head) < 12:
        return None
    major = head[8:12]
    end = min(len(head), box_size) if box_size >= 16 else 16
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    return _brand_type(major, compatible)


def _brand_type(major: bytes, compatible: set[bytes]) -> ContentType:
    if major in _AVIF_BRANDS:
        return ContentType("image/avif", "image")
    if major in _HEIC_BRANDS:
        return ContentType("image/heic", "image")
    if major in _HEIC_SEQUENCE_BRANDS:
        return ContentType("image/heic-sequence", "image")
    if major in _HEIF_BRANDS | _HEIF_SEQUENCE_BRANDS:
        # The generic HEIF brand: the codec is named among the compatible brands.
        if compatible & _AVIF_BRANDS:
            return ContentType("image/avif", "image")
        if compatible & _HEIC_BRANDS:
            return ContentType("image/heic", "image")
        sequence = major in _HEIF_SEQUENCE_BRANDS
        return ContentType("image/heif-sequence" if sequence else "image/heif", "image")
    if major == b"qt  ":
        return ContentType("video/quicktime", "video")
    if major.startswith(b"3gp"):
        return ContentType("video/3gpp", "video")
    if major.startswith(b"3g2"):
        return ContentType("video/3gpp2", "video")
    if major in _AUDIO_BRANDS:
        return ContentType("audio/mp4", "other")
    if compatible & (_HEIC_BRANDS | _HEIF_BRANDS | _AVIF_BRANDS) and not compatible & {
        b"isom",
        b"mp41",
        b"mp42",
    }:
        return ContentType("image/heif", "image")
    return ContentType("video/mp4", "video")


def _matroska(head: bytes) -> ContentType | None:
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return None
    # The EBML header names the document type within its first few dozen bytes.
    if b"webm" in head[:64]:
        return ContentType("video/webm", "video")
    return ContentType("video/x-matroska", "video")


def _bmp(head: bytes) -> ContentType | None:
    if not head.startswith(b"BM"):
        return None
    # "BM" also starts ordinary text ("BMW ..."), which puremagic would call a bitmap;
    # the size of the second header, one of a few fixed values, settles it here.
    if int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES:
        return ContentType("image/bmp", "image")
    return _UNKNOWN


def _tar(head: bytes) -> ContentType | None:
    # POSIX "ustar\0" and GNU "ustar  \0" both start with these five bytes.
    if head[257:262] == b"ustar":
        return ContentType("application/x-tar", "archive")
    return None


def _bzip2(head: bytes) -> ContentType | None:
    if head.startswith(b"BZh") and head[3:4].isdigit() and head[3:4] != b"0":
        return ContentType("application/x-bzip2", "archive")
    return None


def _puremagic(head: bytes) -> ContentType:
    try:
        mime = str(puremagic.from_string(head, mime=True))
    except (puremagic.PureError, ValueError):
        return _UNKNOWN
    # puremagic knows some signatures without a MIME type, and says so with "".
    if not mime:
        return _UNKNOWN
    return ContentType(mime, _kind_of(mime))


def _kind_of(mime: str) -> Kind:
    if mime.startswith("image/"):
        return "image"
    if mime.startswith("video/"):
        return "video"
    if mime in _PUREMAGIC_ARCHIVES:
        return "archive"
    if mime in _PUREMAGIC_DOCUMENTS:
        return "document"
    return "other"


def _extension_table() -> mimetypes.MimeTypes:
    table = mimetypes.MimeTypes()  # built-in types only, unlike the module's functions
    # Extensions Python lacks or names otherwise than ``sniff`` does.
    for mime, extension in (
        ("image/jpeg", ".jfif"),
        ("image/jp2", ".jp2"),
        ("image/x-icon", ".ico"),
        ("video/x-matroska", ".mkv"),
        ("video/mp4", ".m4v"),
        ("video/3gpp", ".3gp"),
        ("video/3gpp2", ".3g2"),
    ):
        table.add_type(mime, extension)
    return table


_EXTENSIONS = _extension_table()
_VISUAL = ("image/", "video/")


def extension_note(name: str, content: ContentType) -> str | None:
    """A note when ``name``'s extension lies about a picture or video, else None.

    The extension lies when it claims a picture or video type that the content is not,
    or when the content is a picture or video of another type than it claims (a PNG
    named ``.jpg``, a JPEG named ``.txt``). Other mismatches are not noted: archives
    are walked by content whatever their name. Empty files and names without a known
    extension claim nothing.
    """
    claimed = _EXTENSIONS.guess_type(name.lower(), strict=False)[0]
    if claimed is None or content.kind == "empty" or _same_type(claimed, content.mime):
        return None
    if not (claimed.startswith(_VISUAL) or content.mime.startswith(_VISUAL)):
        return None
    extension = name.rsplit(".", 1)[-1]
    found = "not recognised" if content.mime == _OCTET_STREAM else content.mime
    return f"extension .{extension} claims {claimed}; content is {found}"


def _same_type(claimed: str, sniffed: str) -> bool:
    # A burst of HEIC pictures is a sequence, and is named .heic all the same.
    return claimed == sniffed.removesuffix("-sequence")
