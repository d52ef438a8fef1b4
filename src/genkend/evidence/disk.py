"""A disk image read with The Sleuth Kit: its volumes, file systems and files, never mounted.

``DiskSource`` lists every regular file of every file system TSK reads (NTFS, FAT,
exFAT, ext2/3/4, HFS+, ISO 9660) in an image, allocated and deleted, each with its
``FileSystemEntry`` (partition, metadata address, path, MACB times, deleted and
reallocated flags). A partition table (MBR, GPT) names volumes ``p1``, ``p2``... in table
order and prefixes their locations (``p2/Users/a/x.jpg``); an image without a table is
one file system at offset 0 and its locations have no prefix. Archives found by content
in a file are descended into as the directory source does (``evidence.archive``).

Invariants: the image is only read, through the ``Img_Info`` that ``open_image`` gives;
a directory seen twice (a loop in a corrupt file system) or deeper than
``MAX_DIRECTORY_DEPTH`` is an error item, not a hang; a volume or file system that
cannot be read is an error item naming it and the rest goes on; a file's bytes are read
in ``CHUNK_BYTES`` chunks into a ``Spool`` (the workspace's, never the evidence's), at
most ``limits.max_member_bytes`` of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pytsk3

from genkend.errors import EvidenceError, MediaError
from genkend.evidence import location as loc
from genkend.evidence.archive import Found, Walk, archive_notes, describe, members
from genkend.evidence.formats import detect
from genkend.evidence.limits import ArchiveLimits, Budget
from genkend.evidence.spool import Spool
from genkend.records import FileSystemEntry, MediaItem

CHUNK_BYTES = 1 << 20
MAX_DIRECTORY_DEPTH = 128
DELETED_NOTE = "deleted"
REALLOCATED_NOTE = (
    "deleted; its metadata entry now belongs to another file: the bytes may be that file's"
)
_FS_KINDS = (
    ("NTFS", "ntfs"),
    ("FAT12", "fat12"),
    ("FAT16", "fat16"),
    ("FAT32", "fat32"),
    ("EXFAT", "exfat"),
    ("EXT2", "ext2"),
    ("EXT3", "ext3"),
    ("EXT4", "ext4"),
    ("HFS", "hfs+"),
    ("EXT_DETECT", "ext"),
    ("ISO9660", "iso9660"),
)


@dataclass(frozen=True)
class Volume:
    """One file system's place in the image: its name (None without a table) and offset."""

    name: str | None
    offset: int

    def location(self, path: str) -> str:
        return path if self.name is None else f"{self.name}/{path}" if path else f"{self.name}!/"


def _kind(fs: pytsk3.FS_Info) -> str:
    ftype = int(fs.info.ftype)
    for key, kind in _FS_KINDS:
        constant = getattr(pytsk3, f"TSK_FS_TYPE_{key}", None)
        if constant is not None and int(constant) == ftype:
            return kind
    return "hfs+" if ftype == int(pytsk3.TSK_FS_TYPE_HFS_DETECT) else f"tsk-{ftype}"


def _time(seconds: int | None) -> datetime | None:
    if not seconds:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


