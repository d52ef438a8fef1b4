"""Real faces for the demo, from a public-domain photo that ships inside scikit-image.

``make demo`` runs where ``../shared`` is absent, so its faces come from an installed
package: NASA's portrait of astronaut Eileen Collins (``skimage.data.astronaut``,
public domain). ``add_portraits`` writes her into the demo evidence in several sizes,
crops and recompressions, some pasted into larger scenes, and writes a differently
cropped, mirrored copy outside the evidence as the demo gallery's reference photo.
An adult's official portrait: nothing else, and no child, is ever used.

Invariant: deterministic; the evidence gets ``portraits/`` only, the reference goes to
``folder/gallery/``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps
from skimage import data

# The face in the 512 x 512 portrait, with some margin (x1, y1, x2, y2).
_HEAD = (130, 30, 320, 230)
# Head and shoulders only: the mission patch on the suit below is a classic HOG false
# positive (see the false-positive rates in benchmarks/README.md), which would make the
# demo show a "person" that is a badge.
_UPPER = (0, 0, 512, 300)


@dataclass(frozen=True)
class Portraits:
    evidence_files: tuple[str, ...]
    gallery_photo: Path


def add_portraits(evidence: Path, gallery: Path) -> Portraits:
    portrait = Image.fromarray(data.astronaut()).crop(_UPPER)  # type: ignore[no-untyped-call]
    folder = evidence / "portraits"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    variants = {
        "astronaut.jpg": _jpeg(portrait, 92),
        "astronaut-small.jpg": _jpeg(portrait.resize((256, 150), Image.Resampling.LANCZOS), 80),
        "astronaut-low-quality.jpg": _jpeg(portrait, 35),
        "astronaut-head.png": _png(portrait.crop(_HEAD).resize((380, 400))),
        "scene-with-astronaut.jpg": _jpeg(_pasted(portrait, (1600, 1200), (900, 300), 420), 88),
    }
    for name, content in variants.items():
        (folder / name).write_bytes(content)
        written.append(f"portraits/{name}")
    gallery.mkdir(parents=True, exist_ok=True)
    reference = gallery / "eileen-collins-reference.jpg"
    reference.write_bytes(_jpeg(ImageOps.mirror(portrait.crop((60, 0, 452, 300))), 90))
    return Portraits(tuple(written), reference)


def _pasted(
    portrait: Image.Image, size: tuple[int, int], at: tuple[int, int], side: int
) -> Image.Image:
    scene = Image.new("RGB", size, (96, 118, 140))
    for row in range(0, size[1], 40):  # a plain striped wall, so the scene is not flat
        shade = 100 + (row // 40) % 2 * 24
        scene.paste((shade, shade + 10, shade + 20), (0, row, size[0], row + 20))
    scene.paste(
        portrait.resize((side, side * portrait.height // portrait.width), Image.Resampling.LANCZOS),
        at,
    )
    return scene


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()
