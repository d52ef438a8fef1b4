"""iOS backup folders: domain paths, read-only, damage and encryption recorded."""

from __future__ import annotations

import hashlib
import plistlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from genkend.evidence import open_source
from genkend.evidence.ios_backup import ENCRYPTED, UNLISTED_NOTE, IosBackupSource

PICTURE = "Media/DCIM/100APPLE/IMG_0001.HEIC"
MODIFIED = 1_700_000_000
BIRTH = 1_600_000_000


def mbfile_blob(size: int) -> bytes:
    """An NSKeyedArchiver MBFile, as iOS writes into Files.file."""
    root = {
        "LastModified": MODIFIED,
        "Birth": BIRTH,
        "LastStatusChange": MODIFIED + 5,
        "Size": size,
        "$class": plistlib.UID(2),
    }
    archive = {
        "$archiver": "NSKeyedArchiver",
        "$version": 100000,
        "$top": {"root": plistlib.UID(1)},
        "$objects": ["$null", root, {"$classname": "MBFile", "$classes": ["MBFile", "NSObject"]}],
    }
    return plistlib.dumps(archive, fmt=plistlib.FMT_BINARY)


def build_backup(folder: Path, encrypted: bool = False) -> Path:
    folder.mkdir()
    files = {
        ("CameraRollDomain", PICTURE): b"\x00\x00\x00\x18ftypheic" + b"x" * 100,
        ("HomeDomain", "Library/SMS/sms.db"): b"not a picture",
    }
    db = sqlite3.connect(folder / "Manifest.db")
    db.execute(
        "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT,"
        " flags INTEGER, file BLOB)"
    )
    db.execute(
        "INSERT INTO Files VALUES (?, 'CameraRollDomain', 'Media', 2, NULL)",
        (hashlib.sha1(b"CameraRollDomain-Media").hexdigest(),),
    )
    for (domain, relative), content in files.items():
        file_id = hashlib.sha1(f"{domain}-{relative}".encode()).hexdigest()
        (folder / file_id[:2]).mkdir(exist_ok=True)
        (folder / file_id[:2] / file_id).write_bytes(content)
        db.execute(
            "INSERT INTO Files VALUES (?, ?, ?, 1, ?)",
            (file_id, domain, relative, mbfile_blob(len(content))),
        )
    db.commit()
    db.close()
    (folder / "ff").mkdir(exist_ok=True)
    (folder / "ff" / "ff00").write_bytes(b"stray")
    (folder / "Manifest.plist").write_bytes(
        plistlib.dumps({"IsEncrypted": encrypted, "Version": "10.0"})
    )
    (folder / "Info.plist").write_bytes(plistlib.dumps({"Device Name": "test"}))
    (folder / "Status.plist").write_bytes(plistlib.dumps({"IsFullBackup": False}))
    return folder


def state(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_backup_files_are_listed_under_their_domain_paths(tmp_path: Path) -> None:
    backup = build_backup(tmp_path / "anything")
    before = state(backup)
    source = open_source(backup, "s1")
    assert isinstance(source, IosBackupSource)
    items = {item.location: item for item in source.items()}
    picture = items[f"CameraRollDomain/{PICTURE}"]
    assert picture.error is None and picture.size == 112
    assert picture.origin is not None and picture.origin.file_system == "ios-backup"
    assert picture.origin.path == f"CameraRollDomain/{PICTURE}"
    assert picture.origin.modified == datetime.fromtimestamp(MODIFIED, UTC)
    assert picture.origin.created == datetime.fromtimestamp(BIRTH, UTC)
    with source.open(picture) as stream:
        assert stream.read(12) == b"\x00\x00\x00\x18ftypheic"
    assert "HomeDomain/Library/SMS/sms.db" in items
    assert UNLISTED_NOTE in items["ff/ff00"].notes
    assert {"Manifest.db", "Manifest.plist", "Info.plist", "Status.plist"} <= set(items)
    assert not any("/" in loc and len(loc.split("/")[0]) == 2 and loc != "ff/ff00" for loc in items)
    assert state(backup) == before  # no -wal, -shm or journal written, nothing changed


def test_damaged_manifest_is_recorded_and_stored_files_still_listed(tmp_path: Path) -> None:
    backup = build_backup(tmp_path / "b")
    db = backup / "Manifest.db"
    raw = db.read_bytes()
    db.write_bytes(raw[:100] + b"\xff" * (len(raw) - 100))
    before = state(backup)
    items = {item.location: item for item in open_source(backup, "s1").items()}
    assert "Manifest.db" in (items["Manifest.db"].error or "")
    stored = [loc for loc in items if loc.count("/") == 1 and len(loc.split("/")[1]) >= 4]
    assert len(stored) == 3 and all(items[s].error is None for s in stored)
    assert state(backup) == before


def test_encrypted_backup_files_are_error_items(tmp_path: Path) -> None:
    backup = build_backup(tmp_path / "e", encrypted=True)
    items = list(open_source(backup, "s1").items())
    stored = [i for i in items if "/" in i.location]
    assert len(stored) == 3 and all(i.error == ENCRYPTED for i in stored)


def test_ingest_finds_the_backup_pictures(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    backup = build_backup(tmp_path / "backup-folder")
    before = state(backup)
    assert cli("case", "create", "C", "--title", "phone").code == 0
    result = cli("ingest", str(backup), "--case", "C", "--workers", "0", "--json")
    assert result.code == 0, result.err
    listing = cli("media", "list", "--case", "C", "--json").json()
    found = {loc["location"] for m in listing for loc in m["locations"]}
    assert f"CameraRollDomain/{PICTURE}" in found
    assert state(backup) == before
