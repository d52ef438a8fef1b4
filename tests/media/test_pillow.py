"""Tests for genkend.media.pillow: Pillow's process-wide state, changed only for a while."""

from __future__ import annotations

import logging
import threading
import warnings

import pytest
from PIL import Image

from genkend.media.pillow import collected_warnings, pixel_limit


def test_pixel_limit_sets_pillows_guard_and_restores_it() -> None:
    before = Image.MAX_IMAGE_PIXELS
    with pixel_limit(250_000_000):
        assert Image.MAX_IMAGE_PIXELS == 250_000_000
    assert before == Image.MAX_IMAGE_PIXELS


def test_pixel_limit_restores_the_guard_when_the_block_fails() -> None:
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(RuntimeError, match="boom"), pixel_limit(7):
        raise RuntimeError("boom")
    assert before == Image.MAX_IMAGE_PIXELS


def test_pixel_limit_lets_one_decode_at_a_time_set_the_guard() -> None:
    before = Image.MAX_IMAGE_PIXELS
    seen: list[int | None] = []

    def other_decode() -> None:
        with pixel_limit(7):
            seen.append(Image.MAX_IMAGE_PIXELS)

    other = threading.Thread(target=other_decode)
    with pixel_limit(5):
        other.start()
        other.join(timeout=0.2)
        # The other thread waits for the lock: the guard is still this block's.
        assert other.is_alive()
        assert Image.MAX_IMAGE_PIXELS == 5
    other.join(timeout=5)
    assert not other.is_alive()
    assert seen == [7]
    assert before == Image.MAX_IMAGE_PIXELS


def test_collected_warnings_are_logged_and_bomb_warnings_left_to_the_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING), collected_warnings() as caught:
        warnings.warn("corrupt EXIF", UserWarning, stacklevel=1)
        warnings.warn("huge", Image.DecompressionBombWarning, stacklevel=1)
    assert [w.category for w in caught] == [UserWarning, Image.DecompressionBombWarning]
    assert "corrupt EXIF" in caplog.text
    assert "huge" not in caplog.text
