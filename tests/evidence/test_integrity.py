"""The evidence's own hash: one answer for one disk however it is held, read-only.

A real FAT image (mkfs.vfat, mtools) hashed as raw, as ``split`` pieces and as an
``ewfacquire`` E01 set gives the same media-data digests; a file and a folder are hashed
by their bytes and their manifest; a FIFO in a folder is listed, never opened.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from genkend.errors import EvidenceError
from genkend.evidence.integrity import measure

from .disk_images import ewf_image, noisy_fat_image, sha256_of, split_image


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return noisy_fat_image(tmp_path_factory.mktemp("integrity") / "raw")


def test_one_disk_has_one_hash_however_it_is_held(raw: Path, tmp_path: Path) -> None:
    media = raw.read_bytes()
    expected = (hashlib.sha256(media).hexdigest(), hashlib.md5(media).hexdigest())
    e01 = ewf_image(raw, tmp_path / "ewf" / "disk")
    first = split_image(raw, tmp_path / "split")
    files = [raw, *sorted(e01.parent.iterdir()), *sorted(first.parent.iterdir())]
    before = {p: sha256_of(p) for p in files}
    held = {"raw": measure(raw), "ewf": measure(e01), "split-raw": measure(first)}
    for kind, found in held.items():
        assert (found.container, found.scope) == (kind, "media-data")
        assert (found.sha256, found.md5) == expected
        assert found.size == len(media)
    assert held["ewf"].stored == {"md5": expected[1], "sha1": held["ewf"].sha1}
    assert held["ewf"].segments == ("disk.E01", "disk.E02", "disk.E03")
    assert held["raw"].stored == {} and held["split-raw"].segments[-1] == "disk.003"
    assert {p: sha256_of(p) for p in files} == before


def test_a_file_is_hashed_by_its_bytes(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_bytes(b"not a disk\n" * 1000)
    found = measure(text)
    assert (found.container, found.scope, found.size) == ("file", "file-bytes", 11_000)
    assert found.sha256 == hashlib.sha256(text.read_bytes()).hexdigest()


def test_a_folder_manifest_sees_content_names_and_links(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "x").write_bytes(b"x" * 10)
    (folder / "y").write_bytes(b"y")
    os.mkfifo(folder / "pipe")  # opening it would block: listed only
    (folder / "out").symlink_to(tmp_path)  # a folder link: listed, not followed
    first = measure(folder)
    assert (first.container, first.scope, first.size) == ("folder", "manifest", 11)
    assert measure(folder).sha256 == first.sha256
    (folder / "y").write_bytes(b"z")
    changed = measure(folder)
    assert changed.sha256 != first.sha256 and changed.size == 11
    (folder / "y").write_bytes(b"y")
    assert measure(folder).sha256 == first.sha256
    (folder / "out").unlink()
    assert measure(folder).sha256 != first.sha256


def test_missing_evidence_is_named(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match=r"gone\.E01 cannot be opened"):
        measure(tmp_path / "gone.E01")
