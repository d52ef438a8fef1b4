"""dlib's face-recognition ResNet, read from dlib's own weight file and run by onnxruntime.

Why: the ``dlib-bin`` wheels are built without a BLAS library, so dlib computes its
convolutions with its own portable loops: about 110 ms per face on one CPU core. The very
same network with the very same weights, run by onnxruntime, takes about 8 ms and gives
the same 128 numbers: the tests compare both runtimes on real and synthetic faces and
allow differences of 1e-5 (about 3e-7 is measured: float32 rounding).

What the network is (dlib's ``anet_type`` from ``dnn_face_recognition_ex.cpp``, the
network of ``dlib_face_recognition_resnet_model_v1.dat``): a 150x150 RGB face chip,
each channel taken as ``(pixel - mean) / 256``; a 7x7 convolution with stride 2,
an affine (frozen batch norm), ReLU and a 3x3 max pool with stride 2; then residual
units of two 3x3 convolutions (each followed by an affine, ReLU between them) whose
output is added to the unit's input, then ReLU. A unit that halves the size uses
stride 2 in its first convolution and adds a 2x2 average pool of its input; where the
two sides differ in size (channels, or one row and column after a stride-2 convolution
with no padding), dlib adds them as if the smaller were padded with zeros at the end,
and so does this graph. Finally a global average pool and a 256x128 matrix, no bias.

dlib's serialisation format (``dlib/serialize.h`` and the layers' own ``serialize``),
the parts this module reads:

- integer: one byte holding the number ``n`` of bytes that follow in its low 4 bits and
  the sign in bit 7, then the magnitude in ``n`` bytes, little-endian;
- floating point: two integers, mantissa ``m`` and exponent ``e``, meaning ``m * 2**e``;
- string: its length as an integer, then its bytes; bool: one byte, ``'0'`` or ``'1'``;
- tensor (version 2): the version, four integers ``n, k, nr, nc``, then
  ``n*k*nr*nc`` little-endian float32 values; alias tensor: version 1, four integers.

A network is written from the loss layer down: the loss details, then one version
integer per layer down to the input layer and its details (mean, size), then each
layer's details from the bottom up, each followed by its bookkeeping (three bools and
three empty tensors; the bottom layer also by its sample expansion factor).

Invariant: the weight file is only read, and nothing is written to disk; a file whose
structure differs in any way from the network above is refused with a ``FaceError``
naming the byte offset, so a different model can never be run by mistake.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from genkend.errors import FaceError

CHIP_SIZE = 150
DIM = 128
_OPSET = 17
_BOOKKEEPING_TENSORS = 3


@dataclass(frozen=True)
class Conv:
    """A convolution: ``weights`` (out, in, rows, cols), ``bias`` (out,)."""

    weights: NDArray[np.float32]
    bias: NDArray[np.float32]
    stride: int
    padding: int


@dataclass(frozen=True)
class Affine:
    """Per-channel ``x * gamma + beta`` (dlib's frozen batch normalisation)."""

    gamma: NDArray[np.float32]
    beta: NDArray[np.float32]


@dataclass(frozen=True)
class Unit:
    """One residual unit; ``downsample``: stride 2 and a 2x2 average pool on the skip."""

    conv1: Conv
    affine1: Affine
    conv2: Conv
    affine2: Affine
    downsample: bool


@dataclass(frozen=True)
class ResNetWeights:
    """Everything the network computes with, as read from the weight file."""

    mean: tuple[float, float, float]
    stem: Conv
    stem_affine: Affine
    units: tuple[Unit, ...]
    projection: NDArray[np.float32]


class DlibResNet:
    """The ResNet of one weight file in an onnxruntime session; ``threads``: its threads."""

    def __init__(self, path: Path, *, threads: int = 1) -> None:
        if threads < 1:
            raise FaceError("threads must be at least 1")
        ort = _import("onnxruntime", "onnxruntime")
        model = resnet_graph(read_resnet(path))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime raises its own exception types
            raise FaceError(f"onnxruntime cannot run the dlib ResNet: {err}") from err

    def descriptors(self, chips: NDArray[np.uint8]) -> NDArray[np.float32]:
        """One 128-d descriptor per aligned 150x150 RGB chip, shape ``(n, 150, 150, 3)``."""
        if chips.dtype != np.uint8 or chips.ndim != 4 or chips.shape[1:] != (150, 150, 3):
            raise FaceError(f"face chips must be uint8 (n, 150, 150, 3), got {chips.shape}")
        if len(chips) == 0:
            return np.zeros((0, DIM), dtype=np.float32)
        try:
            (out,) = self._session.run(None, {"chips": np.ascontiguousarray(chips)})
        except Exception as err:
            raise FaceError(f"onnxruntime failed on the dlib ResNet: {err}") from err
        return np.ascontiguousarray(out, dtype=np.float32)


def read_resnet(path: Path) -> ResNetWeights:
    """Parse dlib's face-recognition ResNet weight file; ``FaceError`` when it is another."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise FaceError(f"cannot read the dlib ResNet weights {path}: {err}") from err
    reader = _Reader(data)
    try:
        return _read_network(reader)
    except (IndexError, ValueError) as err:
        raise FaceError(f"{path}: not dlib's face ResNet near byte {reader.pos}: {err}") from err


def _read_network(reader: _Reader) -> ResNetWeights:
    reader.expect_int(1)
    reader.expect_str("loss_metric_2")
    reader.read_float()  # the training margin
    reader.read_float()  # the training distance threshold
    while reader.peek_str() != "input_rgb_image_sized":
        reader.read_int()  # one version per layer, top-down
    reader.expect_str("input_rgb_image_sized")
    mean = (reader.read_float(), reader.read_float(), reader.read_float())
    reader.expect_int(CHIP_SIZE)
    reader.expect_int(CHIP_SIZE)
    stem = reader.conv()
    reader.bookkeeping(bottom=True)
    stem_affine = reader.affine()
    reader.simple("relu_")
    reader.pool("max_pool_2", size=3, stride=2)
    units = []
    while reader.peek_str() == "con_4":
        units.append(_read_unit(reader))
    reader.pool("avg_pool_2", size=0, stride=1)  # size 0: the whole image
    projection = reader.fc()
    if reader.pos != len(reader.data):
        raise ValueError("unexpected data after the last layer")
    return ResNetWeights(mean, stem, stem_affine, tuple(units), projection)


def _read_unit(reader: _Reader) -> Unit:
    conv1 = reader.conv()
    reader.bookkeeping()
    affine1 = reader.affine()
    reader.simple("relu_")
    conv2 = reader.conv()
    reader.bookkeeping()
    affine2 = reader.affine()
    downsample = reader.peek_str() == "avg_pool_2"
    if downsample:
        reader.pool("avg_pool_2", size=2, stride=2)
    if conv1.stride != (2 if downsample else 1) or conv2.stride != 1:
        raise ValueError("residual unit with unexpected strides")
    reader.simple("add_prev_")
    reader.simple("relu_")
    return Unit(conv1, affine1, conv2, affine2, downsample)


class _Reader:
    """Reads dlib's serialisation format (see the module docstring) from bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def read_int(self) -> int:
        head = self.data[self.pos]
        size = head & 0x0F
        if size > 8:
            raise ValueError(f"bad integer header {head:#x}")
        value = int.from_bytes(self.data[self.pos + 1 : self.pos + 1 + size], "little")
        self.pos += 1 + size
        return -value if head & 0x80 else value

    def read_float(self) -> float:
        mantissa = self.read_int()
        exponent = self.read_int()
        return math.ldexp(mantissa, exponent)

    def read_str(self) -> str:
        length = self.read_int()
        raw = self.data[self.pos : self.pos + length]
        self.pos += length
        return raw.decode("ascii")

    def peek_str(self) -> str | None:
        """The string at the current position, if there is a short one; never moves."""
        start = self.pos
        try:
            text = self.read_str()
        except (IndexError, ValueError):
            text = None
        self.pos = start
        return text if text and text.replace("_", "").isalnum() else None

    def read_bool(self) -> bool:
        value = self.data[self.pos : self.pos + 1]
        if value not in (b"0", b"1"):
            raise ValueError(f"bad bool {value!r}")
        self.pos += 1
        return value == b"1"

    def tensor(self) -> NDArray[np.float32]:
        self.expect_int(2)
        shape = tuple(self.read_int() for _ in range(4))
        count = math.prod(shape)
        end = self.pos + 4 * count
        if end > len(self.data):
            raise ValueError("tensor runs past the end of the file")
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos)
        self.pos = end
        return values.astype(np.float32).reshape(shape)

    def alias(self) -> tuple[int, ...]:
        self.expect_int(1)
        return tuple(self.read_int() for _ in range(4))

    def expect_int(self, expected: int) -> None:
        if (value := self.read_int()) != expected:
            raise ValueError(f"expected {expected}, found {value}")

    def expect_str(self, expected: str) -> None:
        if (value := self.read_str()) != expected:
            raise ValueError(f"expected {expected!r}, found {value!r}")

    def bookkeeping(self, *, bottom: bool = False) -> None:
        """The training state dlib writes after each layer: 3 bools, 3 empty tensors."""
        for _ in range(3):
            self.read_bool()
        for _ in range(_BOOKKEEPING_TENSORS):
            if self.tensor().size:
                raise ValueError("unexpected training state in the weight file")
        if bottom:
            self.expect_int(1)  # the sample expansion factor of the input layer

    def conv(self) -> Conv:
        self.expect_str("con_4")
        params = self.tensor().ravel()
        filters, rows, cols, stride_y, stride_x, pad_y, pad_x = (self.read_int() for _ in range(7))
        shape = self.alias()
        self.alias()  # the biases, after the filters
        for _ in range(4):
            self.read_float()  # learning-rate and weight-decay multipliers
        if rows != cols or stride_y != stride_x or pad_y != pad_x or shape[0] != filters:
            raise ValueError("unexpected convolution shape")
        count = math.prod(shape)
        if params.size != count + filters:
            raise ValueError("convolution parameters do not match its shape")
        weights = params[:count].reshape(shape)
        return Conv(weights, params[count:].copy(), stride_y, pad_y)

    def affine(self) -> Affine:
        self.expect_str("affine_")
        params = self.tensor().ravel()
        self.alias()
        self.alias()
        self.expect_int(0)  # CONV_MODE: one gamma and beta per channel
        half = params.size // 2
        self.bookkeeping()
        return Affine(params[:half].copy(), params[half:].copy())

    def simple(self, name: str) -> None:
        self.expect_str(name)
        self.bookkeeping()

    def pool(self, name: str, *, size: int, stride: int) -> None:
        self.expect_str(name)
        found = tuple(self.read_int() for _ in range(6))
        if found != (size, size, stride, stride, 0, 0):
            raise ValueError(f"unexpected {name} parameters {found}")
        self.bookkeeping()

    def fc(self) -> NDArray[np.float32]:
        self.expect_str("fc_2")
        outputs, inputs = self.read_int(), self.read_int()
        params = self.tensor().ravel()
        self.alias()
        self.alias()
        self.expect_int(1)  # FC_NO_BIAS (FC_HAS_BIAS is 0)
        for _ in range(4):
            self.read_float()
        self.bookkeeping()
        if outputs != DIM or params.size != inputs * outputs:
            raise ValueError("unexpected final layer shape")
        return params.reshape(inputs, outputs).copy()


