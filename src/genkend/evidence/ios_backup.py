"""An iTunes/Finder iOS backup folder, listed under the device's own domain paths.

A backup stores each file as ``xx/<fileID>`` (``fileID`` = sha1 of ``domain-path``);
``Manifest.db`` (SQLite, table ``Files``) maps those names back to ``domain`` and
``relativePath`` and keeps each file's times in an NSKeyedArchiver property list. A
folder is an iOS backup by content: a ``Manifest.plist`` that parses as a property list
and a ``Manifest.db`` beside it, whatever the folder is called.

Invariants: ``Manifest.db`` is opened read-only and immutable (``mode=ro&immutable=1``),
so SQLite writes nothing (no journal, ``-wal`` or ``-shm``) next to the evidence; every
file is opened with ``open_readonly``. Nothing is lost: a file on disk that the manifest
does not list is an item under its stored name, with a note; a damaged manifest is an
error item naming ``Manifest.db`` and every stored file is then listed by its stored
name; an encrypted backup is not decrypted, each stored file is an error item.
"""

from __future__ import annotations

import os
import plistlib
import sqlite3
import stat
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from genkend.errors import MediaError
from genkend.evidence.archive import describe, readable_name, utc_time
from genkend.evidence.directory import open_readonly
from genkend.records import FileSystemEntry, MediaItem

FILE_SYSTEM = "ios-backup"
MANIFEST_DB = "Manifest.db"
MANIFEST_PLIST = "Manifest.plist"
ENCRYPTED = "encrypted backup; not decrypted"
UNLISTED_NOTE = "stored in the backup but not listed in Manifest.db"
_REGULAR_FILE = 1  # Files.flags: 1 file, 2 folder, 4 symbolic link
_SQLITE_MAGIC = b"SQLite format 3\x00"


def is_ios_backup(folder: Path) -> bool:
    """Whether ``folder`` holds an iOS backup: a readable Manifest.plist and a Manifest.db."""
    plist = _manifest_plist(folder)
    return plist is not None and stat.S_ISREG(_lstat_mode(folder / MANIFEST_DB))


