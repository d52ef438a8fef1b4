"""Exact digests and perceptual hashes of media.

Responsibility: compute the hashes that hash sets are matched on. Exact digests (MD5,
SHA-1, SHA-256) identify a file's bytes; perceptual hashes (PDQ) identify a picture's look.

Invariants:

- ``digest`` reads a stream once, front to back, holding one chunk at a time, however
  large the file.
- A perceptual hash value is raw bytes in the algorithm's standard bit order, so its hex
  form (``PerceptualHash.hex``, ``pdq_to_hex``) is exactly what the reference
  implementation prints and what hash sets carry.
- Hashes are compared by Hamming distance (the number of differing bits): a distance,
  never a similarity; smaller is closer.
"""

from __future__ import annotations

import hashlib
import re
from typing import BinaryIO, Protocol

import numpy as np
import pdqhash
from PIL import Image

from genkend.records import Digests, PerceptualHash

__all__ = [
    "CHUNK_SIZE",
    "PDQ_BITS",
    "PDQ_MAX_SIDE",
    "PdqHasher",
    "PerceptualHasher",
    "digest",
    "digest_bytes",
    "hamming",
    "pdq_from_hex",
    "pdq_to_hex",
]

CHUNK_SIZE = 1 << 20
"""Bytes read per step by ``digest``: large enough for speed, small enough for memory."""

PDQ_BITS = 256
PDQ_MAX_SIDE = 512
"""Longest side of the picture handed to PDQ (see ``PdqHasher``)."""

_PDQ_HEX = re.compile(r"[0-9a-fA-F]{64}")


# ------------------------------------------------------------------------ exact digests


def digest(fp: BinaryIO, chunk_size: int = CHUNK_SIZE) -> Digests:
    """MD5, SHA-1 and SHA-256 of everything left in ``fp``, in one streaming pass.

    Memory stays at one chunk whatever the size of the file; the stream is read to its
    end and not rewound.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    # MD5 and SHA-1 name files in hash sets; they protect nothing here, which is what
    # usedforsecurity=False tells FIPS-restricted builds of OpenSSL.
    md5 = hashlib.md5(usedforsecurity=False)
    sha1 = hashlib.sha1(usedforsecurity=False)
    sha256 = hashlib.sha256()
    size = 0
    while chunk := fp.read(chunk_size):
        md5.update(chunk)
        sha1.update(chunk)
        sha256.update(chunk)
        size += len(chunk)
    return Digests(md5=md5.hexdigest(), sha1=sha1.hexdigest(), sha256=sha256.hexdigest(), size=size)


def digest_bytes(data: bytes) -> Digests:
    """The digests of content already in memory."""
    return Digests(
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha1=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )


# -------------------------------------------------------------------- perceptual hashes


class PerceptualHasher(Protocol):
    """A kind of perceptual hash: a short fingerprint of how a picture looks.

    An exact digest changes completely when one byte of a file changes, so a picture
    that was resized, recompressed, or saved in another format no longer matches a
    hash set by MD5 or SHA-256. A perceptual hash is computed from the pixels instead:
    it reduces the picture to its coarse structure (for PDQ: luminance, shrunk to 64 x 64,
    its lowest 16 x 16 frequencies) and keeps one bit per feature. Pictures that look
    alike get hashes that differ in few bits, so two hashes are compared by their
    Hamming distance (``hamming``), and a match is a distance at or below a threshold
    that the caller chooses and records: there is no built-in threshold here. For PDQ,
    the authors suggest 31 of 256 bits for a confident match.

    Each hash comes with a quality (0-100): how much structure the picture had. Flat or
    nearly blank pictures hash to values that match too many others; callers discard
    hashes below a quality floor (PDQ's authors use 50) rather than match on them.

    ``name`` is the algorithm name stored with every hash (``pdq``); ``bits`` the length
    of a hash. ``hash`` returns ``None`` only when the algorithm cannot hash the picture
    at all; it never returns an empty or made-up value.
    """

    @property
    def name(self) -> str: ...

    @property
    def bits(self) -> int: ...

    def hash(self, image: Image.Image) -> PerceptualHash | None: ...


class PdqHasher:
    """PDQ, Meta's open perceptual hash for pictures (256 bits), via ``pdqhash``.

    Returns ``None`` only for a picture without pixels. Pictures too small or too flat
    to hash well still get their hash, with the low quality PDQ gives them; filtering
    by quality is the caller's decision.
    """

    name = "pdq"
    bits = PDQ_BITS

    def __init__(self, *, max_side: int = PDQ_MAX_SIDE) -> None:
        if max_side < 64:
            raise ValueError("PDQ needs at least 64 pixels per side to work from")
        self.max_side = max_side

    def hash(self, image: Image.Image) -> PerceptualHash | None:
        if image.width == 0 or image.height == 0:
            return None
        pixels = _pdq_pixels(image, self.max_side)
        vector, quality = pdqhash.compute(pixels)
        return PerceptualHash(algorithm=self.name, value=_pdq_bytes(vector), quality=int(quality))


def _pdq_pixels(image: Image.Image, max_side: int) -> np.ndarray:
    """The picture as a contiguous (rows, columns, 3) uint8 array of at most ``max_side``.

    PDQ blurs and samples the picture down to 64 x 64 anyway, so pixels beyond ~512 per
    side cost time and change nothing that matters; Meta's reference tools shrink to 512
    the same way (Pillow's ``thumbnail``, bicubic), which keeps our hashes close to theirs.
    """
    rgb = image.convert("RGB")  # a copy: the caller's picture is not shrunk
    rgb.thumbnail((max_side, max_side))
    # pdqhash reads the buffer as unsigned bytes; any other dtype gives a wrong hash.
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


def _pdq_bytes(vector: np.ndarray) -> bytes:
    """pdqhash's bit vector to the 32 bytes whose hex is the standard PDQ hex.

    The reference prints a hash as its sixteen 16-bit words from the last to the first,
    each big-endian: one 256-bit big-endian number whose bit k is hash bit k. pdqhash's
    vector lists the bits from 255 down to 0, so packing it most significant bit first
    gives those bytes.
    """
    return np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes()


# ------------------------------------------------------------------- comparing, parsing


def hamming(a: bytes, b: bytes) -> int:
    """The number of bits in which two hashes of the same length differ."""
    if len(a) != len(b):
        raise ValueError(f"hashes differ in length: {len(a)} and {len(b)} bytes")
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def pdq_from_hex(text: str) -> bytes:
    """Parse a PDQ hash as hash sets write it: 64 hex digits (either case).

    Raises ``ValueError`` for anything else; hash-set readers report it as a problem
    with that entry.
    """
    stripped = text.strip()
    if not _PDQ_HEX.fullmatch(stripped):
        raise ValueError(f"not a PDQ hash (64 hex digits): {text[:80]!r}")
    return bytes.fromhex(stripped)


def pdq_to_hex(value: bytes) -> str:
    """The standard lower-case hex form of a 32-byte PDQ hash."""
    if len(value) != PDQ_BITS // 8:
        raise ValueError(f"a PDQ hash has 32 bytes, not {len(value)}")
    return value.hex()
