"""The hash sets of demonstration evidence: what an agency already knows about its files.

Responsibility: ``write_hash_sets`` writes two hash-set files next to (never inside)
the evidence and says which evidence files each one matches:

- ``known.vics.json``, a VICS 2.0 case export written by
  ``genkend.hashes.sets.vics_write.write_vics``: categorised pictures (category 1,
  invented series names) and non-pertinent ones (category 0) with their exact digests
  (some MD5 only, some MD5 and SHA-1, some all three), some with a PDQ alternative hash;
  and pictures that are not in the evidence at all, listed with their own digests and
  PDQ, so that only the near-duplicates of them in the evidence match, by PDQ;
- ``nsrl-like.txt``, a plain MD5 list (``md5sum`` format) of operating-system files,
  most of which are in the evidence, meant to be imported as non-pertinent.

Invariants: every digest and PDQ written is computed from the bytes of the file it
describes, the PDQ the way ingest computes it; the files read back with
``genkend.hashes.sets.read`` without a single ``ParseProblem``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from genkend import media
from genkend.demo.layout import KnownPlan, Plan
from genkend.demo.manifest import GeneratedFile, HashSetFile, KnownFile, KnownMedia
from genkend.demo.render import Rendered
from genkend.hashes import digests as hashing
from genkend.hashes.sets.vics_write import VicsCase, VicsFile, VicsMedia, write_vics

__all__ = ["OS_LIST_NAME", "VICS_NAME", "KnownSets", "write_hash_sets"]

VICS_NAME = "known.vics.json"
OS_LIST_NAME = "nsrl-like.txt"
FIRST_MEDIA_ID = 1001
# Operating-system files that the list names but the evidence does not hold, as any
# real list names far more files than one seizure has.
_ABSENT_SYSTEM_FILES = (
    "calc.exe",
    "explorer.exe",
    "kernel32.dll",
    "notepad.exe",
    "ntdll.dll",
    "shell32.dll",
    "user32.dll",
)


@dataclass(frozen=True)
class KnownSets:
    """The hash sets written, their VICS records, and the evidence files they match."""

    hash_sets: tuple[HashSetFile, ...]
    media: tuple[KnownMedia, ...]
    files: tuple[KnownFile, ...]


def write_hash_sets(
    folder: Path, plan: Plan, rendered: dict[int, Rendered], files: tuple[GeneratedFile, ...]
) -> KnownSets:
    """Writes both hash sets into ``folder`` (created) and returns what they know."""
    folder.mkdir(parents=True)
    records = [_vics_media(FIRST_MEDIA_ID + n, k, plan, rendered) for n, k in enumerate(plan.known)]
    with (folder / VICS_NAME).open("w", encoding="utf-8", newline="\n") as out:
        case = VicsCase(case_id="DEMO-KNOWN", case_number="HS-DEMO-1", media=records)
        write_vics(out, case)
    media = tuple(_known_media(record, k) for record, k in zip(records, plan.known, strict=True))
    system = {f.md5: f.location for f in files if f.role == "system"}
    listed = _write_os_list(folder / OS_LIST_NAME, system, plan.seed)
    hash_sets = (
        HashSetFile(
            name=VICS_NAME,
            path=f"{folder.name}/{VICS_NAME}",
            format="vics",
            entries=len(media),
            non_pertinent=False,
            description="VICS 2.0: categorised series, non-pertinent files, PDQ-only records",
        ),
        HashSetFile(
            name=OS_LIST_NAME,
            path=f"{folder.name}/{OS_LIST_NAME}",
            format="plain",
            entries=listed,
            non_pertinent=True,
            description="MD5 list of operating-system files; import as non-pertinent",
        ),
    )
    return KnownSets(hash_sets, media, _known_files(files, media, set(system)))


def _vics_media(
    media_id: int, known: KnownPlan, plan: Plan, rendered: dict[int, Rendered]
) -> VicsMedia:
    result = rendered[known.picture]
    digests = hashing.digest_bytes(result.data)
    home = plan.homes.get(known.picture)
    name = PurePosixPath(home).name if home else f"DSC_{media_id}.jpg"
    return VicsMedia(
        media_id=media_id,
        md5=digests.md5,
        sha1=digests.sha1 if "sha1" in known.digests else None,
        sha256=digests.sha256 if "sha256" in known.digests else None,
        size=digests.size,
        category=known.category,
        series=known.series,
        pdq=result.pdq.value if known.with_pdq else None,
        mime_type=media.sniff(result.data[: media.SNIFF_BYTES]).mime,
        files=(VicsFile(file_name=name, file_path=f"E:\\DCIM\\{name}"),),
    )


def _known_media(record: VicsMedia, known: KnownPlan) -> KnownMedia:
    return KnownMedia(
        media_id=record.media_id,
        category=known.category,
        series=known.series,
        md5=record.md5,
        sha1=record.sha1,
        sha256=record.sha256,
        pdq=None if record.pdq is None else record.pdq.hex(),
        picture=known.picture,
        in_evidence=known.in_evidence,
    )


def _write_os_list(path: Path, system: dict[str, str], seed: int) -> int:
    """Writes the MD5 list (``md5sum`` text format, sorted by name); returns its entries."""
    rng = np.random.default_rng([seed, 0x0551])
    names = dict(system)
    for name in _ABSENT_SYSTEM_FILES:
        names[rng.bytes(16).hex()] = f"Windows/System32/{name}"
    lines = [f"{md5}  {location}" for md5, location in sorted(names.items(), key=lambda p: p[1])]
    header = "# MD5 of operating-system files (genkend demonstration); import as non-pertinent"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8", newline="\n")
    return len(lines)


def _known_files(
    files: tuple[GeneratedFile, ...], media: tuple[KnownMedia, ...], system: set[str]
) -> tuple[KnownFile, ...]:
    by_md5 = {m.md5: m for m in media}
    found = []
    for generated in files:
        record = by_md5.get(generated.md5)
        if record is not None:
            found.append(
                KnownFile(
                    location=generated.location,
                    hash_set=VICS_NAME,
                    media_id=record.media_id,
                    category=record.category,
                    series=record.series,
                    non_pertinent=record.category == 0,
                )
            )
        if generated.md5 in system:
            found.append(KnownFile(generated.location, OS_LIST_NAME, None, None, None, True))
    return tuple(found)
