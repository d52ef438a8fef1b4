"""Synthetic 12-megapixel phone-photo scenes with real faces at known places and sizes.

Responsibility: build, from the shared development photos, a seeded set of 4032 x 3024
JPEG scenes, each a face-free background (``multi-dev``, category ``noface``: animals,
cars, objects) enlarged and cropped to the frame, with real adult faces (``faces-dev``,
LFW news photos) pasted at chosen sizes; and write each scene's ground truth beside it.

How a face is made:

1. Its true box is found on the source photo at full resolution by dlib's HOG detector
   with one upsampling (so a 250-pixel photo is scanned at 500 pixels): the face nearest
   the centre. Photos are skipped (and logged) when that face is not found, when another
   face would fall inside the cut-out (so no unlabelled face is pasted), or when the
   photo is cropped too tightly around the face to leave room for the soft edge.
2. A square cut-out around that box (``margin`` face widths on each side, clipped to the
   photo) is resized so that the face box is ``size`` pixels wide (the sizes cycle
   through ``SIZE_BINS``), and pasted with a soft, linearly ramped edge at a random
   place that overlaps no other cut-out.
3. The face's box in scene pixels is the source box under the same resize and shift; its
   ``size`` is the bin it was made for (the box width, to within a pixel of rounding).

Ground truth is therefore the HOG detector's own box convention at full resolution:
faces the HOG detector cannot find even at full resolution never enter the scenes, so
recall measures what is lost by working at a reduced scale, not the detector's ceiling.

Invariant: the same data folder, settings and library versions give the same scenes,
byte for byte (all randomness comes from one ``numpy`` generator seeded by ``seed``). A
folder holds one scene set and its ``scenes.json`` manifest; a manifest written with
other settings is replaced, never mixed with.
"""

from __future__ import annotations

import csv
import json
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from genkend.faces import DetectedFace, FaceBackend, open_backend

log = logging.getLogger(__name__)

SIZE_BINS = (64, 96, 128, 192, 256, 384, 480)
MANIFEST = "scenes.json"
GENERATOR_VERSION = 1
MIN_CONTEXT = 0.4  # face widths of the photo needed around the face on every side

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class SceneSettings:
    """What to generate; every field is recorded in the manifest."""

    count: int = 40
    faces_per_scene: int = 6
    sizes: tuple[int, ...] = SIZE_BINS
    width: int = 4032
    height: int = 3024
    seed: int = 20240607
    margin: float = 0.6
    grain: int = 3
    quality: int = 90


@dataclass(frozen=True)
class SceneFace:
    """One pasted face: its box in scene pixels, the size bin, and where it came from."""

    box: Box
    size: int
    source: str


