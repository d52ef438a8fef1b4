"""Known hash sets, read from the files agencies exchange (and written: ``vics_write``).

Formats (``FORMATS``):

    vics    Project VIC JSON, VICS 1.x and 2.0, hash sets and case exports   vics.py
    icse    INTERPOL ICSE CSV export                                          icse.py
    nsrl    NIST NSRL RDSv3 SQLite database                                   nsrl.py
    plain   one MD5, SHA-1 or SHA-256 per line (md5sum output too)            plain.py

``read(path)`` finds the format from the file's first bytes (``detect_format``) unless
it is given, and streams the file: memory stays flat for sets of millions of entries.
What a category number means is a ``CategoryProfile``; ``PROJECT_VIC_US`` is the
default.

Invariant: ``read`` yields one ``HashSetEntry`` per usable item and one
``ParseProblem`` per item (or part of an item) it could not use, naming its position,
and goes on; a file that cannot be parsed as a whole raises ``HashSetError``. Errors
in a file's content surface once iteration starts. Every digest is lower-case hex of
the right length; nothing is ever written to the hash-set file. The library of a
workspace (sets imported into the store) is ``library``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from genkend.errors import HashSetError, UsageError
from genkend.hashes.sets import icse, nsrl, plain, vics
from genkend.hashes.sets.categories import PROJECT_VIC_US, CategoryProfile
from genkend.hashes.sets.fields import ALGORITHM_BY_LENGTH, is_hex
from genkend.hashes.sets.files import SQLITE_MAGIC, UTF8_BOM, UTF16_BOMS, read_head
from genkend.records import HashSetEntry, ParseProblem

__all__ = ["FORMATS", "PROJECT_VIC_US", "CategoryProfile", "detect_format", "read"]

Reader = Callable[[Path], Iterator[HashSetEntry | ParseProblem]]

_READERS: dict[str, Reader] = {
    "icse": icse.read,
    "nsrl": nsrl.read,
    "plain": plain.read,
    "vics": vics.read,
}
FORMATS = tuple(sorted(_READERS))

# Enough of the start of a file to see past a few comment lines or a JSON preamble.
_HEAD_BYTES = 64 * 1024
_VICS_MARKERS = ("odata.metadata", "@odata.context", '"value"', '"media"', '"cases"')


def read(path: Path, fmt: str | None = None) -> Iterator[HashSetEntry | ParseProblem]:
    """Entries and problems of the hash set at ``path``, in file order.

    ``fmt`` is one of ``FORMATS``; without it the format is detected.
    """
    path = Path(path)
    name = detect_format(path) if fmt is None else _known_format(fmt)
    return _READERS[name](path)


def detect_format(path: Path) -> str:
    """The format of a hash-set file, from its first bytes; ``HashSetError`` if none."""
    path = Path(path)
    if path.is_dir():
        raise HashSetError(f"{path} is a folder, not a hash-set file")
    head = read_head(path, _HEAD_BYTES)
    if head.startswith(SQLITE_MAGIC):
        return "nsrl"
    if head.startswith(UTF16_BOMS):
        raise HashSetError(f"{path} is UTF-16 text; genkend reads hash lists as UTF-8")
    text = head.removeprefix(UTF8_BOM).decode("utf-8", errors="replace")
    if "\x00" in text:
        raise HashSetError(f"{path} is a binary file of no hash-set format genkend reads")
    if not text.strip():
        raise HashSetError(f"{path} is empty")
    if text.lstrip().startswith(("{", "[")):
        return _json_format(path, text)
    return _text_format(path, text)


def _known_format(fmt: str) -> str:
    name = fmt.strip().lower()
    if name not in _READERS:
        raise UsageError(f"unknown hash-set format {fmt!r}; known: {', '.join(FORMATS)}")
    return name


def _json_format(path: Path, text: str) -> str:
    lowered = text.lower()
    if text.lstrip().startswith("{") and any(marker in lowered for marker in _VICS_MARKERS):
        return "vics"
    raise HashSetError(
        f"{path} is JSON but not a VICS file: no odata context and no value, Cases "
        "or Media list at its start"
    )


def _text_format(path: Path, text: str) -> str:
    first = next(
        (line.strip() for line in text.splitlines() if line.strip() and line[:1] != "#"),
        None,
    )
    if first is None:
        # Only comments in the first 64 KiB: a commented plain list.
        return "plain"
    token = first.lstrip("\\").split()[0]
    if len(token) in ALGORITHM_BY_LENGTH and is_hex(token):
        return "plain"
    cells = first.split(icse.delimiter_of(first))
    if {icse.normalise_header(cell) for cell in cells} & icse.HASH_COLUMNS:
        return "icse"
    raise HashSetError(
        f"{path} is not a hash set genkend reads (VICS JSON, ICSE CSV, NSRL RDSv3, "
        f"plain list): it starts with {first[:60]!r}"
    )
