"""Realistic demonstration evidence, generated from a seed, with a manifest of what to expect.

Responsibility: ``generate`` writes into a new folder

    evidence/                  a seizure: a few hundred pictures (see ``demo.layout``)
    hashsets/known.vics.json   a VICS 2.0 hash set: categorised series, non-pertinent
                               files, and pictures known only by their PDQ hash
    hashsets/nsrl-like.txt     a plain MD5 list of operating-system files
    manifest.json              what each file is and what triage should find

and returns the ``Manifest``. Pictures are drawn procedurally (``demo.pictures``: no
people, no faces), stored as JPEG, PNG and HEIC with camera EXIF on some, then copied,
edited into near-duplicates, packed into nested archives and mixed with bad input.

Invariants:

- The same seed and number of images give the same bytes in every file, on any number
  of worker processes (each picture is drawn from a generator seeded by its own
  number; nothing depends on the clock; file times are set from the layout).
- The manifest tells the truth about the files: digests, sizes and PDQ hashes are
  computed from the bytes written, PDQ the way ingest computes it; originals of
  different pictures are at least ``MIN_UNRELATED_DISTANCE`` bits apart, and every
  near-duplicate is within ``demo.render.NEAR_MAX_DISTANCE`` bits of its original.
- Nothing is ever written outside ``folder``, and an existing generation is never
  overwritten.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path, PurePosixPath

import numpy as np

from genkend import media
from genkend.demo import damaged, layout, pictures
from genkend.demo.archives import MEMBER_SEPARATOR, pack
from genkend.demo.encoding import encode, ingest_pdq
from genkend.demo.known import KnownSets, write_hash_sets
from genkend.demo.manifest import (
    MANIFEST_NAME,
    BadInput,
    ExactCopy,
    GeneratedFile,
    Manifest,
    NearDuplicate,
    Totals,
    write_manifest,
)
from genkend.demo.render import PictureJob, Rendered, render
from genkend.errors import AlreadyExists, MediaError
from genkend.hashes import digests as hashing
from genkend.records import ExifSummary, PerceptualHash

__all__ = ["EVIDENCE_DIR", "HASHSET_DIR", "MIN_UNRELATED_DISTANCE", "generate"]

log = logging.getLogger(__name__)

EVIDENCE_DIR = "evidence"
HASHSET_DIR = "hashsets"

MIN_UNRELATED_DISTANCE = 64
"""Fewest PDQ bits by which the originals of two different pictures differ. With
near-duplicates at most ``NEAR_MAX_DISTANCE`` (28) bits from their originals, a
near-duplicate stays more than ingest's default threshold (31) away from every original
it was not made from."""

_MAX_ROUNDS = 20
_ICON_SIDES = (16, 32, 48, 64, 256)

Mapper = Callable[[Callable[[PictureJob], Rendered], Iterable[PictureJob]], Iterator[Rendered]]


@dataclass(frozen=True)
class _Item:
    """One item's bytes and what is known about it before it is hashed."""

    data: bytes
    role: str
    picture: int | None = None
    family: str | None = None
    pdq: PerceptualHash | None = None
    size: tuple[int, int] | None = None
    orientation: int | None = None
    exif: ExifSummary | None = None


def generate(
    folder: Path, *, seed: int = 7, images: int = 240, workers: int | None = None
) -> Manifest:
    """Writes demonstration evidence, hash sets and ``manifest.json`` into ``folder``.

    ``images`` is the number of original pictures (at least ``layout.MIN_IMAGES``);
    copies, near-duplicates and other files come on top. ``workers`` is the number of
    processes that draw pictures (default: one per CPU core); it changes only the time
    taken. The processes are started with "spawn", so a script that calls this with
    more than one worker must do so under ``if __name__ == "__main__":``. Raises
    ``AlreadyExists`` when ``folder`` already holds a generation. The default set takes
    about 15 s of CPU time.
    """
    folder = Path(folder)
    _refuse_existing(folder)
    started = time.monotonic()
    plan = layout.plan(seed, images)
    rendered = _render_all(plan.jobs, workers or os.cpu_count() or 1)
    items = _items(plan, rendered)
    archives = pack({loc: item.data for loc, item in items.items()}, plan.times)
    items.update({loc: _Item(data, "archive") for loc, data in archives.items()})
    files = tuple(_generated(loc, items[loc]) for loc in sorted(items))
    _write_evidence(folder / EVIDENCE_DIR, items, plan)
    known = write_hash_sets(folder / HASHSET_DIR, plan, rendered, files)
    manifest = _manifest(plan, rendered, files, known)
    write_manifest(folder, manifest)
    log.info(
        "generated %d evidence items (%d pictures) in %s in %.1f s",
        manifest.totals.items,
        manifest.totals.pictures,
        folder,
        time.monotonic() - started,
    )
    return manifest


