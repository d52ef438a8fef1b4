"""Disk images read with The Sleuth Kit: files, deleted files, archives inside, bad tables."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import pytsk3
from tests.evidence.disk_images import Built, ext4_image, fat_image, mbr_image

from genkend.evidence.disk import DELETED_NOTE, DiskSource
from genkend.evidence.limits import ArchiveLimits
from genkend.records import MediaItem


def _source(image: Path) -> DiskSource:
    return DiskSource(image, "s1", lambda: pytsk3.Img_Info(str(image)), ArchiveLimits(), None)


def _read_all(source: DiskSource) -> dict[str, tuple[MediaItem, bytes | None]]:
    found = {}
    for item in source.items():
        data = None
        if item.error is None:
            with source.open(item) as stream:
                data = stream.read()
        found[item.location] = (item, data)
    return found


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check(built: Built, prefix: str, kind: str, picture_path: str) -> None:
    before = _sha(built.image)
    found = _read_all(_source(built.image))
    assert _sha(built.image) == before
    item, data = found[prefix + picture_path]
    assert data == built.picture
    assert item.origin is not None
    assert item.origin.file_system == kind
    assert item.origin.path == "/" + picture_path
    assert item.origin.deleted is False
    assert item.origin.address is not None and item.origin.address > 0
    assert item.origin.modified is not None
    assert item.origin.partition == (prefix[:-1] or None)
    member = found[prefix + "z.zip!/in/pic.png"]
    assert member[1] == built.picture
    assert found[prefix + "z.zip"][1] == built.archive
    deleted = [entry for entry, _ in found.values() if entry.origin and entry.origin.deleted]
    assert len(deleted) == 1
    assert DELETED_NOTE in deleted[0].notes
    assert found[deleted[0].location][1] == built.deleted


def test_fat_image_lists_live_deleted_and_archived_pictures(tmp_path: Path) -> None:
    _check(fat_image(tmp_path), "", "fat16", "sub/a.png")


def test_ext4_image_lists_live_deleted_and_archived_pictures(tmp_path: Path) -> None:
    built = ext4_image(tmp_path)
    before = _sha(built.image)
    found = _read_all(_source(built.image))
    assert _sha(built.image) == before
    item, data = found["a.png"]
    assert data == built.picture
    assert item.origin is not None and item.origin.file_system == "ext4"
    assert found["z.zip!/in/pic.png"][1] == built.picture
    # ext4 zeroes a removed file's block pointers: the deleted name is listed, recorded.
    deleted = [entry for entry, _ in found.values() if entry.origin and entry.origin.deleted]
    assert [entry.origin.path for entry in deleted if entry.origin] == ["/gone.png"]


def test_mbr_partition_prefixes_locations(tmp_path: Path) -> None:
    built = mbr_image(tmp_path)
    _check(built, "p1/", "fat16", "sub/a.png")
    found = _read_all(_source(built.image))
    assert found["p1/sub/a.png"][0].origin.partition_offset == 2048 * 512  # type: ignore[union-attr]


def test_corrupt_partition_entries_are_an_error_item(tmp_path: Path) -> None:
    built = mbr_image(tmp_path)
    with open(built.image, "r+b") as image:
        image.seek(446)
        image.write(bytes(range(7, 7 + 64)))  # garbage in all four MBR entries
    before = _sha(built.image)
    items = list(_source(built.image).items())
    assert _sha(built.image) == before
    assert items, "a corrupt table must still leave a recorded item"
    assert any(item.error for item in items)


def test_item_of_another_source_is_refused(tmp_path: Path) -> None:
    from genkend.errors import MediaError

    source = _source(fat_image(tmp_path).image)
    with pytest.raises(MediaError):
        source.open(MediaItem("other", "x", 1))
