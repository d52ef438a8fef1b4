"""Walking the members of archives: zip, tar (plain, gz, bz2, xz) and single compressed files.

Each member is read once, through the limits of ``ArchiveLimits``, into a ``Spool``; the
spool gives its true size, lets its content be sniffed for a nested archive, lets the
caller hash it right after it is yielded, and is what a nested archive is read from.
A member's location is its archive's location, ``!/`` and its stored name, escaped
(``outer.zip!/inner.tar!/dir/a.jpg``, see ``genkend.evidence.location``); problems that
belong to no single member (a corrupt central directory, a stream that breaks between
members, a member-count limit) are recorded on the archive's contents, ``outer.zip!/``.

A zip or tar that is a phone extraction (``genkend.evidence.extraction``) or a UFDR
(``genkend.evidence.ufdr``) gives each member it places an ``origin``, its device path.

Invariants: nothing is ever extracted to a named file; a member's stored name, however
hostile (``../../etc/passwd``, ``/etc/passwd``), is only ever a location string. Members
are yielded in the order the archive stores them. Every failure becomes an error item;
no exception leaves ``members`` except those of the caller's own making.
"""

from __future__ import annotations

import io
import lzma
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, cast

from genkend.errors import TooLarge
from genkend.evidence import location as loc
from genkend.evidence.extraction import Placement, Recognition
from genkend.evidence.formats import ArchiveFormat, decompressing, detect
from genkend.evidence.limits import ArchiveLimits, Budget, Counter, Meter, Readable
from genkend.evidence.spool import Spool
from genkend.evidence.ufdr import zip_placement
from genkend.records import FileSystemEntry, MediaItem

COPY_CHUNK = 2**20
UNSAFE_NAME_NOTE = "unsafe member name; read in memory only"
NOT_UTF8_NOTE = "name is not valid UTF-8; undecodable bytes shown as %XX"

# What reading a damaged archive can raise, from the standard library's readers.
READ_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    tarfile.TarError,
    NotImplementedError,
    struct.error,
    UnicodeDecodeError,
)
_TAR_OPEN_ERRORS: tuple[type[Exception], ...] = (TooLarge, *READ_ERRORS)
_ZIP_ENCRYPTED = 0x1
_ZIP_EXTENDED_TIMESTAMP = 0x5455
_ZIP_NTFS_TIMES = 0x000A
_FILETIME_TO_POSIX_SECONDS = 11_644_473_600  # 1601-01-01 to 1970-01-01
_CODEC_SUFFIXES = {"gz": (".gz", ".gzip"), "bz2": (".bz2", ".bz"), "xz": (".xz",)}


@dataclass(frozen=True)
class Found:
    """An item and, for archive members, the spool that holds its bytes."""

    item: MediaItem
    content: Spool | None = None


@dataclass(frozen=True)
class Walk:
    """The settings and the running budget of a walk through one top-level archive."""

    source_id: str
    limits: ArchiveLimits
    spool_dir: Path | None
    budget: Budget

    def error(
        self,
        location: str,
        depth: int,
        message: str,
        notes: tuple[str, ...] = (),
        origin: FileSystemEntry | None = None,
    ) -> Found:
        item = MediaItem(
            self.source_id, location, None, depth=depth, error=message, notes=notes, origin=origin
        )
        return Found(item)


def archive_notes(fmt: ArchiveFormat | None, depth: int, limits: ArchiveLimits) -> tuple[str, ...]:
    """The note for an item at ``depth`` whose content is an archive of format ``fmt``."""
    if fmt is None:
        return ()
    kind = (
        f"{fmt.value} archive"
        if fmt.codec is None or fmt.is_tar
        else f"{fmt.value}-compressed file"
    )
    if depth >= limits.max_depth:
        return (f"{kind}, not opened: nesting depth limit {limits.max_depth}",)
    return (f"{kind}; its content follows",)


