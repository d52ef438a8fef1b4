"""Fixtures for the face backends: the real-photo folder, a shared dlib backend, and tiny
ONNX models built with ``onnx.helper`` so the ONNX backend's own code is exercised.

The tiny detector (``build_detector``) looks for bright pixels: it normalises nothing
itself, takes the grey mean of its (already normalised) input, marks pixels above 0, and
outputs boxes derived from the bounding box ``(x1, y1, x2, y2)`` of the marked pixels
and ``s`` = 1 when any pixel is marked, else 0. Four rows, in input pixels:

    0: (x1, y1, x2, y2)               score s          the face
    1: the face shifted by (+2, +2)   score 0.9 s      an overlapping duplicate (NMS)
    2: (2, 20, 10, 28)                score 0.3        a weak box (score threshold)
    3: the face shifted right by its width + 4, score 0.8 s   a separate face

Landmarks of each row are the ArcFace template scaled into that row's box. The tiny
recogniser is flatten + a fixed random projection to ``dim`` values.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from genkend.faces.alignment import ARCFACE_SIZE, ARCFACE_TEMPLATE

FACE_DATA = Path(
    os.environ.get("GENKEND_TEST_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")
)
OPSET = 17

DetectorBuilder = Callable[..., Path]
RecogniserBuilder = Callable[..., Path]


@pytest.fixture(scope="session")
def face_data() -> Path:
    """The real adult face photos (``faces-dev``, ``multi-dev``); skip when absent."""
    if not (FACE_DATA / "faces-dev" / "labels.csv").is_file():
        pytest.skip(f"real face photos not found at {FACE_DATA} (set GENKEND_TEST_DATA)")
    return FACE_DATA


@pytest.fixture(scope="session")
def dlib_hog() -> object:
    """One HOG dlib backend for the session: loading the ResNet takes a while."""
    from genkend.faces.dlib_backend import DlibBackend

    return DlibBackend(detector="hog", upsample=1)


def _save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def _row_matrices() -> tuple[np.ndarray, np.ndarray]:
    """Box and landmark rows as linear maps of the feature (x1, y1, x2, y2, s, 1)."""
    x1, y1, x2, y2, s, one = np.eye(6, dtype=np.float32)
    shift_right = (x2 - x1) + 4 * one
    rows = [
        (x1, y1, x2, y2, s),
        (x1 + 2 * one, y1 + 2 * one, x2 + 2 * one, y2 + 2 * one, 0.9 * s),
        (2 * one, 20 * one, 10 * one, 28 * one, 0.3 * one),
        (x1 + shift_right, y1, x2 + shift_right, y2, 0.8 * s),
    ]
    boxes = np.stack([col for row in rows for col in row], axis=1)
    fractions = ARCFACE_TEMPLATE / ARCFACE_SIZE
    marks = []
    for bx1, by1, bx2, by2, _ in rows:
        for fx, fy in fractions:
            marks.append((1 - fx) * bx1 + fx * bx2)
            marks.append((1 - fy) * by1 + fy * by2)
    return boxes, np.stack(marks, axis=1).astype(np.float32)


def _detector_graph(size: int | None, boxes_name: str) -> onnx.GraphProto:
    side = size if size is not None else "S"
    count = size if size is not None else 64
    box_matrix, mark_matrix = _row_matrices()
    consts = [
        numpy_helper.from_array(np.arange(count, dtype=np.float32) + 1, "ramp_hi"),
        numpy_helper.from_array(count - np.arange(count, dtype=np.float32), "ramp_lo"),
        numpy_helper.from_array(np.array(count, dtype=np.float32), "side"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
        numpy_helper.from_array(np.array([1, 1], dtype=np.int64), "one_one"),
        numpy_helper.from_array(np.ones((1, 1), dtype=np.float32), "ones"),
        numpy_helper.from_array(box_matrix, "box_matrix"),
        numpy_helper.from_array(mark_matrix, "mark_matrix"),
        numpy_helper.from_array(np.array([4, 5], dtype=np.int64), "box_shape"),
        numpy_helper.from_array(np.array([4, 10], dtype=np.int64), "mark_shape"),
    ]
    n = helper.make_node
    nodes = [
        n("ReduceMean", ["image"], ["grey"], axes=[1], keepdims=1),
        n("Greater", ["grey", "zero"], ["bright"]),
        n("Cast", ["bright"], ["mask"], to=TensorProto.FLOAT),
        n("ReduceMax", ["mask"], ["cols"], axes=[1, 2], keepdims=0),
        n("ReduceMax", ["mask"], ["rows"], axes=[1, 3], keepdims=0),
        n("ReduceMax", ["mask"], ["any"], keepdims=0),
    ]
    for axis, line in (("x", "cols"), ("y", "rows")):
        nodes += [
            n("Mul", [line, "ramp_hi"], [f"{axis}_hi"]),
            n("ReduceMax", [f"{axis}_hi"], [f"{axis}2"], keepdims=0),
            n("Mul", [line, "ramp_lo"], [f"{axis}_lo"]),
            n("ReduceMax", [f"{axis}_lo"], [f"{axis}_lo_max"], keepdims=0),
            n("Sub", ["side", f"{axis}_lo_max"], [f"{axis}1"]),
        ]
    for name in ("x1", "y1", "x2", "y2", "any"):
        nodes.append(n("Reshape", [name, "one_one"], [f"{name}_2d"]))
    nodes += [
        n("Concat", ["x1_2d", "y1_2d", "x2_2d", "y2_2d", "any_2d", "ones"], ["feature"], axis=1),
        n("MatMul", ["feature", "box_matrix"], ["box_flat"]),
        n("Reshape", ["box_flat", "box_shape"], [boxes_name]),
        n("MatMul", ["feature", "mark_matrix"], ["mark_flat"]),
        n("Reshape", ["mark_flat", "mark_shape"], ["landmarks"]),
    ]
    return helper.make_graph(
        nodes,
        "bright_square_detector",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, side, side])],
        [
            helper.make_tensor_value_info(boxes_name, TensorProto.FLOAT, [4, 5]),
            helper.make_tensor_value_info("landmarks", TensorProto.FLOAT, [4, 10]),
        ],
        initializer=consts,
    )


def _recogniser_graph(dim: int, seed: int, batch: int | str) -> onnx.GraphProto:
    pixels = 3 * ARCFACE_SIZE * ARCFACE_SIZE
    projection = np.random.default_rng(seed).normal(0, 1, (pixels, dim)).astype(np.float32)
    nodes = [
        helper.make_node("Flatten", ["face"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "projection"], ["embedding"]),
    ]
    return helper.make_graph(
        nodes,
        "projection_recogniser",
        [helper.make_tensor_value_info("face", TensorProto.FLOAT, [batch, 3, 112, 112])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [batch, dim])],
        initializer=[numpy_helper.from_array(projection, "projection")],
    )


@pytest.fixture
def build_detector(tmp_path: Path) -> DetectorBuilder:
    """``build(size=64, boxes_name="boxes", file="det.onnx") -> Path``; size None: dynamic."""

    def build(size: int | None = 64, boxes_name: str = "boxes", file: str = "det.onnx") -> Path:
        return _save(_detector_graph(size, boxes_name), tmp_path / file)

    return build


@pytest.fixture
def build_recogniser(tmp_path: Path) -> RecogniserBuilder:
    """``build(dim=8, seed=0, batch="N", file="rec.onnx") -> Path`` (batch 1: fixed)."""

    def build(dim: int = 8, seed: int = 0, batch: int | str = "N", file: str = "rec.onnx") -> Path:
        return _save(_recogniser_graph(dim, seed, batch), tmp_path / file)

    return build