def resnet_graph(net: ResNetWeights) -> bytes:
    """The network as a serialised ONNX model: input ``chips`` uint8 (n, 150, 150, 3)."""
    onnx = _import("onnx", "onnx")
    graph = _GraphBuilder(onnx)
    x = graph.node("Cast", ["chips"], to=onnx.TensorProto.FLOAT)
    x = graph.node("Transpose", [x], perm=[0, 3, 1, 2])
    mean = np.asarray(net.mean, dtype=np.float32).reshape(1, 3, 1, 1)
    x = graph.node("Sub", [x, graph.const(mean)])
    x = graph.node("Mul", [x, graph.const(np.float32(1.0 / 256.0))])
    size = (3, CHIP_SIZE)
    x, size = graph.conv(x, net.stem, size)
    x = graph.node("Relu", [graph.affine(x, net.stem_affine)])
    x, size = graph.pool(x, "MaxPool", 3, 2, size)
    for unit in net.units:
        x, size = graph.unit(x, unit, size)
    x = graph.node("Flatten", [graph.node("GlobalAveragePool", [x])])
    graph.node("MatMul", [x, graph.const(net.projection)], out="descriptors")
    return graph.model()


class _GraphBuilder:
    """Appends ONNX nodes; ``size`` is (channels, side) of the square feature map."""

    def __init__(self, onnx: Any) -> None:
        self.onnx = onnx
        self.nodes: list[Any] = []
        self.initialisers: list[Any] = []

    def _name(self, prefix: str) -> str:
        return f"{prefix}_{len(self.nodes) + len(self.initialisers)}"

    def const(self, value: NDArray[Any] | np.generic) -> str:
        name = self._name("w")
        array = np.ascontiguousarray(value)
        self.initialisers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: Sequence[str], *, out: str = "", **attrs: Any) -> str:
        out = out or self._name(op.lower())
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), [out], **attrs))
        return out

    def conv(self, x: str, conv: Conv, size: tuple[int, int]) -> tuple[str, tuple[int, int]]:
        kernel = conv.weights.shape[2]
        y = self.node(
            "Conv",
            [x, self.const(conv.weights), self.const(conv.bias)],
            kernel_shape=[kernel, kernel],
            strides=[conv.stride, conv.stride],
            pads=[conv.padding] * 4,
        )
        side = (size[1] + 2 * conv.padding - kernel) // conv.stride + 1
        return y, (conv.weights.shape[0], side)

    def affine(self, x: str, affine: Affine) -> str:
        gamma = self.const(affine.gamma.reshape(1, -1, 1, 1))
        beta = self.const(affine.beta.reshape(1, -1, 1, 1))
        return self.node("Add", [self.node("Mul", [x, gamma]), beta])

    def pool(
        self, x: str, op: str, window: int, stride: int, size: tuple[int, int]
    ) -> tuple[str, tuple[int, int]]:
        y = self.node(op, [x], kernel_shape=[window, window], strides=[stride, stride])
        return y, (size[0], (size[1] - window) // stride + 1)

    def unit(self, x: str, unit: Unit, size: tuple[int, int]) -> tuple[str, tuple[int, int]]:
        y, y_size = self.conv(x, unit.conv1, size)
        y = self.node("Relu", [self.affine(y, unit.affine1)])
        y, y_size = self.conv(y, unit.conv2, y_size)
        y = self.affine(y, unit.affine2)
        skip, skip_size = (x, size)
        if unit.downsample:
            skip, skip_size = self.pool(x, "AveragePool", 2, 2, size)
        out_size = (max(y_size[0], skip_size[0]), max(y_size[1], skip_size[1]))
        total = self.node(
            "Add", [self._pad(skip, skip_size, out_size), self._pad(y, y_size, out_size)]
        )
        return self.node("Relu", [total]), out_size

    def _pad(self, x: str, size: tuple[int, int], target: tuple[int, int]) -> str:
        """Zeros after the end of each axis, as dlib's add of unequal tensors assumes."""
        if size == target:
            return x
        extra = target[1] - size[1]
        pads = np.array([0, 0, 0, 0, 0, target[0] - size[0], extra, extra], dtype=np.int64)
        return self.node("Pad", [x, self.const(pads)], mode="constant")

    def model(self) -> bytes:
        helper, tensor = self.onnx.helper, self.onnx.TensorProto
        graph = helper.make_graph(
            self.nodes,
            "dlib_face_recognition_resnet_model_v1",
            [helper.make_tensor_value_info("chips", tensor.UINT8, ["n", CHIP_SIZE, CHIP_SIZE, 3])],
            [helper.make_tensor_value_info("descriptors", tensor.FLOAT, ["n", DIM])],
            self.initialisers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)])
        model.ir_version = 8
        self.onnx.checker.check_model(model)
        serialised: bytes = model.SerializeToString()
        return serialised


def _import(module: str, package: str) -> Any:
    """An optional module, or a ``FaceError`` that names the package to install."""
    try:
        return __import__(module)
    except ImportError as err:
        raise FaceError(
            f"running dlib's ResNet with onnxruntime needs: pip install {package}"
        ) from err