def members(
    stream: BinaryIO, fmt: ArchiveFormat, location: str, depth: int, walk: Walk
) -> Iterator[Found]:
    """The members, at ``depth``, of the archive at ``location`` read from ``stream``.

    ``stream`` must be seekable for zip; it is read, never closed.
    """
    if walk.budget.stopped:
        return
    if fmt is ArchiveFormat.ZIP:
        yield from _zip_members(stream, location, depth, walk)
    elif fmt.is_tar:
        yield from _tar_members(stream, fmt, location, depth, walk)
    else:
        yield from _single_member(stream, fmt, location, depth, walk)


def readable_name(name: str) -> tuple[str, tuple[str, ...]]:
    """``name`` as a location stores it, with a note when it held bytes that are not UTF-8."""
    shown, undecodable = loc.escape(name)
    return shown, (NOT_UTF8_NOTE,) if undecodable else ()


def utc_time(timestamp: float) -> datetime | None:
    """A POSIX time as an aware UTC datetime; None when out of range."""
    try:
        return datetime.fromtimestamp(timestamp, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class _Names:
    """Member locations within one archive, made unique: a repeated name gets ``#2``.

    The empty part is taken from the start: it is the archive's contents, where its own
    problems are recorded, so a member stored with an empty name is numbered.
    """

    def __init__(self, archive_location: str) -> None:
        self._archive = archive_location
        self._seen: set[str] = {""}

    def location(self, name: str) -> tuple[str, tuple[str, ...]]:
        shown, notes = readable_name(name)
        if _is_unsafe(name):
            notes += (UNSAFE_NAME_NOTE,)
        unique, occurrence = shown, 1
        while unique in self._seen:
            occurrence += 1
            unique = loc.numbered(shown, occurrence)
        if occurrence > 1:
            notes += (f"name already used by an earlier member; location suffixed #{occurrence}",)
        self._seen.add(unique)
        return loc.member(self._archive, unique), notes


def _is_unsafe(name: str) -> bool:
    # Both separators: Windows-made archives use backslashes, and so do attacks on them.
    parts = name.replace("\\", "/").split("/")
    has_drive = len(name) > 1 and name[1] == ":"
    return name.startswith(("/", "\\")) or has_drive or ".." in parts


def _member(
    walk: Walk,
    location: str,
    depth: int,
    opener: Callable[[], Readable],
    mtime: datetime | None,
    notes: tuple[str, ...],
    origin: FileSystemEntry | None = None,
) -> Iterator[Found]:
    """Read one member into a spool, yield it, then walk it if it is an archive itself."""
    try:
        with closing(opener()) as stream:
            spool = _spool(stream, walk)
    except TooLarge as exc:
        yield walk.error(location, depth, f"expansion limit exceeded: {exc}", notes, origin)
        return
    except READ_ERRORS as exc:
        message = f"archive member could not be read: {describe(exc)}"
        yield walk.error(location, depth, message, notes, origin)
        return
    try:
        with spool.reader() as view:
            fmt = detect(view)
        notes += archive_notes(fmt, depth, walk.limits)
        item = MediaItem(
            walk.source_id, location, spool.size, mtime, depth=depth, notes=notes, origin=origin
        )
        yield Found(item, spool)
        if fmt is not None and depth < walk.limits.max_depth:
            with spool.reader() as view:
                yield from members(view, fmt, location, depth + 1, walk)
    finally:
        spool.release()


def _spool(stream: Readable, walk: Walk) -> Spool:
    spool = Spool(walk.spool_dir)
    try:
        while chunk := stream.read(COPY_CHUNK):
            if spool.size + len(chunk) > walk.limits.max_member_bytes:
                raise TooLarge(f"member larger than {walk.limits.max_member_bytes} bytes")
            spool.write(chunk)
    except BaseException:
        spool.release()
        raise
    return spool


def _counted(walk: Walk, location: str, depth: int) -> Found | None:
    """Count one more member against the budget; an error item when it is used up."""
    try:
        walk.budget.add_member()
    except TooLarge as exc:
        return walk.error(loc.contents(location), depth, f"expansion limit exceeded: {exc}")
    return None


def _zip_members(stream: BinaryIO, location: str, depth: int, walk: Walk) -> Iterator[Found]:
    counter = Counter(stream)
    try:
        archive = zipfile.ZipFile(counter.stream)
    except READ_ERRORS as exc:
        yield walk.error(
            loc.contents(location), depth, f"archive could not be read: {describe(exc)}"
        )
        return
    names = _Names(location)
    with archive:
        placement = zip_placement(archive, counter, walk.budget, walk.limits, READ_ERRORS)
        if placement is not None and placement.problem is not None:
            yield walk.error(loc.contents(location), depth, placement.problem)
        for info in archive.infolist():
            # not info.is_dir(): it raises IndexError for a name that is empty (cut at a NUL)
            if info.filename.endswith("/"):
                continue
            if walk.budget.stopped:
                return
            if (limit := _counted(walk, location, depth)) is not None:
                yield limit
                return
            yield from _zip_member(archive, info, counter, names, depth, walk, placement)


def _zip_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    counter: Counter,
    names: _Names,
    depth: int,
    walk: Walk,
    placement: Placement | None,
) -> Iterator[Found]:
    location, notes = names.location(info.filename)
    mtime, time_notes = _zip_time(info)
    notes += time_notes
    origin = None
    if placement is not None:
        origin = placement.origin(info.filename, mtime)
        notes += placement.notes(info.filename)
    if info.flag_bits & _ZIP_ENCRYPTED:
        yield walk.error(location, depth, "encrypted archive member", notes, origin)
        return
    try:
        walk.limits.check_declared(info.file_size, info.compress_size)
    except TooLarge as exc:
        yield walk.error(location, depth, f"expansion limit exceeded: {exc}", notes, origin)
        return

    def opener() -> Readable:
        expanding = info.compress_type != zipfile.ZIP_STORED
        # open() in read mode returns a ZipExtFile (typed as IO[bytes]), which has read1.
        member = cast(zipfile.ZipExtFile, archive.open(info))
        return io.BufferedReader(Meter(member, counter, walk.budget, expanding=expanding))

    yield from _member(walk, location, depth, opener, mtime, notes, origin)


