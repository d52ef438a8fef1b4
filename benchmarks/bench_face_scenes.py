"""Face detection on synthetic 12 MP phone photos: recall by face size, false positives, speed.

Run on demand, never as part of the test suite:

    .venv/bin/python benchmarks/bench_face_scenes.py                 # 40 scenes x 6 faces
    .venv/bin/python benchmarks/bench_face_scenes.py --scenes 8      # a quick look

Scenes come from ``scenes.py`` (4032 x 3024 JPEG, real faces pasted at 64-480 px on
face-free photos, ground truth kept; generated once into ``--scenes-dir``). Pipelines,
each measured on every scene:

- ``reference``: the face_recognition library as the brief states IPED's reference:
  Pillow decodes the whole photo, a bilinear resize to 1024 px on the longer side,
  ``face_locations(image, 1, "hog")`` (one upsampling), then ``face_encodings`` of every
  face found, on the full-size photo with the boxes scaled up (as IPED's script does).
- ``iped``: the same, as IPED's ``FaceRecognitionProcess.py`` actually runs it: when it
  shrinks a photo to 1024 px it sets the upsampling to 0.
- ``genkend-fast``, ``genkend-default``, ``genkend-accurate``: ``media.decode`` with the
  plan's ``decode_max_side`` (JPEG draft decoding), ``faces.detection.detect`` with the
  dlib backend built with ``detection.HOG_OPTIONS`` (HOG, no upsampling, threshold
  lowered by 0.2), then ``backend.embed`` of every face found, on the working image.
- ``genkend-cnn`` (on the first ``--cnn-scenes`` scenes only): the dlib CNN detector with
  the default plan.

What is timed, per photo, from the file's bytes in memory: *detection* = decode +
resize + detection (+ landmarks for genkend); *with embedding* = detection + one
128-d descriptor per face found. Each pipeline pays its own descriptor cost for every
face it finds: the reference computes dlib's descriptor with dlib's own build (about
0.1-0.2 s per face on one core), genkend with its backend's runtime (see the backend
row of the report), on the working image rather than the full-size photo.
images/s = processes / mean seconds per photo: every pipeline runs in the same
``--processes`` worker processes, interleaved photo by photo (the order of pipelines
rotates from photo to photo), so all of them see the same machine load; other work on
the machine still makes the numbers noisy.

A detection matches a ground-truth face when their IoU is at least 0.4, or when the
detection's centre lies inside the ground-truth box and its width is within a factor of
two; one detection matches at most one face (greedy by IoU). Unmatched detections are
false positives.

Writes a markdown report (machine, versions, seed, command, numbers) to stdout and, with
``--report``, to a file; progress goes to the log on stderr.
"""

from __future__ import annotations

import argparse
import io
import logging
import multiprocessing
import os
import platform
import shlex
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import PIL
import scenes  # beside this script: running the script puts its folder on the path
from PIL import Image, ImageFile

from genkend import media
from genkend.faces import FaceBackend, open_backend
from genkend.faces.detection import HOG_OPTIONS, PLANS, DetectionPlan, detect

log = logging.getLogger("bench_face_scenes")

Box = tuple[float, float, float, float]
MAX_PIXELS = 200_000_000
REFERENCE_SIDE = 1024
MIN_IOU = 0.4
REFERENCE = "reference"
IPED = "iped"
CNN = "genkend-cnn"
ALL_PIPELINES = (REFERENCE, IPED, "genkend-fast", "genkend-default", "genkend-accurate")


@dataclass(frozen=True)
class Outcome:
    """One pipeline on one scene: boxes in scene pixels and the seconds it took."""

    pipeline: str
    scene: int
    boxes: tuple[Box, ...]
    detect_s: float
    embed_s: float


