"""Procedural pictures for demonstration evidence: scenes, documents, charts, icons.

Responsibility: draw one structured picture from a random generator and a size
(``draw``), in one of the ``FAMILIES``: landscapes, streets of buildings, furnished
rooms, abstract shapes, text-like documents, charts, application screenshots and tiled
patterns. Pictures are smooth shapes and gradients, not noise, because the perceptual
hash of noise changes completely when the picture is resized; photo-like families get a
faint grain (``Grain``) so that their JPEG files weigh what camera files weigh.

Invariants: a picture is a pure function of the generator's state, the family and the
size (no clock, no global random state); nothing drawn resembles a person or a face.
"""

from __future__ import annotations

import colorsys
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageChops, ImageDraw

__all__ = ["FAMILIES", "PHOTO_FAMILIES", "Grain", "draw", "icon"]

Size = tuple[int, int]
Box = tuple[float, float, float, float]
Rgb = tuple[int, int, int]
Painter = Callable[[np.random.Generator, Size], Image.Image]

# Shapes are drawn on a canvas of at most this longest side and then resized: drawing
# cost stays flat for phone-size pictures, and the upscale softens edges like a lens.
DRAW_MAX_SIDE = 2048
# Small pictures are drawn larger and shrunk: the shapes keep their proportions (a
# window frame, a line of text) and no shape is ever smaller than a pixel.
DRAW_MIN_SIDE = 256
INK = (40, 40, 45)


def _hsv(hue: float, saturation: float, value: float) -> Rgb:
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, min(max(saturation, 0.0), 1.0), min(value, 1.0))
    return (round(r * 255), round(g * 255), round(b * 255))


def _darker(colour: Rgb, factor: float) -> Rgb:
    r, g, b = (min(255, max(0, round(c * factor))) for c in colour)
    return (r, g, b)


def _gradient(size: Size, start: Rgb, end: Rgb, *, horizontal: bool = False) -> Image.Image:
    """A linear blend from ``start`` to ``end``, top to bottom (or left to right)."""
    steps = size[0] if horizontal else size[1]
    ramp = np.linspace(0.0, 1.0, steps)[:, None]
    line = (np.asarray(start) * (1 - ramp) + np.asarray(end) * ramp).astype(np.uint8)
    strip = Image.fromarray(line.reshape((1, steps, 3) if horizontal else (steps, 1, 3)))
    # Pillow stretches the one-pixel strip in C; numpy broadcasting is far slower here.
    return strip.resize(size, Image.Resampling.NEAREST)


