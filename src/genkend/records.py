"""Frozen records that flow between genkend's modules.

Records carry facts, not behaviour. Times are timezone-aware UTC; hashes are lower-case
hex strings (exact digests) or raw bytes (perceptual hashes); distances, never
similarities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Actor:
    """The account a command acts as, and the host it runs on; in every audit event."""

    name: str
    host: str


@dataclass(frozen=True)
class FileSystemEntry:
    """Where an item lies in a file system that genkend read itself (disk or phone image).

    This is how an examiner cites the file, and what a VICS export's ``MediaFiles``
    carries: ``path`` is its full path in that file system as stored (``/Users/a/x.jpg``;
    an iOS backup's ``Domain/relative/path``), ``file_system`` its kind in lower case
    (``ntfs``, ``fat32``, ``exfat``, ``ext4``, ``hfs+``, ``iso9660``, ``ios-backup``),
    ``partition`` the volume it lies on as the partition table numbers it (None when the
    image holds one file system without a table) and ``partition_offset`` that volume's
    first byte in the image. ``address`` is its metadata address (inode number, MFT entry,
    FAT directory-entry address). ``deleted``: its name entry is unallocated;
    ``reallocated``: its metadata entry now belongs to another file, so the bytes read
    for it may be someone else's. Times are the file system's own (MACB), in UTC.
    """

    file_system: str
    path: str
    partition: str | None = None
    partition_offset: int | None = None
    address: int | None = None
    deleted: bool = False
    reallocated: bool = False
    modified: datetime | None = None
    accessed: datetime | None = None
    changed: datetime | None = None
    created: datetime | None = None


@dataclass(frozen=True)
class MediaItem:
    """One file found in an evidence source.

    ``location`` names the file inside the source, archive members joined with ``!/``
    (``outer.zip!/inner.tar!/dir/a.jpg``). ``path`` is set when the item is a plain file
    on the local file system that can be opened directly; archive members have none.
    ``error`` is set when the item could be listed but not read (unreadable, vanished,
    encrypted, over a size limit, a symbolic link not followed): it is recorded, never
    skipped. ``notes`` carry facts worth showing that do not stop analysis (e.g. an
    archive member with an absolute or ``..`` name, which is read in memory only).
    ``origin`` is set for files read out of a file system image or a phone extraction:
    where that file system keeps them, deleted or not (``FileSystemEntry``).
    """

    source_id: str
    location: str
    size: int | None
    mtime: datetime | None = None
    path: Path | None = None
    depth: int = 0
    error: str | None = None
    notes: tuple[str, ...] = ()
    origin: FileSystemEntry | None = None


@dataclass(frozen=True)
class Digests:
    """Exact digests of a file's whole content, as hash sets use them."""

    md5: str
    sha1: str
    sha256: str
    size: int


@dataclass(frozen=True)
class PerceptualHash:
    """A perceptual hash: ``algorithm`` (e.g. ``pdq``), raw ``value`` and its quality."""

    algorithm: str
    value: bytes
    quality: int

    @property
    def hex(self) -> str:
        return self.value.hex()


@dataclass(frozen=True)
class ExifSummary:
    """The EXIF fields investigators use to link pictures to a device, time and place."""

    make: str | None = None
    model: str | None = None
    serial: str | None = None
    taken_at: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f) is None for f in self.__dataclass_fields__)


@dataclass(frozen=True)
class HashSetEntry:
    """One known file from a hash set (VICS, ICSE, NSRL or a plain list).

    At least one of the exact digests or ``pdq`` is set. ``category`` follows the hash
    set's category profile (Project VIC US 0-4 by default); ``non_pertinent`` marks files
    that are known and irrelevant (NSRL, VICS category 0 "non-pertinent").
    ``alternative_hashes`` keeps every alternative hash as given (e.g. PhotoDNA), keyed
    by algorithm name.
    """

    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: bytes | None = None
    category: int | None = None
    series: str | None = None
    non_pertinent: bool = False
    victim_identified: bool | None = None
    distributed: bool | None = None
    external_id: str | None = None
    file_name: str | None = None
    alternative_hashes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ParseProblem:
    """An item of a hash-set file that could not be used; the rest still imports."""

    position: str
    message: str


@dataclass(frozen=True)
class Neighbour:
    """One result of a vector or hash search: the stored id and its distance."""

    id: int
    distance: float
