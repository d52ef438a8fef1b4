"""The catalog of a case's media, read: one entry per distinct content, with its hashes,
every location it was found at, its hash-set hits and its look-alikes in the case.

Serves the media services and exports; writing is ``hashes.recorder``. Invariant: every
location of the case is listed, those that could not be read as entries with no content
(``id`` None, ``kind`` unreadable), after every content. Every location says where it lay
in the file system it was read out of (``ORIGIN_FIELDS``, ``deleted``, ``reallocated``;
null and false for a file of a plain folder); an archive member found in such a file lies
where its archive lies (``fs_container``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from genkend.clock import from_text
from genkend.errors import NotFound
from genkend.evidence import location
from genkend.hashes.sets.vics_write import FileSystemFacts, VicsFile, VicsMedia
from genkend.store import hashsets as known_store
from genkend.store import media as media_store

if TYPE_CHECKING:
    from genkend.store import Connection


def list_media(conn: Connection, case_id: str) -> Iterator[dict[str, Any]]:
    """Every content of the case (by id), then every location that had no content."""
    ids = media_store.ids_of_case(conn, case_id)
    for chunk_start in range(0, len(ids), 500):
        yield from _describe(conn, ids[chunk_start : chunk_start + 500])
    unread = media_store.unread_locations(conn, case_id)
    containers = _containers(conn, unread)
    for row in unread:
        shown = _location(row, containers)
        yield {"id": None, "kind": "unreadable", "error": row.error, "locations": [shown]}


def show_media(conn: Connection, media_id: int) -> dict[str, Any]:
    found = _describe(conn, [media_id])
    if not found:
        raise NotFound(f"unknown media id {media_id}")
    return found[0]


def case_of(conn: Connection, media_id: int) -> str:
    """The case a media item belongs to."""
    found = media_store.case_of(conn, media_id)
    if found is None:
        raise NotFound(f"unknown media id {media_id}")
    return found


def count_media(conn: Connection, case_id: str) -> int:
    return media_store.count(conn, case_id)


def _describe(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    rows = media_store.rows(conn, ids)
    found = media_store.locations_of(conn, ids)
    containers = _containers(conn, found)
    locations = _grouped(found, lambda row: _location(row, containers))
    hits = _grouped(known_store.hits_of(conn, ids), _hit)
    similar: dict[int, list[dict[str, Any]]] = {}
    for row in media_store.similar_of(conn, ids):
        for mine, other in ((row.media_id, row.other_id), (row.other_id, row.media_id)):
            similar.setdefault(mine, []).append(
                {
                    "media_id": other,
                    "method": row.method,
                    "distance": row.distance,
                    "threshold": row.threshold,
                }
            )
    return [
        {
            "id": r.id,
            "sha256": r.sha256,
            "sha1": r.sha1,
            "md5": r.md5,
            "size": r.size,
            "mime": r.mime,
            "kind": r.kind,
            "width": r.width,
            "height": r.height,
            "pdq": r.pdq,
            "pdq_quality": r.pdq_quality,
            "exif": json.loads(r.exif) if r.exif else None,
            "status": r.status,
            "category": r.category,
            "series": r.series,
            "error": r.error,
            "locations": locations.get(r.id, []),
            "hash_hits": hits.get(r.id, []),
            "near_duplicates": sorted(
                similar.get(r.id, []), key=lambda s: (s["distance"], s["media_id"])
            ),
        }
        for r in rows
    ]


def _grouped(rows: Any, shape: Any) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row.media_id, []).append(shape(row))
    return grouped


def _location(row: Any, containers: Containers) -> dict[str, Any]:
    return {
        "source_id": row.source_id,
        "location": row.location,
        "size": row.size,
        "mtime": row.mtime,
        "error": row.error,
        "notes": json.loads(row.notes) if row.notes else [],
        **_origin(row, containers),
    }


# A location's file-system facts (records.FileSystemEntry), None for a plain file.
ORIGIN_FIELDS = (
    "file_system",
    "fs_path",
    "partition",
    "partition_offset",
    "address",
    "fs_modified",
    "fs_accessed",
    "fs_changed",
    "fs_created",
)
_TIMES = ("fs_modified", "fs_accessed", "fs_changed", "fs_created")
# The file read out of a file-system image that holds an archive member, by
# (source_pk, location): its origin places the member.
Containers = dict[tuple[int, str], Any]


def _containers(conn: Connection, rows: Sequence[Any]) -> Containers:
    """The containers, read out of a file-system image, of those rows that are archive
    members recorded without an origin of their own."""
    wanted = [
        (row.source_pk, location.split(row.location)[0])
        for row in rows
        if row.file_system is None and location.SEPARATOR in row.location
    ]
    if not wanted:
        return {}
    return {(r.source_pk, r.location): r for r in media_store.read_out_at(conn, wanted)}


def _origin(row: Any, containers: Containers) -> dict[str, Any]:
    """Where the location lies in its file system; ``deleted`` and ``reallocated`` are
    always there, false for a file that is not read out of a file-system image.

    An archive member found in such a file lies where its archive lies: it gets the
    archive's facts (``fs_container`` names the archive's location), its ``fs_path``
    is the archive's followed by the member's path, and no file-system times (the
    member's own time is its ``mtime``).
    """
    parts = location.split(row.location)
    outer = containers.get((row.source_pk, parts[0])) if row.file_system is None else None
    if outer is None:
        facts: dict[str, Any] = {name: getattr(row, name) for name in ORIGIN_FIELDS}
        facts["fs_container"] = None
        facts["deleted"] = bool(row.deleted)
        facts["reallocated"] = bool(row.reallocated)
        return facts
    facts = {name: getattr(outer, name) for name in ORIGIN_FIELDS}
    facts.update(dict.fromkeys(_TIMES))
    facts["fs_path"] = location.SEPARATOR.join([outer.fs_path, *parts[1:]])
    facts["fs_container"] = outer.location
    facts["deleted"] = bool(outer.deleted)
    facts["reallocated"] = bool(outer.reallocated)
    return facts


def _hit(row: Any) -> dict[str, Any]:
    return {
        "hash_set": row.hash_set,
        "method": row.method,
        "distance": row.distance,
        "threshold": row.threshold,
        "category": row.category,
        "series": row.series,
        "external_id": row.external_id,
    }


def vics_media(conn: Connection, case_id: str) -> Iterator[VicsMedia]:
    """The case's media as VICS records, for ``vics_write.write_vics`` (unreadable omitted)."""
    for described in list_media(conn, case_id):
        if described["id"] is None:
            continue
        yield VicsMedia(
            media_id=described["id"],
            md5=described["md5"],
            sha1=described["sha1"],
            sha256=described["sha256"],
            size=described["size"],
            category=described["category"],
            series=described["series"],
            pdq=bytes.fromhex(described["pdq"]) if described["pdq"] else None,
            mime_type=described["mime"],
            files=tuple(_vics_file(loc) for loc in described["locations"]),
        )


def _vics_file(loc: dict[str, Any]) -> VicsFile:
    """A location as a VICS ``MediaFiles`` entry: a file read out of a file-system image
    (or a member of an archive that is one) is named by its path and times there; any
    other by its location and mtime."""
    if loc["file_system"] is None:
        return VicsFile(
            file_name=_readable(location.base_name(loc["location"])),
            file_path=loc["location"],
            written=_time(loc["mtime"]),
            source_id=loc["source_id"],
        )
    member = loc["fs_container"] is not None
    name = location.base_name(loc["location"]) if member else loc["fs_path"].rsplit("/", 1)[-1]
    return VicsFile(
        file_name=_readable(name),
        file_path=loc["fs_path"],
        created=_time(loc["fs_created"]),
        written=_time(loc["mtime"] if member else loc["fs_modified"]),
        accessed=_time(loc["fs_accessed"]),
        source_id=loc["source_id"],
        file_system=FileSystemFacts(
            file_system=loc["file_system"],
            partition=loc["partition"],
            partition_offset=loc["partition_offset"],
            address=loc["address"],
            deleted=loc["deleted"],
            reallocated=loc["reallocated"],
            changed=_time(loc["fs_changed"]),
            location=loc["location"],
            container=loc["fs_container"],
        ),
    )


def _time(text: str | None) -> datetime | None:
    return from_text(text) if text else None


def _readable(name: str) -> str:
    # JSON text cannot hold undecodable bytes; the exact name stays in the file path.
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
