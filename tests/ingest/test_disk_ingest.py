"""Disk images ingested end to end through the CLI: raw, split raw and a multi-segment E01.

One FAT16 file system built with mkfs.vfat and mtools (never mounted) holds a picture,
a deleted picture and a zip holding a picture, plus 3 MB of random bytes so that the
EWF set with 1 MiB segments has several segments. The same image is ingested as raw,
cut by ``split`` and acquired by ``ewfacquire``; every test checks every evidence file's
sha256 before and after. Bad input: a truncated and a missing E01 segment (the ingest
refuses, names the segment, audits the refusal), a corrupt partition table (an error
item, the rest ingested).
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from tests.evidence.disk_images import (
    ewf_image,
    mbr_image,
    need_tools,
    picture,
    sha256_of,
    split_image,
)
from tests.ingest.test_ingest import by_location

from genkend.evidence import open_source


class Seizure:
    """The raw image and the bytes of what it holds."""

    def __init__(self, folder: Path) -> None:
        need_tools()
        folder.mkdir(parents=True)
        self.raw = folder / "disk.raw"
        self.picture, self.deleted = picture((200, 10, 10)), picture((10, 200, 10))
        self.zipped = picture((10, 10, 200))
        files = folder / "files"
        files.mkdir()
        (files / "a.png").write_bytes(self.picture)
        (files / "gone.png").write_bytes(self.deleted)
        (files / "noise.bin").write_bytes(os.urandom(3_000_000))
        with zipfile.ZipFile(files / "z.zip", "w") as archive:
            archive.writestr("in/pic.png", self.zipped)
        env = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
        image = ("-i", str(self.raw))
        steps = [
            ["mkfs.vfat", "-F", "16", "-s", "1", "-C", str(self.raw), "8192"],
            ["mmd", *image, "::/DCIM"],
            ["mcopy", *image, str(files / "noise.bin"), "::/noise.bin"],
            ["mcopy", *image, str(files / "a.png"), "::/DCIM/a.png"],
            ["mcopy", *image, str(files / "z.zip"), "::/z.zip"],
            ["mcopy", *image, str(files / "gone.png"), "::/gone.png"],
            ["mdel", *image, "::/gone.png"],
        ]
        for step in steps:
            subprocess.run(step, capture_output=True, env=env, check=True)
        shutil.rmtree(files)


@pytest.fixture(scope="module")
def seizure(tmp_path_factory: pytest.TempPathFactory) -> Seizure:
    return Seizure(tmp_path_factory.mktemp("seizure") / "raw")


@pytest.fixture(scope="module")
def containers(seizure: Seizure, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("containers")
    e01 = ewf_image(seizure.raw, root / "ewf" / "disk")
    assert len(list(e01.parent.iterdir())) >= 3, "1 MiB segments should give several"
    return {"raw": seizure.raw, "ewf": e01, "split": split_image(seizure.raw, root / "split")}


@pytest.fixture
def case(cli: Any) -> str:
    assert cli("case", "create", "C", "--title", "disk images").code == 0
    return "C"


def evidence_state(first: Path) -> dict[str, str]:
    """sha256 of every file beside the evidence's first file (all the segments)."""
    return {p.name: sha256_of(p) for p in sorted(first.parent.iterdir()) if p.is_file()}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ingest(cli: Any, path: Path) -> Any:
    return cli("ingest", str(path), "--case", "C", "--workers", "0", "--no-faces", "--json")


@pytest.mark.parametrize("kind", ["raw", "ewf", "split"])
def test_a_disk_image_is_ingested_with_its_deleted_and_archived_pictures(
    cli: Any, case: str, seizure: Seizure, containers: dict[str, Path], kind: str
) -> None:
    evidence = containers[kind]
    before = evidence_state(evidence)
    result = ingest(cli, evidence)
    assert result.code == 0, result.err
    (summary,) = result.json()
    assert summary["source_id"] == evidence.name and summary["errors"] == 0
    found = by_location(cli("media", "list", "--case", case, "--json").json())
    assert found["DCIM/a.png"]["sha256"] == sha(seizure.picture)
    assert found["DCIM/a.png"]["kind"] == "image"
    assert found["z.zip"]["kind"] == "archive"
    assert found["z.zip!/in/pic.png"]["sha256"] == sha(seizure.zipped)
    assert found["noise.bin"]["size"] == 3_000_000
    deleted = [
        (where["location"], media)
        for media in found.values()
        for where in media["locations"]
        if "deleted" in where["notes"]
    ]
    assert len(deleted) == 1, deleted
    location, media = deleted[0]
    assert location.endswith("one.png")  # FAT overwrites a deleted name's first byte
    assert media["sha256"] == sha(seizure.deleted) and media["kind"] == "image"
    assert summary["locations"] == len(found) == 5
    assert evidence_state(evidence) == before
    assert cli("audit", "verify").code == 0


