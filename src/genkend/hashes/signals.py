"""One signal type per hash method: how two values of a method are compared.

``SIGNALS`` names every method genkend matches on: the exact digests (SHA-256, SHA-1,
MD5: strongest first) and the perceptual PDQ (ready for vPDQ, the same 256-bit hash per
video frame). Each says its kind, how two values compare (a distance: 0 is identical),
the largest distance that still matches, and what index finds its neighbours.

Invariant: an exact method matches only at distance 0; a perceptual one within a radius
that is a setting (``pdq_max_distance``), never a constant here, and every hit records
the radius in force.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from genkend.hashes.digests import hamming
from genkend.index import BinaryIndex

if TYPE_CHECKING:
    from genkend.settings import Settings

Kind = Literal["exact", "perceptual"]


def _same(a: bytes | str, b: bytes | str) -> int:
    return 0 if a == b else 1


def _bits_apart(a: bytes | str, b: bytes | str) -> int:
    raw_a = bytes.fromhex(a) if isinstance(a, str) else a
    raw_b = bytes.fromhex(b) if isinstance(b, str) else b
    return hamming(raw_a, raw_b)


@dataclass(frozen=True)
class Signal:
    """A hash method: its ``name`` (as stored with every hash and hit) and how it matches."""

    name: str
    kind: Kind
    compare: Callable[[bytes | str, bytes | str], int]
    # the setting holding the matching radius; None: exact, radius 0
    setting: str | None = None
    # the neighbour index for perceptual values; None: exact (a lookup in the store)
    index: Callable[[], BinaryIndex] | None = None

    def max_distance(self, settings: Settings) -> int:
        """The largest distance that still matches, as the settings have it."""
        return 0 if self.setting is None else int(getattr(settings, self.setting))

    def new_index(self) -> BinaryIndex:
        """An empty neighbour index for this method's values."""
        if self.index is None:
            raise ValueError(f"{self.name} values are looked up exactly, not indexed")
        return self.index()


SHA256 = Signal("sha256", "exact", _same)
SHA1 = Signal("sha1", "exact", _same)
MD5 = Signal("md5", "exact", _same)
PDQ = Signal("pdq", "perceptual", _bits_apart, "pdq_max_distance", BinaryIndex)

SIGNALS: dict[str, Signal] = {s.name: s for s in (SHA256, SHA1, MD5, PDQ)}

# The exact methods, strongest first: a file and entry matching on several count once,
# by the first.
EXACT_METHODS: tuple[str, ...] = tuple(s.name for s in SIGNALS.values() if s.kind == "exact")
PERCEPTUAL_METHODS = tuple(s.name for s in SIGNALS.values() if s.kind == "perceptual")