def _refuse_existing(folder: Path) -> None:
    for name in (EVIDENCE_DIR, HASHSET_DIR, MANIFEST_NAME):
        if (folder / name).exists():
            raise AlreadyExists(f"{folder / name} exists; generate into a new folder")


# ---------------------------------------------------------------------------- drawing


def _render_all(jobs: Sequence[PictureJob], workers: int) -> dict[int, Rendered]:
    """Every job rendered; a picture too like an earlier one is drawn again.

    Results are checked in job order against those kept so far, so which drawing is
    kept depends on the results only, never on which worker finished first.
    """
    kept: dict[int, Rendered] = {}
    pending = list(jobs)
    with _mapper(min(workers, len(jobs))) as mapped:
        for _ in range(_MAX_ROUNDS):
            # The largest pictures first, so that no worker is left with one at the end.
            ordered = sorted(pending, key=lambda job: -job.size[0] * job.size[1])
            results = sorted(mapped(render, ordered), key=lambda result: result.job.index)
            pending = []
            for result in results:
                if _too_like(result, kept.values()):
                    pending.append(replace(result.job, attempt=result.job.attempt + 1))
                else:
                    kept[result.job.index] = result
            if not pending:
                return kept
            log.debug("drawing %d pictures again: too like others", len(pending))
    raise RuntimeError("pictures kept coming out alike; the drawing code has a bug")


def _too_like(result: Rendered, kept: Iterable[Rendered]) -> bool:
    value = result.pdq.value
    return any(hashing.hamming(value, other.pdq.value) < MIN_UNRELATED_DISTANCE for other in kept)


@contextlib.contextmanager
def _mapper(workers: int) -> Iterator[Mapper]:
    if workers <= 1:
        yield map
        return
    # "spawn", as ingest uses: a forked copy of a threaded parent can deadlock.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        yield functools.partial(pool.map, chunksize=1)


# ------------------------------------------------------------------------------ items


def _items(plan: layout.Plan, rendered: dict[int, Rendered]) -> dict[str, _Item]:
    """Every item's bytes by location, archive members included, archives not yet."""
    items: dict[str, _Item] = {}
    for picture, location in plan.homes.items():
        items[location] = _picture_item(rendered[picture], "original")
    for location, picture in plan.copies.items():
        items[location] = _picture_item(rendered[picture], "exact_copy")
    for result in rendered.values():
        for variant in result.variants:
            items[variant.location] = _Item(
                variant.data,
                "near_duplicate",
                picture=result.job.index,
                family=result.job.family,
                pdq=variant.pdq,
                size=variant.size,
            )
    picture, location = plan.truncated
    items[location] = _Item(damaged.truncated(rendered[picture].data), "bad_input")
    items.update(_other_files(plan.seed))
    return items


def _picture_item(result: Rendered, role: str) -> _Item:
    job = result.job
    return _Item(
        result.data,
        role,
        picture=job.index,
        family=job.family,
        pdq=result.pdq,
        size=result.size,
        orientation=job.orientation if job.fmt == "JPEG" else None,
        exif=job.exif if job.fmt == "JPEG" else None,
    )


def _other_files(seed: int) -> dict[str, _Item]:
    """The files that are not drawn pictures: system files, documents, bad input."""
    rng = np.random.default_rng([seed, 0x1C0])
    items = {
        location: _Item(
            encode(pictures.icon(rng, _ICON_SIDES[n % len(_ICON_SIDES)]), "PNG"), "system"
        )
        for n, location in enumerate(layout.ICONS)
    }
    text = damaged.text_file
    items[layout.HOSTS] = _Item(
        text(["# hosts: host names and their addresses", "127.0.0.1       localhost"]), "system"
    )
    items[layout.NOTES] = _Item(text(["shopping: bread, apples", "call the plumber"]), "document")
    items[layout.TOOLS_README] = _Item(text(["portable tools", "unpack anywhere"]), "document")
    items[layout.TRAVERSAL] = _Item(
        text(["this member's name climbs out of the folder it is unpacked into"]), "bad_input"
    )
    items[layout.EMPTY] = _Item(b"", "bad_input")
    items[layout.TEXT_AS_JPEG] = _Item(
        text(["INVOICE 2022-114", "Garden furniture", "Total 1,250.00 EUR"]), "bad_input"
    )
    items[layout.OVERSIZED_PNG] = _Item(damaged.oversized_png(), "bad_input")
    items[layout.PDF] = _Item(
        damaged.pdf_document(["Account statement", "March 2022", "Balance 1,024.00"]), "bad_input"
    )
    return items


