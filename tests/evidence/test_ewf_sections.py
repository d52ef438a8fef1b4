"""EWF segment chains walked before reading: the broken segment is named, nothing written.

The set is a real ``ewfacquire`` acquisition (EnCase 6, three 1 MiB segments).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from genkend.errors import EvidenceError
from genkend.evidence.ewf_sections import check_segments
from genkend.evidence.image_container import recognise

from .disk_images import ewf_image, noisy_fat_image, sha256_of


@pytest.fixture(scope="module")
def acquired(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ewf-sections")
    return ewf_image(noisy_fat_image(root / "raw"), root / "ewf" / "disk").parent


def _copy(acquired: Path, target: Path, leave_out: str = "") -> list[Path]:
    target.mkdir(exist_ok=True)
    for segment in sorted(acquired.iterdir()):
        if segment.name != leave_out:
            shutil.copyfile(segment, target / segment.name)
    return sorted(target.iterdir())


def _state(folder: Path) -> dict[str, str]:
    return {p.name: sha256_of(p) for p in sorted(folder.iterdir())}


def test_an_intact_set_passes(acquired: Path) -> None:
    segments = tuple(sorted(acquired.iterdir()))
    assert len(segments) == 3
    check_segments(segments)


@pytest.mark.parametrize("victim", ["disk.E01", "disk.E02", "disk.E03"])
def test_a_truncated_segment_is_named(acquired: Path, tmp_path: Path, victim: str) -> None:
    _copy(acquired, tmp_path)
    with open(tmp_path / victim, "r+b") as stream:
        stream.truncate((tmp_path / victim).stat().st_size // 3)
    before = _state(tmp_path)
    with pytest.raises(EvidenceError, match=f"segment {re.escape(victim)} is truncated"):
        recognise(tmp_path / "disk.E01")
    assert _state(tmp_path) == before


def test_a_missing_last_segment_is_named(acquired: Path, tmp_path: Path) -> None:
    _copy(acquired, tmp_path, leave_out="disk.E03")
    before = _state(tmp_path)
    with pytest.raises(EvidenceError, match=r"the segment after disk\.E02 is missing"):
        recognise(tmp_path / "disk.E01")
    assert _state(tmp_path) == before


def test_a_damaged_descriptor_is_named(acquired: Path, tmp_path: Path) -> None:
    segments = _copy(acquired, tmp_path)
    with open(segments[1], "r+b") as stream:
        stream.seek(13 + 20)  # inside the first descriptor's next-offset field
        stream.write(b"\x7f")
    with pytest.raises(EvidenceError, match=r"segment disk\.E02 is damaged"):
        check_segments(tuple(segments))


def test_segments_out_of_order_are_refused(acquired: Path, tmp_path: Path) -> None:
    first, second, third = _copy(acquired, tmp_path)
    with pytest.raises(EvidenceError, match=r"disk\.E02: its header is not that of segment 1"):
        check_segments((second, first, third))
