"""Tests for genkend.hashes.digests: exact digests, Hamming distance, PDQ.

Perceptual hashers share one contract test class, run over the example values each hash
type ships with (``EXAMPLES``). PDQ is also checked bit for bit against a small numpy
implementation of the reference algorithm, written here as the test oracle.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image

from genkend.hashes import digests as hashing
from genkend.hashes.digests import PdqHasher, PerceptualHasher, hamming, pdq_from_hex, pdq_to_hex
from genkend.records import Digests

# ------------------------------------------------------------------------ exact digests


class _CountingReader(io.BytesIO):
    """Remembers how many bytes each read asked for."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.requests: list[int] = []

    def read(self, size: int | None = -1, /) -> bytes:
        self.requests.append(-1 if size is None else size)
        return super().read(size)


def _expected(data: bytes) -> Digests:
    return Digests(
        md5=hashlib.md5(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )


def test_digest_of_a_multi_chunk_file_equals_hashlib(tmp_path: Path) -> None:
    data = np.random.default_rng(3).bytes(2 * hashing.CHUNK_SIZE + 12_345)
    path = tmp_path / "evidence.bin"
    path.write_bytes(data)
    with path.open("rb") as fp:
        assert hashing.digest(fp) == _expected(data)


def test_digest_reads_in_bounded_chunks() -> None:
    data = bytes(range(256)) * 40  # 10,240 bytes
    reader = _CountingReader(data)
    assert hashing.digest(reader, chunk_size=1000) == _expected(data)
    assert reader.requests == [1000] * 12  # 11 chunks, then the empty read at the end


def test_digest_of_an_empty_file_is_the_well_known_empty_digest() -> None:
    digests = hashing.digest(io.BytesIO(b""))
    assert digests.md5 == "d41d8cd98f00b204e9800998ecf8427e"
    assert digests.sha1 == "da39a3ee5e6b4b0d3255bfef95601890afd80709"
    assert digests.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert digests.size == 0


def test_digest_bytes_equals_the_streaming_digest() -> None:
    data = b"the same bytes, in memory or streamed" * 100
    assert hashing.digest_bytes(data) == hashing.digest(io.BytesIO(data), chunk_size=7)
    assert hashing.digest_bytes(data) == _expected(data)


def test_digest_rejects_a_meaningless_chunk_size() -> None:
    with pytest.raises(ValueError):
        hashing.digest(io.BytesIO(b"x"), chunk_size=0)


# ---------------------------------------------------------------------- Hamming and hex


def test_hamming_counts_differing_bits() -> None:
    assert hamming(b"\x00\x00", b"\x00\x00") == 0
    assert hamming(b"\x0f\x00", b"\x00\x01") == 5
    assert hamming(b"\x00" * 32, b"\xff" * 32) == 256
    assert hamming(b"\x12\x34", b"\xab\xcd") == hamming(b"\xab\xcd", b"\x12\x34")


def test_hamming_refuses_hashes_of_different_length() -> None:
    with pytest.raises(ValueError, match="length"):
        hamming(b"\x00" * 32, b"\x00" * 31)


def test_pdq_hex_round_trip() -> None:
    text = "8463EE230663CC039043C88999DC6B9C93542AE9937667BE377E67B9E6669546"
    value = pdq_from_hex(f"  {text}\n")
    assert len(value) == 32
    assert value[:2] == b"\x84\x63"
    assert pdq_to_hex(value) == text.lower()


@pytest.mark.parametrize(
    "text",
    ["", "00" * 31, "00" * 33, "g" * 64, "00" * 16 + " " + "00" * 15 + "0", "0x" + "0" * 62],
    ids=["empty", "short", "long", "not-hex", "inner-space", "prefix"],
)
def test_pdq_from_hex_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="PDQ"):
        pdq_from_hex(text)


def test_pdq_to_hex_refuses_a_wrong_length() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        pdq_to_hex(b"\x00" * 31)


# --------------------------------------------------------------------- example pictures


