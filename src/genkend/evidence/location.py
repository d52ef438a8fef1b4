"""Evidence locations: one string per item, naming it exactly and reversibly.

A location is parts joined by ``!/``: the path of a file under the evidence root, then,
for each archive it lies in, the member's stored name (``outer.zip!/inner.tar!/a.jpg``).
A part is a name (``/`` between folders), escaped, and an optional ``#N`` when an
earlier member of the same archive already had that name. An archive's own problems
(a corrupt directory, a member-count limit) are recorded at its contents, the part
``""`` (``outer.zip!/``).

Invariants: in a name, the bytes that could be mistaken for structure (``!``, ``#``,
the escape character ``%`` itself), control characters and bytes that are not UTF-8
are written ``%XX`` (two upper-case hex digits per byte), and nothing else is; so ``!/``
only ever separates parts, two different raw names never give the same part, and
``raw_name`` gives back the exact bytes that were stored.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote_to_bytes

__all__ = [
    "SEPARATOR",
    "base_name",
    "contents",
    "escape",
    "member",
    "numbered",
    "raw_name",
    "split",
]

SEPARATOR = "!/"
_STRUCTURE = frozenset("%!#")
_OCCURRENCE = "#"


def escape(name: str | bytes) -> tuple[str, bool]:
    """``name`` as a location writes it, and whether it held bytes that are not UTF-8.

    A ``str`` name is taken as the OS and ``tarfile`` give it: undecodable bytes are
    surrogate escapes (PEP 383).
    """
    raw = name if isinstance(name, bytes) else _encoded(name)
    text = raw.decode("utf-8", "surrogateescape")
    out, undecodable = [], False
    for char in text:
        if "\udc80" <= char <= "\udcff":
            out.append(f"%{ord(char) - 0xDC00:02X}")
            undecodable = True
        elif char in _STRUCTURE or unicodedata.category(char) == "Cc":
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
        else:
            out.append(char)
    return "".join(out), undecodable


def _encoded(name: str) -> bytes:
    try:
        return name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        # A lone surrogate that no decoder made: keep its code units as bytes.
        return name.encode("utf-8", "surrogatepass")


def numbered(part: str, occurrence: int) -> str:
    """The part of the ``occurrence``-th member (from 2) of an archive with this name."""
    return f"{part}{_OCCURRENCE}{occurrence}"


def member(archive: str, part: str) -> str:
    """The location of a member (its escaped ``part``) of the archive at ``archive``."""
    return archive + SEPARATOR + part


def contents(archive: str) -> str:
    """Where an archive's own problems are recorded: its contents, ``archive!/``."""
    return member(archive, "")


def split(location: str) -> list[str]:
    """The parts of ``location``: the top-level path, then one part per archive level."""
    return location.split(SEPARATOR)


def raw_name(part: str) -> bytes:
    """The exact stored bytes of a part's name, without its ``#N``."""
    name = part.split(_OCCURRENCE, 1)[0]
    return unquote_to_bytes(name)


def base_name(location: str) -> str:
    """The item's own file name, unescaped (undecodable bytes as surrogate escapes)."""
    raw = raw_name(split(location)[-1]).rsplit(b"/", 1)[-1]
    return raw.decode("utf-8", "surrogateescape")