def _manifest_plist(folder: Path) -> dict[str, Any] | None:
    try:
        with open_readonly(folder / MANIFEST_PLIST) as stream:
            loaded = plistlib.load(stream)
    except (OSError, MediaError, plistlib.InvalidFileException, ValueError, TypeError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _lstat_mode(path: Path) -> int:
    try:
        return os.lstat(path).st_mode
    except OSError:
        return 0


def manifest_times(blob: bytes | None) -> dict[str, datetime | None]:
    """MAC(B) times from a ``Files.file`` blob (an NSKeyedArchiver ``MBFile``); {} if none."""
    if not blob:
        return {}
    try:
        archive = plistlib.loads(blob)
        objects = archive["$objects"]
        root = objects[archive["$top"]["root"].data]
    except (plistlib.InvalidFileException, ValueError, KeyError, IndexError, TypeError):
        return {}
    if not isinstance(root, dict):
        return {}
    fields = {"modified": "LastModified", "changed": "LastStatusChange", "created": "Birth"}
    return {
        name: utc_time(root[key]) if isinstance(root.get(key), int | float) else None
        for name, key in fields.items()
    }


class IosBackupSource:
    """An iOS backup folder as an evidence source (see the module docstring)."""

    def __init__(self, root: Path, source_id: str) -> None:
        self.id = source_id
        self.root = root

    def items(self) -> Iterator[MediaItem]:
        """The backup's files under their domain paths, then everything else; never raises."""
        plist = _manifest_plist(self.root) or {}
        listed: set[str] = set()
        if plist.get("IsEncrypted") is True:
            yield self._error(MANIFEST_DB, f"{MANIFEST_DB}: {ENCRYPTED}")
            listed.add(MANIFEST_DB)
            encrypted = True
        else:
            encrypted = False
            try:
                rows = self._manifest_rows()
            except sqlite3.Error as exc:
                yield self._error(MANIFEST_DB, f"{MANIFEST_DB} is damaged: {describe(exc)}")
                listed.add(MANIFEST_DB)
                rows = []
            for file_id, domain, relative, blob in rows:
                stored = f"{file_id[:2]}/{file_id}"
                listed.add(stored)
                yield self._listed(stored, f"{domain}/{relative}", manifest_times(blob))
        yield from self._unlisted(self.root, "", listed, encrypted)

    def open(self, item: MediaItem) -> BinaryIO:
        """The item's bytes, read-only; ``MediaError`` when they cannot be read."""
        if item.source_id != self.id:
            raise MediaError(f"{item.location} belongs to source {item.source_id}, not {self.id}")
        if item.error is not None or item.path is None:
            raise MediaError(f"{item.location}: {item.error or 'no stored file'}")
        if not Path(os.path.realpath(item.path)).is_relative_to(self.root):
            raise MediaError(f"{item.path} is outside the evidence root {self.root}")
        try:
            stream = open_readonly(item.path)
        except OSError as exc:
            raise MediaError(f"{item.location}: could not be read: {describe(exc)}") from exc
        if item.size is not None and os.fstat(stream.fileno()).st_size != item.size:
            stream.close()
            raise MediaError(f"{item.location}: changed since it was listed")
        return stream

    def _manifest_rows(self) -> list[tuple[str, str, str, bytes | None]]:
        path = self.root / MANIFEST_DB
        with open_readonly(path) as stream:
            if stream.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
                raise sqlite3.DatabaseError("not an SQLite database")
        uri = f"file:{quote(os.fspath(path))}?mode=ro&immutable=1"
        connection = sqlite3.connect(uri, uri=True)
        try:
            rows = connection.execute(
                "SELECT fileID, domain, relativePath, file FROM Files"
                " WHERE flags = ? ORDER BY domain, relativePath",
                (_REGULAR_FILE,),
            ).fetchall()
        finally:
            connection.close()
        return [
            (str(file_id), str(domain), str(relative), blob if isinstance(blob, bytes) else None)
            for file_id, domain, relative, blob in rows
        ]

    def _listed(self, stored: str, device_path: str, times: dict[str, Any]) -> MediaItem:
        location = readable_name(device_path)[0]
        origin = FileSystemEntry(file_system=FILE_SYSTEM, path=device_path, **times)
        path = self.root / stored
        try:
            info = os.lstat(path)
        except OSError:
            return self._error(
                location, f"listed in {MANIFEST_DB} as {stored} but not stored", origin=origin
            )
        if not stat.S_ISREG(info.st_mode):
            return self._error(location, f"stored file {stored} is not a regular file", origin)
        notes = (f"stored as {stored}",)
        mtime = times.get("modified") or utc_time(info.st_mtime)
        return MediaItem(self.id, location, info.st_size, mtime, path, notes=notes, origin=origin)

    def _unlisted(
        self, folder: Path, prefix: str, listed: set[str], encrypted: bool
    ) -> Iterator[MediaItem]:
        try:
            with os.scandir(folder) as listing:
                names = sorted(entry.name for entry in listing)
        except OSError as exc:
            yield self._error(prefix or ".", f"folder could not be listed: {describe(exc)}")
            return
        for name in names:
            shown, notes = readable_name(name)
            location = f"{prefix}/{shown}" if prefix else shown
            path = folder / name
            mode = _lstat_mode(path)
            if stat.S_ISDIR(mode):
                yield from self._unlisted(path, location, listed, encrypted)
            elif location in listed:
                continue
            elif not stat.S_ISREG(mode):
                yield self._error(location, "not a regular file; not followed or read")
            elif encrypted and prefix:
                yield self._error(location, ENCRYPTED)
            else:
                yield self._stored(path, location, notes + self._unlisted_note(prefix))

    def _unlisted_note(self, prefix: str) -> tuple[str, ...]:
        return (UNLISTED_NOTE,) if prefix else ()

    def _stored(self, path: Path, location: str, notes: tuple[str, ...]) -> MediaItem:
        info = os.lstat(path)
        return MediaItem(
            self.id, location, info.st_size, utc_time(info.st_mtime), path, notes=notes
        )

    def _error(
        self, location: str, message: str, origin: FileSystemEntry | None = None
    ) -> MediaItem:
        return MediaItem(self.id, location, None, error=message, origin=origin)
