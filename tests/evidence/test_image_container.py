"""Disk image containers recognised by content and read back byte for byte.

Real images: a FAT file system made by mkfs.vfat and filled with mtools, cut by
``split``, acquired by ``ewfacquire`` into a multi-segment E01 set. Every test checks
that the evidence files are unchanged afterwards.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import pytsk3
from PIL import Image

from genkend.errors import EvidenceError
from genkend.evidence.image_container import media_chunks, open_image, recognise

from .disk_images import ewf_image, noisy_fat_image, sha256_of, split_image


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("images")
    raw = noisy_fat_image(root / "raw")
    return {
        "raw": raw,
        "ewf": ewf_image(raw, root / "ewf" / "disk"),
        "split": split_image(raw, root / "split"),
    }


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: sha256_of(p) for p in sorted(folder.iterdir())}


def test_a_raw_fat_image_is_recognised_and_opens(images: dict[str, Path]) -> None:
    raw = images["raw"]
    before = sha256_of(raw)
    container = recognise(raw)
    assert container is not None
    assert container.kind == "raw"
    assert container.segments == (raw,)
    assert container.media_size == 8 << 20
    image = open_image(container)
    fs = pytsk3.FS_Info(image)
    names = {e.info.name.name for e in fs.open_dir("/")}
    assert {b"DCIM", b"noise.bin"} <= names
    image.close()
    assert sha256_of(raw) == before


def test_an_ewf_set_is_one_container_with_its_stored_hashes(images: dict[str, Path]) -> None:
    e01, raw = images["ewf"], images["raw"]
    before = _hashes(e01.parent)
    assert len(before) >= 3, "the 1 MiB segment size should give several segments"
    container = recognise(e01)
    assert container is not None
    assert container.kind == "ewf"
    assert [p.name for p in container.segments] == sorted(before)
    assert container.media_size == raw.stat().st_size
    raw_bytes = raw.read_bytes()
    assert container.stored_hashes["md5"] == hashlib.md5(raw_bytes).hexdigest()
    assert container.stored_hashes["sha1"] == hashlib.sha1(raw_bytes).hexdigest()
    assert container.acquisition["case_number"] == "CASE-12"
    assert container.acquisition["examiner_name"] == "Examiner A"
    assert container.acquisition["acquiry_date"]
    assert b"".join(media_chunks(container, chunk=300_000)) == raw_bytes
    image = open_image(container)
    assert image.get_size() == len(raw_bytes)
    assert image.read(4096 * 3 + 7, 5000) == raw_bytes[4096 * 3 + 7 : 4096 * 3 + 5007]
    fs = pytsk3.FS_Info(image)
    assert fs.open("/DCIM/red.jpg").info.meta.size > 0
    image.close()
    assert _hashes(e01.parent) == before


def test_a_split_raw_set_reads_as_the_whole_image(images: dict[str, Path]) -> None:
    first, raw = images["split"], images["raw"]
    before = _hashes(first.parent)
    container = recognise(first)
    assert container is not None
    assert container.kind == "split-raw"
    assert [p.name for p in container.segments] == ["disk.001", "disk.002", "disk.003"]
    assert container.media_size == raw.stat().st_size
    raw_bytes = raw.read_bytes()
    image = open_image(container)
    boundary = 3 << 20
    assert image.read(boundary - 100, 300) == raw_bytes[boundary - 100 : boundary + 200]
    assert pytsk3.FS_Info(image).open("/noise.bin").info.meta.size == 3_000_000
    image.close()
    assert b"".join(media_chunks(container)) == raw_bytes
    assert _hashes(first.parent) == before


def test_recognition_is_by_content_not_by_name(images: dict[str, Path], tmp_path: Path) -> None:
    whole = ewf_image(images["raw"], tmp_path / "one" / "disk", segment_size=64 << 20)
    assert [p.name for p in whole.parent.iterdir()] == ["disk.E01"]
    renamed = tmp_path / "x.bin"
    shutil.copyfile(whole, renamed)
    container = recognise(renamed)
    assert container is not None and container.kind == "ewf"
    assert container.segments == (renamed,)
    # the first segment of a longer set, renamed, is an incomplete set and says so
    first = tmp_path / "y.bin"
    shutil.copyfile(images["ewf"].with_suffix(".E01"), first)
    with pytest.raises(EvidenceError, match=r"the segment after y\.bin is missing"):
        recognise(first)
    jpeg = tmp_path / "disk.E01"
    Image.new("RGB", (32, 32), (1, 2, 3)).save(jpeg, "JPEG")
    assert recognise(jpeg) is None
    text = tmp_path / "disk.001"
    text.write_bytes(b"not a disk\n" * 100)
    assert recognise(text) is None
    assert recognise(tmp_path / "absent.img") is None


def test_a_missing_middle_segment_is_named(images: dict[str, Path], tmp_path: Path) -> None:
    source = images["ewf"].parent
    for segment in sorted(source.iterdir()):
        if not segment.name.endswith(".E02"):
            shutil.copyfile(segment, tmp_path / segment.name)
    before = _hashes(tmp_path)
    with pytest.raises(EvidenceError, match=r"segment disk\.E02 is missing"):
        recognise(tmp_path / "disk.E01")
    assert _hashes(tmp_path) == before


def test_a_truncated_segment_fails_to_read_with_a_clear_error(
    images: dict[str, Path], tmp_path: Path
) -> None:
    for segment in sorted(images["ewf"].parent.iterdir()):
        shutil.copyfile(segment, tmp_path / segment.name)
    last = sorted(tmp_path.iterdir())[-1]
    with open(last, "r+b") as stream:
        stream.truncate(last.stat().st_size // 3)
    before = _hashes(tmp_path)
    with pytest.raises(EvidenceError, match=r"disk\.E0"):
        container = recognise(tmp_path / "disk.E01")
        assert container is not None
        for _ in media_chunks(container):
            pass
    assert _hashes(tmp_path) == before


def test_a_missing_split_segment_is_named(images: dict[str, Path], tmp_path: Path) -> None:
    for name in ("disk.001", "disk.003"):
        shutil.copyfile(images["split"].parent / name, tmp_path / name)
    with pytest.raises(EvidenceError, match=r"disk\.002 is missing"):
        recognise(tmp_path / "disk.001")