def _zip_time(info: zipfile.ZipInfo) -> tuple[datetime | None, tuple[str, ...]]:
    """The member's UTC time when the archive recorded one; else the local time as a note."""
    for tag, body in _extra_fields(info.extra):
        mtime = _extra_mtime(tag, body)
        if mtime is not None:
            return mtime, ()
    year, month, day, hour, minute, second = info.date_time
    local = f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"
    return None, (f"zip time {local} is local to the archiving machine (no time zone)",)


def _extra_fields(extra: bytes) -> Iterator[tuple[int, bytes]]:
    position = 0
    while position + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, position)
        yield tag, extra[position + 4 : position + 4 + size]
        position += 4 + size


def _extra_mtime(tag: int, body: bytes) -> datetime | None:
    """The UTC modification time in an Info-ZIP (0x5455) or NTFS (0x000a) extra field."""
    if tag == _ZIP_EXTENDED_TIMESTAMP and len(body) >= 5 and body[0] & 1:
        return utc_time(int.from_bytes(body[1:5], "little", signed=True))
    if tag == _ZIP_NTFS_TIMES:
        # Four reserved bytes, then attributes; attribute 1 holds three FILETIMEs, mtime first.
        for attribute, value in _extra_fields(body[4:]):
            if attribute == 1 and len(value) >= 8:
                ticks = int.from_bytes(value[:8], "little")
                return utc_time(ticks / 10_000_000 - _FILETIME_TO_POSIX_SECONDS)
    return None


def _tar_members(
    stream: BinaryIO, fmt: ArchiveFormat, location: str, depth: int, walk: Walk
) -> Iterator[Found]:
    counter = Counter(stream)
    if fmt.codec is None:
        yield from _tar_stream(counter.stream, location, depth, walk)
        return
    decompressed = Meter(decompressing(counter.stream, fmt.codec), counter, walk.budget)
    with io.BufferedReader(decompressed) as data:
        yield from _tar_stream(data, location, depth, walk)