def _ridge(rng: np.random.Generator, width: int, base: float, roughness: float) -> list[float]:
    """Heights of a mountain ridge: a random walk, smoothed so that it reads as rock."""
    steps = rng.normal(0.0, roughness, width // 8 + 2).cumsum()
    smooth = np.convolve(steps, np.ones(5) / 5, mode="same")
    return list(base + np.interp(np.arange(0, width + 8, 8), np.arange(smooth.size) * 8, smooth))


# ------------------------------------------------------------------------ photo-like


def _landscape(rng: np.random.Generator, size: Size) -> Image.Image:
    width, height = size
    hue = rng.uniform(0.5, 0.72) if rng.random() < 0.7 else rng.uniform(0.02, 0.12)
    picture = _gradient(size, _hsv(hue, 0.6, 0.5), _hsv(hue + 0.05, 0.2, 0.98))
    canvas = ImageDraw.Draw(picture)
    horizon = rng.uniform(0.35, 0.7) * height
    x, y = rng.uniform(0.1, 0.9) * width, rng.uniform(0.08, 0.3) * height
    radius = rng.uniform(0.04, 0.09) * width
    canvas.ellipse((x - radius, y - radius, x + radius, y + radius), fill=_hsv(0.12, 0.5, 1.0))
    for _ in range(int(rng.integers(2, 6))):
        _cloud(rng, canvas, size)
    layers = int(rng.integers(2, 5))
    ground = rng.uniform(0.22, 0.4)
    for layer in range(layers):
        base = horizon + (layer - layers + 1) * 0.08 * height
        heights = _ridge(rng, width, base, 0.02 * height * (layers - layer))
        ridge = [(index * 8, value) for index, value in enumerate(heights)]
        value = 0.7 - 0.45 * (layer + 1) / layers
        colour = _hsv(ground - 0.08 * (layers - layer), 0.45, value)
        canvas.polygon([(0, height), *ridge, (width, height)], fill=colour)
    if rng.random() < 0.5:
        lake = horizon + rng.uniform(0.05, 0.15) * height
        canvas.rectangle((0, lake, width, height), fill=_hsv(hue, 0.5, 0.6))
    _trees(rng, canvas, size, ground)
    return picture


def _cloud(rng: np.random.Generator, canvas: ImageDraw.ImageDraw, size: Size) -> None:
    width, height = size
    x, y = rng.uniform(0, width), rng.uniform(0.05, 0.35) * height
    for _ in range(4):
        rx, ry = rng.uniform(0.03, 0.08) * width, rng.uniform(0.015, 0.04) * height
        dx = rng.uniform(-0.06, 0.06) * width
        canvas.ellipse((x + dx - rx, y - ry, x + dx + rx, y + ry), fill=(245, 245, 248))


def _trees(rng: np.random.Generator, canvas: ImageDraw.ImageDraw, size: Size, hue: float) -> None:
    width, height = size
    for _ in range(int(rng.integers(0, 9))):
        x, foot = rng.uniform(0, width), rng.uniform(0.75, 1.0) * height
        tall = rng.uniform(0.08, 0.25) * height
        canvas.rectangle((x - tall * 0.04, foot - tall * 0.4, x + tall * 0.04, foot), (70, 50, 35))
        crown = [(x, foot - tall), (x - tall * 0.25, foot - tall * 0.3)]
        crown.append((x + tall * 0.25, foot - tall * 0.3))
        canvas.polygon(crown, fill=_hsv(hue, 0.6, rng.uniform(0.25, 0.45)))


def _street(rng: np.random.Generator, size: Size) -> Image.Image:
    width, height = size
    night = rng.random() < 0.3
    top, bottom = ((10, 14, 40), (40, 40, 80)) if night else ((90, 150, 220), (200, 220, 240))
    picture = _gradient(size, top, bottom)
    canvas = ImageDraw.Draw(picture)
    hue = rng.uniform(0.0, 1.0)
    street = rng.uniform(0.7, 0.88) * height
    x = -rng.uniform(0, 0.05) * width
    while x < width:
        wide, roof = rng.uniform(0.06, 0.18) * width, rng.uniform(0.1, 0.6) * height
        colour = _hsv(hue + rng.uniform(-0.1, 0.1), rng.uniform(0.1, 0.4), rng.uniform(0.3, 0.8))
        canvas.rectangle((x, roof, x + wide, street), fill=colour)
        _windows(rng, canvas, (x, roof, x + wide, street), night)
        x += wide + rng.uniform(0, 0.02) * width
    canvas.rectangle((0, street, width, height), fill=(55, 55, 60))
    middle, dash = (street + height) / 2, width / 12
    for index in range(12):
        box = (index * dash, middle - 2, index * dash + dash / 2, middle + 2)
        canvas.rectangle(box, fill=(230, 220, 120))
    return picture


def _windows(rng: np.random.Generator, canvas: ImageDraw.ImageDraw, box: Box, night: bool) -> None:
    left, top, right, bottom = box
    cols, rows = int(rng.integers(2, 6)), int(rng.integers(3, 12))
    cell_w, cell_h = (right - left) / cols, (bottom - top) / rows
    lit, dark = (250, 220, 130), ((30, 40, 60) if night else (120, 160, 200))
    for row in range(rows - 1):
        for col in range(cols):
            x, y = left + col * cell_w + cell_w * 0.25, top + row * cell_h + cell_h * 0.25
            colour = lit if rng.random() < (0.4 if night else 0.1) else dark
            canvas.rectangle((x, y, x + cell_w * 0.5, y + cell_h * 0.45), fill=colour)


def _room(rng: np.random.Generator, size: Size) -> Image.Image:
    width, height = size
    wall = _hsv(rng.uniform(0, 1), rng.uniform(0.05, 0.35), rng.uniform(0.6, 0.95))
    picture = _gradient(size, wall, _darker(wall, 0.6), horizontal=rng.random() < 0.5)
    canvas = ImageDraw.Draw(picture)
    floor = rng.uniform(0.55, 0.75) * height
    canvas.rectangle((0, floor, width, height), fill=_hsv(0.08, 0.5, rng.uniform(0.3, 0.6)))
    for plank in range(1, 8):
        y = floor + (height - floor) * plank / 8
        canvas.line((0, y, width, y), fill=_hsv(0.08, 0.5, 0.25), width=2)
    x, y = rng.uniform(0.05, 0.6) * width, rng.uniform(0.08, 0.2) * height
    wide, tall = rng.uniform(0.15, 0.35) * width, rng.uniform(0.2, 0.35) * height
    canvas.rectangle((x, y, x + wide, y + tall), fill=(240, 240, 235))
    canvas.rectangle((x + 6, y + 6, x + wide - 6, y + tall - 6), fill=_hsv(0.58, 0.4, 0.95))
    canvas.line((x + wide / 2, y, x + wide / 2, y + tall), fill=(240, 240, 235), width=6)
    _shelf(rng, canvas, (rng.uniform(0.55, 0.8) * width, 0.15 * height, width * 0.97, floor))
    _table(rng, canvas, size, floor)
    return picture


def _shelf(rng: np.random.Generator, canvas: ImageDraw.ImageDraw, box: Box) -> None:
    """A bookcase: boards with rows of book spines of varied height and colour."""
    left, top, right, bottom = box
    canvas.rectangle(box, fill=_hsv(0.07, 0.6, 0.35))
    boards = int(rng.integers(3, 6))
    step = (bottom - top) / boards
    for board in range(boards):
        base, x = top + (board + 1) * step - 4, left + 4
        while x < right - 8:
            spine = rng.uniform(0.012, 0.03) * (right - left) * 10
            book_top = base - step * rng.uniform(0.5, 0.85)
            colour = _hsv(rng.uniform(0, 1), rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.9))
            canvas.rectangle((x, book_top, min(x + spine, right - 4), base), fill=colour)
            x += spine + 1


