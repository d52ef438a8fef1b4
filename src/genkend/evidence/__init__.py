"""Evidence sources: where seized media is found and read, and only ever read.

An ``EvidenceSource`` lists the files of one piece of evidence as ``MediaItem`` records
in a stable order and opens each one's bytes read-only. ``open_source`` makes one for a
folder or a single file; archives inside it (zip, tar, compressed tar, gz/bz2/xz), found
by content and not by name, are descended into down to ``ArchiveLimits.max_depth``,
each archive listed itself (it is a file of the seizure and gets hashed) before its
members. Invariants: nothing under the root is written, followed through a symbolic link
or extracted; every file that cannot be read is still an item, with its ``error``.

Consumers call ``items()`` and open each item right away; ``open`` is cheap then (no
``iter_with_content`` helper is needed). A folder holding an iOS backup (recognised by its
Manifest.plist and Manifest.db) is listed by ``IosBackupSource`` under its domain paths.
A single file that is a disk image (raw, split raw or EWF, recognised by content by
``image_container.recognise``) is listed by ``DiskSource``: the files of its file systems,
allocated and deleted, read through The Sleuth Kit and never mounted. An archive that
is a phone's file-system extraction or a Cellebrite UFDR is walked like any other; its
members carry where they lay on the phone (``extraction``, ``ufdr``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from genkend.errors import EvidenceError, WorkspaceError
from genkend.evidence.directory import LocalSource
from genkend.evidence.disk import DiskSource
from genkend.evidence.formats import ArchiveFormat
from genkend.evidence.image_container import open_image, recognise
from genkend.evidence.ios_backup import IosBackupSource, is_ios_backup
from genkend.evidence.limits import ArchiveLimits
from genkend.records import MediaItem

__all__ = ["ArchiveFormat", "ArchiveLimits", "EvidenceSource", "LocalSource", "open_source"]


class EvidenceSource(Protocol):
    """One piece of evidence: its items in a stable order, and their bytes, read-only.

    ``items`` never raises for a single file's problem: an unreadable, vanished,
    encrypted or over-limit file is an item with ``error`` set. ``open`` returns a
    read-only binary stream (the caller closes it) and raises ``MediaError`` when the
    bytes cannot be had (including for error items).
    """

    @property
    def id(self) -> str: ...

    @property
    def root(self) -> Path: ...

    def items(self) -> Iterator[MediaItem]: ...

    def open(self, item: MediaItem) -> BinaryIO: ...


def open_source(
    path: Path,
    source_id: str,
    limits: ArchiveLimits | None = None,
    spool_dir: Path | None = None,
) -> EvidenceSource:
    """The evidence at ``path`` (a folder or one file), listed under ``source_id``.

    ``spool_dir`` receives the temporary copies of large archive members (anonymous
    files, gone when closed); the system's temporary folder when None. It must not lie
    inside the evidence. Raises ``EvidenceError`` when ``path`` cannot be used as
    evidence and ``WorkspaceError`` when ``spool_dir`` cannot.
    """
    try:
        root = path.resolve(strict=True)
        mode = os.stat(root).st_mode
    except OSError as exc:
        raise EvidenceError(f"evidence {path} cannot be opened: {exc.strerror or exc}") from exc
    if os.path.isdir(root):
        try:
            with os.scandir(root):
                pass
        except OSError as exc:
            raise EvidenceError(f"evidence folder {path} cannot be listed: {exc.strerror}") from exc
    elif not os.path.isfile(root):
        raise EvidenceError(f"evidence {path} is neither a folder nor a regular file ({mode:o})")
    if spool_dir is not None:
        spool_dir = _checked_spool_dir(spool_dir, root)
    limits = limits or ArchiveLimits()
    if os.path.isdir(root):
        if is_ios_backup(root):
            return IosBackupSource(root, source_id)
    elif (container := recognise(root)) is not None:
        return DiskSource(root, source_id, lambda: open_image(container), limits, spool_dir)
    return LocalSource(root, source_id, limits, spool_dir)


def _checked_spool_dir(spool_dir: Path, root: Path) -> Path:
    resolved = spool_dir.resolve()
    if not resolved.is_dir():
        raise WorkspaceError(f"spool folder {spool_dir} does not exist")
    if resolved.is_relative_to(root):
        raise WorkspaceError(
            f"spool folder {spool_dir} lies inside the evidence {root}; it would be written to"
        )
    return resolved
