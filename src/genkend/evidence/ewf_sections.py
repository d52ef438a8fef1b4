"""The section chain of each EWF (E01) segment file: which segment is cut short or damaged.

An EnCase 1-6 segment file is a 13-byte file header (signature, segment number) followed
by sections, each opened by a 76-byte descriptor (type, absolute offset of the next
section, size, Adler-32 of the descriptor). Every segment but the last ends in a ``next``
section, the last in ``done``. libewf reports a truncated segment only as an unreadable
offset of the whole image; walking the chains names the segment instead, before anything
is read. Invariants: files are only read (descriptors, never the media data); a chain
that points outside its file, backwards, or fails its checksum names that segment.

EWF2 (Ex01) keeps its descriptors at the end of each section and is not walked here:
libewf's own checks are all an Ex01 set gets.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from genkend.errors import EvidenceError

__all__ = ["check_segments"]

EWF1_SIGNATURE = b"EVF\x09\x0d\x0a\xff\x00"
_FILE_HEADER = 13
_DESCRIPTOR = 76
# A damaged chain could loop through millions of tiny hops; real segments hold hundreds.
MAX_SECTIONS = 1_000_000


def check_segments(segments: tuple[Path, ...]) -> None:
    """Raise ``EvidenceError`` naming the first segment whose structure is broken.

    Also names the segment after the last one found when that one says more follow.
    """
    for number, segment in enumerate(segments, start=1):
        try:
            with open(segment, "rb") as stream:
                if stream.read(len(EWF1_SIGNATURE)) != EWF1_SIGNATURE:
                    return
                size = os.fstat(stream.fileno()).st_size
                last = _last_section(stream, size, segment.name, number)
        except OSError as exc:
            raise EvidenceError(
                f"EWF segment {segment.name} cannot be read: {exc.strerror or exc}"
            ) from exc
        if last == b"done" and number != len(segments):
            raise EvidenceError(
                f"EWF image {segments[0].name}: segment {segment.name} says it is the last, "
                f"but {len(segments) - number} more segment(s) follow it"
            )
        if last == b"next" and number == len(segments):
            raise EvidenceError(
                f"EWF image {segments[0].name}: the segment after {segment.name} is missing "
                f"({segment.name} says more follow)"
            )


def _last_section(stream: BinaryIO, size: int, name: str, number: int) -> bytes:
    """The type of the section that ends the chain (``next`` or ``done``)."""
    stream.seek(0)
    header = stream.read(_FILE_HEADER)
    if len(header) < _FILE_HEADER or struct.unpack("<H", header[9:11])[0] != number:
        raise EvidenceError(f"EWF segment {name}: its header is not that of segment {number}")
    offset = _FILE_HEADER
    for _ in range(MAX_SECTIONS):
        if offset + _DESCRIPTOR > size:
            raise EvidenceError(
                f"EWF segment {name} is truncated: {size} bytes, a section was expected "
                f"at offset {offset}"
            )
        stream.seek(offset)
        descriptor = stream.read(_DESCRIPTOR)
        kind = descriptor[:16].rstrip(b"\0")
        following, length = struct.unpack("<QQ", descriptor[16:32])
        if struct.unpack("<I", descriptor[72:76])[0] != zlib.adler32(descriptor[:72]):
            raise EvidenceError(f"EWF segment {name} is damaged: bad section at offset {offset}")
        if kind in (b"next", b"done"):
            return bytes(kind)
        if following <= offset or following > size or offset + length > size:
            raise EvidenceError(
                f"EWF segment {name} is truncated or damaged: its {kind.decode('ascii', 'replace')}"
                f" section at offset {offset} runs past its {size} bytes"
            )
        offset = following
    raise EvidenceError(f"EWF segment {name} is damaged: more than {MAX_SECTIONS} sections")
