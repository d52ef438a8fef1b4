"""Synthetic videos written by PyAV for the video tests: moving shapes, no real imagery.

``write_video`` draws a bright square travelling over a gradient that changes with the
seed, so two seeds give unrelated videos and one seed re-encoded, resized or trimmed
gives the same moments.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def frame_pixels(index: int, fps: int, width: int, height: int, seed: int) -> np.ndarray:
    """The RGB picture at frame ``index``: drawn from time, so any frame rate agrees."""
    t = index / fps
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, size=(9, 16, 3), dtype=np.uint8)
    scene = int(t // 2)  # a new background every two seconds
    tile = np.roll(base, scene * 3, axis=1)
    picture = np.kron(tile, np.ones((height // 9 + 1, width // 16 + 1, 1), dtype=np.uint8))
    picture = np.ascontiguousarray(picture[:height, :width])
    side = max(8, height // 4)
    x = int((width - side) * ((t / 4) % 1))
    y = int((height - side) * ((t / 3) % 1))
    picture[y : y + side, x : x + side] = 255
    return picture


def write_video(
    path: Path,
    *,
    seconds: float = 4.0,
    fps: int = 25,
    size: tuple[int, int] = (320, 240),
    codec: str = "libx264",
    seed: int = 1,
    start: float = 0.0,
    bit_rate: int | None = None,
) -> Path:
    """A video of ``seconds`` from ``start`` of the seed's scene, in ``path``'s container."""
    width, height = size
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        if bit_rate:
            stream.bit_rate = bit_rate
        first = round(start * fps)
        for index in range(first, first + round(seconds * fps)):
            pixels = frame_pixels(index, fps, width, height, seed)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
