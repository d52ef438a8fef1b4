"""Recognising archives and compressed files by their content, never by their name.

A seized ``holiday.jpg`` may be a zip, and a ``backup.zip`` may be text; only the bytes
decide. The signatures are the formats' own (zip local header, POSIX/GNU tar header
with a valid checksum, gzip, bzip2 and xz stream headers); compressed streams are
looked into to tell a compressed tar from a single compressed file.
Invariant: ``detect`` reads at most a few kilobytes and leaves the stream at offset 0;
a stream that cannot be read far enough is simply not an archive.

Not recognised (on purpose, for now): zips preceded by other data (self-extracting
executables, image/zip polyglots), 7z, rar; such files are still listed and hashed.
"""

from __future__ import annotations

import bz2
import enum
import gzip
import lzma
import tarfile
import zlib
from typing import BinaryIO

from genkend.evidence.limits import Decompressor

TAR_BLOCK = 512


class ArchiveFormat(enum.Enum):
    """The kinds of container genkend opens; the value is how notes name them."""

    ZIP = "zip"
    TAR = "tar"
    TAR_GZ = "tar.gz"
    TAR_BZ2 = "tar.bz2"
    TAR_XZ = "tar.xz"
    GZ = "gz"
    BZ2 = "bz2"
    XZ = "xz"

    @property
    def codec(self) -> str | None:
        """The stream compression around the content (``gz``, ``bz2``, ``xz``) or None."""
        return _CODECS.get(self)

    @property
    def is_tar(self) -> bool:
        return self in (
            ArchiveFormat.TAR,
            ArchiveFormat.TAR_GZ,
            ArchiveFormat.TAR_BZ2,
            ArchiveFormat.TAR_XZ,
        )


_CODECS = {
    ArchiveFormat.TAR_GZ: "gz",
    ArchiveFormat.TAR_BZ2: "bz2",
    ArchiveFormat.TAR_XZ: "xz",
    ArchiveFormat.GZ: "gz",
    ArchiveFormat.BZ2: "bz2",
    ArchiveFormat.XZ: "xz",
}
_COMPRESSED = {
    "gz": (ArchiveFormat.GZ, ArchiveFormat.TAR_GZ),
    "bz2": (ArchiveFormat.BZ2, ArchiveFormat.TAR_BZ2),
    "xz": (ArchiveFormat.XZ, ArchiveFormat.TAR_XZ),
}

# Local file header, or the end record of an empty archive; a spanned archive's marker
# is followed by a local header.
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08PK\x03\x04")
_BZ2_LEVELS = tuple(str(level).encode() for level in range(1, 10))
_BZ2_BLOCK_MAGIC = (b"1AY&SY", b"\x17rE8P\x90")  # first block, or end of an empty stream


def decompressing(stream: BinaryIO, codec: str) -> Decompressor:
    """A reader of the decompressed bytes of ``stream`` (which it does not close)."""
    if codec == "gz":
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if codec == "bz2":
        return bz2.BZ2File(stream, mode="rb")
    if codec == "xz":
        return lzma.LZMAFile(stream, mode="rb")
    raise ValueError(f"unknown codec {codec!r}")


def detect(stream: BinaryIO) -> ArchiveFormat | None:
    """The archive format of ``stream``'s content, or None when it is not one."""
    stream.seek(0)
    head = stream.read(TAR_BLOCK)
    try:
        if head.startswith(_ZIP_SIGNATURES):
            return ArchiveFormat.ZIP
        if _is_tar_header(head):
            return ArchiveFormat.TAR
        codec = _codec_of(head)
        if codec is None:
            return None
        single, as_tar = _COMPRESSED[codec]
        return as_tar if _is_tar_header(_decompressed_head(stream, codec)) else single
    finally:
        stream.seek(0)


def _codec_of(head: bytes) -> str | None:
    if head.startswith(b"\x1f\x8b\x08"):
        return "gz"
    if head.startswith(b"BZh") and head[3:4] in _BZ2_LEVELS and head[4:10] in _BZ2_BLOCK_MAGIC:
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    return None


def _decompressed_head(stream: BinaryIO, codec: str) -> bytes:
    stream.seek(0)
    try:
        inner = decompressing(stream, codec)
        try:
            return inner.read(TAR_BLOCK)
        finally:
            inner.close()
    except (OSError, EOFError, zlib.error, lzma.LZMAError):
        # Corrupt from the start: still a compressed file, whose reading will fail
        # and be recorded on its member.
        return b""


def _is_tar_header(block: bytes) -> bool:
    if len(block) < TAR_BLOCK:
        return False
    try:
        tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return False
    return True
