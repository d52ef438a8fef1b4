"""Evidence on the local file system: a folder walked recursively, or a single file.

The walk is depth-first in sorted name order, so two walks of unchanged evidence list
the same items in the same order. Every regular file is an item; when its content is an
archive, its members follow it (see ``genkend.evidence.archive``). Locations are POSIX
paths relative to the root, escaped as ``genkend.evidence.location`` says; for a
single-file source, the file's name.

Invariants: evidence is only ever opened for reading (``O_RDONLY``, and ``O_NOATIME``
where allowed, so not even access times change); a symbolic link is never followed, so
the walk cannot loop or leave the root, and is listed as an error item; a special file
(fifo, socket, device) is never opened, since reading one can block forever; anything
that cannot be listed or read becomes an error item and the walk goes on.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import BinaryIO

from genkend.errors import MediaError
from genkend.evidence import location as loc
from genkend.evidence.archive import (
    Found,
    Walk,
    archive_notes,
    describe,
    members,
    readable_name,
    utc_time,
)
from genkend.evidence.formats import detect
from genkend.evidence.limits import ArchiveLimits, Budget
from genkend.evidence.spool import Spool
from genkend.records import MediaItem

logger = logging.getLogger(__name__)

_NO_ATIME = getattr(os, "O_NOATIME", 0)  # Linux only
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


def open_readonly(path: Path) -> BinaryIO:
    """Open a regular file for reading only, refusing links and special files.

    ``O_NOFOLLOW`` and ``O_NONBLOCK`` make the check race-free: a file swapped for a
    link or a fifo after it was listed fails here instead of being followed or blocking.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        fd = os.open(path, flags | _NO_ATIME)
    except PermissionError as exc:
        # O_NOATIME needs ownership of the file (or CAP_FOWNER); without it, read anyway.
        if exc.errno != errno.EPERM:
            raise
        fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise MediaError(f"{path} is not a regular file")
        os.set_blocking(fd, True)
        return open(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _unreadable(exc: OSError, what: str) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"{what} vanished before it could be read"
    return f"{what} could not be read: {exc.strerror or describe(exc)}"


class LocalSource:
    """A folder or a single file on the local file system, read with its archives.

    ``open`` is cheap for the item ``items`` yielded last (a member's bytes are already
    in a spool) and for plain files; any other archive member is found again by walking
    its top-level archive anew. A stream returned by ``open`` stays valid after
    ``items`` moves on, so open an item before advancing and read it at leisure.
    One ``items`` iteration at a time is the intended use; a second one works but makes
    ``open`` slower for members.
    """

    def __init__(
        self, root: Path, source_id: str, limits: ArchiveLimits, spool_dir: Path | None
    ) -> None:
        self.id = source_id
        self.root = root
        self.limits = limits
        self.spool_dir = spool_dir
        self._is_dir = root.is_dir()
        self._current: tuple[str, Spool] | None = None

    def items(self) -> Iterator[MediaItem]:
        """Every item of the source in a stable order; error items included, never raises."""
        try:
            for found in self._walk_path(self.root, self._root_location()):
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
        if item.path is not None:
            return self._open_plain(item, item.path)
        current = self._current
        if current is not None and current[0] == item.location:
            return current[1].reader()
        return self._reopen_member(item)

    def _root_location(self) -> str:
        return "" if self._is_dir else readable_name(self.root.name)[0]

    def _hold(self, found: Found | None) -> None:
        previous = self._current
        if found is not None and found.content is not None:
            self._current = (found.item.location, found.content.retain())
        else:
            self._current = None
        if previous is not None:
            previous[1].release()

    def _walk_path(
        self, path: Path, location: str, notes: tuple[str, ...] = ()
    ) -> Generator[Found, None, None]:
        try:
            info = os.lstat(path)
        except OSError as exc:
            yield self._error(location, _unreadable(exc, "entry"), notes)
            return
        mode = info.st_mode
        if stat.S_ISLNK(mode):
            yield self._error(location, self._link_error(path), notes, info)
        elif stat.S_ISDIR(mode):
            yield from self._walk_dir(path, location, notes)
        elif stat.S_ISREG(mode):
            yield from self._walk_file(path, location, info, notes)
        else:
            kind = next((name for test, name in _SPECIAL_KINDS if test(mode)), "unknown kind")
            yield self._error(location, f"special file ({kind}), not read", notes, info)

    def _walk_dir(self, path: Path, location: str, notes: tuple[str, ...]) -> Iterator[Found]:
        try:
            with os.scandir(path) as listing:
                names = sorted(entry.name for entry in listing)
        except OSError as exc:
            message = f"folder could not be listed: {exc.strerror or describe(exc)}"
            yield self._error(location or ".", message, notes)
            return
        for name in names:
            shown, name_notes = readable_name(name)
            child = f"{location}/{shown}" if location else shown
            yield from self._walk_path(path / name, child, name_notes)

    def _walk_file(
        self, path: Path, location: str, info: os.stat_result, notes: tuple[str, ...]
    ) -> Iterator[Found]:
        try:
            with open_readonly(path) as stream:
                fmt = detect(stream)
        except (OSError, MediaError) as exc:
            problem = _unreadable(exc, "file") if isinstance(exc, OSError) else describe(exc)
            yield self._error(location, problem, notes, info)
            return
        notes += archive_notes(fmt, 0, self.limits)
        yield Found(
            MediaItem(
                self.id, location, info.st_size, utc_time(info.st_mtime), path=path, notes=notes
            )
        )
        if fmt is None or self.limits.max_depth < 1:
            return
        walk = Walk(self.id, self.limits, self.spool_dir, Budget(self.limits))
        try:
            stream = open_readonly(path)
        except (OSError, MediaError) as exc:
            yield walk.error(
                loc.contents(location), 1, f"archive could not be reopened: {describe(exc)}"
            )
            return
        with stream:
            yield from members(stream, fmt, location, 1, walk)

    def _error(
        self,
        location: str,
        message: str,
        notes: tuple[str, ...],
        info: os.stat_result | None = None,
    ) -> Found:
        size = None if info is None else info.st_size
        mtime = None if info is None else utc_time(info.st_mtime)
        return Found(MediaItem(self.id, location, size, mtime, error=message, notes=notes))

    def _link_error(self, path: Path) -> str:
        try:
            target = readable_name(os.readlink(path))[0]
        except OSError:
            return "symbolic link, not followed (its target could not be read)"
        return f"symbolic link to {target}, not followed"

    def _open_plain(self, item: MediaItem, path: Path) -> BinaryIO:
        if not self._inside(path):
            raise MediaError(f"{path} is outside the evidence root {self.root}")
        try:
            stream = open_readonly(path)
        except OSError as exc:
            raise MediaError(f"{item.location}: {_unreadable(exc, 'file')}") from exc
        size = os.fstat(stream.fileno()).st_size
        if item.size is not None and size != item.size:
            stream.close()
            raise MediaError(
                f"{item.location}: changed since it was listed ({item.size} bytes, now {size})"
            )
        return stream

    def _reopen_member(self, item: MediaItem) -> BinaryIO:
        logger.debug("walking the archive again to open %s", item.location)
        top = loc.split(item.location)[0]
        path = self._top_level_path(top)
        if path is not None:
            walker = self._walk_path(path, top)
            try:
                for found in walker:
                    if found.item.location == item.location and found.content is not None:
                        if found.item.size != item.size:
                            raise MediaError(f"{item.location}: changed since it was listed")
                        return found.content.reader()
            finally:
                walker.close()
        raise MediaError(f"{item.location}: no longer found in the evidence")

    def _top_level_path(self, top: str) -> Path | None:
        """The plain file that a member's top-level part names, if it is still one."""
        if not self._is_dir:
            return self.root if top == self._root_location() else None
        path = self.root / os.fsdecode(loc.raw_name(top))
        if self._inside(path) and stat.S_ISREG(_lstat_mode(path)):
            return path
        return None

    def _inside(self, path: Path) -> bool:
        # realpath, not a lexical check: "root/../x" and links out of the root are outside.
        return Path(os.path.realpath(path)).is_relative_to(self.root)


def _lstat_mode(path: Path) -> int:
    try:
        return os.lstat(path).st_mode
    except OSError:
        return 0