def _table(rng: np.random.Generator, canvas: ImageDraw.ImageDraw, size: Size, floor: float) -> None:
    width, height = size
    top = floor - rng.uniform(0.0, 0.1) * height
    left, wide = rng.uniform(0.05, 0.3) * width, rng.uniform(0.3, 0.45) * width
    depth = 0.08 * height
    leg = _hsv(0.07, 0.6, 0.25)
    for x in (left, left + wide - 10):
        canvas.rectangle((x, top + depth, x + 10, top + depth + 0.15 * height), fill=leg)
    slab = [(left, top), (left + wide, top), (left + wide * 1.1, top + depth)]
    slab.append((left - wide * 0.1, top + depth))
    canvas.polygon(slab, fill=_hsv(0.07, 0.6, rng.uniform(0.35, 0.55)))
    for _ in range(int(rng.integers(1, 5))):
        x, tall = left + rng.uniform(0.05, 0.9) * wide, rng.uniform(0.05, 0.18) * height
        half = rng.uniform(0.02, 0.05) * width
        colour = _hsv(rng.uniform(0, 1), rng.uniform(0.4, 0.9), rng.uniform(0.4, 0.95))
        if rng.random() < 0.5:
            canvas.ellipse((x - half, top - tall, x + half, top + 4), fill=colour)
        else:
            canvas.rectangle((x - half, top - tall, x + half, top), fill=colour)


