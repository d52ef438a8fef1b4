"""Faces in a video: which frames are looked at, the faces on them, and their tracks.

``faces_in_video`` is the seam the analysis calls for a video's bytes. It decodes with
PyAV (FFmpeg) in three passes, so that a long video costs little more than its faces:

1. **keyframes**: with ``skip_frame="NONKEY"`` only the key frames are decoded, each to a
   32 x 18 grey thumbnail; the packets give the true end of the stream (a container
   can lie about its duration);
2. **plan**: the frames looked at are the key frames at least ``interval`` apart, plus
   key frames that differ from the previous one (a **scene change**: the mean absolute
   difference of the thumbnails above ``scene_threshold``), plus a **uniform sample**
   filling every gap longer than ``interval``. ``interval`` is ``sample_seconds``, or
   more when the video is long enough that ``max_frames`` would be exceeded;
3. **faces**: each planned time is decoded (seeking to the key frame before it only when
   decoding on would be slower), reduced to the face plan's longer side, and given to
   the same pipeline as pictures (``faces.pipeline.find_faces``).

The faces are then linked into tracks (``faces.tracks``); a track keeps its best face
and at most ``faces_per_track`` faces in all; the others are counted.

Invariant: never raises for bad content. A stream that cannot be opened is a
``VideoFaces`` with ``error`` set; a decode error partway keeps every frame decoded
before it, and is said in ``error``. Boxes are in pixels of the full-size frame and
timestamps in seconds from the start of the video stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import av
import numpy as np
from av.video.frame import VideoFrame
from PIL import Image

from genkend.errors import FaceError
from genkend.faces.pipeline import FaceOptions, FoundFace, backend_for, find_faces
from genkend.faces.tracks import Track, TrackParams, link
from genkend.media import DecodedImage
from genkend.records import ExifSummary

if TYPE_CHECKING:
    from genkend.settings import Settings

THUMB_SIZE = (32, 18)
# Mean absolute grey difference (0-255) of two thumbnails that marks a scene change.
SCENE_THRESHOLD = 30.0
# Decoding on is cheaper than a seek while the target is within this many seconds.
DECODE_ON_SECONDS = 1.0


@dataclass(frozen=True)
class VideoOptions:
    """How a video is sampled and its faces kept (settings ``video_*``)."""

    faces: FaceOptions
    sample_seconds: float = 2.0
    max_frames: int = 120
    faces_per_track: int = 4
    scene_threshold: float = SCENE_THRESHOLD
    tracks: TrackParams = field(default_factory=TrackParams)

    def interval(self, duration: float) -> float:
        return max(self.sample_seconds, duration / max(1, self.max_frames))


@dataclass(frozen=True)
class VideoFace:
    """A kept face: its frame's ``timestamp`` and the index of its track."""

    face: FoundFace
    timestamp: float
    track: int


@dataclass(frozen=True)
class VideoTrack:
    """One track: first and last timestamps, faces seen, the index of its best kept face."""

    start: float
    end: float
    faces_seen: int
    best: int


@dataclass(frozen=True)
class VideoFaces:
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    keyframes: int = 0
    frames_decoded: int = 0
    frames_sampled: int = 0
    faces_seen: int = 0
    faces: tuple[VideoFace, ...] = ()
    tracks: tuple[VideoTrack, ...] = ()
    backend: str | None = None
    error: str | None = None


@dataclass
class _Scan:
    """What the key-frame pass learnt: key frame times and thumbnails, the stream's end."""

    times: list[float] = field(default_factory=list)
    thumbs: list[np.ndarray] = field(default_factory=list)
    end: float = 0.0
    error: str | None = None


def faces_in_video(source: str | Path | BinaryIO, options: VideoOptions) -> VideoFaces:
    """The faces and tracks of the video ``source`` (a path or a binary stream)."""
    try:
        container = av.open(source if not isinstance(source, Path) else str(source), mode="r")
    except (av.FFmpegError, ValueError, OSError) as exc:
        return VideoFaces(error=f"cannot open video: {exc}")
    with container:
        if not container.streams.video:
            return VideoFaces(error="no video stream")
        return _analyse(container, container.streams.video[0], options)


def _analyse(container: Any, stream: Any, options: VideoOptions) -> VideoFaces:
    stream.thread_type = "AUTO"
    start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
    scan = _scan(container, stream, start)
    interval = options.interval(scan.end)
    plan = _plan(scan, interval, options)
    stream.codec_context.skip_frame = "DEFAULT"
    sampled, decoded, error = _sample(container, stream, start, plan, scan.times, options)
    backend = backend_for(options.faces)
    gap = max(options.tracks.max_gap, 2.5 * interval)
    params = TrackParams(options.tracks.max_distance, options.tracks.max_shift, gap)
    tracks = link(sampled, params)
    faces, kept_tracks = _kept(tracks, options.faces_per_track)
    return VideoFaces(
        width=stream.codec_context.width or None,
        height=stream.codec_context.height or None,
        duration=round(scan.end, 3),
        keyframes=len(scan.times),
        frames_decoded=decoded + len(scan.times),
        frames_sampled=len(sampled),
        faces_seen=sum(len(f) for _, f in sampled),
        faces=faces,
        tracks=kept_tracks,
        backend=backend.name,
        error=scan.error or error,
    )


