"""Video: the facts and the sampled pictures of one video file, decoded with PyAV.

Responsibility: turn the bytes of one video (MP4, MOV, MKV, WebM, AVI, ... as ``sniff``
names them) into its ``VideoFacts`` and, in the same single decoding pass, the frames a
caller samples from it (``decode_video``), or into one ``MediaError`` that says why not.
``probe`` is the same pass without pictures. Other parts (vPDQ, faces) share this module.

Invariants:

- PyAV reads the caller's seekable stream (or a local path); nothing is written, no
  file is named next to the evidence, the caller's stream is never closed here.
- The duration is measured: the end of the last decoded frame, never the container's
  word. When the container declares a duration that the decoded frames contradict (by
  more than ``DURATION_SLACK`` seconds and a tenth), ``VideoFacts.notes`` says so.
- A file that does not open, has no video stream, uses a codec FFmpeg cannot decode, or
  yields no frame is a ``MediaError`` (``DecodeError`` / ``UnsupportedMedia``); damage
  after some frames decoded keeps those frames and adds a note (a truncated tail).
- Sampling is by presentation time: the first frame at or after each multiple of
  ``every`` seconds, so a re-encoded copy (other frame rate) samples the same moments.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import av
import av.container
import av.video.stream
from PIL import Image

from genkend.errors import DecodeError, UnsupportedMedia

__all__ = ["DURATION_SLACK", "SampledFrame", "VideoFacts", "decode_video", "probe"]

# Seconds a declared duration may differ from the decoded one before it is called a lie.
DURATION_SLACK = 1.0

Source = str | Path | BinaryIO


@dataclass(frozen=True)
class VideoFacts:
    """What decoding one video found: its stream and the duration measured from frames."""

    codec: str
    width: int
    height: int
    fps: float | None
    frames: int
    duration: float
    declared_duration: float | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SampledFrame:
    """One sampled frame: its decode ``index``, ``timestamp`` (s) and RGB ``image``."""

    index: int
    timestamp: float
    image: Image.Image = field(repr=False)


@dataclass
class _Tally:
    frames: int = 0
    end: float = 0.0
    due: float = 0.0  # the next sampling moment
    notes: list[str] = field(default_factory=list)


def probe(source: Source) -> VideoFacts:
    """The facts of one video, every frame decoded and none kept."""
    return decode_video(source, every=None, on_frame=None)


def decode_video(
    source: Source,
    *,
    every: float | None = 1.0,
    max_side: int = 512,
    on_frame: Callable[[SampledFrame], None] | None = None,
) -> VideoFacts:
    """Decode every frame once; hand ``on_frame`` one frame per ``every`` seconds."""
    if every is not None and every <= 0:
        raise ValueError("every must be positive")
    with _opened(source) as container:
        stream = _video_stream(container)
        tally = _Tally()
        try:
            for frame in _frames(container, stream, tally):
                if on_frame is not None and every is not None:
                    _offer(frame, tally, every, max_side, on_frame)
        except av.FFmpegError as exc:
            if tally.frames == 0:
                raise DecodeError(f"video does not decode: {_reason(exc)}") from exc
            tally.notes.append(f"video damaged after {tally.end:.1f}s: {_reason(exc)}")
        if tally.frames == 0:
            raise DecodeError("video has no decodable frame")
        return _facts(container, stream, tally)


@contextlib.contextmanager
def _opened(source: Source) -> Iterator[av.container.InputContainer]:
    target = str(source) if isinstance(source, str | Path) else source
    try:
        container = av.open(target, mode="r")
    except av.FFmpegError as exc:
        raise DecodeError(f"video container does not open: {_reason(exc)}") from exc
    try:
        yield container
    finally:
        container.close()


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise UnsupportedMedia("no video stream in the container")
    stream = container.streams.video[0]
    if stream.codec_context is None or not stream.codec_context.codec.name:
        raise UnsupportedMedia("video stream with a codec FFmpeg cannot decode")
    stream.thread_type = "AUTO"
    return stream


def _frames(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, tally: _Tally
) -> Iterator[av.VideoFrame]:
    rate = float(stream.average_rate) if stream.average_rate else None
    for frame in container.decode(stream):
        if frame.pts is None or frame.time_base is None:
            continue
        start = float(frame.pts * frame.time_base)
        step = float(frame.duration * frame.time_base) if frame.duration else None
        tally.end = max(tally.end, start + (step or (1.0 / rate if rate else 0.0)))
        tally.frames += 1
        yield frame


def _offer(
    frame: av.VideoFrame,
    tally: _Tally,
    every: float,
    max_side: int,
    on_frame: Callable[[SampledFrame], None],
) -> None:
    assert frame.pts is not None and frame.time_base is not None
    timestamp = float(frame.pts * frame.time_base)
    if timestamp + 1e-6 < tally.due:
        return
    tally.due = (int(timestamp / every) + 1) * every
    scale = min(1.0, max_side / max(frame.width, frame.height))
    width, height = max(1, round(frame.width * scale)), max(1, round(frame.height * scale))
    image = frame.to_image(width=width, height=height)  # type: ignore[no-untyped-call]
    on_frame(SampledFrame(tally.frames - 1, timestamp, image))


def _facts(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, tally: _Tally
) -> VideoFacts:
    declared = _declared_duration(container, stream)
    notes = list(tally.notes)
    if declared is not None and abs(declared - tally.end) > DURATION_SLACK + tally.end / 10:
        notes.append(f"container declares {declared:.1f}s but the frames last {tally.end:.1f}s")
    rate = stream.average_rate or stream.guessed_rate
    return VideoFacts(
        codec=stream.codec_context.codec.name,
        width=stream.codec_context.width,
        height=stream.codec_context.height,
        fps=round(float(rate), 3) if rate else None,
        frames=tally.frames,
        duration=round(tally.end, 3),
        declared_duration=None if declared is None else round(declared, 3),
        notes=tuple(notes),
    )


def _declared_duration(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> float | None:
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _reason(exc: av.FFmpegError) -> str:
    return getattr(exc, "strerror", None) or str(exc)
