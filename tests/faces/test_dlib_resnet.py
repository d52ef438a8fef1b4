"""dlib's ResNet read from its weight file and run by onnxruntime: same numbers as dlib.

The weight file comes from the installed ``face_recognition_models`` package; no photo
is needed: dlib and onnxruntime must agree on any 150x150 chip, so the chips here are
synthetic (smooth shapes and noise drawn with numpy).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genkend.errors import FaceError
from genkend.faces.dlib_backend import RECOGNISER, SHAPE_PREDICTOR, _model_path
from genkend.faces.dlib_resnet import DIM, DlibResNet, read_resnet

pytestmark = pytest.mark.faces

WEIGHTS = _model_path(RECOGNISER)


@pytest.fixture(scope="module")
def resnet() -> DlibResNet:
    return DlibResNet(WEIGHTS)


def synthetic_chips(count: int) -> np.ndarray:
    """Face-sized blobs of varying colour on noisy backgrounds, (count, 150, 150, 3)."""
    rng = np.random.default_rng(7)
    ys, xs = np.mgrid[0:150, 0:150]
    chips = []
    for _ in range(count):
        cx, cy, r = rng.uniform(50, 100), rng.uniform(50, 100), rng.uniform(30, 60)
        blob = ((xs - cx) ** 2 + (ys - cy) ** 2 < r**2)[..., None] * rng.uniform(0, 255, 3)
        noise = rng.normal(0, 25, (150, 150, 3)) + rng.uniform(40, 200)
        chips.append(np.clip(blob + noise * (blob == 0), 0, 255))
    return np.asarray(chips, dtype=np.uint8)


def test_descriptors_equal_dlibs_own(resnet: DlibResNet) -> None:
    import dlib

    chips = synthetic_chips(6)
    expected = np.asarray(
        dlib.face_recognition_model_v1(str(WEIGHTS)).compute_face_descriptor(list(chips), 0)
    )
    found = resnet.descriptors(chips)
    assert found.shape == (6, DIM) and found.dtype == np.float32
    np.testing.assert_allclose(found, expected, atol=1e-5, rtol=0)
    # different chips give different descriptors: the comparison above is not vacuous
    assert np.linalg.norm(found[0] - found[1]) > 0.05


def test_batches_and_single_chips_agree(resnet: DlibResNet) -> None:
    chips = synthetic_chips(3)
    one_by_one = np.concatenate([resnet.descriptors(chip[None]) for chip in chips])
    np.testing.assert_allclose(resnet.descriptors(chips), one_by_one, atol=1e-6)


def test_the_file_is_read_as_the_known_network() -> None:
    net = read_resnet(WEIGHTS)
    assert len(net.units) == 14  # 3 + 4 + 3 + 3 + 1 units at 32, 64, 128, 256, 256 channels
    assert sum(unit.downsample for unit in net.units) == 4
    assert net.stem.weights.shape == (32, 3, 7, 7)
    assert net.projection.shape == (256, DIM)
    assert net.mean == pytest.approx((122.782, 117.001, 104.298), abs=1e-3)


def test_wrong_chips_are_refused(resnet: DlibResNet) -> None:
    assert resnet.descriptors(np.zeros((0, 150, 150, 3), dtype=np.uint8)).shape == (0, DIM)
    with pytest.raises(FaceError, match="150, 150, 3"):
        resnet.descriptors(np.zeros((1, 112, 112, 3), dtype=np.uint8))
    with pytest.raises(FaceError, match="uint8"):
        resnet.descriptors(np.zeros((1, 150, 150, 3), dtype=np.float32))


@pytest.mark.parametrize("cut", [10, 5_000, 2_000_000, -40])
def test_a_truncated_weight_file_is_refused(tmp_path: Path, cut: int) -> None:
    data = WEIGHTS.read_bytes()
    broken = tmp_path / "broken.dat"
    broken.write_bytes(data[:cut])
    with pytest.raises(FaceError, match="not dlib's face ResNet near byte"):
        read_resnet(broken)


def test_another_dlib_model_is_refused() -> None:
    with pytest.raises(FaceError, match="not dlib's face ResNet"):
        read_resnet(_model_path(SHAPE_PREDICTOR))


def test_a_missing_file_is_a_face_error(tmp_path: Path) -> None:
    with pytest.raises(FaceError, match="cannot read"):
        read_resnet(tmp_path / "absent.dat")
