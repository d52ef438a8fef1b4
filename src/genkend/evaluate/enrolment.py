"""Enrolment: one embedding per labelled photo, or a recorded failure to enrol.

Each photo is decoded (``genkend.media.decode``, at most ``max_side`` pixels a side),
its faces are detected, and one face is chosen: the one whose box centre is nearest the
image centre (city-block distance; labelled photos are framed on their subject), the
larger on a tie. Only that face is embedded. A photo without a face is a *failure to
enrol*; a photo that cannot be read or decoded is *unreadable*; both are kept, with the
number of faces found and the error.

Photos are processed by worker processes (spawned, so no parent state leaks in), each
building the face backend once from a ``BackendSpec``; ``workers=0`` works in-process.
An ``Enrolment`` saves to and loads from a NumPy ``.npz`` file without pickle.

Invariants: ``Enrolment.embeddings`` holds exactly one row per enrolled photo, in the
order of ``Enrolment.photos``; every photo of the input is in ``photos``, in input order.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from genkend import media
from genkend.errors import FaceError, MediaError, UsageError
from genkend.evaluate.dataset import LabelledImage
from genkend.faces import DetectedFace, FaceBackend, open_backend
from genkend.media.named_files import IMAGE_READ_LIMIT, read_whole

log = logging.getLogger(__name__)

Box = tuple[int, int, int, int]
DEFAULT_MAX_SIDE = 1024
DEFAULT_MAX_PIXELS = 200_000_000
FACE_CHOICE = "the face whose box centre is nearest the image centre (larger on a tie)"
ENROLMENT_FORMAT = "genkend.enrolment/1"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BackendSpec:
    """How to build a face backend: ``open_backend(name, **options)``, in any process."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def open(self) -> FaceBackend:
        return open_backend(self.name, **dict(self.options))


@dataclass(frozen=True)
class EnrolledPhoto:
    """The outcome for one photo: faces found, the chosen face's box, or the error.

    ``box`` is in pixels of the decoded image (at most ``max_side`` a side); None when
    no face was found or the photo is unreadable (then ``error`` says why).
    """

    name: str
    identity: str
    faces: int
    box: Box | None
    error: str | None = None

    @property
    def enrolled(self) -> bool:
        return self.box is not None


