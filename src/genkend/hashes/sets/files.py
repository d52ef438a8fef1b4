"""Opening hash-set files: read-only, past a UTF-8 byte-order mark, errors as HashSetError.

Invariant: a hash-set file is only ever opened for reading, only when it is a regular
file (a fifo would block, a device never end), and an operating-system error (missing
file, a folder, no permission) reaches the caller as a ``HashSetError`` that names the
file. A text line is never held longer than ``MAX_LINE`` characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, AnyStr, BinaryIO

from genkend.errors import HashSetError
from genkend.media.named_files import open_regular

UTF8_BOM = b"\xef\xbb\xbf"
# The first bytes of every SQLite 3 database file (NSRL RDSv3 is one).
SQLITE_MAGIC = b"SQLite format 3\x00"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Longest line of a text hash set: real lines hold a few digests and a file name.
MAX_LINE = 2**20
_LINE_ENDS = ("\n", "\r", b"\n")


@contextmanager
def open_binary(path: Path) -> Iterator[BinaryIO]:
    """The file, positioned after a UTF-8 byte-order mark if it starts with one."""
    with open_raw(path) as stream:
        # Some exporters write UTF-8 with a BOM, which JSON parsers reject.
        if stream.read(len(UTF8_BOM)) != UTF8_BOM:
            stream.seek(0)
        yield stream


def read_head(path: Path, size: int) -> bytes:
    """Up to ``size`` bytes from the start of the file, byte-order mark included."""
    with open_raw(path) as stream:
        return stream.read(size)


def open_raw(path: Path) -> BinaryIO:
    """The file from its first byte; ``HashSetError`` unless it is a readable regular file."""
    try:
        return open_regular(path)
    except OSError as exc:
        raise HashSetError(f"cannot open hash set {path}: {exc.strerror or exc}") from exc


def decode_line(raw: bytes) -> str:
    """One line of a text hash set; undecodable bytes become U+FFFD, never an error."""
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


def bounded_lines(stream: IO[AnyStr]) -> Iterator[AnyStr | None]:
    """Each line of ``stream``; ``None`` in place of a line longer than ``MAX_LINE``.

    The rest of an over-long line is read past in pieces of ``MAX_LINE``, so a file of
    one endless line costs no more memory than one ordinary line.
    """
    while line := stream.readline(MAX_LINE + 1):
        if len(line) <= MAX_LINE or line[-1:] in _LINE_ENDS:
            yield line
            continue
        while (rest := stream.readline(MAX_LINE)) and rest[-1:] not in _LINE_ENDS:
            pass
        yield None
