"""Disk image containers: which files hold a disk image, and the image's bytes, read-only.

A seizure's disk arrives as one of three containers: a raw (dd) image, a split raw image
(``disk.001``, ``disk.002``... cut at one size), or an Expert Witness (EWF: E01/Ex01)
segment set that stores the acquisition's facts and its MD5/SHA1. ``recognise`` tells
them apart by CONTENT: the EWF signature, or a partition table (MBR, GPT) or file-system
boot sector/superblock (FAT, exFAT, NTFS, ext2/3/4, HFS+, ISO 9660) at the start of the
data. Names serve only to find the sibling segments of a set. ``open_image`` gives The
Sleuth Kit (``pytsk3``) the media data, through libewf (``pyewf``) for EWF.

Invariants: segment files are opened for reading only and never written; a set whose
segments cannot all be had (missing, truncated, unreadable) raises ``EvidenceError``
naming the segment or the image, never a crash, so that the caller records it.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

import pyewf
import pytsk3

from genkend.errors import EvidenceError
from genkend.evidence.ewf_sections import check_segments

__all__ = ["Container", "media_chunks", "open_image", "recognise"]

EWF_SIGNATURES = (b"EVF\x09\x0d\x0a\xff\x00", b"EVF2\r\n\x81\x00")
# Enough of the start to see every signature: ISO 9660's volume descriptor is at 32769.
_HEAD = 32774
_CHUNK = 1 << 20
_SPLIT_FIRST = re.compile(r"^(?P<stem>.+)\.(?P<number>0*1)$")
# The acquisition facts an EWF header may hold, as libewf names them.
ACQUISITION_FIELDS = (
    "case_number",
    "evidence_number",
    "examiner_name",
    "description",
    "notes",
    "acquiry_date",
    "system_date",
    "acquiry_operating_system",
    "acquiry_software",
    "acquiry_software_version",
    "model",
    "serial_number",
)

Kind = Literal["raw", "split-raw", "ewf"]


@dataclass(frozen=True)
class Container:
    """One disk image: its kind, its segment files in order, and what it says of itself.

    ``stored_hashes`` are the digests the EWF container holds of its media data
    (``{"md5": ..., "sha1": ...}``, lowercase hex, only those present); ``acquisition``
    the header's facts (case number, examiner, acquiry date...). Both empty for raw.
    """

    kind: Kind
    segments: tuple[Path, ...]
    media_size: int
    stored_hashes: dict[str, str] = field(default_factory=dict)
    acquisition: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """The file that names the image (its first segment)."""
        return self.segments[0]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "segments": [str(p) for p in self.segments],
            "media_size": self.media_size,
            "stored_hashes": dict(self.stored_hashes),
            "acquisition": dict(self.acquisition),
        }


def recognise(path: Path) -> Container | None:
    """The disk image ``path`` holds (or names the first segment of), else None.

    Raises ``EvidenceError`` when ``path`` is a disk image container whose segment set
    is broken (a missing segment, a truncated or unreadable one).
    """
    head = _head(path)
    if head is None:
        return None
    if head.startswith(EWF_SIGNATURES):
        return _ewf_container(path)
    if not looks_like_disk(head):
        return None
    segments = _split_segments(path)
    if len(segments) > 1:
        return Container("split-raw", segments, sum(os.path.getsize(p) for p in segments))
    return Container("raw", (path,), os.path.getsize(path))


def looks_like_disk(head: bytes) -> bool:
    """A partition table or a file system's boot sector / superblock at the start."""
    return (
        _boot_sector(head)
        or head[512:520] == b"EFI PART"
        or head[1080:1082] == b"\x53\xef"
        or head[1024:1026] in (b"H+", b"HX")
        or head[32769:32774] == b"CD001"
        or _mbr(head)
    )


def _boot_sector(head: bytes) -> bool:
    if head[3:11] in (b"NTFS    ", b"EXFAT   "):
        return True
    if head[510:512] != b"\x55\xaa" or head[:1] not in (b"\xeb", b"\xe9"):
        return False
    return head[54:59] in (b"FAT12", b"FAT16") or head[82:87] == b"FAT32"


def _mbr(head: bytes) -> bool:
    """The 0x55AA signature with partition entries that make sense, at least one used."""
    if len(head) < 512 or head[510:512] != b"\x55\xaa":
        return False
    used = 0
    for i in range(4):
        entry = head[446 + 16 * i : 462 + 16 * i]
        flag, kind = entry[0], entry[4]
        start, sectors = struct.unpack("<II", entry[8:16])
        if flag not in (0x00, 0x80):
            return False
        if kind == 0:
            continue
        if start == 0 or sectors == 0:
            return False
        used += 1
    return used > 0