def _broken_set(containers: dict[str, Path], target: Path, leave_out: str = "") -> Path:
    target.mkdir()
    for segment in sorted(containers["ewf"].parent.iterdir()):
        if segment.name != leave_out:
            shutil.copyfile(segment, target / segment.name)
    return target / "disk.E01"


def _refused(cli: Any, case: str, e01: Path, message: str) -> None:
    before = evidence_state(e01)
    result = ingest(cli, e01)
    assert result.code == 1
    assert message in result.err and "Traceback" not in result.err
    (event,) = cli("audit", "show", "--action", "ingest.refuse", "--json").json()
    assert event["subject"] == f"source:{case}/disk.E01"
    assert message in event["detail"]["error"]
    assert cli("media", "list", "--case", case, "--json").json() == []
    assert evidence_state(e01) == before


def test_a_truncated_segment_is_refused_by_name(
    cli: Any, case: str, containers: dict[str, Path], tmp_path: Path
) -> None:
    e01 = _broken_set(containers, tmp_path / "cut")
    e02 = e01.with_suffix(".E02")
    with open(e02, "r+b") as stream:
        stream.truncate(e02.stat().st_size // 2)
    _refused(cli, case, e01, "EWF segment disk.E02 is truncated")


def test_a_missing_segment_is_refused_by_name(
    cli: Any, case: str, containers: dict[str, Path], tmp_path: Path
) -> None:
    e01 = _broken_set(containers, tmp_path / "gap", leave_out="disk.E02")
    _refused(cli, case, e01, "segment disk.E02 is missing")
    e01 = _broken_set(containers, tmp_path / "end", leave_out="disk.E03")
    result = ingest(cli, e01)
    assert result.code == 1 and "the segment after disk.E02 is missing" in result.err


def _entry(kind: int, start: int, sectors: int) -> bytes:
    return bytes([0, 0, 0, 0, kind, 0, 0, 0]) + struct.pack("<II", start, sectors)


def test_a_corrupt_partition_entry_is_an_error_item_and_the_rest_is_ingested(
    cli: Any, case: str, tmp_path: Path
) -> None:
    built = mbr_image(tmp_path)
    with open(built.image, "r+b") as image:
        image.seek(446 + 16)  # a second entry pointing into the middle of the first
        image.write(_entry(6, 2049, 4096))
    before = evidence_state(built.image)
    result = ingest(cli, built.image)
    assert result.code == 0, result.err
    (summary,) = result.json()
    found = by_location(cli("media", "list", "--case", case, "--json").json())
    assert summary["errors"] == 1
    assert found["p2!/"]["id"] is None
    assert "p2 (offset 1049088): no readable file system" in found["p2!/"]["error"]
    assert found["p1/sub/a.png"]["sha256"] == sha(built.picture)
    assert found["p1/z.zip!/in/pic.png"]["sha256"] == sha(built.picture)
    assert evidence_state(built.image) == before


def test_a_table_tsk_refuses_is_an_error_item(cli: Any, case: str, tmp_path: Path) -> None:
    built = mbr_image(tmp_path)
    with open(built.image, "r+b") as image:
        image.seek(446 + 16)
        image.write(_entry(6, 10**8, 2048))  # far past the end of the image
    before = evidence_state(built.image)
    result = ingest(cli, built.image)
    assert result.code == 0, result.err
    listing = cli("media", "list", "--case", case, "--json").json()
    (item,) = [m for m in listing if m["error"]]
    assert item["locations"][0]["location"] == "!/"
    assert "no readable file system" in item["error"]
    assert evidence_state(built.image) == before


@pytest.mark.parametrize("kind", ["ewf", "split"])
def test_an_item_read_after_the_listing_closes_its_segments(
    seizure: Seizure, containers: dict[str, Path], kind: str
) -> None:
    """Segment handles are closed when reading ends, not left to the collector (which
    warns, and a warning fails the tests) while thousands of items are read."""
    source = open_source(containers[kind], kind)
    items = {item.location: item for item in source.items()}
    with source.open(items["DCIM/a.png"]) as stream:
        assert stream.read() == seizure.picture
    folder = str(containers[kind].parent)
    held = [os.readlink(fd) for fd in Path("/proc/self/fd").iterdir() if fd.is_symlink()]
    assert [name for name in held if name.startswith(folder)] == []
    gc.collect()


def test_worker_processes_give_the_same_result(
    cli: Any, case: str, seizure: Seizure, containers: dict[str, Path]
) -> None:
    evidence = containers["ewf"]
    before = evidence_state(evidence)
    result = cli("ingest", str(evidence), "--case", case, "--workers", "2", "--no-faces", "--json")
    assert result.code == 0, result.err
    found = by_location(cli("media", "list", "--case", case, "--json").json())
    assert found["DCIM/a.png"]["sha256"] == sha(seizure.picture)
    assert found["z.zip!/in/pic.png"]["sha256"] == sha(seizure.zipped)
    assert len(found) == 5 and all(m["error"] is None for m in found.values())
    assert evidence_state(evidence) == before
