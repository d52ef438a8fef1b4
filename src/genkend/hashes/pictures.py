"""Pictures of a case's media and faces for reviewers: read back from the evidence,
blurred and greyscale unless deliberately revealed.

Serves ``services.media.picture`` and ``services.faces.face_picture``. Invariants: the
evidence is only ever opened read-only (``evidence.open_source``); bytes are decoded
only once their SHA-256 equals the media item's (evidence that changed since ingest is
an ``EvidenceError``, never a wrong picture); what leaves here is a JPEG without
metadata, blurred and greyscale unless ``view`` is ``revealed``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genkend import media
from genkend.errors import EvidenceError, InvalidField, MediaError, NotFound
from genkend.evidence import ArchiveLimits, location, open_source
from genkend.records import MediaItem
from genkend.store import grid as stored
from genkend.store import media as media_store

if TYPE_CHECKING:
    from genkend.store import Connection

VIEWS = ("blurred", "revealed")
MIN_SIDE, MAX_SIDE = 32, 1024
_READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class Picture:
    """A picture as it may leave the server: JPEG bytes, no metadata."""

    data: bytes
    mime: str = "image/jpeg"
    view: str = "blurred"


def check_view(view: str, max_side: int) -> None:
    if view not in VIEWS:
        raise InvalidField("view", f"must be one of {', '.join(VIEWS)} (got {view!r})")
    if isinstance(max_side, bool) or not isinstance(max_side, int):
        raise InvalidField("max_side", "must be a whole number of pixels")
    if not MIN_SIDE <= max_side <= MAX_SIDE:
        raise InvalidField("max_side", f"must be from {MIN_SIDE} to {MAX_SIDE} pixels")


def media_picture(
    conn: Connection,
    media_id: int,
    view: str,
    max_side: int,
    *,
    max_pixels: int,
    limits: ArchiveLimits | None = None,
    spool_dir: Path | None = None,
) -> Picture:
    """The media item's picture, read from its first readable location in the evidence."""
    check_view(view, max_side)
    rows = media_store.rows(conn, [media_id])
    if not rows:
        raise NotFound(f"unknown media id {media_id}")
    item = rows[0]
    if item.kind != "image":
        raise MediaError(f"media {media_id} is {item.kind} ({item.mime}), not a picture")
    data = _evidence_bytes(conn, media_id, item.sha256, limits, spool_dir)
    decoded = media.decode(data, max_pixels=max_pixels, max_side=max_side)
    return _encoded(decoded.image, view, max_side)


def face_picture(conn: Connection, face_id: int, view: str, max_side: int) -> Picture:
    """The face's stored crop (a JPEG genkend made at ingest)."""
    check_view(view, max_side)
    row = stored.face_thumbnail(conn, face_id)
    if row is None:
        raise NotFound(f"unknown face id {face_id}")
    if row.thumbnail is None:
        raise NotFound(f"face {face_id} has no picture (erased under the retention rules)")
    decoded = media.decode(bytes(row.thumbnail), max_pixels=MAX_SIDE * MAX_SIDE * 4)
    return _encoded(decoded.image, view, max_side)


def case_of_face(conn: Connection, face_id: int) -> str:
    row = stored.face_thumbnail(conn, face_id)
    if row is None:
        raise NotFound(f"unknown face id {face_id}")
    return str(row.case_id)


def _encoded(image: Any, view: str, max_side: int) -> Picture:
    if view == "revealed":
        return Picture(media.thumbnail(image, max_side), view=view)
    return Picture(media.blurred(image, max_side), view=view)


def _evidence_bytes(
    conn: Connection,
    media_id: int,
    sha256: str,
    limits: ArchiveLimits | None,
    spool_dir: Path | None,
) -> bytes:
    """The bytes at the first location that can still be read, checked against
    ``sha256``."""
    problems = []
    for row in stored.readable_locations(conn, media_id):
        where = f"{row.source_id}:{row.location}"
        try:
            data = _read(row, limits, spool_dir)
        except (EvidenceError, MediaError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        found = hashlib.sha256(data).hexdigest()
        if found != sha256:
            raise EvidenceError(
                f"the evidence changed since ingest: {where} now has SHA-256 {found}, "
                f"media {media_id} has {sha256}; nothing was decoded"
            )
        return data
    why = "; ".join(problems) or "no location was read at ingest"
    raise EvidenceError(f"media {media_id} cannot be read from the evidence now: {why}")


def _read(row: Any, limits: ArchiveLimits | None, spool_dir: Path | None) -> bytes:
    source = open_source(Path(row.root), row.source_id, limits, spool_dir)
    parts = location.split(row.location)
    path = None
    if len(parts) == 1:  # a plain file: the root itself, or a file under the root folder
        path = (
            source.root
            if row.kind == "file"
            else source.root / os.fsdecode(location.raw_name(parts[0]))
        )
    item = MediaItem(row.source_id, row.location, row.size, path=path)
    with source.open(item) as stream:
        chunks = []
        while chunk := stream.read(_READ_CHUNK):
            chunks.append(chunk)
    return b"".join(chunks)
