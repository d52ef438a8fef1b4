"""``genkend verify-evidence`` and the verifications an ingest of a disk image makes.

Real evidence: the FAT image of ``test_disk_ingest`` as raw and as a 3-segment E01 set
made by ``ewfacquire`` (which stores the MD5 and SHA-1 of the media data), and a folder.
Each test copies the evidence it changes, and checks the sha256 of every evidence file
it does not mean to change before and after.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from tests.evidence.disk_images import ewf_image
from tests.ingest.test_disk_ingest import Seizure, evidence_state


@pytest.fixture(scope="module")
def seizure(tmp_path_factory: pytest.TempPathFactory) -> Seizure:
    return Seizure(tmp_path_factory.mktemp("verify") / "raw")


@pytest.fixture(scope="module")
def acquired(seizure: Seizure, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ewf_image(seizure.raw, tmp_path_factory.mktemp("verify-ewf") / "disk")


@pytest.fixture
def case(cli: Any) -> str:
    assert cli("case", "create", "C", "--title", "verification").code == 0
    return "C"


def copy_set(first: Path, folder: Path) -> Path:
    folder.mkdir()
    for segment in sorted(first.parent.iterdir()):
        shutil.copyfile(segment, folder / segment.name)
    return folder / first.name


def ingest(cli: Any, path: Path) -> dict[str, Any]:
    result = cli("ingest", str(path), "--case", "C", "--workers", "0", "--no-faces", "--json")
    assert result.code == 0, result.err
    (summary,) = result.json()
    return dict(summary)


def verify(cli: Any, source: str, code: int = 0) -> tuple[dict[str, Any], str]:
    result = cli("verify-evidence", source, "--case", "C", "--json")
    assert result.code == code, result.err
    assert "Traceback" not in result.err
    import json

    return json.loads(result.out), result.err


def verify_events(cli: Any) -> list[dict[str, Any]]:
    return list(cli("audit", "show", "--action", "evidence.verify", "--json").json())


def test_an_e01_ingest_is_verified_before_and_after_against_its_stored_hashes(
    cli: Any, case: str, seizure: Seizure, acquired: Path
) -> None:
    before = evidence_state(acquired)
    media = seizure.raw.read_bytes()
    summary = ingest(cli, acquired)
    stages = [v["stage"] for v in summary["verifications"]]
    assert stages == ["before-ingest", "after-ingest"]
    for found in summary["verifications"]:
        assert found["match"] is True and found["error"] is None
        assert (found["container"], found["scope"]) == ("ewf", "media-data")
        assert found["bytes"] == len(media)
        assert found["sha256"] == hashlib.sha256(media).hexdigest()
        assert found["md5"] == found["stored"]["md5"] == hashlib.md5(media).hexdigest()
        assert found["sha1"] == found["stored"]["sha1"] == hashlib.sha1(media).hexdigest()
        assert found["segments"] == ["disk.E01", "disk.E02", "disk.E03"]
    first, after = summary["verifications"]
    # the summary's source hash is the after-ingest one: the image is not read a third time
    assert (summary["source"]["sha256"], summary["source"]["hash_scope"]) == (
        after["sha256"],
        "image",
    )
    assert [c["algorithm"] for c in first["checks"]] == ["md5", "sha1"]
    assert [c["algorithm"] for c in after["checks"]] == ["md5", "sha1", "sha256"]
    assert after["checks"][2]["against"].startswith(f"baseline: verification {first['id']} ")
    checked, _ = verify(cli, "disk.E01")
    assert checked["stage"] == "check" and checked["match"] is True
    assert checked["verified_by"] == "tester" and checked["verified_at"].endswith("Z")
    events = verify_events(cli)
    assert [e["detail"]["stage"] for e in events] == ["before-ingest", "after-ingest", "check"]
    assert events[-1]["subject"] == "source:C/disk.E01"
    assert events[-1]["detail"]["sha256"] == checked["sha256"]
    assert evidence_state(acquired) == before
    assert cli("audit", "verify").code == 0


def _stored_md5_changed(e01: Path) -> None:
    """Change the MD5 the set stores (its ``hash`` and ``digest`` sections), keeping the
    sections' checksums right, as a container acquired from other media would have."""
    last = sorted(e01.parent.iterdir())[-1]
    data = bytearray(last.read_bytes())
    offset = 13
    while (kind := bytes(data[offset : offset + 16]).rstrip(b"\0")) not in (b"done", b"next"):
        body = offset + 76
        covered = {b"hash": 32, b"digest": 76}.get(kind)
        if covered is not None:
            data[body] ^= 0xFF
            checksum = zlib.adler32(bytes(data[body : body + covered]))
            data[body + covered : body + covered + 4] = struct.pack("<I", checksum)
        offset = struct.unpack("<Q", data[offset + 16 : offset + 24])[0]
    last.write_bytes(bytes(data))