@dataclass
class Tally:
    """Totals of one pipeline over the scenes it ran on."""

    found: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    faces: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    false_positives: int = 0
    detections: int = 0
    images: int = 0
    detect_s: list[float] = field(default_factory=list)
    total_s: list[float] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    settings = scenes.SceneSettings(count=args.scenes, faces_per_scene=args.faces, seed=args.seed)
    scene_list = scenes.generate(args.data, args.scenes_dir, settings)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    outcomes = _run(args, scene_list)
    elapsed = time.perf_counter() - started
    tallies = _tally(outcomes, scene_list)
    report = _report(args, settings, tallies, elapsed, load_before)
    sys.stdout.write(report)
    if args.report:
        args.report.write_text(report, encoding="utf-8")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    default_data = Path(
        os.environ.get("GENKEND_TEST_DATA", Path(__file__).resolve().parents[2] / "shared/data")
    )
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=default_data, help="shared data folder")
    parser.add_argument(
        "--scenes-dir",
        type=Path,
        default=Path(__file__).resolve().parent / "out" / "face_scenes",
        help="where the generated scenes are kept (reused when the settings match)",
    )
    parser.add_argument("--scenes", type=int, default=40, help="number of scenes")
    parser.add_argument("--faces", type=int, default=6, help="faces per scene")
    parser.add_argument("--seed", type=int, default=scenes.SceneSettings().seed)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--pipelines", nargs="+", default=list(ALL_PIPELINES), choices=ALL_PIPELINES
    )
    parser.add_argument("--cnn-scenes", type=int, default=1, help="scenes for the CNN (0: none)")
    parser.add_argument("--no-embed", action="store_true", help="time detection only")
    parser.add_argument("--report", type=Path, help="also write the markdown report here")
    return parser.parse_args(argv)


# --- running --------------------------------------------------------------------------


def _run(args: argparse.Namespace, scene_list: list[scenes.Scene]) -> list[Outcome]:
    """Every (scene, pipeline) task in ``args.processes`` workers, interleaved."""
    tasks = []
    for index, scene in enumerate(scene_list):
        pipelines = list(args.pipelines)
        shift = index % len(pipelines)
        pipelines = pipelines[shift:] + pipelines[:shift]
        if index < args.cnn_scenes:
            pipelines.append(CNN)
        path = str(args.scenes_dir / scene.file)
        tasks += [(pipeline, index, path, not args.no_embed) for pipeline in pipelines]
    context = multiprocessing.get_context("spawn")
    outcomes = []
    with context.Pool(args.processes, _load_models, (args.cnn_scenes > 0,)) as pool:
        for done, outcome in enumerate(pool.imap_unordered(_task, tasks, chunksize=1), 1):
            outcomes.append(outcome)
            log.info(
                "%d/%d %s scene %d: %d faces, %.2f s + %.2f s",
                done,
                len(tasks),
                outcome.pipeline,
                outcome.scene,
                len(outcome.boxes),
                outcome.detect_s,
                outcome.embed_s,
            )
    return outcomes


_MODELS: dict[str, Any] = {}


def _load_models(with_cnn: bool) -> None:
    """Load every model once per worker process (not timed)."""
    logging.basicConfig(level=logging.WARNING)
    import face_recognition

    # face_recognition turns on Pillow's acceptance of truncated files at import; genkend's
    # decoder relies on it staying off, so it is switched back for this process.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    _MODELS["face_recognition"] = face_recognition
    _MODELS["hog"] = open_backend("dlib", **HOG_OPTIONS)
    if with_cnn:
        _MODELS["cnn"] = open_backend("dlib", detector="cnn", upsample=0)


def _task(task: tuple[str, int, str, bool]) -> Outcome:
    pipeline, index, path, embed = task
    data = Path(path).read_bytes()
    if pipeline in (REFERENCE, IPED):
        boxes, detect_s, embed_s = _reference(data, pipeline == REFERENCE, embed)
    elif pipeline == CNN:
        boxes, detect_s, embed_s = _genkend(data, _MODELS["cnn"], PLANS["default"], embed)
    else:
        plan = PLANS[pipeline.removeprefix("genkend-")]
        boxes, detect_s, embed_s = _genkend(data, _MODELS["hog"], plan, embed)
    return Outcome(pipeline, index, tuple(boxes), detect_s, embed_s)


