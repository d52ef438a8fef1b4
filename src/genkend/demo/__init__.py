"""Demonstration evidence: realistic, synthetic seized media for `make demo`, tests and benchmarks.

Responsibility: make, from a seed, evidence that exercises every part of triage without
any real imagery. ``generate`` writes a seizure of a few hundred procedurally drawn
pictures (landscapes, streets, rooms, documents, charts, screenshots; never people)
in JPEG, PNG and HEIC with camera EXIF, their exact copies and near-duplicates, nested
archives and bad input, plus a VICS 2.0 hash set and an MD5 list of operating-system
files, and returns a ``Manifest`` of what a correct triage finds. ``generate_phone_photos``
and ``generate_small_files`` make bulk input for the ingest benchmarks.

The parts:

- ``pictures``: drawing one picture of a family, grain, icons;
- ``encoding``: JPEG/PNG/HEIF bytes, camera EXIF and orientation, near-duplicate edits,
  PDQ as ingest computes it;
- ``render``: one picture's original file and near-duplicates, checked;
- ``layout``: what goes where, decided before anything is drawn;
- ``archives``, ``damaged``, ``known``: archives, bad input, hash sets;
- ``manifest``: the records of what was generated;
- ``evidence``: ``generate``, putting it all together;
- ``bulk``: benchmark input;
- ``faces``: a public-domain portrait (scikit-image's astronaut) for the face demo.

Invariant: everything generated is a pure function of its arguments: the same seed
gives the same bytes.
"""

from __future__ import annotations

from genkend.demo.bulk import generate_phone_photos, generate_small_files
from genkend.demo.evidence import generate
from genkend.demo.faces import Portraits, add_portraits
from genkend.demo.manifest import (
    BadInput,
    ExactCopy,
    GeneratedFile,
    HashSetFile,
    KnownFile,
    KnownMedia,
    Manifest,
    NearDuplicate,
    Totals,
    read_manifest,
)

__all__ = [
    "BadInput",
    "ExactCopy",
    "GeneratedFile",
    "HashSetFile",
    "KnownFile",
    "KnownMedia",
    "Manifest",
    "NearDuplicate",
    "Portraits",
    "Totals",
    "add_portraits",
    "generate",
    "generate_phone_photos",
    "generate_small_files",
    "read_manifest",
]