def _head(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as stream:
            return stream.read(_HEAD)
    except OSError:
        return None


def _split_segments(path: Path) -> tuple[Path, ...]:
    """``disk.001`` and its consecutive siblings of one size (the last may be shorter)."""
    match = _SPLIT_FIRST.match(path.name)
    if match is None:
        return (path,)
    width, stem = len(match["number"]), match["stem"]
    segments = [path]
    size = os.path.getsize(path)
    number = 2
    while (candidate := path.with_name(f"{stem}.{number:0{width}d}")).is_file():
        segments.append(candidate)
        number += 1
    for earlier in segments[:-1]:
        if os.path.getsize(earlier) != size:
            raise EvidenceError(
                f"split image {path.name}: segment {earlier.name} is "
                f"{os.path.getsize(earlier)} bytes, not {size} like the first"
            )
    gap = path.with_name(f"{stem}.{number + 1:0{width}d}")
    if gap.exists():
        raise EvidenceError(
            f"split image {path.name}: segment {stem}.{number:0{width}d} is missing"
        )
    return tuple(segments)


def _ewf_segments(path: Path) -> tuple[Path, ...]:
    try:
        names = pyewf.glob(str(path))
    except OSError:
        names = [str(path)]  # a renamed single segment (``x.bin``): no siblings to find
    segments = tuple(Path(name) for name in names)
    _check_no_gap(segments)
    check_segments(segments)
    return segments


def _check_no_gap(segments: tuple[Path, ...]) -> None:
    """libewf's glob stops at the first absent segment; a later one means a hole."""
    last = segments[-1]
    if not re.fullmatch(r"\.[EeLs][0-9A-Za-z]{2}|\.Ex[0-9A-Za-z]{2}", last.suffix):
        return
    prefix = last.suffix[:-2]
    siblings = {p.name for p in last.parent.glob(last.stem + prefix + "??")}
    expected = {p.name for p in segments}
    later = sorted(siblings - expected)
    if later:
        missing = _next_name(last)
        raise EvidenceError(
            f"EWF image {segments[0].name}: segment {missing} is missing "
            f"(found {', '.join(later)} after {last.name})"
        )


def _next_name(last: Path) -> str:
    digits = last.suffix[-2:]
    if digits.isdigit():
        return last.stem + last.suffix[:-2] + f"{int(digits) + 1:02d}"
    return last.stem + last.suffix[:-2] + "??"


def _ewf_container(path: Path) -> Container:
    segments = _ewf_segments(path)
    handle = _ewf_handle(segments)
    try:
        stored = {}
        for name in ("MD5", "SHA1"):
            value = handle.get_hash_value(name)
            if value:
                stored[name.lower()] = str(value).lower()
        facts = {}
        for name in ACQUISITION_FIELDS:
            value = handle.get_header_value(name)
            if value:
                facts[name] = str(value)
        return Container("ewf", segments, int(handle.get_media_size()), stored, facts)
    finally:
        handle.close()


def _ewf_handle(segments: tuple[Path, ...]) -> Any:
    handle = pyewf.handle()
    try:
        handle.open([str(p) for p in segments], "r")
    except (OSError, OverflowError) as exc:
        raise EvidenceError(f"EWF image {segments[0].name} cannot be opened: {exc}") from exc
    return handle


class _EwfImage(pytsk3.Img_Info):  # type: ignore[misc]
    """The media data of an EWF set, as The Sleuth Kit reads an image."""

    def __init__(self, container: Container) -> None:
        self._handle = _ewf_handle(container.segments)
        self._size = int(self._handle.get_media_size())
        self._name = container.path.name
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def read(self, offset: int, size: int) -> bytes:
        try:
            return bytes(self._handle.read_buffer_at_offset(size, offset))
        except OSError as exc:
            raise EvidenceError(
                f"EWF image {self._name}: cannot read {size} bytes at offset {offset} "
                f"(a segment is missing, truncated or damaged): {exc}"
            ) from exc

    def get_size(self) -> int:
        return self._size

    def close(self) -> None:
        self._handle.close()


class _SplitImage(pytsk3.Img_Info):  # type: ignore[misc]
    """Consecutive raw segment files read as one image, each opened read-only."""

    def __init__(self, container: Container) -> None:
        self._streams: list[BinaryIO] = [open(p, "rb") for p in container.segments]  # noqa: SIM115
        self._sizes = [os.path.getsize(p) for p in container.segments]
        self._size = sum(self._sizes)
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def read(self, offset: int, size: int) -> bytes:
        parts: list[bytes] = []
        start = 0
        for stream, length in zip(self._streams, self._sizes, strict=True):
            if offset < start + length and size > 0:
                stream.seek(offset - start)
                piece = stream.read(min(size, start + length - offset))
                parts.append(piece)
                offset += len(piece)
                size -= len(piece)
            start += length
        return b"".join(parts)

    def get_size(self) -> int:
        return self._size

    def close(self) -> None:
        for stream in self._streams:
            stream.close()


def open_image(container: Container) -> pytsk3.Img_Info:
    """The image's media data for ``pytsk3`` (``FS_Info``, ``Volume_Info``); read-only.

    The caller closes it. Raises ``EvidenceError`` when the container cannot be opened.
    """
    if container.kind == "ewf":
        return _EwfImage(container)
    try:
        if container.kind == "split-raw":
            return _SplitImage(container)
        return pytsk3.Img_Info(str(container.path))
    except OSError as exc:
        raise EvidenceError(f"disk image {container.path.name} cannot be opened: {exc}") from exc


def media_chunks(container: Container, chunk: int = _CHUNK) -> Iterator[bytes]:
    """The image's media data from start to end, ``chunk`` bytes at a time (bounded memory).

    For EWF the data libewf decodes from the segments; for raw and split raw the
    segment files' bytes concatenated. Raises ``EvidenceError`` on a read that fails.
    """
    image = open_image(container)
    try:
        offset = 0
        while offset < container.media_size:
            size = min(chunk, container.media_size - offset)
            data = image.read(offset, size)
            if len(data) != size:
                raise EvidenceError(
                    f"disk image {container.path.name}: {len(data)} of {size} bytes "
                    f"at offset {offset} could be read (truncated?)"
                )
            yield data
            offset += size
    finally:
        image.close()
