"""One signal type per hash method: names, comparison, radius and index."""

from __future__ import annotations

import numpy as np
import pytest

from genkend.hashes.signals import EXACT_METHODS, PDQ, PERCEPTUAL_METHODS, SIGNALS
from genkend.index import BinaryIndex
from genkend.settings import Settings


def test_every_method_is_one_signal_exact_ones_strongest_first() -> None:
    assert EXACT_METHODS == ("sha256", "sha1", "md5")
    assert PERCEPTUAL_METHODS == ("pdq",)
    assert set(SIGNALS) == {*EXACT_METHODS, *PERCEPTUAL_METHODS}


def test_exact_signals_match_only_at_distance_zero() -> None:
    sha = SIGNALS["sha256"]
    assert sha.compare("ab" * 32, "ab" * 32) == 0
    assert sha.compare("ab" * 32, "ac" * 32) > 0
    assert sha.max_distance(Settings()) == 0
    with pytest.raises(ValueError, match="exactly"):
        sha.new_index()


def test_pdq_compares_bits_and_reads_its_radius_from_the_settings() -> None:
    a = bytes(32)
    b = bytes([0b1011]) + bytes(31)
    assert PDQ.compare(a, b) == 3
    assert PDQ.compare(a.hex(), b.hex()) == 3
    assert PDQ.max_distance(Settings(pdq_max_distance=12)) == 12
    assert PDQ.max_distance(Settings()) == Settings().pdq_max_distance


def test_pdq_values_are_found_by_a_binary_index() -> None:
    index = PDQ.new_index()
    assert isinstance(index, BinaryIndex)
    values = np.zeros((2, 32), dtype=np.uint8)
    values[1, 0] = 0b111
    index.add(np.array([1, 2]), values)
    found = index.search_radius(values[0], 3)
    assert sorted(n.id for n in found) == [1, 2]
