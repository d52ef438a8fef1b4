"""Holding an archive member's bytes while it is hashed, analysed and walked.

A member of a compressed or nested archive cannot be re-read cheaply, and zip needs a
seekable file, so each member is copied once into a ``Spool``: in memory up to
``SPOOL_MEMORY_BYTES``, beyond that in an anonymous temporary file in the spool folder
(the workspace's, never the evidence's). Invariant: a spool's temporary file has no
name on disk and is closed when the last holder releases it (the walker, the source's
current item, each reader handed out), so nothing is left behind.
"""

from __future__ import annotations

import io
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO

SPOOL_MEMORY_BYTES = 64 * 2**20


class Spool:
    """The bytes of one member; written once, then read through independent readers."""

    def __init__(self, spool_dir: Path | None) -> None:
        # Lives as long as its holders; the last release() closes it.
        self._file: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=SPOOL_MEMORY_BYTES, dir=None if spool_dir is None else str(spool_dir)
        )
        self._holders = 1
        self._lock = threading.Lock()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.size += len(data)

    def retain(self) -> Spool:
        with self._lock:
            if self._holders == 0:
                raise ValueError("spool already released")
            self._holders += 1
        return self

    def release(self) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0:
                self._file.close()

    def read_at(self, offset: int, count: int) -> bytes:
        # Readers share one file; seeking under the lock gives each its own position.
        with self._lock:
            self._file.seek(offset)
            return self._file.read(count)

    def reader(self) -> BinaryIO:
        """A new read-only, seekable stream over the bytes; it holds the spool until closed."""
        return io.BufferedReader(_SpoolView(self.retain()))


class _SpoolView(io.RawIOBase):
    def __init__(self, spool: Spool) -> None:
        super().__init__()
        self._spool = spool
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self._spool.read_at(self._position, len(buffer))
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence not in (io.SEEK_SET, io.SEEK_CUR, io.SEEK_END):
            raise ValueError(f"invalid whence {whence}")
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._spool.size}
        position = base[whence] + offset
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._position = position
        return position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            self._spool.release()
        super().close()