def _example_picture() -> Image.Image:
    """512 x 384: gradients, a checkerboard and three blocks, from integer arithmetic only.

    No codec and no resampling is involved, so its hash depends on PDQ alone.
    """
    y, x = np.mgrid[0:384, 0:512]
    pixels = np.stack([x * 255 // 511, y * 255 // 383, ((x // 64 + y // 64) % 2) * 160 + 40], 2)
    for x0, y0, x1, y1, colour in [
        (40, 40, 200, 150, (250, 250, 250)),
        (300, 200, 480, 360, (10, 10, 10)),
        (220, 60, 280, 330, (250, 200, 0)),
    ]:
        pixels[y0:y1, x0:x1] = colour
    return Image.fromarray(pixels.astype(np.uint8))


def _other_picture() -> Image.Image:
    """A different scene: rings, a reversed gradient and a diagonal pattern."""
    y, x = np.mgrid[0:384, 0:512]
    pixels = np.stack(
        [
            ((x - 256) ** 2 + (y - 192) ** 2) // 400 % 256,
            255 - y * 255 // 383,
            (x * y) // 771 % 256,
        ],
        2,
    )
    return Image.fromarray(pixels.astype(np.uint8))


def _recompressed(picture: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=quality)
    with Image.open(io.BytesIO(out.getvalue())) as decoded:
        return decoded.convert("RGB")


NEAR_COPIES: Mapping[str, Callable[[Image.Image], Image.Image]] = {
    "half-size": lambda p: p.resize((p.width // 2, p.height // 2), Image.Resampling.BICUBIC),
    "double-size": lambda p: p.resize((p.width * 2, p.height * 2), Image.Resampling.BILINEAR),
    "jpeg-q50": lambda p: _recompressed(p, 50),
    "shrunk-and-jpeg-q60": lambda p: _recompressed(p.resize((300, 225)), 60),
    "brighter": lambda p: Image.eval(p, lambda v: min(255, v + 20)),
}


@dataclass(frozen=True)
class HasherExample:
    """The example values a perceptual hash type ships with, for the contract tests."""

    hasher: PerceptualHasher
    picture: Callable[[], Image.Image]
    expected_hex: str
    expected_quality: int
    near_max_distance: int
    far_min_distance: int
    far: Mapping[str, Callable[[], Image.Image]] = field(default_factory=dict)


EXAMPLES = [
    HasherExample(
        hasher=PdqHasher(),
        picture=_example_picture,
        expected_hex="8463ee230663cc039043c88999dc6b9c93542ae9937667be377e67b9e6669546",
        expected_quality=100,
        # Measured: at most 12 bits for these copies; PDQ's own match threshold is 31.
        near_max_distance=16,
        far_min_distance=96,
        far={
            "other-scene": _other_picture,
            "mirrored": lambda: _example_picture().transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        },
    ),
]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.hasher.name)
class TestPerceptualHasherContract:
    """What every perceptual hasher promises, checked against its example values."""

    def _hash(self, example: HasherExample, picture: Image.Image) -> bytes:
        result = example.hasher.hash(picture)
        assert result is not None
        value: bytes = result.value
        return value

    def test_pinned_example_value(self, example: HasherExample) -> None:
        result = example.hasher.hash(example.picture())
        assert result is not None
        assert result.hex == example.expected_hex
        assert result.quality == example.expected_quality
        assert result.algorithm == example.hasher.name

    def test_value_has_the_declared_number_of_bits(self, example: HasherExample) -> None:
        assert len(self._hash(example, example.picture())) * 8 == example.hasher.bits

    def test_hashing_is_deterministic(self, example: HasherExample) -> None:
        assert self._hash(example, example.picture()) == self._hash(example, example.picture())

    @pytest.mark.parametrize("copy", sorted(NEAR_COPIES))
    def test_altered_copies_stay_close(self, example: HasherExample, copy: str) -> None:
        original = self._hash(example, example.picture())
        altered = self._hash(example, NEAR_COPIES[copy](example.picture()))
        assert hamming(original, altered) <= example.near_max_distance

    def test_different_pictures_are_far(self, example: HasherExample) -> None:
        original = self._hash(example, example.picture())
        for name, make in example.far.items():
            distance = hamming(original, self._hash(example, make()))
            assert distance >= example.far_min_distance, name

    @pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK"])
    def test_any_picture_mode_is_hashed_as_rgb(self, example: HasherExample, mode: str) -> None:
        picture = example.picture()
        distance = hamming(self._hash(example, picture), self._hash(example, picture.convert(mode)))
        assert distance <= example.near_max_distance

    def test_the_callers_picture_is_left_alone(self, example: HasherExample) -> None:
        picture = example.picture().resize((2048, 1536))
        before = picture.tobytes()
        self._hash(example, picture)
        assert picture.size == (2048, 1536)
        assert picture.tobytes() == before


# ------------------------------------------------------------------ PDQ: reference oracle


def _reference_box(values: np.ndarray, window: int, axis: int) -> np.ndarray:
    """PDQ's 1-D box filter: the mean over a window clipped at the edges.

    The reference sums ``window - half`` values before and ``half - 1`` after each
    position, with ``half = (window + 2) // 2``.
    """
    half = (window + 2) // 2
    before, after = window - half, half - 1
    length = values.shape[axis]
    sums = np.cumsum(values, axis=axis)
    sums = np.concatenate([np.zeros_like(np.take(sums, [0], axis=axis)), sums], axis=axis)
    index = np.arange(length)
    low, high = np.maximum(index - before, 0), np.minimum(index + after, length - 1)
    counts = (high - low + 1).astype(np.float64)
    shape = (-1, 1) if axis == 0 else (1, -1)
    total = np.take(sums, high + 1, axis=axis) - np.take(sums, low, axis=axis)
    return np.asarray(total / counts.reshape(shape))


def _reference_pdq(picture: Image.Image) -> tuple[str, int]:
    """PDQ hex and quality as Meta's reference computes them (hashing.pdf, Hash256).

    Luma; two passes of box filters sized 1/128 of the picture along each axis; 64 x 64
    samples; the 16 x 16 lowest DCT frequencies beyond the constant one; bit
    ``i * 16 + j`` set when frequency (i, j) is above the median; printed as sixteen
    16-bit words, last word first, each as four hex digits.
    """
    rgb = np.asarray(picture.convert("RGB"), dtype=np.float64)
    luma = rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114
    rows, cols = luma.shape
    for _ in range(2):
        luma = _reference_box(luma, math.ceil(cols / 128), axis=1)
        luma = _reference_box(luma, math.ceil(rows / 128), axis=0)
    samples = luma[
        np.ix_(
            ((np.arange(64) + 0.5) * rows / 64).astype(int),
            ((np.arange(64) + 0.5) * cols / 64).astype(int),
        )
    ]
    gradients = np.concatenate([np.diff(samples, axis=0).ravel(), np.diff(samples, axis=1).ravel()])
    quality = min(100, int(np.abs(np.trunc(gradients * 100 / 255)).sum() // 90))
    i, j = np.mgrid[0:16, 0:64]
    dct = np.cos(math.pi / 2 / 64 * (i + 1) * (2 * j + 1))
    frequencies = dct @ samples @ dct.T
    # Any threshold between the 128th and the 129th value sets the same 128 bits.
    above = (frequencies > np.median(frequencies)).ravel()
    words = [0] * 16
    for k in np.flatnonzero(above).tolist():
        words[k >> 4] |= 1 << (k & 15)
    return "".join(f"{word:04x}" for word in reversed(words)), quality


def _blocky(seed: int, width: int, height: int) -> Image.Image:
    cells = np.random.default_rng(seed).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    return Image.fromarray(cells).resize((width, height), Image.Resampling.BICUBIC)


@pytest.mark.parametrize(
    "picture",
    [_example_picture, _other_picture, lambda: _blocky(1, 400, 300), lambda: _blocky(2, 257, 511)],
    ids=["example", "other", "blocky-400x300", "blocky-257x511"],
)
def test_pdq_hex_matches_the_reference_algorithm(picture: Callable[[], Image.Image]) -> None:
    # A bit-order mistake (bytes, words or bits reversed) would differ in about half the
    # bits; this must match exactly.
    result = PdqHasher().hash(picture())
    assert result is not None
    assert (result.hex, result.quality) == _reference_pdq(picture())


# ------------------------------------------------------------------------ PDQ specifics


def test_pdq_is_fed_at_most_512_pixels_per_side(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[tuple[int, ...], np.dtype[np.generic]]] = []
    compute = pdqhash.compute

    def spy(pixels: np.ndarray) -> tuple[np.ndarray, int]:
        seen.append((pixels.shape, pixels.dtype))
        return compute(pixels)  # type: ignore[no-any-return]

    monkeypatch.setattr(pdqhash, "compute", spy)
    PdqHasher().hash(_example_picture().resize((2000, 1500)))
    assert seen == [((384, 512, 3), np.dtype(np.uint8))]


def test_pdq_of_a_flat_picture_is_returned_with_zero_quality() -> None:
    result = PdqHasher().hash(Image.new("RGB", (300, 200), (128, 128, 128)))
    assert result is not None
    assert result.quality == 0  # callers filter on quality; the hash is still given
    assert len(result.value) == 32


def test_pdq_of_a_picture_without_pixels_is_none() -> None:
    assert PdqHasher().hash(Image.new("RGB", (0, 0))) is None


def test_pdq_of_a_tiny_picture_still_hashes() -> None:
    result = PdqHasher().hash(_example_picture().resize((3, 2)))
    assert result is not None
    assert 0 <= result.quality <= 100


def test_pdq_hasher_refuses_a_working_size_below_pdqs_own() -> None:
    with pytest.raises(ValueError):
        PdqHasher(max_side=32)


def test_pdq_hasher_is_a_perceptual_hasher() -> None:
    hasher: PerceptualHasher = PdqHasher()
    assert (hasher.name, hasher.bits) == ("pdq", 256)
