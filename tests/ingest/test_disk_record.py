"""A disk image through the whole record: ingest, ``media list``, the summary, VICS.

A real MBR-partitioned FAT16 image built with mkfs.vfat, mtools and sfdisk (never
mounted) holds a picture, a deleted picture and a zip holding a copy of the picture.
What The Sleuth Kit says of each file (partition, metadata address, path, MAC times,
deleted) must be stored, shown by ``media list --json``, counted by the summary and
carried by a VICS export that genkend's own VICS reader still reads.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.evidence.disk_images import Built, mbr_image

from genkend.hashes.sets import vics
from genkend.hashes.sets.vics_write import FILE_SYSTEM_ANNOTATION
from genkend.records import HashSetEntry

BASIS = ["--purpose", "exchange with the partner agency", "--legal-basis", "warrant 7/2026"]


@pytest.fixture
def disk(tmp_path: Path) -> Built:
    missing = [t for t in ("mkfs.vfat", "mcopy", "mmd", "mdel", "sfdisk") if not shutil.which(t)]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (scripts/system-deps.sh installs them)")
    return mbr_image(tmp_path)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ingested(cli: Any, image: Path) -> dict[str, Any]:
    assert cli("case", "create", "D1", "--title", "disk record").code == 0
    result = cli("ingest", str(image), "--case", "D1", "--workers", "0", "--no-faces", "--json")
    (summary,) = result.json()
    return dict(summary)


def _by_location(cli: Any) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    listing = cli("media", "list", "--case", "D1", "--json").json()
    return {loc["location"]: (entry, loc) for entry in listing for loc in entry["locations"]}


def _deleted(found: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> str:
    (where,) = [where for where, (_, loc) in found.items() if loc["deleted"]]
    return where


def test_a_deleted_file_of_a_disk_image_is_recorded_shown_and_counted(
    cli: Any, disk: Built
) -> None:
    before = _sha(disk.image)
    summary = _ingested(cli, disk.image)
    found = _by_location(cli)
    entry, gone = found[_deleted(found)]
    assert entry["sha256"] == hashlib.sha256(disk.deleted).hexdigest()
    assert gone["deleted"] is True and gone["reallocated"] is False
    # FAT overwrites a deleted name's first letter; The Sleuth Kit shows it as "_"
    assert (gone["file_system"], gone["fs_path"], gone["partition"]) == ("fat16", "/_one.png", "p1")
    assert gone["partition_offset"] == 2048 * 512
    assert isinstance(gone["address"], int) and gone["address"] > 0
    assert gone["fs_modified"] and gone["fs_modified"].endswith("Z")
    assert gone["fs_container"] is None
    _, live = found["p1/sub/a.png"]
    assert live["deleted"] is False and live["fs_path"] == "/sub/a.png"
    assert live["address"] != gone["address"]
    # a member of a zip in the image lies where its zip lies
    _, zipped = found["p1/z.zip"]
    member_entry, member = found["p1/z.zip!/in/pic.png"]
    assert member["fs_container"] == "p1/z.zip" and member["fs_path"] == "/z.zip!/in/pic.png"
    assert (member["address"], member["partition"]) == (zipped["address"], "p1")
    assert member["fs_modified"] is None and member["deleted"] is False
    assert member_entry["sha256"] == hashlib.sha256(disk.picture).hexdigest()
    # the summary: the whole image, its deleted file, its hash
    source = summary["source"]
    assert source["items"] == len(found) and source["deleted"] == 1
    assert source["by_kind"]["image"] == 3 and source["by_kind"]["archive"] == 1
    assert (source["sha256"], source["hash_scope"]) == (before, "image")
    assert _sha(disk.image) == before


def test_a_vics_export_cites_the_files_as_the_file_system_holds_them(
    cli: Any, disk: Built, tmp_path: Path
) -> None:
    before = _sha(disk.image)
    _ingested(cli, disk.image)
    found = _by_location(cli)
    out = tmp_path / "d1.json"
    assert cli("export", "vics", "--case", "D1", "-o", str(out), *BASIS).code == 0
    exported = json.loads(out.read_text())
    files = {
        f[FILE_SYSTEM_ANNOTATION]["Location"]: f
        for media in exported["value"][0]["Media"]
        for f in media["MediaFiles"]
    }
    deleted = _deleted(found)
    gone = files[deleted]
    assert (gone["FilePath"], gone["FileName"]) == ("/_one.png", "_one.png")
    assert gone["Written"] == found[deleted][1]["fs_modified"]
    assert gone["Created"] == found[deleted][1]["fs_created"]
    facts = gone[FILE_SYSTEM_ANNOTATION]
    assert facts["Deleted"] == "true" and facts["Reallocated"] == "false"
    assert (facts["FileSystem"], facts["Partition"]) == ("fat16", "p1")
    assert facts["PartitionOffset"] == 2048 * 512
    assert facts["Address"] == found[deleted][1]["address"]
    member = files["p1/z.zip!/in/pic.png"]
    assert member["FilePath"] == "/z.zip!/in/pic.png" and member["FileName"] == "pic.png"
    assert member[FILE_SYSTEM_ANNOTATION]["Container"] == "p1/z.zip"
    assert files["p1/sub/a.png"][FILE_SYSTEM_ANNOTATION]["Deleted"] == "false"
    # genkend's VICS reader reads its own export: every media record, no problem
    read = list(vics.read(out))
    assert all(isinstance(r, HashSetEntry) for r in read)
    assert {r.md5 for r in read} == {m["MD5"] for m in exported["value"][0]["Media"]}
    assert _sha(disk.image) == before
