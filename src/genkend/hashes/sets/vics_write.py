"""Exchange with other agencies' tools: VICS 2.0 case exports.

``write_vics`` writes one case as Project VIC VICS 2.0 JSON, in the shape forensic
tools' case exports take (the Clees4All VICS writer and the BFIP4GRIFFEYE builder write
the same ``#Cases`` document; Project VIC publishes the model only under agreement):

    {"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/
                        US/$metadata#Cases",
     "value": [{"CaseID": ..., "CaseNumber": ..., "SourceApplicationName": ...,
                "SourceApplicationVersion": ...,
                "Media": [{"MediaID", "Category", "MD5", "SHA1", "SHA256", "MediaSize",
                           "MimeType", "Series", "VictimIdentified", "IsDistributed",
                           "AlternativeHashes": [{"HashName": "PDQ", "HashValue", "MD5"}],
                           "MediaFiles": [{"MD5", "FileName", "FilePath", "Created",
                                           "Written", "Accessed", "SourceID",
                                           "@genkend.FileSystem": {...}}]}]}]}

A file read out of a disk or phone image is cited as the examiner cites it: ``FilePath``
is its full path in that file system (an archive member's after its archive's, joined
with ``!/``), ``Created``/``Written``/``Accessed`` its file-system times (MACB: B, M, A),
and the facts VICS has no field for (file system, partition and its offset, metadata
address, deleted, reallocated, the change time C, genkend's location) go in the
``@genkend.FileSystem`` instance annotation; other files keep their location as
``FilePath`` and their mtime as ``Written``.

Flags are written as the strings "true"/"false" and times as UTC ISO 8601 with a
``Z``, as VICS exporters do; a field whose value is unknown is left out rather than
written as a guess. ``SHA256`` is written only where known: the 2.0 exports studied
carry MD5 and SHA1 only, so a strict reader may not use it. ``genkend.hashes.sets.read``
reads such a file back without loss of any hash, category, series, PDQ or flag.

Invariant: the output is streamed, one media record at a time (the case's ``media``
may be a one-shot iterator from the store), and every record written was validated
when its ``VicsMedia`` was made.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from typing import Any, TextIO

from genkend.clock import to_text
from genkend.hashes.sets import fields

log = logging.getLogger(__name__)

VICS_CONTEXT = (
    "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/{region}/$metadata#Cases"
)


def _genkend_version() -> str:
    try:
        return metadata.version("genkend")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class FileSystemFacts:
    """Where a file read out of a file-system image lies in it, beyond path and times.

    VICS 2.0 as genkend knows it (see the module docstring) has no fields for these, so
    they are written as one OData instance annotation on the ``MediaFiles`` entry,
    ``FILE_SYSTEM_ANNOTATION``, which readers that do not know it ignore by the OData
    rules. ``location`` is the item's location in the source as genkend names it;
    ``container`` (an archive member's) that of the file in the file system holding it,
    whose facts these are.
    """

    file_system: str
    partition: str | None = None
    partition_offset: int | None = None
    address: int | None = None
    deleted: bool = False
    reallocated: bool = False
    changed: datetime | None = None
    location: str | None = None
    container: str | None = None


# The instance annotation (OData JSON: "@namespace.term") carrying ``FileSystemFacts``.
FILE_SYSTEM_ANNOTATION = "@genkend.FileSystem"


@dataclass(frozen=True)
class VicsFile:
    """One location of a media item in the evidence (a ``MediaFiles`` entry).

    For a file read out of a file-system image, ``file_path`` is its full path in that
    file system, the times are its MACB times and ``file_system`` the rest of its facts.
    """

    file_name: str
    file_path: str
    created: datetime | None = None
    written: datetime | None = None
    accessed: datetime | None = None
    source_id: str | None = None
    file_system: FileSystemFacts | None = None

    def __post_init__(self) -> None:
        changed = self.file_system.changed if self.file_system else None
        for moment in (self.created, self.written, self.accessed, changed):
            if moment is not None and moment.tzinfo is None:
                raise ValueError(f"{self.file_path}: file times must be timezone-aware")


@dataclass(frozen=True)
class VicsMedia:
    """One distinct media item of a case (one ``Media`` record), with its locations."""

    media_id: int
    md5: str
    sha1: str | None = None
    sha256: str | None = None
    size: int | None = None
    category: int | None = None
    series: str | None = None
    victim_identified: bool | None = None
    distributed: bool | None = None
    pdq: bytes | None = None
    mime_type: str | None = None
    files: tuple[VicsFile, ...] = ()

    def __post_init__(self) -> None:
        for algorithm in ("md5", "sha1", "sha256"):
            value = getattr(self, algorithm)
            if value is not None and not _is_lower_hex(value, fields.DIGEST_LENGTHS[algorithm]):
                raise ValueError(f"MediaID {self.media_id}: {algorithm} must be lower-case hex")
        if self.md5 is None:
            raise ValueError(f"MediaID {self.media_id}: VICS needs an MD5")
        if self.pdq is not None and len(self.pdq) * 2 != fields.PDQ_HEX_LENGTH:
            raise ValueError(f"MediaID {self.media_id}: a PDQ hash has 32 bytes")
        if self.category is not None and self.category < 0:
            raise ValueError(f"MediaID {self.media_id}: category must not be negative")


@dataclass(frozen=True)
class VicsCase:
    """A case to export. ``media`` is read once, in order, while writing."""

    case_id: str
    media: Iterable[VicsMedia]
    case_number: str | None = None
    region: str = "US"
    source_application_name: str = "genkend"
    source_application_version: str = _genkend_version()


def write_vics(out: TextIO, case: VicsCase) -> None:
    """Writes ``case`` to ``out`` as VICS 2.0 JSON, one media record per line."""
    head: dict[str, Any] = {
        "CaseID": case.case_id,
        "CaseNumber": case.case_number,
        "SourceApplicationName": case.source_application_name,
        "SourceApplicationVersion": case.source_application_version,
    }
    context = VICS_CONTEXT.format(region=case.region)
    out.write(f'{{"@odata.context":{_dump(context)},\n"value":[{{{_members(head)},\n"Media":[')
    count = 0
    for media in case.media:
        out.write(("," if count else "") + "\n" + _dump(_media_record(media)))
        count += 1
    out.write("\n]}]}\n")
    log.info("wrote VICS case %s with %d media records", case.case_id, count)


def _media_record(media: VicsMedia) -> dict[str, Any]:
    record: dict[str, Any] = {
        "MediaID": media.media_id,
        "Category": media.category,
        "MD5": media.md5,
        "SHA1": media.sha1,
        "SHA256": media.sha256,
        "MediaSize": media.size,
        "MimeType": media.mime_type,
        "Series": media.series,
        "VictimIdentified": _flag(media.victim_identified),
        "IsDistributed": _flag(media.distributed),
    }
    if media.pdq is not None:
        record["AlternativeHashes"] = [
            {"HashName": "PDQ", "HashValue": media.pdq.hex(), "MD5": media.md5}
        ]
    record["MediaFiles"] = [_file_record(media.md5, location) for location in media.files]
    return {key: value for key, value in record.items() if value is not None}


def _file_record(md5: str, location: VicsFile) -> dict[str, Any]:
    record = {
        "MD5": md5,
        "FileName": location.file_name,
        "FilePath": location.file_path,
        "Created": _time(location.created),
        "Written": _time(location.written),
        "Accessed": _time(location.accessed),
        "SourceID": location.source_id,
        FILE_SYSTEM_ANNOTATION: _file_system(location.file_system),
    }
    return {key: value for key, value in record.items() if value is not None}


def _file_system(facts: FileSystemFacts | None) -> dict[str, Any] | None:
    if facts is None:
        return None
    record = {
        "FileSystem": facts.file_system,
        "Partition": facts.partition,
        "PartitionOffset": facts.partition_offset,
        "Address": facts.address,
        "Deleted": _flag(facts.deleted),
        "Reallocated": _flag(facts.reallocated),
        "Changed": _time(facts.changed),
        "Location": facts.location,
        "Container": facts.container,
    }
    return {key: value for key, value in record.items() if value is not None}


def _is_lower_hex(value: object, length: int) -> bool:
    return (
        isinstance(value, str)
        and len(value) == length
        and fields.is_hex(value)
        and value == value.lower()
    )


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else to_text(moment)


def _members(values: dict[str, Any]) -> str:
    present = {key: value for key, value in values.items() if value is not None}
    return ",".join(f"{_dump(key)}:{_dump(value)}" for key, value in present.items())


def _dump(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
