"""Files a user names (a probe, an image to enrol, a hash-set file), opened safely.

A user may name a fifo, a device or a folder where a file is expected: opening a fifo
blocks until something writes to it, and ``/dev/zero`` never ends. ``open_regular``
therefore opens without blocking and refuses anything but a regular file;
``read_whole`` also refuses a file above a size cap before holding more than the cap.

Invariant: what these functions return comes from a regular file, opened read-only,
and ``read_whole`` never holds more than ``limit + 1`` bytes. Refusals are ``OSError``
with ``strerror`` saying why, so every caller's existing "cannot read" handling
reports them as a clear one-line error.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

# Images up to this size are read into memory once (hashed and decoded from the same
# bytes); anything larger, or not an image, is hashed in a streaming pass only.
IMAGE_READ_LIMIT = 512 * 2**20
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a fifo"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading in binary; ``OSError`` unless it is a regular file."""
    # O_NONBLOCK: opening a fifo without a writer would otherwise wait for ever. It has
    # no effect on reads from a regular file.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "a special file")
            raise OSError(errno.EINVAL, f"not a regular file ({kind})", str(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_whole(path: Path, limit: int) -> bytes:
    """All bytes of the regular file ``path``; ``OSError`` if it has more than ``limit``."""
    too_large = OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
    with open_regular(path) as stream:
        # The size first, so that a huge file is refused unread; the capped read
        # catches a file that grows meanwhile.
        if os.fstat(stream.fileno()).st_size > limit:
            raise too_large
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise too_large
    return data