class DiskSource:
    """The files of the file systems in one disk image (see the module docstring)."""

    def __init__(
        self,
        root: Path,
        source_id: str,
        open_image: Callable[[], pytsk3.Img_Info],
        limits: ArchiveLimits,
        spool_dir: Path | None,
    ) -> None:
        self.id = source_id
        self.root = root
        self.limits = limits
        self.spool_dir = spool_dir
        self._open_image = open_image
        self._current: tuple[str, Spool] | None = None

    def items(self) -> Iterator[MediaItem]:
        """Every item of the image in a stable order; error items included, never raises."""
        try:
            for found in self._walk_image():
                self._hold(found)
                yield found.item
        finally:
            self._hold(None)

    def open(self, item: MediaItem) -> BinaryIO:
        """The item's bytes, read-only; ``MediaError`` when they cannot be read."""
        if item.source_id != self.id:
            raise MediaError(f"{item.location} belongs to source {item.source_id}, not {self.id}")
        if item.error is not None:
            raise MediaError(f"{item.location}: {item.error}")
        current = self._current
        if current is not None and current[0] == item.location:
            return current[1].reader()
        entry = item.origin
        if entry is None or entry.address is None or len(loc.split(item.location)) > 1:
            raise MediaError(f"{item.location}: not a file of this image's file systems")
        try:
            img = self._open_image()
        except (OSError, EvidenceError) as exc:
            raise MediaError(f"{item.location}: could not be read: {describe(exc)}") from exc
        try:
            fs = pytsk3.FS_Info(img, offset=entry.partition_offset or 0)
            spool = self._spool(fs.open_meta(inode=entry.address), item.size or 0)
        except OSError as exc:
            raise MediaError(f"{item.location}: could not be read: {describe(exc)}") from exc
        finally:
            img.close()  # the segment files' handles, at once, not when collected
        try:
            return spool.reader()
        finally:
            spool.release()

    def _hold(self, found: Found | None) -> None:
        previous = self._current
        if found is not None and found.content is not None:
            self._current = (found.item.location, found.content.retain())
        else:
            self._current = None
        if previous is not None:
            previous[1].release()

    def _walk_image(self) -> Iterator[Found]:
        try:
            img = self._open_image()
        except (OSError, EvidenceError) as exc:
            yield self._error("", f"disk image could not be opened: {describe(exc)}")
            return
        try:
            for volume in list(self._volumes(img)):
                if isinstance(volume, Found):
                    yield volume
                else:
                    yield from self._walk_volume(img, volume)
        finally:
            img.close()

    def _volumes(self, img: pytsk3.Img_Info) -> Iterator[Volume | Found]:
        try:
            table = pytsk3.Volume_Info(img)
        except OSError:
            yield Volume(None, 0)
            return
        block = table.info.block_size
        number = 0
        for part in table:
            if part.flags & pytsk3.TSK_VS_PART_FLAG_ALLOC:
                number += 1
                yield Volume(f"p{number}", part.start * block)

    def _walk_volume(self, img: pytsk3.Img_Info, volume: Volume) -> Iterator[Found]:
        try:
            fs = pytsk3.FS_Info(img, offset=volume.offset)
        except OSError as exc:
            where = volume.name or "image"
            message = f"{where} (offset {volume.offset}): no readable file system: {describe(exc)}"
            yield self._error(volume.location("") or "!/", message)
            return
        walker = _FsWalk(self, fs, volume, _kind(fs))
        yield from walker.directory(fs.info.root_inum, "", 0, frozenset())

    def _spool(self, file: pytsk3.File, size: int) -> Spool:
        if size > self.limits.max_member_bytes:
            raise MediaError(f"{size} bytes, above the limit of {self.limits.max_member_bytes}")
        spool = Spool(self.spool_dir)
        try:
            offset = 0
            while offset < size:
                chunk = file.read_random(offset, min(CHUNK_BYTES, size - offset))
                if not chunk:
                    break
                spool.write(chunk)
                offset += len(chunk)
        except BaseException:
            spool.release()
            raise
        return spool

    def _error(self, location: str, message: str, entry: FileSystemEntry | None = None) -> Found:
        return Found(MediaItem(self.id, location, None, error=message, origin=entry))