@dataclass(frozen=True)
class Enrolment:
    """Embeddings of a labelled data set by one backend, and every photo's outcome."""

    backend: str
    source: str
    max_side: int
    photos: tuple[EnrolledPhoto, ...]
    embeddings: NDArray[np.float32]

    def __post_init__(self) -> None:
        enrolled = sum(photo.enrolled for photo in self.photos)
        if self.embeddings.ndim != 2 or self.embeddings.shape[0] != enrolled:
            raise ValueError(
                f"{enrolled} enrolled photos but embeddings of shape {self.embeddings.shape}"
            )

    @property
    def enrolled(self) -> tuple[EnrolledPhoto, ...]:
        """The enrolled photos, aligned with the rows of ``embeddings``."""
        return tuple(photo for photo in self.photos if photo.enrolled)

    @property
    def labels(self) -> NDArray[np.str_]:
        """The identity of each embedding row."""
        return np.array([photo.identity for photo in self.enrolled], dtype=np.str_)

    def save(self, path: str | Path) -> None:
        """Write to a ``.npz`` file of plain arrays (no pickle)."""
        boxes = [photo.box or (-1, -1, -1, -1) for photo in self.photos]
        np.savez(
            Path(path),
            format=np.array(ENROLMENT_FORMAT),
            backend=np.array(self.backend),
            source=np.array(self.source),
            max_side=np.array(self.max_side),
            name=np.array([p.name for p in self.photos], dtype=np.str_),
            identity=np.array([p.identity for p in self.photos], dtype=np.str_),
            faces=np.array([p.faces for p in self.photos], dtype=np.int64),
            box=np.array(boxes, dtype=np.int64).reshape(-1, 4),
            error=np.array([p.error or "" for p in self.photos], dtype=np.str_),
            embeddings=self.embeddings,
        )

    @classmethod
    def load(cls, path: str | Path) -> Enrolment:
        """Read what ``save`` wrote; ``UsageError`` for any other file."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                if str(data["format"]) != ENROLMENT_FORMAT:
                    raise UsageError(f"{path} is not a genkend enrolment")
                return cls(
                    str(data["backend"]),
                    str(data["source"]),
                    int(data["max_side"]),
                    _photos_of(data),
                    np.asarray(data["embeddings"], dtype=np.float32),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise UsageError(f"cannot read enrolment {path}: {exc}") from exc


def _photos_of(data: Mapping[str, NDArray[Any]]) -> tuple[EnrolledPhoto, ...]:
    columns = (data["name"], data["identity"], data["faces"], data["box"], data["error"])
    return tuple(
        EnrolledPhoto(
            str(name),
            str(identity),
            int(faces),
            None if box[0] < 0 else (int(box[0]), int(box[1]), int(box[2]), int(box[3])),
            str(error) or None,
        )
        for name, identity, faces, box, error in zip(*columns, strict=True)
    )


@dataclass(frozen=True)
class _Outcome:
    """What a worker sends back for one photo."""

    faces: int
    box: Box | None
    embedding: NDArray[np.float32] | None
    error: str | None


def embed_folder(
    backend: BackendSpec | FaceBackend,
    images: Sequence[LabelledImage],
    *,
    workers: int = 0,
    max_side: int = DEFAULT_MAX_SIDE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    source: str = "",
    progress: Progress | None = None,
) -> Enrolment:
    """Enrol every photo of ``images`` (see the module docstring).

    ``backend`` is a ``BackendSpec`` (built once per worker process), or an already built
    backend, which can only run in this process (``workers`` must then be 0). ``source``
    describes the data set in the result (by default the photos' common folder).
    ``progress(done, total)`` is called after each photo, in input order.
    """
    if max_side < 1 or workers < 0:
        raise UsageError("max_side must be positive and workers not negative")
    if not isinstance(backend, BackendSpec) and workers > 0:
        raise UsageError("a built backend runs in this process only: pass a BackendSpec")
    # A spec is opened here too, even for workers: the name (weights digest) comes from
    # this process, and a model that cannot load fails once, before any worker starts.
    local = backend.open() if isinstance(backend, BackendSpec) else backend
    paths = [image.path for image in images]
    outcomes: list[_Outcome] = []
    with contextlib.ExitStack() as stack:
        stream: Iterator[_Outcome]
        if isinstance(backend, BackendSpec) and workers > 0:
            stream = _in_workers(stack, backend, paths, workers, max_side, max_pixels)
        else:
            stream = (_enrol_one(local, path, max_side, max_pixels) for path in paths)
        for outcome in stream:
            outcomes.append(outcome)
            if progress is not None:
                progress(len(outcomes), len(paths))
    return _assemble(local.name, images, outcomes, max_side, source or _common_folder(images))


def _in_workers(
    stack: contextlib.ExitStack,
    spec: BackendSpec,
    paths: Sequence[Path],
    workers: int,
    max_side: int,
    max_pixels: int,
) -> Iterator[_Outcome]:
    pool = stack.enter_context(
        ProcessPoolExecutor(
            max_workers=workers,
            mp_context=get_context("spawn"),
            initializer=_start_worker,
            initargs=(spec,),
        )
    )
    # Small chunks keep every worker busy to the end; larger ones save round trips.
    chunk = max(1, min(16, len(paths) // (4 * workers)))
    count = len(paths)
    return pool.map(
        _enrol_in_worker, paths, [max_side] * count, [max_pixels] * count, chunksize=chunk
    )


# The backend of a worker process, built once by the pool's initializer: a backend is
# expensive to build and cannot be sent between processes.
_worker_backend: FaceBackend | None = None


def _start_worker(spec: BackendSpec) -> None:
    global _worker_backend
    _worker_backend = spec.open()


def _enrol_in_worker(path: Path, max_side: int, max_pixels: int) -> _Outcome:
    if _worker_backend is None:
        raise FaceError("worker process has no face backend")
    return _enrol_one(_worker_backend, path, max_side, max_pixels)


def _enrol_one(backend: FaceBackend, path: Path, max_side: int, max_pixels: int) -> _Outcome:
    try:
        data = read_whole(path, IMAGE_READ_LIMIT)
        decoded = media.decode(data, max_pixels=max_pixels, max_side=max_side)
    except MediaError as exc:
        return _Outcome(0, None, None, str(exc))
    except OSError as exc:
        return _Outcome(0, None, None, f"cannot read: {exc.strerror or exc}")
    pixels = np.asarray(decoded.image, dtype=np.uint8)
    faces = backend.detect(pixels)
    if not faces:
        return _Outcome(0, None, None, None)
    chosen = choose_face(faces, pixels.shape[1], pixels.shape[0])
    embedding = backend.embed(pixels, [chosen])[0]
    return _Outcome(len(faces), chosen.box, embedding, None)


def choose_face(faces: Sequence[DetectedFace], width: int, height: int) -> DetectedFace:
    """The face whose box centre is nearest the image centre; the larger on a tie."""

    def key(face: DetectedFace) -> tuple[float, int]:
        x1, y1, x2, y2 = face.box
        offset = abs((x1 + x2) / 2 - width / 2) + abs((y1 + y2) / 2 - height / 2)
        return offset, -face.width * face.height

    return min(faces, key=key)


def _assemble(
    backend: str,
    images: Sequence[LabelledImage],
    outcomes: Sequence[_Outcome],
    max_side: int,
    source: str,
) -> Enrolment:
    photos = tuple(
        EnrolledPhoto(image.name, image.identity, outcome.faces, outcome.box, outcome.error)
        for image, outcome in zip(images, outcomes, strict=True)
    )
    rows = [outcome.embedding for outcome in outcomes if outcome.embedding is not None]
    dim = rows[0].shape[0] if rows else 0
    embeddings = np.ascontiguousarray(np.array(rows, dtype=np.float32).reshape(len(rows), dim))
    failed = sum(not photo.enrolled for photo in photos)
    log.info("enrolled %d of %d photos with %s", len(rows), len(photos), backend)
    if failed:
        log.info("%d photos not enrolled (no face found, or unreadable)", failed)
    return Enrolment(backend, source, max_side, photos, embeddings)


def _common_folder(images: Sequence[LabelledImage]) -> str:
    return os.path.commonpath([image.path.parent for image in images]) if images else ""