def test_an_e01_whose_media_differs_from_its_stored_md5_is_a_loud_mismatch(
    cli: Any, case: str, acquired: Path, tmp_path: Path
) -> None:
    e01 = copy_set(acquired, tmp_path / "other")
    _stored_md5_changed(e01)
    before = evidence_state(e01)
    result = cli("ingest", str(e01), "--case", "C", "--workers", "0", "--no-faces")
    assert result.code == 1 and "EVIDENCE MISMATCH: disk.E01 of case C" in result.err
    listing = cli("media", "list", "--case", case, "--json").json()
    assert len(listing) == 5, "the mismatch is loud, and the evidence is still ingested"
    found, err = verify(cli, str(e01), code=1)
    assert found["match"] is False and "EVIDENCE MISMATCH" in err
    (md5, sha1, sha256) = found["checks"]
    assert not md5["ok"] and md5["expected"] == found["stored"]["md5"] != found["md5"]
    assert sha1["ok"] and sha256["ok"]
    assert [e["detail"]["match"] for e in verify_events(cli)] == [False, False, False]
    assert evidence_state(e01) == before


def test_a_raw_image_changed_after_ingest_fails_verification(
    cli: Any, case: str, seizure: Seizure, tmp_path: Path
) -> None:
    raw = tmp_path / "disk.raw"
    shutil.copyfile(seizure.raw, raw)
    summary = ingest(cli, raw)
    first, after = summary["verifications"]
    assert first["match"] is None and first["checks"] == []  # the baseline
    assert after["match"] is True and first["container"] == "raw"
    assert first["sha256"] == hashlib.sha256(seizure.raw.read_bytes()).hexdigest()
    assert verify(cli, str(raw))[0]["match"] is True
    with open(raw, "r+b") as image:
        image.seek(5 << 20)
        image.write(b"\x01")
    found, err = verify(cli, "disk.raw", code=1)
    (check,) = found["checks"]
    assert check["expected"] == first["sha256"] != check["found"]
    assert "EVIDENCE MISMATCH" in err
    assert verify_events(cli)[-1]["detail"]["match"] is False


def test_a_folder_is_verified_by_its_manifest(cli: Any, case: str, tmp_path: Path) -> None:
    folder = tmp_path / "phone"
    (folder / "DCIM").mkdir(parents=True)
    (folder / "DCIM" / "a.txt").write_bytes(b"a" * 1000)
    (folder / "b.txt").write_bytes(b"b")
    (folder / "link").symlink_to("/etc/passwd")
    summary = ingest(cli, folder)
    assert summary["verifications"] == []  # only disk images are verified by the ingest
    first, _ = verify(cli, "phone")
    assert (first["container"], first["scope"], first["match"]) == ("folder", "manifest", None)
    assert first["bytes"] == 1001  # the link is listed, not followed
    assert verify(cli, "phone")[0]["match"] is True
    (folder / "b.txt").rename(folder / "c.txt")
    renamed, err = verify(cli, "phone", code=1)
    assert renamed["sha256"] != first["sha256"] and renamed["bytes"] == 1001
    assert "EVIDENCE MISMATCH" in err


def test_a_segment_truncated_after_ingest_is_recorded_unverified(
    cli: Any, case: str, acquired: Path, tmp_path: Path
) -> None:
    e01 = copy_set(acquired, tmp_path / "cut")
    ingest(cli, e01)
    e03 = e01.with_suffix(".E03")
    with open(e03, "r+b") as stream:
        stream.truncate(e03.stat().st_size // 2)
    found, err = verify(cli, "disk.E01", code=1)
    assert found["match"] is False and "EWF segment disk.E03 is truncated" in found["error"]
    assert found["sha256"] is None and found["container"] is None
    assert "EVIDENCE NOT VERIFIED" in err and "disk.E03" in err
    event = verify_events(cli)[-1]
    assert event["detail"]["error"] == found["error"]
    text = cli("verify-evidence", "disk.E01", "--case", "C")
    assert text.code == 1 and "EVIDENCE NOT VERIFIED" in text.err


def test_an_unknown_source_is_named(cli: Any, case: str, tmp_path: Path) -> None:
    result = cli("verify-evidence", str(tmp_path / "never-ingested.E01"), "--case", "C")
    assert result.code == 1 and "case C has no evidence source" in result.err
    assert verify_events(cli) == []


def test_a_non_member_is_refused_and_audited(cli: Any, case: str, seizure: Seizure) -> None:
    before = evidence_state(seizure.raw)
    ingest(cli, seizure.raw)
    assert cli("user", "add", "other", "--role", "investigator").code == 0
    result = cli("--user", "other", "verify-evidence", "disk.raw", "--case", "C")
    assert result.code == 1
    denied = cli("audit", "show", "--action", "access.denied", "--json").json()
    assert [(e["actor"], e["detail"].get("action")) for e in denied] == [
        ("other", "evidence verify")
    ]
    assert len(verify_events(cli)) == 2  # the ingest's two, none for the refused call
    assert evidence_state(seizure.raw) == before
