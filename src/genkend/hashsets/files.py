"""Opening hash-set files: read-only, past a UTF-8 byte-order mark, errors as HashSetError.

Invariant: a hash-set file is only ever opened for reading, and an operating-system
error (missing file, a folder, no permission) reaches the caller as a ``HashSetError``
that names the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from genkend.errors import HashSetError

UTF8_BOM = b"\xef\xbb\xbf"
# The first bytes of every SQLite 3 database file (NSRL RDSv3 is one).
SQLITE_MAGIC = b"SQLite format 3\x00"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@contextmanager
def open_binary(path: Path) -> Iterator[BinaryIO]:
    """The file, positioned after a UTF-8 byte-order mark if it starts with one."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise HashSetError(f"cannot open hash set {path}: {exc.strerror or exc}") from exc
    with stream:
        # Some exporters write UTF-8 with a BOM, which JSON parsers reject.
        if stream.read(len(UTF8_BOM)) != UTF8_BOM:
            stream.seek(0)
        yield stream


def read_head(path: Path, size: int) -> bytes:
    """Up to ``size`` bytes from the start of the file, byte-order mark included."""
    try:
        with path.open("rb") as stream:
            return stream.read(size)
    except OSError as exc:
        raise HashSetError(f"cannot open hash set {path}: {exc.strerror or exc}") from exc


def decode_line(raw: bytes) -> str:
    """One line of a text hash set; undecodable bytes become U+FFFD, never an error."""
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")
