"""Limits on what reading an archive may cost, and the readers that enforce them.

Archive headers can lie, so every limit is enforced on the bytes actually produced
while reading, not on what a header declares (declared sizes are checked too, but
only as a cheap early refusal). Invariant: no read through a ``Meter`` returns bytes
beyond a limit; the read that would cross it raises ``TooLarge`` instead, so a bomb
costs at most one limit's worth of work before it is recorded as an error item.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol, cast

from genkend.errors import TooLarge

GIB = 2**30
MIB = 2**20


class Readable(Protocol):
    """What the walk needs of a reader of member bytes."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class Decompressor(Readable, Protocol):
    """A decompressing reader; the standard library's (gzip, bz2, lzma, zip) all fit.

    ``read1`` returns what one step of decompression gives, so that the bytes before
    a truncation are still delivered before the error.
    """

    def read1(self, size: int, /) -> bytes: ...


@dataclass(frozen=True)
class ArchiveLimits:
    """How far genkend reads into archives before it records a member as an error.

    - ``max_depth`` (4): archives inside archives are opened down to this depth; the
      members of a top-level archive have depth 1. An archive at the limit is still
      listed and hashed, with a note, but not opened.
    - ``max_ratio`` (200.0): largest expansion ratio (bytes out per byte of the archive
      read) of a zip member or a compressed stream, checked once ``ratio_grace_bytes``
      have come out, and checked on a zip member's declared sizes before reading.
      Ordinary media compresses far less than 200:1 (JPEG, video: about 1:1); deflate
      cannot exceed about 1030:1, so anything above 200 is nearly always padding.
    - ``ratio_grace_bytes`` (8 MiB): small members may compress very well (a blank
      bitmap) and cost nothing to read, so the ratio applies only above this size.
    - ``max_member_bytes`` (4 GiB): largest single member read; larger ones are listed
      as errors (raise it for very long videos).
    - ``max_total_bytes`` (16 GiB): largest total of decompressed bytes produced while
      reading one top-level archive, all nesting levels together; when reached, the
      rest of that archive is not read.
    - ``max_members`` (1,000,000): most members read from one top-level archive, all
      nesting levels together.
    """

    max_depth: int = 4
    max_ratio: float = 200.0
    ratio_grace_bytes: int = 8 * MIB
    max_member_bytes: int = 4 * GIB
    max_total_bytes: int = 16 * GIB
    max_members: int = 1_000_000

    def __post_init__(self) -> None:
        if self.max_depth < 0 or self.max_ratio <= 1.0 or self.ratio_grace_bytes < 0:
            raise ValueError(f"archive limits out of range: {self}")
        if min(self.max_member_bytes, self.max_total_bytes, self.max_members) < 1:
            raise ValueError(f"archive limits out of range: {self}")

    def check_declared(self, size: int, compressed: int) -> None:
        """Refuse a member whose header already declares more than the limits allow."""
        if size > self.max_member_bytes:
            raise TooLarge(
                f"member declares {size} bytes, above the limit of {self.max_member_bytes}"
            )
        if size > self.ratio_grace_bytes and size > self.max_ratio * max(compressed, 1):
            raise TooLarge(
                f"member declares {size} bytes from {compressed} compressed "
                f"(ratio above {self.max_ratio:g})"
            )


@dataclass
class Budget:
    """What one top-level archive has cost so far, all nesting levels together.

    ``stopped`` holds the reason once a budget limit is reached; every walker inside
    that top-level archive then stops.
    """

    limits: ArchiveLimits
    expanded: int = 0
    members: int = 0
    stopped: str | None = field(default=None)

    def add_member(self) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            self._stop(f"more than {self.limits.max_members} members")

    def add_expanded(self, count: int) -> None:
        self.expanded += count
        if self.expanded > self.limits.max_total_bytes:
            self._stop(f"more than {self.limits.max_total_bytes} bytes decompressed in total")

    def _stop(self, reason: str) -> None:
        self.stopped = f"{reason}; the rest of the top-level archive was not read"
        raise TooLarge(self.stopped)


class Counter(io.RawIOBase):
    """A read-only, seekable pass-through that counts the bytes read from ``inner``.

    Placed under a decompressor, it counts the archive bytes read, whatever the headers
    say; decompressors read ahead, so this is at least what they consumed, and a ratio
    taken against it is the archive's real expansion per byte it holds.
    """

    def __init__(self, inner: BinaryIO) -> None:
        super().__init__()
        self._inner = inner
        self.count = 0

    @property
    def stream(self) -> BinaryIO:
        # Reads here are full reads (the inner file's are), as readers of files expect.
        return cast(BinaryIO, self)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._inner.seekable()

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()


class Meter(io.RawIOBase):
    """Reads decompressed bytes from ``inner``, enforcing the ratio and the budget.

    ``compressed`` counts the archive bytes read below the decompressor; the ratio is
    taken against what it counted since this meter was made. ``expanding`` is false
    for data stored without compression, which costs no expansion budget.
    """

    def __init__(
        self,
        inner: Decompressor,
        compressed: Counter,
        budget: Budget,
        *,
        expanding: bool = True,
    ) -> None:
        super().__init__()
        self._inner = inner
        self._compressed = compressed
        self._start = compressed.count
        self._budget = budget
        self._expanding = expanding
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self._inner.read1(len(buffer))
        self.produced += len(data)
        if self._expanding:
            self._check_ratio()
            self._budget.add_expanded(len(data))
        buffer[: len(data)] = data
        return len(data)

    def _check_ratio(self) -> None:
        limits = self._budget.limits
        consumed = max(self._compressed.count - self._start, 1)
        if self.produced > limits.ratio_grace_bytes and self.produced > limits.max_ratio * consumed:
            raise TooLarge(
                f"{self.produced} bytes from {consumed} compressed "
                f"(ratio above {limits.max_ratio:g})"
            )

    def close(self) -> None:
        # The meter owns the decompressing reader it was given (not the file below it).
        if not self.closed:
            self._inner.close()
        super().close()