def _abstract(rng: np.random.Generator, size: Size) -> Image.Image:
    width, height = size
    hue = rng.uniform(0, 1)
    start, end = _hsv(hue, 0.5, 0.95), _hsv(hue + 0.3, 0.6, 0.3)
    picture = _gradient(size, start, end, horizontal=rng.random() < 0.5)
    canvas = ImageDraw.Draw(picture)
    for _ in range(int(rng.integers(6, 14))):
        colour = _hsv(hue + rng.uniform(-0.3, 0.3), rng.uniform(0.3, 1.0), rng.uniform(0.1, 1.0))
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        rx, ry = rng.uniform(0.05, 0.25) * width, rng.uniform(0.05, 0.25) * height
        shape = int(rng.integers(0, 3))
        if shape == 0:
            canvas.ellipse((x - rx, y - ry, x + rx, y + ry), fill=colour)
        elif shape == 1:
            canvas.rectangle((x - rx, y - ry, x + rx, y + ry), fill=colour)
        else:
            corners = [(x + rng.uniform(-rx, rx), y + rng.uniform(-ry, ry)) for _ in range(3)]
            canvas.polygon(corners, fill=colour)
    return picture


def _tiles(rng: np.random.Generator, size: Size) -> Image.Image:
    width, height = size
    picture = Image.new("RGB", size, (235, 235, 230))
    canvas = ImageDraw.Draw(picture)
    cols = int(rng.integers(3, 12))
    rows = max(2, round(cols * height / width))
    hue, (fx, fy) = rng.uniform(0, 1), rng.uniform(-1, 1, 2)
    cell_w, cell_h = width / cols, height / rows
    for row in range(rows):
        for col in range(cols):
            # A smooth field of brightness under the tiles gives every pattern a coarse
            # layout of its own, which is what tells two patterns apart by perceptual hash.
            slope = fx * (col / cols - 0.5) * 3 + fy * (row / rows - 0.5) * 3
            level = 0.55 + 0.4 * float(np.tanh(slope))
            colour = _hsv(hue + rng.uniform(-0.08, 0.08), rng.uniform(0.3, 0.9), level)
            inset = rng.uniform(0.02, 0.1) * min(cell_w, cell_h)
            left, top = col * cell_w + inset, row * cell_h + inset
            box = (left, top, left + cell_w - 2 * inset, top + cell_h - 2 * inset)
            if rng.random() < 0.3:
                canvas.ellipse(box, fill=colour)
            else:
                canvas.rectangle(box, fill=colour)
    return picture


# ------------------------------------------------------------------ screens and paper


def _text_lines(
    rng: np.random.Generator, canvas: ImageDraw.ImageDraw, box: Box, line: float, ink: Rgb
) -> None:
    """Rows of word-like blocks: reads as text at a glance, and says nothing."""
    left, top, right, bottom = box
    y = top
    while y + line <= bottom:
        short = rng.random() < 0.2
        x, end = left, right - (rng.uniform(0, 0.5) * (right - left) if short else 0)
        while x < end:
            word = rng.uniform(0.75, 3.5) * line
            if x + word > end:
                break
            canvas.rectangle((x, y, x + word, y + line * 0.55), fill=ink)
            x += word + line * 0.35
        y += line * (2.2 if rng.random() < 0.12 else 1.0)


def _document(rng: np.random.Generator, size: Size) -> Image.Image:
    width, height = size
    paper = _hsv(0.12, rng.uniform(0.0, 0.08), rng.uniform(0.9, 1.0))
    picture = Image.new("RGB", size, paper)
    canvas = ImageDraw.Draw(picture)
    margin = rng.uniform(0.06, 0.12) * width
    accent = _hsv(rng.uniform(0, 1), 0.7, 0.6)
    header = rng.uniform(0.05, 0.15) * height
    canvas.rectangle((0, 0, width, header), fill=accent)
    line = max(6.0, rng.uniform(0.012, 0.025) * height)
    _text_lines(rng, canvas, (margin, header * 0.3, width * 0.6, header * 0.8), line * 1.6, paper)
    columns = int(rng.integers(1, 3))
    gap = 0.04 * width
    column = (width - 2 * margin - (columns - 1) * gap) / columns
    figure_in = int(rng.integers(0, columns)) if rng.random() < 0.75 else -1
    for index in range(columns):
        left, top = margin + index * (column + gap), header + 0.04 * height
        if index == figure_in:
            top = _figure(rng, canvas, (left, top, left + column, height), line, accent)
        _text_lines(rng, canvas, (left, top, left + column, height - margin), line, INK)
    return picture


