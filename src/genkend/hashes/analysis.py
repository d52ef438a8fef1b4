"""What genkend learns from one file's bytes: digests, content type, image facts, PDQ.

``analyse`` is a pure function of the content (plus settings): it runs in the ingest
worker processes and never touches the store. Exact digests come from one streaming
pass; an image is decoded once, at a reduced size chosen for the visual steps (JPEG
draft mode), and that one decode feeds PDQ (and, later, face detection).

Invariant: ``analyse`` never raises for a bad file. Content that cannot be decoded is
an ``Analysis`` with ``error`` set (the digests are still there: known hash sets match
corrupt files too); a file that cannot be read at all is an ``Analysis`` with
``read_error`` set and no digests. Faces (when enabled) are found on the same decoded
picture, at the size the face options ask for. ``notes`` say what the location's name
gets wrong about the content (an extension that lies).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from genkend import media
from genkend.errors import FaceError, MediaError
from genkend.evidence import location as evidence_location
from genkend.faces.pipeline import FaceOptions, FoundFace, backend_for, find_faces
from genkend.faces.video import VideoFaces, VideoOptions, faces_in_video
from genkend.hashes import digests as hashing
from genkend.media.named_files import IMAGE_READ_LIMIT
from genkend.records import Digests, ExifSummary, PerceptualHash

log = logging.getLogger(__name__)

# PDQ shrinks to 64 x 64 anyway; 512 px keeps JPEG draft decoding at 1/4-1/8 scale.
VISUAL_MAX_SIDE = 512


@dataclass(frozen=True)
class Task:
    """One file to analyse: a local ``path`` to open, or its ``data`` read by the source."""

    location: str
    path: str | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class Analysis:
    location: str
    digests: Digests | None = None
    mime: str = "application/octet-stream"
    kind: str = "other"
    width: int | None = None
    height: int | None = None
    pdq: PerceptualHash | None = None
    exif: ExifSummary | None = None
    error: str | None = None
    read_error: str | None = None
    faces: tuple[FoundFace, ...] = ()
    face_backend: str | None = None
    notes: tuple[str, ...] = ()
    video_faces: VideoFaces | None = None


@dataclass(frozen=True)
class Options:
    """``faces`` is None when face analysis is off (``--no-faces``)."""

    max_pixels: int
    faces: FaceOptions | None = None
    # how videos are sampled for faces (settings video_*); None: videos get no faces
    video: VideoOptions | None = None


def analyse(task: Task, options: Options) -> Analysis:
    try:
        if task.data is not None:
            return analyse_stream(task.location, io.BytesIO(task.data), options)
        with _open(task) as stream:
            return analyse_stream(task.location, stream, options)
    except OSError as exc:
        return Analysis(task.location, read_error=f"cannot read: {exc.strerror or exc}")


def digests_only(task: Task, why: str) -> Analysis:
    """The task's digests and ``why`` it got nothing more: for a file that cannot be analysed."""
    try:
        with io.BytesIO(task.data) if task.data is not None else _open(task) as stream:
            return Analysis(task.location, hashing.digest(stream), error=why)
    except OSError as exc:
        return Analysis(task.location, read_error=f"{why}; cannot read: {exc.strerror or exc}")


def _open(task: Task) -> BinaryIO:
    assert task.path is not None
    return Path(task.path).open("rb")


def analyse_stream(location: str, stream: BinaryIO, options: Options) -> Analysis:
    head = stream.read(media.SNIFF_BYTES)
    content = media.sniff(head)
    note = media.extension_note(evidence_location.base_name(location), content)
    notes = () if note is None else (note,)
    if content.kind == "video" and options.faces is not None and options.video is not None:
        return _video(location, stream, content, notes, options.video)
    if content.kind != "image":
        stream.seek(0)
        return Analysis(location, hashing.digest(stream), content.mime, content.kind, notes=notes)
    data = head + stream.read(IMAGE_READ_LIMIT + 1 - len(head))
    if len(data) > IMAGE_READ_LIMIT:
        stream.seek(0)
        return Analysis(
            location,
            hashing.digest(stream),
            content.mime,
            content.kind,
            error=f"image larger than {IMAGE_READ_LIMIT} bytes: hashed, not decoded",
            notes=notes,
        )
    digests = hashing.digest_bytes(data)
    max_side = max(VISUAL_MAX_SIDE, options.faces.max_side if options.faces else 0)
    try:
        decoded = media.decode(data, max_pixels=options.max_pixels, max_side=max_side)
    except MediaError as exc:
        return Analysis(location, digests, content.mime, content.kind, error=str(exc), notes=notes)
    found, backend_name, face_error = _faces(decoded, options.faces)
    return Analysis(
        location,
        digests,
        decoded.mime,
        content.kind,
        width=decoded.width,
        height=decoded.height,
        pdq=hashing.PdqHasher().hash(decoded.image),
        exif=None if decoded.exif.is_empty() else decoded.exif,
        error=face_error,
        faces=tuple(found),
        face_backend=backend_name,
        notes=notes,
    )


def _faces(
    decoded: media.DecodedImage, options: FaceOptions | None
) -> tuple[list[FoundFace], str | None, str | None]:
    if options is None:
        return [], None, None
    backend = backend_for(options)
    try:
        return find_faces(decoded, backend, options.detection_plan), backend.name, None
    except FaceError as exc:
        return [], backend.name, f"face analysis failed: {exc}"


def _video(
    location: str,
    stream: BinaryIO,
    content: media.ContentType,
    notes: tuple[str, ...],
    options: VideoOptions,
) -> Analysis:
    """A video's digests, and its faces and tracks (``faces.video``)."""
    stream.seek(0)
    digests = hashing.digest(stream)
    stream.seek(0)
    found = faces_in_video(stream, options)
    return Analysis(
        location,
        digests,
        content.mime,
        content.kind,
        width=found.width,
        height=found.height,
        error=found.error,
        faces=tuple(f.face for f in found.faces),
        face_backend=found.backend,
        notes=notes,
        video_faces=found,
    )
