"""The hash of a piece of evidence as a whole, and what that hash covers.

An ingest records, next to what it found, the SHA-256 of the evidence it read, so that
the record says which bytes it describes. What is hashed depends on the evidence:

- ``image``: a disk image (raw, split raw, EWF): its media data, from start to end, as
  The Sleuth Kit reads it (for EWF the data libewf decodes from every segment, for split
  raw the segments concatenated), the value an acquisition tool reports for the disk;
- ``file``: any other single file (an archive, a video, a picture): its bytes;
- ``manifest``: a folder has no bytes of its own; its hash is the digest of the sorted
  (location, content SHA-256) pairs of what was recorded from it (``manifest_digest``),
  computed from the store by the caller: it proves what was recorded, not the folder's
  metadata.

Invariants: evidence is opened for reading only, in bounded memory; a file that cannot
be read raises ``EvidenceError`` naming it, never ``OSError``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from genkend.errors import EvidenceError
from genkend.evidence.image_container import media_chunks, recognise

Scope = Literal["image", "file", "manifest"]
_CHUNK = 1 << 20


@dataclass(frozen=True)
class RootHash:
    """A piece of evidence's SHA-256 (lowercase hex) and what it covers (``Scope``)."""

    sha256: str
    scope: Scope


def of_file(path: Path) -> RootHash:
    """The hash of a single-file piece of evidence: a disk image's media data, else the
    file's bytes. Raises ``EvidenceError`` when the bytes cannot all be read."""
    digest = hashlib.sha256()
    container = recognise(path)
    if container is not None:
        for chunk in media_chunks(container):
            digest.update(chunk)
        return RootHash(digest.hexdigest(), "image")
    try:
        with open(path, "rb") as stream:
            while block := stream.read(_CHUNK):
                digest.update(block)
    except OSError as exc:
        why = exc.strerror or exc
        raise EvidenceError(f"evidence {path.name} cannot be hashed: {why}") from exc
    return RootHash(digest.hexdigest(), "file")


def manifest_digest(pairs: Iterable[tuple[str, str | None]]) -> RootHash:
    """The digest of (location, content SHA-256 or None) pairs, in any order.

    Sorted by location (by code point, the same on every database), each pair is one
    line of JSON (``["dir/a.jpg", "ab12..."]``, ``null`` for an unread location), so that
    no location name, however odd, can make two different manifests read the same.
    """
    digest = hashlib.sha256()
    for pair in sorted(pairs):
        digest.update(json.dumps(list(pair), ensure_ascii=False).encode("utf-8", "surrogateescape"))
        digest.update(b"\n")
    return RootHash(digest.hexdigest(), "manifest")