def _figure(
    rng: np.random.Generator, canvas: ImageDraw.ImageDraw, box: Box, line: float, accent: Rgb
) -> float:
    """Text, then a coloured figure; returns where the text below it starts."""
    left, top, right, bottom = box
    tall, at = rng.uniform(0.15, 0.4) * bottom, top + rng.uniform(0, 0.35) * bottom
    _text_lines(rng, canvas, (left, top, right, at), line, INK)
    canvas.rectangle((left, at, right, at + tall), fill=accent)
    wide = right - left
    inner = (left + wide * 0.2, at + tall * 0.2, left + wide * 0.6, at + tall * 0.8)
    canvas.ellipse(inner, fill=_hsv(rng.uniform(0, 1), 0.5, 0.9))
    return at + tall + line


def _chart(rng: np.random.Generator, size: Size) -> Image.Image:
    width, height = size
    picture = Image.new("RGB", size, (250, 250, 252))
    canvas = ImageDraw.Draw(picture)
    title = (0.2 * width, 0.03 * height, 0.8 * width, 0.1 * height)
    _text_lines(rng, canvas, title, 0.04 * height, (30, 30, 30))
    if rng.random() < 0.3:
        _pie(rng, canvas, size)
        return picture
    left, top, right, bottom = 0.12 * width, 0.15 * height, 0.95 * width, 0.85 * height
    canvas.line((left, top, left, bottom, right, bottom), fill=(20, 20, 20), width=3)
    bars, hue = int(rng.integers(3, 14)), rng.uniform(0, 1)
    slot = (right - left) / bars
    for index, value in enumerate(rng.uniform(0.1, 1.0, bars).tolist()):
        x = left + index * slot + slot * 0.15
        box = (x, bottom - value * (bottom - top), x + slot * 0.7, bottom)
        canvas.rectangle(box, fill=_hsv(hue + 0.08 * index, 0.7, 0.8))
    return picture


def _pie(rng: np.random.Generator, canvas: ImageDraw.ImageDraw, size: Size) -> None:
    width, height = size
    radius = 0.32 * min(width, height)
    x, y = rng.uniform(0.3, 0.5) * width, 0.55 * height
    start, hue = 0.0, rng.uniform(0, 1)
    shares = rng.dirichlet(np.ones(int(rng.integers(3, 7))))
    for index, share in enumerate(shares.tolist()):
        end = start + share * 360
        colour = _hsv(hue + 0.13 * index, 0.65, 0.85)
        canvas.pieslice((x - radius, y - radius, x + radius, y + radius), start, end, colour)
        key = (0.75 * width, (0.3 + 0.07 * index) * height)
        canvas.rectangle((*key, key[0] + 0.03 * width, key[1] + 0.04 * height), fill=colour)
        start = end