@dataclass(frozen=True)
class Scene:
    """One scene file and its ground truth."""

    file: str
    width: int
    height: int
    background: str
    faces: tuple[SceneFace, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Source:
    """A face photo ready to paste: the cut-out and the face box inside it."""

    path: str
    cutout: Image.Image
    face: Box


def generate(data: Path, out: Path, settings: SceneSettings | None = None) -> list[Scene]:
    """The scenes in ``out`` for ``settings``, generated unless already there.

    ``data`` is the shared data folder (holding ``faces-dev`` and ``multi-dev``).
    """
    settings = settings or SceneSettings()
    existing = _existing(out, settings)
    if existing is not None:
        log.info("reusing %d scenes in %s", len(existing), out)
        return existing
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(settings.seed)
    backgrounds = _backgrounds(data)
    sources = _sources(data, rng, settings.margin)
    scenes = []
    for index in range(settings.count):
        scene = _scene(index, rng, backgrounds, sources, settings, out)
        scenes.append(scene)
        log.info("scene %d/%d: %d faces", index + 1, settings.count, len(scene.faces))
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "settings": asdict(settings),
        "scenes": [asdict(s) for s in scenes],
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return scenes


def load(out: Path) -> list[Scene]:
    """The scenes described by the manifest in ``out``."""
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    return [_scene_of(row) for row in manifest["scenes"]]


def _existing(out: Path, settings: SceneSettings) -> list[Scene] | None:
    path = out / MANIFEST
    if not path.is_file():
        return None
    manifest = json.loads(path.read_text(encoding="utf-8"))
    same = manifest.get("generator_version") == GENERATOR_VERSION and manifest.get(
        "settings"
    ) == json.loads(json.dumps(asdict(settings)))
    scenes = [_scene_of(row) for row in manifest["scenes"]] if same else []
    if not same or not all((out / s.file).is_file() for s in scenes):
        return None
    return scenes


def _scene_of(row: dict[str, Any]) -> Scene:
    faces = tuple(
        SceneFace(box=_box(f["box"]), size=int(f["size"]), source=str(f["source"]))
        for f in row["faces"]
    )
    return Scene(row["file"], int(row["width"]), int(row["height"]), row["background"], faces)


def _box(values: Sequence[int]) -> Box:
    return (int(values[0]), int(values[1]), int(values[2]), int(values[3]))


# --- sources --------------------------------------------------------------------------


def _backgrounds(data: Path) -> list[Path]:
    folder = data / "multi-dev"
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as stream:
        rows = [r for r in csv.DictReader(stream) if r["category"] == "noface"]
    if not rows:
        raise FileNotFoundError(f"no face-free background photos listed in {folder}")
    return sorted(folder / r["path"] for r in rows)


def _sources(data: Path, rng: np.random.Generator, margin: float) -> Iterator[_Source]:
    """Face cut-outs from ``faces-dev`` in a seeded order, skipping unusable photos."""
    folder = data / "faces-dev"
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as stream:
        paths = sorted(r["path"] for r in csv.DictReader(stream))
    detector = open_backend("dlib", detector="hog", upsample=1)
    skipped = 0
    for position in rng.permutation(len(paths)):
        source = _source(detector, folder, paths[int(position)], margin)
        if source is None:
            skipped += 1
            log.info("skipped %s (%d so far): no clean central face", paths[position], skipped)
            continue
        yield source
    raise RuntimeError("ran out of face photos")


def _source(detector: FaceBackend, folder: Path, path: str, margin: float) -> _Source | None:
    with Image.open(folder / path) as opened:
        photo = opened.convert("RGB")
    faces = detector.detect(np.asarray(photo))
    if not faces:
        return None
    face = min(faces, key=lambda f: _centre_distance(f, photo.width, photo.height))
    if _centre_distance(face, photo.width, photo.height) > 0.2 * max(photo.size):
        return None
    side = face.width * (1 + 2 * margin)
    cx, cy = (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2
    crop = (
        max(0, round(cx - side / 2)),
        max(0, round(cy - side / 2)),
        min(photo.width, round(cx + side / 2)),
        min(photo.height, round(cy + side / 2)),
    )
    if any(_intersects(other.box, crop) for other in faces if other is not face):
        return None
    x1, y1, x2, y2 = face.box
    context = min(x1 - crop[0], y1 - crop[1], crop[2] - x2, crop[3] - y2)
    if context < MIN_CONTEXT * face.width:
        return None  # a tight crop: the soft edge would fade the face itself
    inside = (x1 - crop[0], y1 - crop[1], x2 - crop[0], y2 - crop[1])
    return _Source(path, photo.crop(crop), inside)


def _centre_distance(face: DetectedFace, width: int, height: int) -> float:
    return math.hypot(
        (face.box[0] + face.box[2] - width) / 2, (face.box[1] + face.box[3] - height) / 2
    )


def _intersects(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# --- one scene ------------------------------------------------------------------------


def _scene(
    index: int,
    rng: np.random.Generator,
    backgrounds: list[Path],
    sources: Iterator[_Source],
    settings: SceneSettings,
    out: Path,
) -> Scene:
    background_path = backgrounds[int(rng.integers(len(backgrounds)))]
    canvas = _background(background_path, rng, settings)
    count = settings.faces_per_scene
    bins = [settings.sizes[(index * count + k) % len(settings.sizes)] for k in range(count)]
    placed: list[Box] = []
    faces = []
    for size in sorted(bins, reverse=True):
        source = next(sources)
        face = _paste(canvas, source, size, placed, rng)
        if face is None:
            log.warning("scene %d: no room left for a %d px face", index, size)
            continue
        faces.append(face)
    file = f"scene_{index:04d}.jpg"
    Image.fromarray(canvas).save(out / file, quality=settings.quality, subsampling=2)
    return Scene(file, settings.width, settings.height, background_path.name, tuple(faces))


def _background(path: Path, rng: np.random.Generator, settings: SceneSettings) -> NDArray[np.uint8]:
    """The photo enlarged to cover the frame (zoomed a random 1-1.4x), cropped, grained.

    Mild grain (uniform in +-``grain`` levels per channel) stands in for sensor noise, so
    that an enlarged small photo is not unnaturally smooth.
    """
    with Image.open(path) as opened:
        photo = opened.convert("RGB")
    if rng.random() < 0.5:
        photo = photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    cover = max(settings.width / photo.width, settings.height / photo.height)
    factor = cover * float(rng.uniform(1.0, 1.4))
    size = (math.ceil(photo.width * factor), math.ceil(photo.height * factor))
    big = photo.resize(size, Image.Resampling.BICUBIC)
    left = int(rng.integers(0, big.width - settings.width + 1))
    top = int(rng.integers(0, big.height - settings.height + 1))
    frame = big.crop((left, top, left + settings.width, top + settings.height))
    pixels = np.asarray(frame, dtype=np.int16)
    pixels += rng.integers(-settings.grain, settings.grain + 1, pixels.shape, dtype=np.int8)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def _paste(
    canvas: NDArray[np.uint8],
    source: _Source,
    size: int,
    placed: list[Box],
    rng: np.random.Generator,
) -> SceneFace | None:
    factor = size / (source.face[2] - source.face[0])
    width = max(1, round(source.cutout.width * factor))
    height = max(1, round(source.cutout.height * factor))
    spot = _free_spot(canvas.shape[1], canvas.shape[0], width, height, placed, rng)
    if spot is None:
        return None
    left, top = spot
    resized = np.asarray(source.cutout.resize((width, height), Image.Resampling.LANCZOS))
    alpha = _soft_edge(width, height)[..., None]
    region = canvas[top : top + height, left : left + width].astype(np.float32)
    blended = alpha * resized.astype(np.float32) + (1 - alpha) * region
    canvas[top : top + height, left : left + width] = np.clip(np.rint(blended), 0, 255)
    placed.append((left, top, left + width, top + height))
    x1, y1, x2, y2 = (v * factor for v in source.face)
    box = (round(left + x1), round(top + y1), round(left + x2), round(top + y2))
    return SceneFace(box=box, size=size, source=source.path)


def _free_spot(
    frame_width: int,
    frame_height: int,
    width: int,
    height: int,
    placed: list[Box],
    rng: np.random.Generator,
    tries: int = 500,
) -> tuple[int, int] | None:
    """A random top-left corner where the cut-out fits and overlaps no placed one."""
    if width > frame_width or height > frame_height:
        return None
    for _ in range(tries):
        left = int(rng.integers(0, frame_width - width + 1))
        top = int(rng.integers(0, frame_height - height + 1))
        box = (left, top, left + width, top + height)
        if not any(_intersects(box, other) for other in placed):
            return left, top
    return None


def _soft_edge(width: int, height: int, fraction: float = 0.12) -> NDArray[np.float32]:
    """An alpha mask: 1 inside, ramping linearly to 0 over the outer ``fraction`` per side.

    The margin around the face is wider than the ramp, so the face itself is never faded.
    """

    def ramp(n: int) -> NDArray[np.float32]:
        edge = max(1.0, fraction * n)
        positions = np.arange(n, dtype=np.float32) + 0.5
        ramped: NDArray[np.float32] = np.clip(np.minimum(positions, n - positions) / edge, 0, 1)
        return ramped

    mask: NDArray[np.float32] = np.outer(ramp(height), ramp(width)).astype(np.float32)
    return mask