def _reference(data: bytes, keep_upsampling: bool, embed: bool) -> tuple[list[Box], float, float]:
    """face_recognition as IPED's FaceRecognitionProcess.py drives it (see the docstring)."""
    fr = _MODELS["face_recognition"]
    start = time.perf_counter()
    full = Image.open(io.BytesIO(data)).convert("RGB")
    factor = REFERENCE_SIDE / max(full.size)
    upsample = 1
    small = full
    if max(full.size) * 2 > REFERENCE_SIDE:
        size = (
            (REFERENCE_SIDE, int(full.height * factor))
            if full.width > full.height
            else (int(full.width * factor), REFERENCE_SIDE)
        )
        small = full.resize(size, resample=Image.Resampling.BILINEAR)
        upsample = 1 if keep_upsampling else 0
    else:
        factor = 1.0
    locations = fr.face_locations(np.asarray(small), upsample, "hog")
    located = [tuple(int(v / factor) for v in loc) for loc in locations]
    detected = time.perf_counter()
    if embed and located:
        fr.face_encodings(np.asarray(full), located)
    done = time.perf_counter()
    boxes = [
        (float(left), float(top), float(right), float(bottom))
        for top, right, bottom, left in located
    ]
    return boxes, detected - start, done - detected


def _genkend(
    data: bytes, backend: FaceBackend, plan: DetectionPlan, embed: bool
) -> tuple[list[Box], float, float]:
    start = time.perf_counter()
    decoded = media.decode(data, max_pixels=MAX_PIXELS, max_side=plan.decode_max_side)
    found = detect(backend, decoded, plan)
    detected = time.perf_counter()
    if embed and found.working_faces:
        backend.embed(found.image, found.working_faces)
    done = time.perf_counter()
    boxes = [tuple(float(v) for v in face.box) for face in found.faces]
    return [(b[0], b[1], b[2], b[3]) for b in boxes], detected - start, done - detected


# --- scoring --------------------------------------------------------------------------


def _tally(outcomes: list[Outcome], scene_list: list[scenes.Scene]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    for outcome in outcomes:
        tally = tallies[outcome.pipeline]
        truth = scene_list[outcome.scene].faces
        matched = match([face.box for face in truth], outcome.boxes)
        for position, face in enumerate(truth):
            tally.faces[face.size] += 1
            tally.found[face.size] += position in matched
        tally.detections += len(outcome.boxes)
        tally.false_positives += len(outcome.boxes) - len(matched)
        tally.images += 1
        tally.detect_s.append(outcome.detect_s)
        tally.total_s.append(outcome.detect_s + outcome.embed_s)
    return tallies


def match(truth: Sequence[Sequence[float]], found: Sequence[Sequence[float]]) -> dict[int, int]:
    """Ground-truth index -> detection index, one to one, greedy by IoU (see docstring)."""
    pairs = []
    for t, true_box in enumerate(truth):
        for f, box in enumerate(found):
            overlap = iou(true_box, box)
            if overlap >= MIN_IOU or _centre_inside(true_box, box):
                pairs.append((overlap, t, f))
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _, t, f in sorted(pairs, reverse=True):
        if t not in matched and f not in used:
            matched[t] = f
            used.add(f)
    return matched


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _centre_inside(true_box: Sequence[float], box: Sequence[float]) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    ratio = (box[2] - box[0]) / (true_box[2] - true_box[0])
    inside = true_box[0] <= cx < true_box[2] and true_box[1] <= cy < true_box[3]
    return inside and 0.5 <= ratio <= 2.0


# --- report ---------------------------------------------------------------------------


def _report(
    args: argparse.Namespace,
    settings: scenes.SceneSettings,
    tallies: dict[str, Tally],
    elapsed: float,
    load_before: float,
) -> str:
    names = [p for p in (*args.pipelines, CNN) if p in tallies]
    lines = [
        "| face size (px) | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for size in settings.sizes:
        cells = [_recall(tallies[n], size) for n in names]
        lines.append(f"| {size} | " + " | ".join(cells) + " |")
    rows: list[tuple[str, Callable[[Tally], str]]] = [
        ("photos", lambda t: str(t.images)),
        ("false positives per photo", lambda t: f"{t.false_positives / t.images:.2f}"),
        ("detection: s per photo (mean)", lambda t: f"{np.mean(t.detect_s):.2f}"),
        (
            f"detection: photos/s with {args.processes} processes",
            lambda t: f"{args.processes / np.mean(t.detect_s):.2f}",
        ),
        ("faces embedded per photo", lambda t: f"{t.detections / t.images:.1f}"),
        (
            f"detection + embedding: photos/s with {args.processes} processes",
            lambda t: f"{args.processes / np.mean(t.total_s):.2f}",
        ),
    ]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(tallies[n]) for n in names) + " |")
    return "\n".join(
        [
            "### Recall by face size (found / pasted)",
            "",
            *lines,
            "",
            "### Targets",
            "",
            *_verdicts(tallies, settings.sizes),
            "",
            "### Run",
            "",
            *_machine(args, settings, elapsed, load_before),
            "",
        ]
    )


