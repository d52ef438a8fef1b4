"""The default face backend: dlib's detectors, 5-point alignment and ResNet embedding.

Weights come from the installed ``face_recognition_models`` package; nothing is
downloaded. Pipeline per image:

- detect: the HOG detector (``dlib.get_frontal_face_detector``, fast, frontal faces)
  or the CNN "MMOD" detector (slower, finds turned and partly hidden faces too); then
  the 5-point shape predictor places the landmarks (``LandmarkScheme.DLIB5``). When the
  HOG detector finds nothing, a *close-up rescue* runs the CNN detector once, without
  upsampling, on a copy of the picture scaled to ``rescue_side`` pixels (160 by
  default): it finds the faces that fill much of the picture (portraits, close-ups,
  tight crops), which HOG misses when they are turned or when a tight crop leaves its
  80x80 window no margin. It costs about 0.1-0.2 s of CPU per picture in which HOG found
  no face; ``rescue_side=None`` turns it off. Rescued faces say ``detector="dlib-cnn"``.
- embed: dlib aligns each face from its 5 landmarks to a 150x150 chip with 0.25 of the
  face as margin (as in training) and the ResNet maps the chip to 128 numbers. With
  ``augment="mirror+tilt"`` (default) the face is embedded six times - upright and
  turned 5 degrees either way in the image plane, each also mirrored left to right -
  and the six descriptors are averaged: each view is a partly independent measurement
  of the same face, like dlib's own (random, so not reproducible) jitter but fixed.
  ``augment="mirror"`` uses the two upright views, ``"none"`` one. With
  ``unit_length=True`` (default) the average is scaled to length 1: dlib's raw
  descriptors are shorter for blurred, small or turned faces, which pulls poor faces
  towards each other and towards the origin; on the unit sphere only the direction
  counts. The backend's name ends with these steps
  (``dlib-resnet-v1:hog:sha256-<12 hex>:mirror+tilt5+unit``), so that its embeddings are
  never compared with raw dlib descriptors (``augment="none", unit_length=False``: no
  fourth part, as dlib itself computes them).
- runtime: the ResNet runs in onnxruntime (``genkend.faces.dlib_resnet``: dlib's
  weights read from dlib's file, the same numbers within 1e-6), about ten times faster
  than the dlib wheel's own build; ``runtime="dlib"`` uses dlib itself.

Each choice was measured on labelled photos beside the reference pipeline
(``benchmarks/bench_faces.py``; tuned on half of the identities, confirmed on the other
half). Descriptors are compared by Euclidean distance. dlib documents 0.6 as its
threshold for raw descriptors; genkend's thresholds come from calibration of the
embedding space actually used, never from that constant.

Speed is set by the size of the image the caller passes and by ``upsample``. The HOG
detector scans an 80x80 window, so at ``upsample=0`` it finds faces whose box is about
70-80 px and larger; each upsampling doubles the image (boxes of about 40 px, then
20 px) at about four times the time. The CNN detector costs about 100 times the HOG
detector on a CPU. One view of one face costs about 8 ms of CPU with onnxruntime (about
110 ms with the dlib wheel), so the default six views cost about 50 ms a face. The
caller (ingest) decides the scale; this backend takes the image as given and reports
everything in its pixels.

Invariant: no dlib object exists before a ``DlibBackend`` is constructed, and each
backend owns its own. dlib objects are not shared between threads; build one backend per
worker process. ``embed`` is deterministic unless ``num_jitters`` asks for dlib's random
jitter, which is then logged as not reproducible.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from genkend.errors import FaceError
from genkend.faces.alignment import l2_normalise
from genkend.faces.backend import (
    DetectedFace,
    LandmarkScheme,
    WeightFile,
    as_landmarks,
    check_image,
    clip_box,
    weight_file,
    weights_digest,
)
from genkend.faces.dlib_resnet import CHIP_SIZE, DlibResNet

log = logging.getLogger(__name__)

DIM = 128
SHAPE_PREDICTOR = "shape_predictor_5_face_landmarks.dat"
RECOGNISER = "dlib_face_recognition_resnet_model_v1.dat"
CNN_DETECTOR = "mmod_human_face_detector.dat"
# dlib's ResNet was trained on chips with this much margin around the face.
CHIP_PADDING = 0.25
TILT_DEGREES = 5.0
DEFAULT_RESCUE_SIDE = 160
Detector = Literal["hog", "cnn"]
Augment = Literal["none", "mirror", "mirror+tilt"]
Runtime = Literal["onnxruntime", "dlib"]
# The steps of each ``augment`` choice, as named in the backend's name.
_AUGMENT_STEPS = {
    "none": (),
    "mirror": ("mirror",),
    "mirror+tilt": ("mirror", f"tilt{TILT_DEGREES:g}"),
}


class DlibBackend:
    """dlib face detection (HOG or CNN), 5-point alignment and 128-d ResNet embedding.

    ``detector``: ``"hog"`` (default, fast) or ``"cnn"`` (accurate, slow on CPU).
    ``upsample``: how many times the detector doubles the image first (0: faces of
    about 80 px and up; 1: about 40 px; 2: about 20 px; each step about 4x the time).
    ``adjust_threshold``: added to the HOG detector's threshold (negative finds more,
    weaker faces). ``min_face_size``: drop faces whose box is smaller, in pixels of the
    given image. ``rescue_side``: the side of the scaled copy on which the CNN detector
    looks for close-ups when HOG finds nothing (``None``: never). ``augment`` and
    ``unit_length``: see the module docstring. ``runtime``: what runs the ResNet;
    ``threads``: its threads (one per worker process is the default). ``num_jitters``:
    embed each view this many times from randomly jittered crops (dlib runtime only);
    slower and, because dlib's jitter is random, *not reproducible*, so the default 0 is
    the forensic choice.
    """

    def __init__(
        self,
        *,
        detector: Detector = "hog",
        upsample: int = 1,
        adjust_threshold: float = 0.0,
        min_face_size: int = 0,
        rescue_side: int | None = DEFAULT_RESCUE_SIDE,
        augment: Augment = "mirror+tilt",
        unit_length: bool = True,
        runtime: Runtime = "onnxruntime",
        threads: int = 1,
        num_jitters: int = 0,
    ) -> None:
        _check_options(detector, upsample, min_face_size, rescue_side, augment, runtime)
        if threads < 1 or num_jitters < 0:
            raise FaceError("threads must be at least 1 and num_jitters not negative")
        if num_jitters > 0:
            log.warning("num_jitters=%d: dlib embeddings will not be reproducible", num_jitters)
            runtime = "dlib"
        self._dlib = _import_dlib()
        self._rescue_side = rescue_side if detector == "hog" else None
        self._weights = _weight_files(detector == "cnn" or self._rescue_side is not None)
        steps = "+".join((*_AUGMENT_STEPS[augment], *(("unit",) if unit_length else ())))
        self._name = f"dlib-resnet-v1:{detector}:{weights_digest(self._weights)}" + (
            f":{steps}" if steps else ""
        )
        self._upsample = upsample
        self._adjust_threshold = adjust_threshold
        self._min_face_size = min_face_size
        self._mirror = augment != "none"
        tilt = np.deg2rad(TILT_DEGREES)
        self._tilts = (0.0, tilt, -tilt) if augment == "mirror+tilt" else (0.0,)
        self._unit_length = unit_length
        self._num_jitters = num_jitters
        self._load_models(detector, runtime, threads)

    def _load_models(self, detector: Detector, runtime: Runtime, threads: int) -> None:
        dlib, paths = self._dlib, [str(w.path) for w in self._weights]
        self._shape_predictor = dlib.shape_predictor(paths[0])
        self._resnet: DlibResNet | None = None
        # dlib's own runtime: loaded only when asked for (it holds the weights again).
        self._recogniser: Any = None
        if runtime == "onnxruntime" and importlib.util.find_spec("onnx") is None:
            # The same numbers either way; only the speed differs, so run, but say so.
            log.warning("the onnx package is missing: dlib's ResNet runs in dlib (slower)")
            runtime = "dlib"
        if runtime == "onnxruntime":
            self._resnet = DlibResNet(self._weights[1].path, threads=threads)
        else:
            self._recogniser = dlib.face_recognition_model_v1(paths[1])
        self._hog = dlib.get_frontal_face_detector() if detector == "hog" else None
        self._cnn = dlib.cnn_face_detection_model_v1(paths[2]) if len(paths) > 2 else None

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return DIM

    @property
    def weights(self) -> tuple[WeightFile, ...]:
        return self._weights

    def detect(self, image: NDArray[np.uint8]) -> list[DetectedFace]:
        """Faces in ``image`` (RGB uint8), best score first, with their 5 landmarks."""
        img = check_image(image)
        if self._hog is not None:
            found = self._faces(img, self._run_hog(img), "dlib-hog")
            if found or self._rescue_side is None:
                return found
            return self._faces(img, self._run_rescue(img), "dlib-cnn")
        return self._faces(img, self._run_cnn(img, self._upsample), "dlib-cnn")

    def embed(self, image: NDArray[np.uint8], faces: Sequence[DetectedFace]) -> NDArray[np.float32]:
        """One 128-d embedding per face, aligned from its landmarks, in one batch.

        Faces found by another detector (other landmarks) get dlib's 5 landmarks from the
        shape predictor, run on their box.
        """
        img = check_image(image)
        if not faces:
            return np.zeros((0, DIM), dtype=np.float32)
        shapes = self._dlib.full_object_detections()
        for face in faces:
            shapes.append(self._shape_of(img, face))
        chips = self._chips(img, shapes)
        vectors = self._descriptors(chips).reshape(len(faces), -1, DIM).mean(axis=1)
        out = np.ascontiguousarray(vectors, dtype=np.float32)
        return l2_normalise(out) if self._unit_length else out

    def _chips(self, img: NDArray[np.uint8], shapes: Any) -> NDArray[np.uint8]:
        """Every view of every face, face by face: each tilt, then the mirror images."""
        dlib = self._dlib
        dims = dlib.chip_dims(CHIP_SIZE, CHIP_SIZE)
        views = [
            dlib.chip_details(place.rect, dims, place.angle + tilt)
            for place in dlib.get_face_chip_details(shapes, CHIP_SIZE, CHIP_PADDING)
            for tilt in self._tilts
        ]
        chips = np.stack(dlib.extract_image_chips(img, views))
        if not self._mirror:
            return chips
        per_face = chips.reshape(-1, len(self._tilts), *chips.shape[1:])
        return np.concatenate([per_face, per_face[:, :, :, ::-1]], axis=1).reshape(
            -1, *chips.shape[1:]
        )

    def _descriptors(self, chips: NDArray[np.uint8]) -> NDArray[np.float32]:
        if self._resnet is not None:
            return self._resnet.descriptors(chips)
        try:
            vectors = self._recogniser.compute_face_descriptor(
                list(np.ascontiguousarray(chips)), self._num_jitters
            )
        except RuntimeError as err:
            raise FaceError(f"dlib face recogniser failed: {err}") from err
        return np.asarray([np.asarray(v) for v in vectors], dtype=np.float32).reshape(-1, DIM)

    def _faces(
        self, img: NDArray[np.uint8], found: list[tuple[Any, float]], detector: str
    ) -> list[DetectedFace]:
        height, width = img.shape[:2]
        faces = []
        for rect, score in found:
            if min(rect.width(), rect.height()) < self._min_face_size:
                continue
            # dlib rectangles are inclusive; the record's box is half-open.
            box = clip_box(
                rect.left(), rect.top(), rect.right() + 1, rect.bottom() + 1, width, height
            )
            if box is None:
                continue
            shape = self._shape_predictor(img, rect)
            landmarks = as_landmarks((p.x, p.y) for p in shape.parts())
            faces.append(DetectedFace(box, landmarks, float(score), detector, LandmarkScheme.DLIB5))
        faces.sort(key=lambda f: -f.score)
        return faces

    def _run_hog(self, img: NDArray[np.uint8]) -> list[tuple[Any, float]]:
        try:
            rects, scores, _ = self._hog.run(img, self._upsample, self._adjust_threshold)  # type: ignore[union-attr]
        except RuntimeError as err:
            raise FaceError(f"dlib face detector failed: {err}") from err
        return list(zip(rects, scores, strict=True))

    def _run_cnn(self, img: NDArray[np.uint8], upsample: int) -> list[tuple[Any, float]]:
        try:
            return [(d.rect, d.confidence) for d in self._cnn(img, upsample)]  # type: ignore[misc]
        except RuntimeError as err:
            raise FaceError(f"dlib face detector failed: {err}") from err

    def _run_rescue(self, img: NDArray[np.uint8]) -> list[tuple[Any, float]]:
        """The CNN detector on a copy reduced (or enlarged) to ``rescue_side`` pixels."""
        side = self._rescue_side
        assert side is not None
        height, width = img.shape[:2]
        factor = side / max(height, width)
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        small = np.asarray(Image.fromarray(img).resize(size, Image.Resampling.BILINEAR))
        scale_x, scale_y = width / size[0], height / size[1]
        return [
            (
                self._dlib.rectangle(
                    round(rect.left() * scale_x),
                    round(rect.top() * scale_y),
                    round((rect.right() + 1) * scale_x) - 1,
                    round((rect.bottom() + 1) * scale_y) - 1,
                ),
                score,
            )
            for rect, score in self._run_cnn(np.ascontiguousarray(small), 0)
        ]

    def _shape_of(self, img: NDArray[np.uint8], face: DetectedFace) -> Any:
        x1, y1, x2, y2 = face.box
        rect = self._dlib.rectangle(x1, y1, x2 - 1, y2 - 1)
        if face.landmark_scheme is LandmarkScheme.DLIB5:
            # dlib aligns from the parts alone, so the stored landmarks reproduce the
            # descriptor of detection time exactly (dlib's points are whole pixels).
            points = [self._dlib.point(round(x), round(y)) for x, y in face.landmarks]
            return self._dlib.full_object_detection(rect, points)
        return self._shape_predictor(img, rect)


def _check_options(
    detector: str,
    upsample: int,
    min_face_size: int,
    rescue_side: int | None,
    augment: str,
    runtime: str,
) -> None:
    if detector not in ("hog", "cnn"):
        raise FaceError(f"dlib detector must be 'hog' or 'cnn', got {detector!r}")
    if augment not in _AUGMENT_STEPS:
        raise FaceError(f"augment must be one of {sorted(_AUGMENT_STEPS)}, got {augment!r}")
    if runtime not in ("onnxruntime", "dlib"):
        raise FaceError(f"runtime must be 'onnxruntime' or 'dlib', got {runtime!r}")
    if upsample < 0 or min_face_size < 0:
        raise FaceError("upsample and min_face_size must not be negative")
    if rescue_side is not None and rescue_side < 40:
        raise FaceError("rescue_side must be at least 40 pixels (or None)")


def _weight_files(with_cnn: bool) -> tuple[WeightFile, ...]:
    """The files the backend loads, in a fixed order: their digests name it."""
    files = [
        weight_file("dlib 5-point shape predictor", _model_path(SHAPE_PREDICTOR)),
        weight_file("dlib ResNet face recogniser", _model_path(RECOGNISER)),
    ]
    if with_cnn:
        files.append(weight_file("dlib MMOD face detector", _model_path(CNN_DETECTOR)))
    return tuple(files)


def _import_dlib() -> Any:
    """dlib, imported only when a backend is built."""
    try:
        import dlib
    except ImportError as err:
        raise FaceError("the dlib face backend needs dlib: pip install dlib-bin") from err
    return dlib


def _model_path(file_name: str) -> Path:
    """A weight file shipped in the ``face_recognition_models`` package.

    The package's own ``*_location()`` functions name the same files, but importing it
    imports ``pkg_resources``, which newer setuptools deprecate (a warning) or no longer
    ship; finding the package folder needs no import.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FaceError(
            "the dlib face backend needs its weights: pip install face-recognition-models"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models" / file_name
