"""VICS 2.0 case export: its shape, its streaming, and a lossless round trip.

All digests and names are synthetic.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from genkend.hashes import sets as hashsets
from genkend.hashes.sets.vics_write import VicsCase, VicsFile, VicsMedia, write_vics
from genkend.records import HashSetEntry

TAKEN = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def media_list() -> list[VicsMedia]:
    return [
        VicsMedia(
            media_id=1,
            md5=f"{1:032x}",
            sha1=f"{1:040x}",
            sha256=f"{1:064x}",
            size=2048,
            category=1,
            series="Synthetic series \u00e5",
            victim_identified=True,
            distributed=False,
            pdq=bytes(range(32)),
            mime_type="image/jpeg",
            files=(
                VicsFile("a.jpg", "/DCIM/a.jpg", created=TAKEN, written=TAKEN, source_id="phone"),
                VicsFile("copy of a.jpg", "/backup/copy of a.jpg", accessed=TAKEN),
            ),
        ),
        VicsMedia(media_id=2, md5=f"{2:032x}", category=0, files=(VicsFile("b.png", "/b.png"),)),
        VicsMedia(media_id=3, md5=f"{3:032x}"),
    ]


def export(media: list[VicsMedia] | Iterator[VicsMedia]) -> str:
    out = io.StringIO()
    write_vics(out, VicsCase(case_id="case-guid-1", case_number="OP-1", media=media))
    return out.getvalue()


def test_export_has_the_vics_20_case_shape() -> None:
    doc = json.loads(export(media_list()))
    assert doc["@odata.context"] == (
        "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases"
    )
    (case,) = doc["value"]
    assert case["CaseID"] == "case-guid-1" and case["CaseNumber"] == "OP-1"
    assert case["SourceApplicationName"] == "genkend"
    assert case["SourceApplicationVersion"]
    first, second, third = case["Media"]
    assert first == {
        "MediaID": 1,
        "Category": 1,
        "MD5": f"{1:032x}",
        "SHA1": f"{1:040x}",
        "SHA256": f"{1:064x}",
        "MediaSize": 2048,
        "MimeType": "image/jpeg",
        "Series": "Synthetic series \u00e5",
        "VictimIdentified": "true",
        "IsDistributed": "false",
        "AlternativeHashes": [
            {"HashName": "PDQ", "HashValue": bytes(range(32)).hex(), "MD5": f"{1:032x}"}
        ],
        "MediaFiles": [
            {
                "MD5": f"{1:032x}",
                "FileName": "a.jpg",
                "FilePath": "/DCIM/a.jpg",
                "Created": "2024-01-02T03:04:05.678901Z",
                "Written": "2024-01-02T03:04:05.678901Z",
                "SourceID": "phone",
            },
            {
                "MD5": f"{1:032x}",
                "FileName": "copy of a.jpg",
                "FilePath": "/backup/copy of a.jpg",
                "Accessed": "2024-01-02T03:04:05.678901Z",
            },
        ],
    }
    # Unknown facts are left out, never written as a guess; category 0 is a fact.
    assert second == {
        "MediaID": 2,
        "Category": 0,
        "MD5": f"{2:032x}",
        "MediaFiles": [{"MD5": f"{2:032x}", "FileName": "b.png", "FilePath": "/b.png"}],
    }
    assert third == {"MediaID": 3, "MD5": f"{3:032x}", "MediaFiles": []}


def test_export_writes_times_in_utc() -> None:
    local = TAKEN.astimezone(timezone(timedelta(hours=2)))
    media = [VicsMedia(media_id=1, md5="0" * 32, files=(VicsFile("a", "/a", created=local),))]
    doc = json.loads(export(media))
    assert doc["value"][0]["Media"][0]["MediaFiles"][0]["Created"] == "2024-01-02T03:04:05.678901Z"


def test_export_round_trips_through_the_hash_set_reader(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(export(media_list()), encoding="utf-8")
    assert hashsets.detect_format(path) == "vics"
    results = list(hashsets.read(path))
    assert all(isinstance(r, HashSetEntry) for r in results)
    assert results == [
        HashSetEntry(
            md5=f"{1:032x}",
            sha1=f"{1:040x}",
            sha256=f"{1:064x}",
            pdq=bytes(range(32)),
            category=1,
            series="Synthetic series \u00e5",
            non_pertinent=False,
            victim_identified=True,
            distributed=False,
            external_id="1",
            file_name="a.jpg",
            alternative_hashes={"PDQ": bytes(range(32)).hex()},
        ),
        HashSetEntry(
            md5=f"{2:032x}", category=0, non_pertinent=True, external_id="2", file_name="b.png"
        ),
        HashSetEntry(md5=f"{3:032x}", external_id="3"),
    ]


def test_export_streams_records_one_at_a_time() -> None:
    out = io.StringIO()
    written_before_second: list[bool] = []

    def media() -> Iterator[VicsMedia]:
        yield VicsMedia(media_id=1, md5="1" * 32)
        # The first record must be on its way out before the store is asked for more.
        written_before_second.append("1" * 32 in out.getvalue())
        yield VicsMedia(media_id=2, md5="2" * 32)

    write_vics(out, VicsCase(case_id="c", media=media()))
    assert written_before_second == [True]
    assert [m["MediaID"] for m in json.loads(out.getvalue())["value"][0]["Media"]] == [1, 2]


def test_a_case_without_media_exports_and_reads_back_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text(export([]), encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8"))["value"][0]["Media"] == []
    assert list(hashsets.read(path)) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"md5": "A" * 32}, "md5 must be lower-case hex"),
        ({"md5": "0" * 31}, "md5 must be lower-case hex"),
        ({"md5": "0" * 32, "sha1": "x" * 40}, "sha1 must be lower-case hex"),
        ({"md5": "0" * 32, "pdq": b"\x00" * 31}, "PDQ hash has 32 bytes"),
        ({"md5": "0" * 32, "category": -1}, "must not be negative"),
    ],
)
def test_media_records_are_validated_when_made(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VicsMedia(media_id=7, **kwargs)


def test_file_times_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        VicsFile("a", "/a", written=datetime(2024, 1, 1))