def _recall(tally: Tally, size: int) -> str:
    total = tally.faces.get(size, 0)
    if total == 0:
        return "-"
    found = tally.found.get(size, 0)
    return f"{100 * found / total:.0f}% ({found}/{total})"


def _verdicts(tallies: dict[str, Tally], sizes: Sequence[int]) -> list[str]:
    """Each genkend plan against each reference: speed ratio and recall at every size."""
    lines = []
    for reference in (REFERENCE, IPED):
        if reference not in tallies:
            continue
        base = tallies[reference]
        for name, tally in tallies.items():
            if not name.startswith("genkend") or name == CNN:
                continue
            speed = np.mean(base.detect_s) / np.mean(tally.detect_s)
            total = np.mean(base.total_s) / np.mean(tally.total_s)
            worse = [
                str(s)
                for s in sizes
                if tally.faces.get(s)
                and tally.found[s] / tally.faces[s] < base.found[s] / base.faces[s]
            ]
            recall = "at least as high at every size" if not worse else f"lower at {worse}"
            lines.append(
                f"- {name} vs {reference}: {speed:.2f}x the detection speed "
                f"({total:.2f}x with embedding); recall {recall}"
            )
    return lines


def _machine(
    args: argparse.Namespace, settings: scenes.SceneSettings, elapsed: float, load_before: float
) -> list[str]:
    import dlib

    rows = [
        ("command", f"`{shlex.join(['python', *sys.argv])}`"),
        (
            "scenes",
            f"{settings.count} x {settings.width}x{settings.height}, "
            f"{settings.faces_per_scene} faces each, sizes {list(settings.sizes)}",
        ),
        ("seed", str(settings.seed)),
        ("CPU", _cpu_model()),
        ("cores usable", str(len(os.sched_getaffinity(0)))),
        ("worker processes", str(args.processes)),
        ("load average (1 min) before / after", f"{load_before:.2f} / {os.getloadavg()[0]:.2f}"),
        ("wall time of the measured run", f"{elapsed:.0f} s"),
        ("embedding timed", str(not args.no_embed)),
        ("plans", "; ".join(f"{p.name}: {_describe(p)}" for p in PLANS.values())),
        ("genkend backend", f"`{open_backend('dlib', **HOG_OPTIONS).name}` {dict(HOG_OPTIONS)}"),
        ("Python", platform.python_version()),
        ("dlib / Pillow / numpy", f"{dlib.__version__} / {PIL.__version__} / {np.__version__}"),
    ]
    return ["| what | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]


def _describe(plan: DetectionPlan) -> str:
    return (
        f"decode {plan.decode_max_side}, work {plan.working_side}, "
        f"enlarge <= {plan.max_enlargement:g}x"
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    sys.exit(main())
