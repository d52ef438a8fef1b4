"""Phone extractions in archives: Android and iOS file systems in a zip or tar, and UFDR.

Every extraction is built here in ``tmp_path`` with the standard library's zip and tar
writers and synthetic pictures from Pillow; each test checks the evidence file's sha256
before and after. The walker is the real one, reached through ``open_source``.
"""

from __future__ import annotations

import hashlib
import io
import struct
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

from genkend.evidence import open_source
from genkend.evidence.extraction import ANDROID, IOS, MARKERS
from genkend.evidence.ufdr import UNLISTED_NOTE, UNPLACED_NOTE
from genkend.records import MediaItem

MTIME = 1_650_000_000
NS = "http://pa.cellebrite.com/report/2.0"


def picture(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 255 - shade, 90)).save(out, "JPEG")
    return out.getvalue()


def _utc_extra(when: int) -> bytes:
    """An Info-ZIP extended timestamp (0x5455) holding a UTC modification time."""
    return struct.pack("<HHBl", 0x5455, 5, 1, when)


def write_zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2022, 4, 15, 5, 20, 0))
            info.extra = _utc_extra(MTIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


def write_tar(path: Path, members: list[tuple[str, bytes | str | None]], mode: str = "w") -> Path:
    """A tar of files (bytes), folders (None) and symbolic links (their target, a str)."""
    with tarfile.open(path, mode) as archive:  # type: ignore[call-overload]
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = MTIME
            if isinstance(data, str):
                info.type, info.linkname = tarfile.SYMTYPE, data
                archive.addfile(info)
            elif data is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listed(path: Path) -> dict[str, MediaItem]:
    """Every item of the evidence at ``path``, each read right after it is listed."""
    source = open_source(path, "s1")
    found = {}
    for item in source.items():
        if item.error is None:
            with source.open(item) as stream:
                stream.read()
        found[item.location] = item
    return found


def test_an_android_extraction_zip_places_its_members_under_the_device_paths(
    tmp_path: Path,
) -> None:
    camera = "data/media/0/DCIM/Camera/IMG_0001.jpg"
    evidence = write_zip(
        tmp_path / "phone.zip",
        [
            (camera, picture(10)),
            ("data/data/com.whatsapp/databases/msgstore.db", b"not a picture"),
            ("data/media/0/WhatsApp/Media/sent.jpg", picture(200)),
        ],
    )
    before = sha(evidence)
    items = listed(evidence)
    photo = items[f"phone.zip!/{camera}"]
    assert photo.error is None and photo.origin is not None
    assert photo.origin.file_system == ANDROID
    assert photo.origin.path == f"/{camera}"
    assert photo.origin.modified == datetime.fromtimestamp(MTIME, UTC) == photo.mtime
    assert photo.origin.deleted is False
    app = items["phone.zip!/data/data/com.whatsapp/databases/msgstore.db"]
    assert app.origin is not None and app.origin.path.startswith("/data/data/com.whatsapp/")
    assert items["phone.zip"].origin is None  # the archive itself lies in the folder
    assert sha(evidence) == before


def test_an_ios_extraction_tar_under_a_wrapping_folder_is_placed_from_that_folder(
    tmp_path: Path,
) -> None:
    dcim = "Dump/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG"
    evidence = write_tar(
        tmp_path / "ffs.tar",
        [
            ("Dump/", None),
            ("Dump/private/", None),
            ("Dump/private/var/mobile/Media/DCIM/100APPLE/", None),
            (dcim, picture(30)),
            ("Dump/private/var/mobile/Library/SMS/sms.db", b"sqlite, say"),
            ("Dump/private/var/mobile/Media/latest.jpg", "DCIM/100APPLE/IMG_0001.JPG"),
            ("notes.txt", b"written by the examiner's tool, outside the device"),
        ],
    )
    before = sha(evidence)
    items = listed(evidence)
    photo = items[f"ffs.tar!/{dcim}"]
    assert photo.origin is not None and photo.origin.file_system == IOS
    assert photo.origin.path == "/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG"
    assert photo.origin.modified == datetime.fromtimestamp(MTIME, UTC)
    link = items["ffs.tar!/Dump/private/var/mobile/Media/latest.jpg"]
    assert link.error is not None and "symbolic link" in link.error  # not followed...
    assert link.origin is not None and link.origin.path == "/private/var/mobile/Media/latest.jpg"
    assert items["ffs.tar!/notes.txt"].origin is None  # outside the device's /
    assert items["ffs.tar!/notes.txt"].error is None
    assert sha(evidence) == before


def test_a_compressed_tar_is_recognised_from_the_names_as_they_stream(tmp_path: Path) -> None:
    evidence = write_tar(
        tmp_path / "android.tgz",
        [
            ("./sdcard/", None),
            ("./sdcard/DCIM/a.jpg", picture(50)),
        ],
        mode="w:gz",
    )
    items = listed(evidence)
    member = items["android.tgz!/./sdcard/DCIM/a.jpg"]
    assert member.origin is not None and member.origin.file_system == ANDROID
    assert member.origin.path == "/sdcard/DCIM/a.jpg"


def test_an_ordinary_archive_is_no_extraction(tmp_path: Path) -> None:
    # "data/" alone, or a marker two folders deep, shows no phone
    evidence = write_zip(
        tmp_path / "holiday.zip",
        [("photos/a.jpg", picture(1)), ("data/b.jpg", picture(2)), ("x/y/sdcard/c.jpg", b"c")],
    )
    items = listed(evidence)
    assert len(items) == 4 and all(item.origin is None for item in items.values())


def test_the_markers_are_device_paths_of_the_two_families() -> None:
    assert {m.file_system for m in MARKERS} == {ANDROID, IOS}
    assert all(not m.path.startswith("/") for m in MARKERS)


def test_a_truncated_extraction_zip_is_a_recorded_error(tmp_path: Path) -> None:
    whole = write_zip(tmp_path / "whole.zip", [("data/media/0/DCIM/a.jpg", picture(5))])
    evidence = tmp_path / "cut.zip"
    evidence.write_bytes(whole.read_bytes()[:-30])  # the end of the central directory
    before = sha(evidence)
    items = listed(evidence)
    assert items["cut.zip"].error is None  # the file itself is still hashed
    assert "archive could not be read" in (items["cut.zip!/"].error or "")
    assert sha(evidence) == before


def report_xml(entries: list[dict[str, Any]], cut: int | None = None) -> bytes:
    """A Cellebrite report.xml listing ``entries``; ``cut`` keeps only that many bytes."""
    files = []
    for e in entries:
        stamps = "".join(
            f'<timestamp name="{name}">{value}</timestamp>' for name, value in e["times"].items()
        )
        files.append(
            f'<file fs="Apple iPhone" fsid="f1" path="{e["path"]}" size="10" id="{e["id"]}"'
            f' extractionId="0" deleted="{e["deleted"]}" embedded="false" isrelated="False">'
            f"<accessInfo>{stamps}</accessInfo>"
            f'<metadata section="File"><item name="Local Path"><![CDATA[{e["local"]}]]></item>'
            "</metadata></file>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<project id="p1" name="Case" reportVersion="5.2" xmlns="{NS}">'
        '<sourceExtractions><extractionInfo id="0" name="Full file system"/></sourceExtractions>'
        f"<taggedFiles>{''.join(files)}</taggedFiles>"
        '<decodedData><modelType type="Chat"><model type="Chat" id="c1"/></modelType>'
        "</decodedData></project>"
    ).encode()
    return body if cut is None else body[:cut]


UFDR_ENTRIES: list[dict[str, Any]] = [
    {
        "id": "a1",
        "path": "/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG",
        "local": "files\\Image\\IMG_0001.JPG",
        "deleted": "Intact",
        "times": {
            "CreationTime": "2021-03-04T05:06:07.000+00:00",
            "ModifyTime": "2021-03-04T05:06:08.000+02:00",
        },
    },
    {
        "id": "a2",
        "path": "/private/var/mobile/Media/DCIM/100APPLE/IMG_0002.JPG",
        "local": "files\\Image\\IMG_0002.JPG",
        "deleted": "Deleted",
        "times": {"AccessTime": "2021-05-06T07:08:09.000+00:00"},
    },
]


def write_ufdr(path: Path, report: bytes) -> Path:
    return write_zip(
        path,
        [
            ("report.xml", report),
            ("files/Image/IMG_0001.JPG", picture(70)),
            ("files/Image/IMG_0002.JPG", picture(140)),
            ("files/Image/stray.jpg", picture(210)),
        ],
    )


def test_a_ufdr_places_its_files_where_report_xml_says(tmp_path: Path) -> None:
    evidence = write_ufdr(tmp_path / "export.bin", report_xml(UFDR_ENTRIES))
    before = sha(evidence)
    items = listed(evidence)
    first = items["export.bin!/files/Image/IMG_0001.JPG"].origin
    assert first is not None and first.file_system == "ufdr"
    assert first.path == "/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG"
    assert first.created == datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert first.modified == datetime(2021, 3, 4, 3, 6, 8, tzinfo=UTC)
    assert first.deleted is False and first.accessed is None
    second = items["export.bin!/files/Image/IMG_0002.JPG"].origin
    assert second is not None and second.deleted is True
    assert second.accessed == datetime(2021, 5, 6, 7, 8, 9, tzinfo=UTC)
    stray = items["export.bin!/files/Image/stray.jpg"]
    assert stray.origin is None and UNLISTED_NOTE in stray.notes and stray.error is None
    assert items["export.bin!/report.xml"].error is None  # the report is evidence too
    assert "export.bin!/" not in items  # nothing wrong with it
    assert sha(evidence) == before


def test_a_damaged_report_is_recorded_and_the_entries_before_it_kept(tmp_path: Path) -> None:
    whole = report_xml(UFDR_ENTRIES)
    cut = whole.index(b"<file", whole.index(b"</file>"))  # inside the second entry
    evidence = write_ufdr(tmp_path / "damaged.ufdr", whole[: cut + 40])
    before = sha(evidence)
    items = listed(evidence)
    problem = items["damaged.ufdr!/"].error or ""
    assert "report.xml is damaged" in problem and "1 file entries" in problem
    assert items["damaged.ufdr!/files/Image/IMG_0001.JPG"].origin is not None
    second = items["damaged.ufdr!/files/Image/IMG_0002.JPG"]
    assert second.origin is None and second.error is None  # still read, only not placed
    assert UNPLACED_NOTE in second.notes
    assert sha(evidence) == before


def test_a_report_that_is_not_xml_beside_files_is_recorded(tmp_path: Path) -> None:
    evidence = write_ufdr(tmp_path / "garbage.ufdr", b"\x00\xffPK not xml at all")
    items = listed(evidence)
    assert "report.xml is damaged" in (items["garbage.ufdr!/"].error or "")
    assert sum(1 for i in items.values() if i.error is None) == 5  # zip, report, 3 pictures


def test_a_report_with_entity_expansion_is_refused_not_expanded(tmp_path: Path) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE project [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<project xmlns="http://pa.cellebrite.com/report/2.0"><x>&c;</x></project>'
    )
    evidence = write_ufdr(tmp_path / "bomb.ufdr", bomb)
    items = listed(evidence)
    assert "report.xml is damaged" in (items["bomb.ufdr!/"].error or "")
    assert all(i.origin is None for i in items.values())


def test_an_xml_report_of_another_tool_is_an_ordinary_member(tmp_path: Path) -> None:
    evidence = write_zip(
        tmp_path / "site.zip", [("Report.xml", b"<html><body/></html>"), ("a.jpg", picture(3))]
    )
    items = listed(evidence)
    assert "site.zip!/" not in items and all(i.origin is None for i in items.values())
