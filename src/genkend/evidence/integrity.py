"""The evidence's own hash, recomputed: what proves that reading it changed nothing.

``measure`` reads a piece of evidence from start to end, streaming, and returns its
SHA-256, SHA-1 and MD5 with what they cover (``scope``):

- ``media-data`` for a disk image: the bytes of the disk as acquired. For an EWF set
  those libewf decodes from every segment (so they compare with the MD5/SHA-1 the
  container stores, returned as ``stored``); for raw and split raw the segment files'
  bytes, concatenated.
- ``file-bytes`` for any other single file.
- ``manifest`` for a folder: the digests of one text listing each regular file under it
  (``<sha256> <size> <path>``, by path, symbolic links listed and not followed), so that
  any file changed, added, removed or renamed changes it.

Invariants: evidence is opened read-only and nothing is written; a set that cannot be
read to the end (a missing or truncated segment, an unreadable file) raises
``EvidenceError`` naming it, never a partial hash.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genkend.errors import EvidenceError
from genkend.evidence.image_container import media_chunks, recognise

__all__ = ["Measurement", "measure"]

CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class Measurement:
    """The digests of one piece of evidence, and what the evidence says they should be.

    ``container``: ``ewf``, ``raw``, ``split-raw``, ``file`` or ``folder``. ``stored``:
    the digests an EWF container holds of its media data (``md5``, ``sha1``), else empty.
    """

    container: str
    scope: str
    size: int
    sha256: str
    sha1: str
    md5: str
    stored: dict[str, str] = field(default_factory=dict)
    segments: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "container": self.container,
            "scope": self.scope,
            "bytes": self.size,
            "sha256": self.sha256,
            "sha1": self.sha1,
            "md5": self.md5,
            "stored": dict(self.stored),
            "segments": list(self.segments),
        }


class _Digests:
    def __init__(self) -> None:
        self.size = 0
        self._all = (hashlib.sha256(), hashlib.sha1(), hashlib.md5())

    def update(self, data: bytes) -> None:
        self.size += len(data)
        for digest in self._all:
            digest.update(data)

    def hex(self) -> tuple[str, str, str]:
        sha256, sha1, md5 = (d.hexdigest() for d in self._all)
        return sha256, sha1, md5


def measure(path: Path) -> Measurement:
    """The digests of the evidence at ``path`` (a folder, a disk image, or a file)."""
    try:
        root = path.resolve(strict=True)
    except OSError as exc:
        raise EvidenceError(f"evidence {path} cannot be opened: {exc.strerror or exc}") from exc
    if root.is_dir():
        read = [0]
        listed = _measured("folder", "manifest", _manifest(root, read))
        return Measurement("folder", "manifest", read[0], listed.sha256, listed.sha1, listed.md5)
    if not root.is_file():
        raise EvidenceError(f"evidence {path} is neither a folder nor a regular file")
    container = recognise(root)
    if container is None:
        return _measured("file", "file-bytes", _file_chunks(root))
    segments = tuple(p.name for p in container.segments)
    measured = _measured(container.kind, "media-data", media_chunks(container, CHUNK_BYTES))
    return Measurement(
        measured.container,
        measured.scope,
        measured.size,
        measured.sha256,
        measured.sha1,
        measured.md5,
        dict(container.stored_hashes),
        segments,
    )


def _measured(container: str, scope: str, chunks: Iterable[bytes]) -> Measurement:
    digests = _Digests()
    for chunk in chunks:
        digests.update(chunk)
    sha256, sha1, md5 = digests.hex()
    return Measurement(container, scope, digests.size, sha256, sha1, md5)


def _file_chunks(path: Path) -> Iterator[bytes]:
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                yield chunk
    except OSError as exc:
        raise EvidenceError(f"{path} cannot be read: {exc.strerror or exc}") from exc


def _manifest(root: Path, read: list[int]) -> Iterator[bytes]:
    """One line per entry under ``root``, in path order; links are listed, not followed.

    ``read[0]`` counts the bytes of the files read."""
    for folder, subfolders, files in os.walk(root, onerror=_unlistable):
        subfolders.sort()
        base = Path(folder)
        for name in sorted(files + [d for d in subfolders if (base / d).is_symlink()]):
            path = base / name
            relative = os.fsencode(path.relative_to(root))
            try:
                mode = path.lstat().st_mode
                target = os.readlink(path) if stat.S_ISLNK(mode) else None
            except OSError as exc:
                raise EvidenceError(f"{path} cannot be read: {exc.strerror or exc}") from exc
            if target is not None:
                yield b"link " + os.fsencode(target) + b" " + relative + b"\n"
            elif not stat.S_ISREG(mode):
                yield b"other " + relative + b"\n"  # a FIFO or device: never opened
            else:
                file = _Digests()
                for chunk in _file_chunks(path):
                    file.update(chunk)
                read[0] += file.size
                yield f"{file.hex()[0]} {file.size} ".encode() + relative + b"\n"


def _unlistable(exc: OSError) -> None:
    raise EvidenceError(f"folder {exc.filename} cannot be listed: {exc.strerror or exc}") from exc
