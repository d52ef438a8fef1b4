"""The manifest of generated demonstration evidence: what every file is, and what to expect.

Responsibility: the records that say, by evidence location, what ``demo.evidence.
generate`` wrote and what a correct triage of it finds: exact copies and their
originals, near-duplicates and how they were made, files a hash set knows (with
category and series), bad input and what becomes of it, the hash-set files, and
totals. ``Manifest.as_dict`` gives plain JSON data; ``write_manifest`` and
``read_manifest`` store it as ``manifest.json`` and read it back unchanged.

Locations are relative to the evidence folder, with archive members joined by ``!/``
exactly as genkend's evidence sources name them (``phone.zip!/DCIM/backup.tar.gz!/
IMG_0001.jpg``), so they can be compared with ingest results as they are. Hash-set
paths are relative to the generated folder.

Invariants: every location named anywhere in a manifest is the location of one of its
``files``; the manifest holds facts of construction (what was copied or edited from
what) next to facts measured the way ingest measures them (digests, PDQ), and says
which is which in each field's description.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from genkend.records import ExifSummary

__all__ = [
    "OUTCOMES",
    "ROLES",
    "BadInput",
    "ExactCopy",
    "GeneratedFile",
    "HashSetFile",
    "KnownFile",
    "KnownMedia",
    "Manifest",
    "NearDuplicate",
    "Totals",
    "read_manifest",
    "write_manifest",
]

MANIFEST_NAME = "manifest.json"
T = TypeVar("T")

ROLES = (
    "archive",
    "bad_input",
    "document",
    "exact_copy",
    "near_duplicate",
    "original",
    "system",
)
"""What a generated file is there for (``GeneratedFile.role``)."""

OUTCOMES = {
    "decode_error": "an image by its first bytes whose data does not decode (DecodeError)",
    "empty": "no bytes at all: hashed, nothing to decode",
    "not_an_image": "named as a picture, but its content is text: hashed, not decoded",
    "not_media": "a document, not a picture or video: hashed, not decoded",
    "too_large": "declares more pixels than the cap: refused before decoding (TooLarge)",
    "unsafe_member_name": "an archive member named with '..': read in memory, noted",
}
"""What ingest makes of each kind of bad input (``BadInput.outcome``)."""


@dataclass(frozen=True)
class GeneratedFile:
    """One item of the evidence: a file on disk or an archive member at any depth.

    ``picture`` numbers the drawn picture the file shows (originals, their exact copies
    and their near-duplicates share it; ``None`` for anything else); ``family`` is the
    kind of picture drawn (see ``demo.pictures.FAMILIES``). ``mime`` is what genkend's
    content sniffing says; digests and ``size`` are of the bytes; ``width``, ``height``
    (upright, EXIF orientation applied), ``pdq`` (hex) and ``pdq_quality`` are what
    ingest's decoding and PDQ give, for every file that decodes. ``orientation`` is the
    EXIF orientation tag written, ``exif`` the camera facts written (``None``: none).
    """

    location: str
    role: str
    mime: str
    size: int
    md5: str
    sha1: str
    sha256: str
    picture: int | None = None
    family: str | None = None
    width: int | None = None
    height: int | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    orientation: int | None = None
    exif: ExifSummary | None = None


@dataclass(frozen=True)
class ExactCopy:
    """``location`` holds the same bytes as ``original`` (an original picture's file)."""

    location: str
    original: str


@dataclass(frozen=True)
class NearDuplicate:
    """``location`` was made from a picture by one edit, and looks like it.

    ``original`` is the evidence location of the original's file, or ``None`` when the
    original is not in the evidence and only a hash set knows it (``known_media_id``).
    ``known_media_id`` is the VICS MediaID whose PDQ this file is expected to match (a
    known look-alike); ``None`` when no hash-set entry has its original's PDQ.
    ``method`` is one of ``demo.encoding.EDIT_METHODS``, ``detail`` says how exactly;
    ``pdq_distance`` is measured between the two files' PDQ hashes as ingest computes
    them, and is at most ``demo.render.NEAR_MAX_DISTANCE``.
    """

    location: str
    original: str | None
    known_media_id: int | None
    method: str
    detail: str
    pdq_distance: int


@dataclass(frozen=True)
class KnownMedia:
    """One media record of the VICS hash set, as written.

    ``digests`` names the exact digests the record carries (MD5 always, as VICS
    requires); ``pdq`` (hex) is set for records that carry a PDQ alternative hash.
    ``in_evidence`` is false for records whose file is not in the evidence at all,
    which are found only through near-duplicates of it.
    """

    media_id: int
    category: int
    series: str | None
    md5: str
    sha1: str | None
    sha256: str | None
    pdq: str | None
    picture: int
    in_evidence: bool

    @property
    def digests(self) -> tuple[str, ...]:
        present = (("md5", self.md5), ("sha1", self.sha1), ("sha256", self.sha256))
        return tuple(name for name, value in present if value is not None)


@dataclass(frozen=True)
class KnownFile:
    """``location`` matches an entry of ``hash_set`` exactly, by its digests.

    ``media_id`` is the VICS MediaID (``None`` for a plain list). ``non_pertinent``
    marks files known to be irrelevant: VICS category 0, and the operating-system list,
    which is meant to be imported as non-pertinent.
    """

    location: str
    hash_set: str
    media_id: int | None
    category: int | None
    series: str | None
    non_pertinent: bool


@dataclass(frozen=True)
class BadInput:
    """A file that must not stop ingest: what is wrong with it and what ingest makes of it.

    ``outcome`` is a key of ``OUTCOMES``.
    """

    location: str
    problem: str
    outcome: str


@dataclass(frozen=True)
class HashSetFile:
    """A generated hash-set file: ``path`` relative to the generated folder."""

    name: str
    path: str
    format: str
    entries: int
    non_pertinent: bool
    description: str


@dataclass(frozen=True)
class Totals:
    """Counts, for a quick check of an ingest run.

    ``files`` are regular files under the evidence folder; ``items`` those plus every
    archive member at every depth, which is what an evidence walk lists; ``pictures``
    the items that decode to a picture; ``distinct_pictures`` the drawn pictures shown
    by at least one item.
    """

    files: int
    items: int
    pictures: int
    distinct_pictures: int
    exact_copies: int
    near_duplicates: int
    known_files: int
    non_pertinent_files: int
    known_lookalikes: int
    bad_inputs: int


@dataclass(frozen=True)
class Manifest:
    """What was generated, by location. ``evidence`` is the evidence folder, relative
    to the generated folder; ``files`` are sorted by location."""

    seed: int
    images: int
    evidence: str
    hash_sets: tuple[HashSetFile, ...]
    files: tuple[GeneratedFile, ...]
    exact_copies: tuple[ExactCopy, ...]
    near_duplicates: tuple[NearDuplicate, ...]
    known_media: tuple[KnownMedia, ...]
    known_files: tuple[KnownFile, ...]
    bad_inputs: tuple[BadInput, ...]
    totals: Totals

    def as_dict(self) -> dict[str, Any]:
        """The manifest as plain JSON data (dicts, lists, strings, numbers, None)."""
        data: dict[str, Any] = json.loads(json.dumps(asdict(self)))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """The manifest that ``as_dict`` gave ``data`` for."""
        return cls(
            seed=data["seed"],
            images=data["images"],
            evidence=data["evidence"],
            hash_sets=_records(HashSetFile, data["hash_sets"]),
            files=tuple(_file(item) for item in data["files"]),
            exact_copies=_records(ExactCopy, data["exact_copies"]),
            near_duplicates=_records(NearDuplicate, data["near_duplicates"]),
            known_media=_records(KnownMedia, data["known_media"]),
            known_files=_records(KnownFile, data["known_files"]),
            bad_inputs=_records(BadInput, data["bad_inputs"]),
            totals=Totals(**data["totals"]),
        )

    def file(self, location: str) -> GeneratedFile:
        """The generated file at ``location``; ``KeyError`` if there is none."""
        for generated in self.files:
            if generated.location == location:
                return generated
        raise KeyError(location)


def _records(kind: Callable[..., T], items: list[dict[str, Any]]) -> tuple[T, ...]:
    return tuple(kind(**item) for item in items)


def _file(item: dict[str, Any]) -> GeneratedFile:
    exif = item.get("exif")
    return GeneratedFile(**{**item, "exif": None if exif is None else ExifSummary(**exif)})


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Writes ``manifest.json`` into ``folder`` (sorted keys, so the bytes are stable)."""
    path = Path(folder) / MANIFEST_NAME
    text = json.dumps(manifest.as_dict(), indent=1, sort_keys=True, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def read_manifest(folder: Path) -> Manifest:
    """The manifest stored in ``folder`` by ``write_manifest``."""
    path = Path(folder) / MANIFEST_NAME
    return Manifest.from_dict(json.loads(path.read_text(encoding="utf-8")))