def _tar_stream(data: BinaryIO, location: str, depth: int, walk: Walk) -> Iterator[Found]:
    # Stream mode: compressed tars cannot seek, and a member is read exactly once.
    names = _Names(location)
    recognition = Recognition()
    last = "the start"
    try:
        # Closed by the ``with`` below; opening is apart so that its failure is recorded.
        archive = tarfile.open(fileobj=data, mode="r|")  # noqa: SIM115
    except _TAR_OPEN_ERRORS as exc:
        yield walk.error(
            loc.contents(location), depth, f"archive could not be read: {describe(exc)}"
        )
        return
    with archive:
        while not walk.budget.stopped:
            try:
                info = archive.next()
            except TooLarge as exc:
                message = f"expansion limit exceeded after {last}: {exc}"
                yield walk.error(loc.contents(location), depth, message)
                return
            except READ_ERRORS as exc:
                message = f"archive could not be read past {last}: {describe(exc)}"
                yield walk.error(loc.contents(location), depth, message)
                return
            if info is None:
                return
            extraction = recognition.observe(info.name)
            if info.isdir():
                continue
            if (limit := _counted(walk, location, depth)) is not None:
                yield limit
                return
            member_location, notes = names.location(info.name)
            last = member_location
            origin = extraction.origin(info.name, utc_time(info.mtime)) if extraction else None
            yield from _tar_member(archive, info, member_location, notes, depth, walk, origin)


def _tar_member(
    archive: tarfile.TarFile,
    info: tarfile.TarInfo,
    location: str,
    notes: tuple[str, ...],
    depth: int,
    walk: Walk,
    origin: FileSystemEntry | None,
) -> Iterator[Found]:
    problem = _tar_problem(info)
    if problem is not None:
        yield walk.error(location, depth, problem, notes, origin)
        return
    try:
        # Tar stores members uncompressed; only the stream around them can expand.
        walk.limits.check_declared(info.size, info.size)
    except TooLarge as exc:
        yield walk.error(location, depth, f"expansion limit exceeded: {exc}", notes, origin)
        return

    def opener() -> Readable:
        member = archive.extractfile(info)
        if member is None:
            raise tarfile.ExtractError(f"member {info.name!r} has no content")
        return member

    yield from _member(walk, location, depth, opener, utc_time(info.mtime), notes, origin)


def _tar_problem(info: tarfile.TarInfo) -> str | None:
    """Why a tar member has no content of its own to read, or None when it has."""
    shown, _ = readable_name(info.linkname)
    if info.issym():
        return f"symbolic link to {shown}, not followed"
    if info.islnk():
        return f"hard link to {shown}; its content is listed at that member"
    if info.ischr() or info.isblk() or info.isfifo():
        return "special file (device or fifo) in the archive, not read"
    if not info.isreg():
        return f"tar member of unsupported type {info.type!r}, not read"
    return None


def _single_member(
    stream: BinaryIO, fmt: ArchiveFormat, location: str, depth: int, walk: Walk
) -> Iterator[Found]:
    codec = fmt.codec
    if codec is None:
        raise ValueError(f"{fmt.value} is not a compressed single file")
    stream.seek(0)
    header = stream.read(10)
    # RFC 1952: bytes 4-7 of a gzip header are the POSIX time, 0 when not recorded.
    gzip_time = int.from_bytes(header[4:8], "little") if codec == "gz" else 0
    mtime = utc_time(gzip_time) if gzip_time else None
    stream.seek(0)
    if (limit := _counted(walk, location, depth)) is not None:
        yield limit
        return
    names = _Names(location)
    member_location, notes = names.location(_decompressed_name(location, codec))
    counter = Counter(stream)

    def opener() -> Readable:
        reader = decompressing(counter.stream, codec)
        return io.BufferedReader(Meter(reader, counter, walk.budget))

    yield from _member(walk, member_location, depth, opener, mtime, notes)


def _decompressed_name(location: str, codec: str) -> str:
    """The compressed file's own name without its compression suffix (``a.jpg.gz``: ``a.jpg``)."""
    name = loc.base_name(location)
    for suffix in _CODEC_SUFFIXES[codec]:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
