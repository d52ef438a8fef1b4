"""genkend's default face pipeline beside the reference (IPED's face_recognition), one run.

Run on demand, never as part of the test suite:

    .venv/bin/python benchmarks/bench_faces.py --out benchmarks/out/bench_faces.md
    .venv/bin/python benchmarks/bench_faces.py --data DIR          # another labelled folder
    .venv/bin/python benchmarks/bench_faces.py --genkend-option augment=none \
        --genkend-option unit_length=false --genkend-option rescue_side=null   # ablation

On faces-dev (2,334 photos) a run takes about 8 minutes on two idle cores, and longer
when the machine is shared.

Both pipelines see the same photos on the same machine in the same run, each in
``--workers`` processes (2 by default) built once and warmed up before timing. The
photos are processed in chunks taken in turn by the two pipelines (reference, genkend,
reference, ...), so that a change in the machine's load during the run affects both
alike; throughput is photos per second of wall time over all chunks, and CPU time per
photo is measured inside the workers.

- reference: ``benchmarks/reference.py`` (Pillow decode, longer side at most 1024 px,
  face_recognition HOG with upsample 1, 5-point landmarks, dlib ResNet run by dlib);
- genkend: ``genkend.media.decode`` at most 1024 px a side and the ``dlib`` face backend
  with its defaults (or ``--genkend-option`` overrides).

Each pipeline takes one face per photo, by the same rule as ``genkend evaluate``
(``genkend.evaluate.choose_face``: the face nearest the image centre). Accuracy is then
measured two ways, for each seed of ``--seeds`` (the gallery and the sampled impostor
pairs depend on it), and the mean over the seeds is reported:

1. the project's protocol (``genkend.evaluate.evaluate``): photos without a face are
   failures to enrol and take no further part - each pipeline is measured on the
   photos it enrolled;
2. *failures counted*: every photo takes part in both pipelines' numbers; a photo
   without a face is infinitely far from every other, so each of its genuine pairs is a
   false non-match and a mated search for it (or for its gallery entry) a miss.

The 1:1 and 1:N numbers are also given for two halves of the identities (split by the
parity of the SHA-256 of the identity name), on which genkend's choices were tuned
(half A) and confirmed (half B). The report (machine, versions, data, seeds, command,
numbers, targets) goes to stdout and, with ``--out``, to a file; progress to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import shlex
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference import Reference

from genkend import media
from genkend.errors import MediaError
from genkend.evaluate import (
    EnrolledPhoto,
    Enrolment,
    LabelledImage,
    choose_face,
    evaluate,
    load_folder,
)
from genkend.evaluate.protocol import comparisons, distance_matrix, searches
from genkend.faces import DetectedFace, FaceBackend, LandmarkScheme, open_backend
from genkend.metrics import (
    best_accuracy,
    fnir_at_fpir,
    fnmr_at_fmr,
    mate_ranks,
    rank_k,
)

log = logging.getLogger("bench_faces")

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces-dev"
MAX_SIDE = 1024
MAX_PIXELS = 200_000_000
FMR = 1e-3
FPIRS = (1e-2, 3e-3)
PIPELINES = ("reference", "genkend")

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Outcome:
    """One photo through one pipeline: faces found, the chosen face's embedding, CPU time."""

    faces: int
    box: Box | None
    embedding: NDArray[np.float32] | None
    error: str | None
    cpu_seconds: float


@dataclass(frozen=True)
class Scores:
    """The accuracy numbers of one pipeline on one set of photos (mean over seeds)."""

    photos: int
    failed: int
    accuracy: float
    fnmr: float
    rank1: float
    rank10: float
    fnir: tuple[float, ...]