def _screenshot(rng: np.random.Generator, size: Size) -> Image.Image:
    width, height = size
    dark = rng.random() < 0.4
    back, ink = ((32, 33, 36), (200, 200, 205)) if dark else ((245, 246, 248), (50, 50, 55))
    picture = Image.new("RGB", size, back)
    canvas = ImageDraw.Draw(picture)
    bar = 0.07 * height
    canvas.rectangle((0, 0, width, bar), fill=_hsv(rng.uniform(0, 1), 0.7, 0.85))
    side = rng.uniform(0.0, 0.28) * width
    if side > 0.05 * width:
        canvas.rectangle((0, bar, side, height), fill=_darker(back, 1.4 if dark else 0.93))
        menu = (0.02 * width, bar * 1.5, side * 0.8, height * 0.9)
        _text_lines(rng, canvas, menu, 0.035 * height, ink)
    cards = int(rng.integers(1, 7))
    cols = 1 if cards < 3 else 2
    card_w = (width - side - 0.06 * width) / cols - 0.02 * width
    card_h = (height - bar) / ((cards + cols - 1) // cols) - 0.03 * height
    for index in range(cards):
        x = side + 0.03 * width + (index % cols) * (card_w + 0.02 * width)
        y = bar + 0.03 * height + (index // cols) * (card_h + 0.03 * height)
        _card(
            rng, canvas, (x, y, x + card_w, y + card_h), _darker(back, 1.3 if dark else 0.95), ink
        )
    return picture


def _card(
    rng: np.random.Generator, canvas: ImageDraw.ImageDraw, box: Box, fill: Rgb, ink: Rgb
) -> None:
    left, top, right, bottom = box
    canvas.rounded_rectangle(box, radius=12, fill=fill)
    line = 0.06 * (bottom - top) + 6
    if rng.random() < 0.5:
        split = left + (right - left) * 0.4
        canvas.rectangle(
            (left + 10, top + 10, split, bottom - 10), fill=_hsv(rng.uniform(0, 1), 0.5, 0.8)
        )
        left = split
    _text_lines(rng, canvas, (left + 12, top + 12, right - 12, bottom - 12), line, ink)


FAMILIES: dict[str, Painter] = {
    "abstract": _abstract,
    "chart": _chart,
    "document": _document,
    "landscape": _landscape,
    "room": _room,
    "screenshot": _screenshot,
    "street": _street,
    "tiles": _tiles,
}
"""Every kind of picture ``draw`` makes, by name."""

PHOTO_FAMILIES = frozenset({"abstract", "landscape", "room", "street", "tiles"})
"""Families that stand for camera pictures; the others stand for screens and paper."""


# ---------------------------------------------------------------------------- drawing


def draw(rng: np.random.Generator, size: Size, family: str) -> Image.Image:
    """A new RGB picture of ``family`` at ``size`` (width, height), drawn with ``rng``."""
    width, height = size
    if width < 1 or height < 1:
        raise ValueError(f"a picture needs at least one pixel each way, not {size}")
    factor = min(1.0, DRAW_MAX_SIDE / max(width, height))
    factor = max(factor, DRAW_MIN_SIDE / min(width, height))
    canvas = (round(width * factor), round(height * factor))
    picture = FAMILIES[family](rng, canvas)
    if canvas != size:
        picture = picture.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
    return picture


class Grain:
    """A faint sensor-like grain, one tile of noise repeated over any picture.

    Repeating one tile keeps grain cheap at 12 megapixels; the grain is fine and centred
    on zero, so the coarse structure that a perceptual hash sees does not change.
    """

    TILE = 256

    def __init__(self, rng: np.random.Generator, strength: float) -> None:
        noise = rng.normal(128.0, strength, (self.TILE, self.TILE, 3))
        self._tile = Image.fromarray(np.clip(noise, 0, 255).astype(np.uint8))

    def apply(self, picture: Image.Image, offset: tuple[int, int] = (0, 0)) -> Image.Image:
        """``picture`` with the grain added, the tile shifted by ``offset`` pixels."""
        layer = Image.new("RGB", picture.size)
        dx, dy = offset[0] % self.TILE, offset[1] % self.TILE
        for top in range(-dy, picture.height, self.TILE):
            for left in range(-dx, picture.width, self.TILE):
                layer.paste(self._tile, (left, top))
        return ImageChops.add(picture, layer, scale=1.0, offset=-128)


def icon(rng: np.random.Generator, side: int) -> Image.Image:
    """A small flat application icon with transparency: a rounded square and a glyph."""
    picture = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    canvas = ImageDraw.Draw(picture)
    colour = _hsv(rng.uniform(0, 1), 0.7, 0.85)
    canvas.rounded_rectangle((1, 1, side - 2, side - 2), radius=side // 5, fill=(*colour, 255))
    glyph = (*_hsv(rng.uniform(0, 1), 0.2, 1.0), 255)
    inset = side * rng.uniform(0.2, 0.35)
    if rng.random() < 0.5:
        canvas.ellipse((inset, inset, side - inset, side - inset), fill=glyph)
    else:
        canvas.rectangle((inset, inset, side - inset, side - inset * 1.5), fill=glyph)
    return picture