def _generated(location: str, item: _Item) -> GeneratedFile:
    digests = hashing.digest_bytes(item.data)
    content = media.sniff(item.data[: media.SNIFF_BYTES])
    pdq, size = item.pdq, item.size
    if pdq is None and content.kind == "image" and item.role != "bad_input":
        with contextlib.suppress(MediaError):
            pdq, size = ingest_pdq(item.data)
    return GeneratedFile(
        location=location,
        role=item.role,
        mime=content.mime,
        size=digests.size,
        md5=digests.md5,
        sha1=digests.sha1,
        sha256=digests.sha256,
        picture=item.picture,
        family=item.family,
        width=None if size is None else size[0],
        height=None if size is None else size[1],
        pdq=None if pdq is None else pdq.hex,
        pdq_quality=None if pdq is None else pdq.quality,
        orientation=item.orientation,
        exif=item.exif,
    )


def _write_evidence(root: Path, items: dict[str, _Item], plan: layout.Plan) -> None:
    """Writes the top-level items as files, with their modification times."""
    for location in sorted(items):
        if MEMBER_SEPARATOR in location:
            continue
        path = root.joinpath(*PurePosixPath(location).parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(items[location].data)
        moment = plan.times[location].timestamp()
        os.utime(path, (moment, moment))


# --------------------------------------------------------------------------- manifest


def _manifest(
    plan: layout.Plan,
    rendered: dict[int, Rendered],
    files: tuple[GeneratedFile, ...],
    known: KnownSets,
) -> Manifest:
    copies = tuple(
        ExactCopy(location, plan.homes[picture])
        for location, picture in sorted(plan.copies.items())
    )
    lookalike_of = {m.picture: m.media_id for m in known.media if m.pdq is not None}
    near = tuple(
        sorted(
            (
                NearDuplicate(
                    location=variant.location,
                    original=plan.homes.get(index),
                    known_media_id=lookalike_of.get(index),
                    method=variant.edit.method,
                    detail=variant.detail,
                    pdq_distance=variant.distance,
                )
                for index, result in rendered.items()
                for variant in result.variants
            ),
            key=lambda n: n.location,
        )
    )
    bad = _bad_inputs(plan)
    totals = Totals(
        files=sum(MEMBER_SEPARATOR not in f.location for f in files),
        items=len(files),
        pictures=sum(f.pdq is not None for f in files),
        distinct_pictures=len({f.picture for f in files if f.picture is not None}),
        exact_copies=len(copies),
        near_duplicates=len(near),
        known_files=sum(not k.non_pertinent for k in known.files),
        non_pertinent_files=sum(k.non_pertinent for k in known.files),
        known_lookalikes=sum(n.known_media_id is not None for n in near),
        bad_inputs=len(bad),
    )
    return Manifest(
        seed=plan.seed,
        images=plan.images,
        evidence=EVIDENCE_DIR,
        hash_sets=known.hash_sets,
        files=files,
        exact_copies=copies,
        near_duplicates=near,
        known_media=known.media,
        known_files=known.files,
        bad_inputs=bad,
        totals=totals,
    )


def _bad_inputs(plan: layout.Plan) -> tuple[BadInput, ...]:
    found = [
        BadInput(layout.EMPTY, "a zero-byte file named as a JPEG", "empty"),
        BadInput(plan.truncated[1], "a JPEG cut off after 55 % of its bytes", "decode_error"),
        BadInput(layout.TEXT_AS_JPEG, "text saved under a .jpg name", "not_an_image"),
        BadInput(
            layout.OVERSIZED_PNG,
            "a PNG of a few dozen bytes whose header declares 100,000 x 100,000 pixels",
            "too_large",
        ),
        BadInput(layout.PDF, "a PDF document, not a picture", "not_media"),
        BadInput(layout.TRAVERSAL, "an archive member named ../../evil.txt", "unsafe_member_name"),
    ]
    return tuple(sorted(found, key=lambda b: b.location))