@dataclass(frozen=True)
class Run:
    """Everything measured for one pipeline."""

    name: str
    outcomes: tuple[Outcome, ...]
    wall_seconds: float

    @property
    def images_per_second(self) -> float:
        return len(self.outcomes) / self.wall_seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * sum(o.cpu_seconds for o in self.outcomes) / len(self.outcomes)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    photos = load_folder(args.data)[: args.limit or None]
    log.info("%d photos of %d identities", len(photos), len({p.identity for p in photos}))
    options = dict(_option(text) for text in args.genkend_option)
    runs, backend_name = _measure(photos, options, args.workers, args.chunk)
    report = _report(args, photos, runs, backend_name, options)
    sys.stdout.write(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled folder")
    parser.add_argument("--workers", type=int, default=2, help="processes per pipeline")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--chunk", type=int, default=100, help="photos per timed chunk")
    parser.add_argument("--limit", type=int, default=0, help="first N photos only (0: all)")
    parser.add_argument(
        "--genkend-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an option of genkend's dlib backend, e.g. augment=none (repeatable)",
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the report here")
    return parser.parse_args(argv)


def _option(text: str) -> tuple[str, Any]:
    """``name=value``; the value read as JSON (``3``, ``false``, ``null``), else a string."""
    name, _, raw = text.partition("=")
    try:
        return name, json.loads(raw)
    except json.JSONDecodeError:
        return name, raw


# ---------------------------------------------------------------------------------------
# Running both pipelines


def _measure(
    photos: Sequence[LabelledImage], options: dict[str, Any], workers: int, chunk: int
) -> tuple[dict[str, Run], str]:
    """Both pipelines over all photos, in alternating timed chunks."""
    context = get_context("spawn")
    pools = {
        kind: ProcessPoolExecutor(workers, context, initializer=_start, initargs=(kind, options))
        for kind in PIPELINES
    }
    try:
        names = {kind: _warm_up(pool, workers) for kind, pool in pools.items()}
        outcomes: dict[str, list[Outcome]] = {kind: [] for kind in PIPELINES}
        wall = dict.fromkeys(PIPELINES, 0.0)
        paths = [photo.path for photo in photos]
        for start in range(0, len(paths), chunk):
            for kind, pool in pools.items():
                began = time.perf_counter()
                outcomes[kind].extend(pool.map(_process, paths[start : start + chunk]))
                wall[kind] += time.perf_counter() - began
            log.info("%d of %d photos", min(start + chunk, len(paths)), len(paths))
    finally:
        for pool in pools.values():
            pool.shutdown()
    runs = {kind: Run(kind, tuple(outcomes[kind]), wall[kind]) for kind in PIPELINES}
    return runs, names["genkend"]


def _warm_up(pool: ProcessPoolExecutor, workers: int) -> str:
    """Start every worker (models loaded) before timing; the pipeline's name."""
    names = list(pool.map(_ready, [0.5] * workers))
    return names[0]


_pipeline: Callable[[Path], Outcome] | None = None
_pipeline_name = ""


def _start(kind: str, options: dict[str, Any]) -> None:
    global _pipeline, _pipeline_name
    if kind == "reference":
        reference = Reference()
        _pipeline, _pipeline_name = (lambda p: _reference_outcome(reference, p)), "reference"
    else:
        backend = open_backend("dlib", **options)
        _pipeline, _pipeline_name = (lambda p: _genkend_outcome(backend, p)), backend.name


def _ready(pause: float) -> str:
    # Pausing keeps this worker busy, so the pool must start the others too.
    time.sleep(pause)
    return _pipeline_name


def _process(path: Path) -> Outcome:
    if _pipeline is None:
        raise RuntimeError("worker without a pipeline")
    return _pipeline(path)


def _reference_outcome(reference: Reference, path: Path) -> Outcome:
    began = time.process_time()
    try:
        found = reference.process(path)
    except OSError as err:
        return Outcome(0, None, None, str(err), time.process_time() - began)
    faces = [_as_face(location) for location in found.locations]
    if not faces:
        return Outcome(0, None, None, None, time.process_time() - began)
    chosen = faces.index(choose_face(faces, found.width, found.height))
    embedding = found.encodings[chosen].astype(np.float32)
    return Outcome(len(faces), faces[chosen].box, embedding, None, time.process_time() - began)


def _as_face(location: tuple[int, int, int, int]) -> DetectedFace:
    """A face_recognition location ``(top, right, bottom, left)`` as a face record."""
    top, right, bottom, left = location
    centre = ((left + right) / 2, (top + bottom) / 2)
    box = (left, top, max(right, left + 1), max(bottom, top + 1))
    return DetectedFace(box, (centre,) * 5, 0.0, "face_recognition-hog", LandmarkScheme.DLIB5)


def _genkend_outcome(backend: FaceBackend, path: Path) -> Outcome:
    """As ``genkend evaluate`` enrols a photo (``genkend.evaluate.enrolment``)."""
    began = time.process_time()
    try:
        decoded = media.decode(path.read_bytes(), max_pixels=MAX_PIXELS, max_side=MAX_SIDE)
    except (MediaError, OSError) as err:
        return Outcome(0, None, None, str(err), time.process_time() - began)
    pixels = np.asarray(decoded.image, dtype=np.uint8)
    faces = backend.detect(pixels)
    if not faces:
        return Outcome(0, None, None, None, time.process_time() - began)
    chosen = choose_face(faces, pixels.shape[1], pixels.shape[0])
    embedding = backend.embed(pixels, [chosen])[0]
    return Outcome(len(faces), chosen.box, embedding, None, time.process_time() - began)


# ---------------------------------------------------------------------------------------
# Accuracy


def _scores(
    outcomes: Sequence[Outcome],
    photos: Sequence[LabelledImage],
    seeds: Sequence[int],
    counted: bool,
) -> Scores:
    per_seed = [(_counted if counted else _project)(outcomes, photos, seed) for seed in seeds]
    mean = [float(v) for v in np.mean(np.array(per_seed, dtype=np.float64), axis=0)]
    failed = sum(o.embedding is None for o in outcomes)
    accuracy, fnmr, rank1, rank10, *fnir = mean
    return Scores(len(outcomes), failed, accuracy, fnmr, rank1, rank10, tuple(fnir))


def _project(
    outcomes: Sequence[Outcome], photos: Sequence[LabelledImage], seed: int
) -> list[float]:
    """The numbers of ``genkend.evaluate.evaluate`` (failures to enrol left out)."""
    records = tuple(
        EnrolledPhoto(p.name, p.identity, o.faces, o.box, o.error)
        for p, o in zip(photos, outcomes, strict=True)
    )
    rows = [o.embedding for o in outcomes if o.embedding is not None]
    enrolment = Enrolment("bench", "bench", MAX_SIDE, records, np.array(rows, dtype=np.float32))
    result = evaluate(enrolment, seed, clustering=False)
    if result.verification is None or result.identification is None:
        raise ValueError("the data set has too few identities with two photos")
    at_fmr = {round(p.target, 9): p for p in result.verification.at_fmr}[FMR]
    ranks = {r.rank: r.rate for r in result.identification.ranks}
    fnir = [p.miss_rate for p in result.identification.at_fpir]
    return [result.verification.accuracy.accuracy, at_fmr.miss_rate, ranks[1], ranks[10], *fnir]


def _counted(
    outcomes: Sequence[Outcome], photos: Sequence[LabelledImage], seed: int
) -> list[float]:
    """The same protocol over every photo; a photo without a face is infinitely far."""
    rows = np.full((len(outcomes), _dim(outcomes)), np.nan, dtype=np.float32)
    for i, outcome in enumerate(outcomes):
        if outcome.embedding is not None:
            rows[i] = outcome.embedding
    labels = np.array([p.identity for p in photos])
    rng = np.random.default_rng(seed)
    pairs = comparisons(rows, labels, rng)
    genuine, impostor = _finite_or_inf(pairs.genuine), _finite_or_inf(pairs.impostor)
    drawn = searches(labels, rng)
    gallery = rows[drawn.gallery]
    ranks, mated = mate_ranks(
        _finite_or_inf(distance_matrix(rows[drawn.mated], gallery)),
        labels[drawn.mated],
        labels[drawn.gallery],
    )
    nonmated = _finite_or_inf(distance_matrix(rows[drawn.nonmated], gallery)).min(axis=1)
    return [
        best_accuracy(genuine, impostor).accuracy,
        fnmr_at_fmr(genuine, impostor, FMR).miss_rate,
        rank_k(ranks, 1),
        rank_k(ranks, 10),
        *(fnir_at_fpir(mated, nonmated, fpir).miss_rate for fpir in FPIRS),
    ]


def _finite_or_inf(distances: NDArray[np.float64]) -> NDArray[np.float64]:
    """NaN (a photo without a face on either side) becomes an infinite distance."""
    return np.where(np.isnan(distances), np.inf, distances)


def _dim(outcomes: Sequence[Outcome]) -> int:
    return next(int(o.embedding.shape[0]) for o in outcomes if o.embedding is not None)


def _half(identity: str) -> str:
    return "A" if hashlib.sha256(identity.encode("utf-8")).digest()[-1] % 2 == 0 else "B"


# ---------------------------------------------------------------------------------------
# The report


def _report(
    args: argparse.Namespace,
    photos: Sequence[LabelledImage],
    runs: dict[str, Run],
    backend_name: str,
    options: dict[str, Any],
) -> str:
    ref, gen = runs["reference"], runs["genkend"]
    lines = [
        "# Face pipeline: genkend beside the reference (IPED's face_recognition)",
        "",
        *_context(args, photos, backend_name, options),
        "",
        "## Speed",
        "",
        "| | reference | genkend | ratio | target |",
        "|---|---|---|---|---|",
        f"| photos/s ({args.workers} processes, wall) | {ref.images_per_second:.1f} | "
        f"{gen.images_per_second:.1f} | {gen.images_per_second / ref.images_per_second:.2f}x "
        f"| >= 1.3x: {_verdict(gen.images_per_second >= 1.3 * ref.images_per_second)} |",
        f"| CPU ms per photo | {ref.cpu_ms:.1f} | {gen.cpu_ms:.1f} | "
        f"{ref.cpu_ms / gen.cpu_ms:.2f}x | |",
        "",
    ]
    for counted, title in ((False, "the project's protocol"), (True, "failures counted")):
        lines += _accuracy_section(args, photos, ref, gen, counted, title)
    return "\n".join(lines) + "\n"


def _context(
    args: argparse.Namespace,
    photos: Sequence[LabelledImage],
    backend_name: str,
    options: dict[str, Any],
) -> list[str]:
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("numpy", "dlib-bin", "onnxruntime", "face-recognition", "pillow")
    )
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", *sys.argv])
    return [
        f"- command: `{command}`",
        f"- machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} logical CPUs; Python {platform.python_version()}; {versions}",
        f"- data: {args.data} - {len(photos)} photos, "
        f"{len({p.identity for p in photos})} identities",
        f"- seeds: {' '.join(str(s) for s in args.seeds)} (numbers are means over them)",
        f"- genkend backend: `{backend_name}`, options {options or 'defaults'}",
        "- reference: face_recognition HOG, upsample 1, longer side <= 1024 px, "
        "5-point landmarks, dlib's own ResNet runtime",
        "- halves: identities split by the parity of the last byte of the SHA-256 of their "
        "name; genkend's choices were tuned on half A and confirmed on half B",
    ]


def _accuracy_section(
    args: argparse.Namespace,
    photos: Sequence[LabelledImage],
    ref: Run,
    gen: Run,
    counted: bool,
    title: str,
) -> list[str]:
    everything = list(range(len(photos)))
    subsets = [("all", everything)] + [
        (f"half {h}", [i for i in everything if _half(photos[i].identity) == h]) for h in ("A", "B")
    ]
    lines = [f"## Accuracy, {title}", ""]
    for label, index in subsets:
        chosen = [photos[i] for i in index]
        r, g = (
            _scores([run.outcomes[i] for i in index], chosen, args.seeds, counted)
            for run in (ref, gen)
        )
        lines += [f"### {label}: {len(chosen)} photos", "", *_table(r, g), ""]
    return lines


def _table(r: Scores, g: Scores) -> Iterator[str]:
    yield "| | reference | genkend | target | met |"
    yield "|---|---|---|---|---|"
    yield f"| failure to enrol | {_fte(r)} | {_fte(g)} | | |"
    yield f"| 1:1 best balanced accuracy | {r.accuracy:.2%} | {g.accuracy:.2%} | | |"
    yield f"| 1:1 TAR at FMR 1e-3 | {1 - r.fnmr:.3f} | {1 - g.fnmr:.3f} | | |"
    yield (
        f"| 1:1 FNMR at FMR 1e-3 | {r.fnmr:.3f} | {g.fnmr:.3f} ({_ratio(g.fnmr, r.fnmr)}) "
        f"| <= 2/3 x | {_verdict(g.fnmr <= 2 / 3 * r.fnmr)} |"
    )
    yield (
        f"| 1:N rank-1 | {r.rank1:.3f} | {g.rank1:.3f} | >= reference "
        f"| {_verdict(g.rank1 >= r.rank1)} |"
    )
    yield f"| 1:N rank-10 | {r.rank10:.3f} | {g.rank10:.3f} | | |"
    for fpir, rf, gf in zip(FPIRS, r.fnir, g.fnir, strict=True):
        target, met = ("<= 0.8 x", _verdict(gf <= 0.8 * rf)) if fpir == FPIRS[0] else ("", "")
        yield (
            f"| 1:N FNIR at FPIR {fpir:g} | {rf:.3f} | {gf:.3f} ({_ratio(gf, rf)}) "
            f"| {target} | {met} |"
        )


def _ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}x" if reference > 0 else "- x"


def _fte(s: Scores) -> str:
    return f"{s.failed} ({s.failed / s.photos:.2%})"


def _verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


if __name__ == "__main__":
    sys.exit(main())