class _FsWalk:
    """One file system's directory tree, walked depth-first in stored name order."""

    def __init__(self, source: DiskSource, fs: pytsk3.FS_Info, volume: Volume, kind: str) -> None:
        self.source = source
        self.fs = fs
        self.volume = volume
        self.kind = kind
        self.seen: dict[str, int] = {}

    def directory(
        self, address: int, path: str, depth: int, ancestors: frozenset[int]
    ) -> Iterator[Found]:
        where = self.volume.location(path) or "/"
        if address in ancestors:
            yield self.source._error(where, "directory loop: this folder contains itself")
            return
        if depth > MAX_DIRECTORY_DEPTH:
            yield self.source._error(where, f"folder deeper than {MAX_DIRECTORY_DEPTH}, not read")
            return
        try:
            entries = list(self.fs.open_dir(inode=address))
        except OSError as exc:
            yield self.source._error(where, f"folder could not be listed: {describe(exc)}")
            return
        inner = ancestors | {address}
        for file in entries:
            yield from self._entry(file, path, depth, inner)

    def _entry(
        self, file: pytsk3.File, parent: str, depth: int, ancestors: frozenset[int]
    ) -> Iterator[Found]:
        name = file.info.name
        raw = name.name
        if raw in (b".", b"..") or (file.info.meta is None and not name.meta_addr):
            return
        shown = loc.escape(raw)[0]
        path = f"{parent}/{shown}" if parent else shown
        meta = file.info.meta
        kind = None if meta is None else meta.type
        if kind == pytsk3.TSK_FS_META_TYPE_DIR:
            if not name.flags & pytsk3.TSK_FS_NAME_FLAG_UNALLOC:
                yield from self.directory(name.meta_addr, path, depth + 1, ancestors)
            return
        if kind == pytsk3.TSK_FS_META_TYPE_REG:
            yield from self._file(file, path, depth)

    def _file(self, file: pytsk3.File, path: str, depth: int) -> Iterator[Found]:
        entry = self._origin(file, path)
        location = self._unique(self.volume.location(path))
        notes = (
            (REALLOCATED_NOTE,) if entry.reallocated else (DELETED_NOTE,) if entry.deleted else ()
        )
        size = int(file.info.meta.size)
        try:
            spool = self.source._spool(file, size)
        except (OSError, MediaError) as exc:
            yield Found(
                MediaItem(
                    self.source.id,
                    location,
                    size,
                    entry.modified,
                    error=f"file could not be read: {describe(exc)}",
                    notes=notes,
                    origin=entry,
                )
            )
            return
        yield from self._with_content(spool, location, size, entry, notes)

    def _with_content(
        self, spool: Spool, location: str, size: int, entry: FileSystemEntry, notes: tuple[str, ...]
    ) -> Iterator[Found]:
        source = self.source
        try:
            with spool.reader() as stream:
                fmt = detect(stream)
            notes += archive_notes(fmt, 0, source.limits)
            item = MediaItem(
                source.id, location, spool.size, entry.modified, notes=notes, origin=entry
            )
            yield Found(item, spool)
            if fmt is None or source.limits.max_depth < 1:
                return
            walk = Walk(source.id, source.limits, source.spool_dir, Budget(source.limits))
            with spool.reader() as stream:
                yield from members(stream, fmt, location, 1, walk)
        finally:
            spool.release()

    def _origin(self, file: pytsk3.File, path: str) -> FileSystemEntry:
        name, meta = file.info.name, file.info.meta
        deleted = bool(name.flags & pytsk3.TSK_FS_NAME_FLAG_UNALLOC)
        meta_live = bool(meta.flags & pytsk3.TSK_FS_META_FLAG_ALLOC)
        seq_differs = self.kind == "ntfs" and name.meta_seq != meta.seq
        return FileSystemEntry(
            file_system=self.kind,
            path="/" + path,
            partition=self.volume.name,
            partition_offset=self.volume.offset,
            address=int(name.meta_addr),
            deleted=deleted,
            reallocated=deleted and (meta_live or seq_differs),
            modified=_time(meta.mtime),
            accessed=_time(meta.atime),
            changed=_time(meta.ctime),
            created=_time(meta.crtime),
        )

    def _unique(self, location: str) -> str:
        count = self.seen.get(location, 0) + 1
        self.seen[location] = count
        return location if count == 1 else loc.numbered(location, count)