def _scan(container: Any, stream: Any, start: float) -> _Scan:
    stream.codec_context.skip_frame = "NONKEY"
    scan = _Scan()
    try:
        for packet in container.demux(stream):
            if packet.pts is not None:
                scan.end = max(scan.end, float(packet.pts * stream.time_base) - start)
            for frame in packet.decode():
                scan.times.append(_time(frame, start))
                scan.thumbs.append(_thumb(frame))
    except av.FFmpegError as exc:
        scan.error = f"video decoding stopped at {scan.end:.2f} s: {exc}"
    return scan


def _plan(scan: _Scan, interval: float, options: VideoOptions) -> list[float]:
    """The times to look at, in order, at most ``max_frames``."""
    chosen: list[float] = []
    for i, time in enumerate(scan.times):
        spaced = not chosen or time - chosen[-1] >= interval
        scene = i > 0 and _difference(scan.thumbs[i], scan.thumbs[i - 1]) > options.scene_threshold
        if spaced or (scene and time - chosen[-1] >= interval / 4):
            chosen.append(time)
    times = list(chosen)
    previous: float | None = None
    for following in [*chosen, scan.end + interval]:
        time = 0.0 if previous is None else previous + interval
        while time < following - interval / 2 and time <= scan.end:
            times.append(round(time, 3))
            time += interval
        previous = following
    times = sorted(set(times))
    if len(times) > options.max_frames:
        step = len(times) / options.max_frames
        times = [times[int(n * step)] for n in range(options.max_frames)]
    return times


def _sample(
    container: Any,
    stream: Any,
    start: float,
    plan: list[float],
    keyframes: list[float],
    options: VideoOptions,
) -> tuple[list[tuple[float, list[FoundFace]]], int, str | None]:
    """Decode each planned time and find its faces; (frames, frames decoded, error)."""
    backend = backend_for(options.faces)
    sampled: list[tuple[float, list[FoundFace]]] = []
    reader = _Reader(container, stream, start, keyframes)
    error: str | None = None
    for target in plan:
        try:
            frame = reader.at(target)
        except av.FFmpegError as exc:
            error = error or f"video decoding failed near {target:.2f} s: {exc}"
            reader.lost()
            continue
        if frame is None:
            continue
        timestamp = _time(frame, start)
        try:
            found = find_faces(
                _picture(frame, options.faces), backend, options.faces.detection_plan
            )
        except FaceError as exc:
            error = error or f"face analysis failed at {timestamp:.2f} s: {exc}"
            continue
        sampled.append((timestamp, found))
    return sampled, reader.decoded, error


class _Reader:
    """Frames at given times, in increasing order: decodes on, or seeks when that is cheaper."""

    def __init__(self, container: Any, stream: Any, start: float, keyframes: list[float]) -> None:
        self.container, self.stream, self.start = container, stream, start
        self.keyframes = keyframes
        self.frames: Iterator[Any] | None = None
        self.position = -1.0
        self.decoded = 0

    def at(self, target: float) -> VideoFrame | None:
        if self.frames is None or not self._decode_on(target):
            offset = int((target + self.start) / self.stream.time_base)
            self.container.seek(offset, stream=self.stream, backward=True, any_frame=False)
            self.frames = self.container.decode(self.stream)
        for frame in self.frames:
            self.decoded += 1
            self.position = _time(frame, self.start)
            if self.position >= target - 1e-3:
                return frame  # type: ignore[no-any-return]
        self.frames = None
        return None

    def _decode_on(self, target: float) -> bool:
        if target < self.position:
            return False
        next_key = next((k for k in self.keyframes if k > self.position + 1e-3), None)
        near = target - self.position <= DECODE_ON_SECONDS
        return near or next_key is None or next_key > target

    def lost(self) -> None:
        """After a decode error: the next frame is found by a seek."""
        self.frames = None


def _kept(tracks: list[Track], k: int) -> tuple[tuple[VideoFace, ...], tuple[VideoTrack, ...]]:
    faces: list[VideoFace] = []
    kept_tracks: list[VideoTrack] = []
    for index, track in enumerate(tracks):
        best = track.best
        for sighting in track.kept(k):
            if sighting is best:
                best_index = len(faces)
            faces.append(VideoFace(sighting.face, sighting.timestamp, index))
        kept_tracks.append(VideoTrack(track.start, track.end, len(track.sightings), best_index))
    return tuple(faces), tuple(kept_tracks)


def _picture(frame: VideoFrame, options: FaceOptions) -> DecodedImage:
    """The frame as a decoded picture, reduced to the face plan's longer side."""
    width, height = frame.width, frame.height
    ratio = min(1.0, options.max_side / max(width, height))
    reduced = frame.reformat(
        width=max(1, round(width * ratio)), height=max(1, round(height * ratio)), format="rgb24"
    )
    image = Image.fromarray(reduced.to_ndarray())
    return DecodedImage(
        image, width, height, width / image.width, "video", "video", 1, 1, ExifSummary()
    )


def _thumb(frame: VideoFrame) -> np.ndarray:
    width, height = THUMB_SIZE
    grey = frame.reformat(width=width, height=height, format="gray")
    return np.asarray(grey.to_ndarray(), dtype=np.float32)


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a - b)))


def _time(frame: VideoFrame, start: float) -> float:
    return round(float(frame.time or 0.0) - start, 3) if frame.time is not None else 0.0


def video_options(settings: Settings, faces: FaceOptions) -> VideoOptions:
    """The video sampling the settings ``video_*`` choose, with the face options."""
    return VideoOptions(
        faces,
        sample_seconds=settings.video_sample_seconds,
        max_frames=settings.video_max_frames,
        faces_per_track=settings.video_faces_per_track,
    )
