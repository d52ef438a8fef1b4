"""A face backend from two ONNX files the agency supplies: a detector and a recogniser.

Both run with onnxruntime on the CPU; nothing is downloaded and no model is chosen by
guessing from tensor shapes: the layouts below are the contract, and a model that does
not meet it is refused with a ``FaceError`` that says why.

Detector (SCRFD / RetinaFace exported with its decoding built in):

- one input ``(1, 3, H, W)`` float32; ``H`` and ``W`` fixed in the model or, when
  dynamic, ``input_size`` (square). The image is *letterboxed*: scaled to fit, keeping
  its aspect ratio, and padded with black, centred (``letterbox="centre"``) or at the
  bottom and right (``"top-left"``, as insightface pads). Pixels are normalised
  ``(x - mean) / std`` per channel in ``channel_order`` (RGB by default).
- two outputs, by name: ``boxes_output`` (default ``"boxes"``) of shape ``(N, 5)``
  (or ``(1, N, 5)``) holding ``x1, y1, x2, y2, score`` and ``landmarks_output``
  (default ``"landmarks"``) of shape ``(N, 10)`` (or ``(1, N, 10)``, ``(N, 5, 2)``)
  holding the five ``ARCFACE5`` points ``x0, y0, ..., x4, y4``; all coordinates in
  pixels of the letterboxed input.
- genkend then keeps boxes with ``score >= score_threshold``, suppresses overlaps
  (greedy non-maximum suppression, IoU above ``nms_iou``; harmless when the model
  already did it) and maps boxes and landmarks back to the image's pixels.

Recogniser (ArcFace style):

- one input ``(N, 3, 112, 112)`` float32 (batch fixed at 1 or dynamic): the face warped
  by the similarity transform that best maps its five landmarks onto the standard
  ArcFace 112x112 template (``genkend.faces.alignment``), normalised
  ``(x - 127.5) / 127.5`` in ``channel_order``.
- one output ``(N, dim)``. genkend L2-normalises each row, so Euclidean distance
  ``d`` and cosine similarity ``s`` agree in order (``d**2 = 2 - 2s``) and thresholds
  stay distances.

The backend name carries the first 12 hex digits of each file's SHA-256:
``onnx-arcface:det-sha256-<12 hex>:rec-sha256-<12 hex>``.

Invariant: onnxruntime is imported and the sessions are created only when an
``OnnxBackend`` is constructed; sessions are owned by the backend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from genkend.errors import FaceError
from genkend.faces.alignment import ARCFACE_SIZE, align, arcface_input, l2_normalise
from genkend.faces.backend import (
    DetectedFace,
    LandmarkScheme,
    WeightFile,
    as_landmarks,
    check_image,
    clip_box,
    weight_file,
)

DEFAULT_INPUT_SIZE = 640
ChannelOrder = Literal["RGB", "BGR"]
LetterboxAlign = Literal["centre", "top-left"]


@dataclass(frozen=True)
class Letterbox:
    """How an image was fitted into the detector input: per-axis scale, then padding."""

    scale_x: float
    scale_y: float
    pad_x: int
    pad_y: int

    def to_image(self, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        """Map ``(..., 2)`` points from detector-input pixels back to image pixels."""
        out = np.empty_like(xy, dtype=np.float64)
        out[..., 0] = (xy[..., 0] - self.pad_x) / self.scale_x
        out[..., 1] = (xy[..., 1] - self.pad_y) / self.scale_y
        return out


class OnnxBackend:
    """ONNX detector and ArcFace-style recogniser; see the module docstring for layouts."""

    def __init__(
        self,
        detector: str | Path,
        recogniser: str | Path,
        *,
        input_size: int | None = None,
        mean: float | Sequence[float] = 127.5,
        std: float | Sequence[float] = 128.0,
        channel_order: ChannelOrder = "RGB",
        letterbox: LetterboxAlign = "centre",
        score_threshold: float = 0.5,
        nms_iou: float = 0.4,
        min_face_size: int = 0,
        boxes_output: str = "boxes",
        landmarks_output: str = "landmarks",
        threads: int = 1,
    ) -> None:
        if channel_order not in ("RGB", "BGR") or letterbox not in ("centre", "top-left"):
            raise FaceError("channel_order must be RGB or BGR; letterbox centre or top-left")
        if not (score_threshold >= 0 and 0 <= nms_iou <= 1 and min_face_size >= 0 and threads >= 1):
            raise FaceError(
                "need score_threshold >= 0, 0 <= nms_iou <= 1, min_face_size >= 0, threads >= 1"
            )
        ort = _import_onnxruntime()
        self._weights = (
            weight_file("ONNX face detector", detector),
            weight_file("ONNX face recogniser", recogniser),
        )
        det_digest, rec_digest = (w.sha256[:12] for w in self._weights)
        self._name = f"onnx-arcface:det-sha256-{det_digest}:rec-sha256-{rec_digest}"
        self._detector_name = f"onnx-det-sha256-{det_digest}"
        self._det = _session(ort, self._weights[0], threads)
        self._rec = _session(ort, self._weights[1], threads)
        self._det_input, self._det_width, self._det_height = _detector_input(self._det, input_size)
        self._det_outputs = _detector_outputs(self._det, boxes_output, landmarks_output)
        self._mean = _per_channel(mean, "mean")
        self._std = _per_channel(std, "std")
        if np.any(self._std == 0):
            raise FaceError("detector std must not be 0")
        self._bgr = channel_order == "BGR"
        self._letterbox_align = letterbox
        self._score_threshold = score_threshold
        self._nms_iou = nms_iou
        self._min_face_size = min_face_size
        self._rec_input, self._rec_batch = _recogniser_input(self._rec)
        self._dim = _recogniser_dim(self._rec, self._rec_input)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def weights(self) -> tuple[WeightFile, ...]:
        return self._weights

    def detect(self, image: NDArray[np.uint8]) -> list[DetectedFace]:
        """Faces in ``image`` (RGB uint8), best score first, in the image's pixels."""
        img = check_image(image)
        height, width = img.shape[:2]
        blob, fit = self._detector_blob(img)
        raw_boxes, raw_landmarks = self._run_detector(blob)
        keep = raw_boxes[:, 4] >= self._score_threshold
        raw_boxes, raw_landmarks = raw_boxes[keep], raw_landmarks[keep]
        corners = fit.to_image(raw_boxes[:, :4].reshape(-1, 2, 2)).reshape(-1, 4)
        points = fit.to_image(raw_landmarks)
        faces = []
        for i in nms(corners, raw_boxes[:, 4], self._nms_iou):
            x1, y1, x2, y2 = (float(v) for v in corners[i])
            clipped = clip_box(x1, y1, x2, y2, width, height)
            if clipped is None:
                continue
            if min(clipped[2] - clipped[0], clipped[3] - clipped[1]) < self._min_face_size:
                continue
            landmarks = as_landmarks(points[i])
            score = float(raw_boxes[i, 4])
            faces.append(
                DetectedFace(
                    clipped, landmarks, score, self._detector_name, LandmarkScheme.ARCFACE5
                )
            )
        return faces

    def embed(self, image: NDArray[np.uint8], faces: Sequence[DetectedFace]) -> NDArray[np.float32]:
        """One L2-normalised embedding per face, from its ArcFace-aligned 112x112 crop."""
        img = check_image(image)
        if not faces:
            return np.zeros((0, self._dim), dtype=np.float32)
        for face in faces:
            if face.landmark_scheme is not LandmarkScheme.ARCFACE5:
                raise FaceError(
                    f"the ONNX recogniser aligns ARCFACE5 landmarks; got {face.landmark_scheme}"
                    f" from {face.detector}"
                )
        blob = np.stack([arcface_input(align(img, f.landmarks), bgr=self._bgr) for f in faces])
        if self._rec_batch:
            raw = _run(self._rec, {self._rec_input: blob})[0]
        else:
            raw = np.concatenate(
                [_run(self._rec, {self._rec_input: blob[i : i + 1]})[0] for i in range(len(faces))]
            )
        vectors = np.asarray(raw, dtype=np.float32).reshape(len(faces), -1)
        if vectors.shape[1] != self._dim:
            raise FaceError(f"recogniser returned {vectors.shape[1]} values, expected {self._dim}")
        return l2_normalise(vectors)

    def _detector_blob(self, img: NDArray[np.uint8]) -> tuple[NDArray[np.float32], Letterbox]:
        canvas, fit = letterbox(img, self._det_width, self._det_height, self._letterbox_align)
        pixels = canvas.astype(np.float32)
        if self._bgr:
            pixels = pixels[..., ::-1]
        normalised = (pixels - self._mean) / self._std
        return np.ascontiguousarray(normalised.transpose(2, 0, 1)[None], dtype=np.float32), fit

    def _run_detector(
        self, blob: NDArray[np.float32]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        boxes_raw, landmarks_raw = _run(self._det, {self._det_input: blob}, self._det_outputs)
        boxes = np.asarray(boxes_raw, dtype=np.float64)
        landmarks = np.asarray(landmarks_raw, dtype=np.float64)
        if boxes.ndim == 3 and boxes.shape[0] == 1:
            boxes = boxes[0]
        if boxes.ndim != 2 or boxes.shape[1] != 5:
            raise FaceError(
                f"detector output {self._det_outputs[0]!r} has shape {boxes.shape}, expected (N, 5)"
            )
        if landmarks.size != boxes.shape[0] * 10:
            raise FaceError(
                f"detector output {self._det_outputs[1]!r} has shape {landmarks.shape},"
                f" expected ({boxes.shape[0]}, 10)"
            )
        return boxes, landmarks.reshape(-1, 5, 2)


def letterbox(
    image: NDArray[np.uint8], width: int, height: int, align: LetterboxAlign = "centre"
) -> tuple[NDArray[np.uint8], Letterbox]:
    """Fit ``image`` into ``width`` x ``height`` keeping its aspect ratio; pad with black."""
    src_h, src_w = image.shape[:2]
    scale = min(width / src_w, height / src_h)
    new_w = min(max(round(src_w * scale), 1), width)
    new_h = min(max(round(src_h * scale), 1), height)
    resized = np.asarray(Image.fromarray(image).resize((new_w, new_h), Image.Resampling.BILINEAR))
    pad_x, pad_y = ((width - new_w) // 2, (height - new_h) // 2) if align == "centre" else (0, 0)
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    canvas[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized
    return canvas, Letterbox(new_w / src_w, new_h / src_h, pad_x, pad_y)


def nms(boxes: NDArray[np.float64], scores: NDArray[np.float64], max_iou: float) -> list[int]:
    """Indices of the boxes kept by greedy non-maximum suppression, best score first.

    A box is dropped when its intersection-over-union with a kept, better-scoring box
    exceeds ``max_iou``. Ties in score keep the earlier box (stable order).
    """
    order = np.argsort(-scores, kind="stable")
    areas = np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(
        boxes[:, 3] - boxes[:, 1], 0, None
    )
    keep: list[int] = []
    while order.size:
        best, rest = int(order[0]), order[1:]
        keep.append(best)
        width = np.clip(
            np.minimum(boxes[best, 2], boxes[rest, 2]) - np.maximum(boxes[best, 0], boxes[rest, 0]),
            0,
            None,
        )
        height = np.clip(
            np.minimum(boxes[best, 3], boxes[rest, 3]) - np.maximum(boxes[best, 1], boxes[rest, 1]),
            0,
            None,
        )
        inter = width * height
        union = areas[best] + areas[rest] - inter
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[iou <= max_iou]
    return keep


def _run(
    session: Any, feeds: dict[str, NDArray[np.float32]], outputs: list[str] | None = None
) -> list[Any]:
    try:
        result: list[Any] = session.run(outputs, feeds)
    except Exception as err:
        # onnxruntime's errors share no base class narrower than Exception.
        raise FaceError(f"ONNX face model failed to run: {err}") from err
    return result


def _import_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as err:
        raise FaceError("the ONNX face backend needs onnxruntime: pip install onnxruntime") from err
    return onnxruntime


def _session(ort: Any, model: WeightFile, threads: int) -> Any:
    options = ort.SessionOptions()
    # One worker process per core: more threads per session would oversubscribe.
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(model.path), options, providers=["CPUExecutionProvider"])
    except Exception as err:
        # onnxruntime's load errors (InvalidProtobuf, Fail, ...) share no narrower base.
        raise FaceError(f"{model.role} is not a usable ONNX model: {model.path}: {err}") from err


def _detector_input(session: Any, input_size: int | None) -> tuple[str, int, int]:
    inputs = session.get_inputs()
    if len(inputs) != 1 or len(inputs[0].shape) != 4:
        raise FaceError("the ONNX face detector must have one input of shape (1, 3, H, W)")
    _, channels, height, width = inputs[0].shape
    if channels != 3:
        raise FaceError(f"the ONNX face detector input must have 3 channels, got {channels}")
    fixed = isinstance(height, int) and isinstance(width, int)
    if fixed and input_size is not None and (height, width) != (input_size, input_size):
        raise FaceError(
            f"the ONNX face detector takes {width}x{height}; input_size={input_size} conflicts"
        )
    if fixed:
        return inputs[0].name, int(width), int(height)
    size = input_size or DEFAULT_INPUT_SIZE
    return inputs[0].name, size, size


def _detector_outputs(session: Any, boxes: str, landmarks: str) -> list[str]:
    names = [o.name for o in session.get_outputs()]
    missing = [n for n in (boxes, landmarks) if n not in names]
    if missing:
        raise FaceError(
            f"the ONNX face detector has no output {', '.join(map(repr, missing))};"
            f" its outputs are {names} (set boxes_output / landmarks_output)"
        )
    return [boxes, landmarks]


def _recogniser_input(session: Any) -> tuple[str, bool]:
    """The input name, and whether it takes a batch of more than one face."""
    inputs = session.get_inputs()
    if len(inputs) != 1 or len(inputs[0].shape) != 4:
        raise FaceError("the ONNX face recogniser must have one input of shape (N, 3, 112, 112)")
    batch, *chw = inputs[0].shape
    expected = [3, ARCFACE_SIZE, ARCFACE_SIZE]
    if any(isinstance(d, int) and d != e for d, e in zip(chw, expected, strict=True)):
        raise FaceError(
            f"the ONNX face recogniser input is {inputs[0].shape}, expected (N, 3, 112, 112)"
        )
    return inputs[0].name, not (isinstance(batch, int) and batch == 1)


def _recogniser_dim(session: Any, input_name: str) -> int:
    outputs = session.get_outputs()
    if len(outputs) != 1:
        raise FaceError(f"the ONNX face recogniser must have one output, it has {len(outputs)}")
    last = outputs[0].shape[-1] if outputs[0].shape else None
    if isinstance(last, int) and last > 0:
        return last
    # A dynamic output width is only known by running the model once.
    probe = np.zeros((1, 3, ARCFACE_SIZE, ARCFACE_SIZE), dtype=np.float32)
    result = _run(session, {input_name: probe})[0]
    return int(np.asarray(result).reshape(1, -1).shape[1])


def _per_channel(value: float | Sequence[float], what: str) -> NDArray[np.float32]:
    array = np.asarray(value, dtype=np.float32).reshape(-1)
    if array.size == 1:
        array = np.repeat(array, 3)
    if array.size != 3 or not all(math.isfinite(float(v)) for v in array):
        raise FaceError(f"detector {what} must be one number or three, got {value!r}")
    return array
