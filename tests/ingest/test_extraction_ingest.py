"""A phone extraction through ingest: ``genkend ingest extraction.zip --case C``, no flag.

The zip is an Android file-system extraction and a UFDR built in ``tmp_path`` (see
``tests/evidence/test_extractions.py``); ``media list --json`` must show each picture
under its device path with its family, and the UFDR's deleted picture as deleted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.evidence.test_extractions import (
    UFDR_ENTRIES,
    picture,
    report_xml,
    sha,
    write_ufdr,
    write_zip,
)


def _locations(cli: Any, case: str) -> dict[str, dict[str, Any]]:
    listing = cli("media", "list", "--case", case, "--json").json()
    return {loc["location"]: loc for entry in listing for loc in entry["locations"]}


def _ingest(cli: Any, evidence: Path, case: str) -> dict[str, Any]:
    assert cli("case", "create", case, "--title", "phone").code == 0
    result = cli("ingest", str(evidence), "--case", case, "--workers", "0", "--no-faces", "--json")
    assert result.code == 0, result.err
    (summary,) = result.json()
    return dict(summary)


def test_ingest_places_an_android_extraction_under_its_device_paths(
    cli: Any, tmp_path: Path
) -> None:
    camera = "data/media/0/DCIM/Camera/IMG_0001.jpg"
    evidence = write_zip(
        tmp_path / "extraction.zip",
        [(camera, picture(20)), ("data/media/0/Pictures/b.jpg", picture(180))],
    )
    before = sha(evidence)
    summary = _ingest(cli, evidence, "C")
    found = _locations(cli, "C")
    photo = found[f"extraction.zip!/{camera}"]
    assert (photo["file_system"], photo["fs_path"]) == ("android-extraction", f"/{camera}")
    assert photo["fs_modified"] and photo["fs_modified"].endswith("Z")
    assert photo["deleted"] is False
    assert summary["source"]["by_kind"]["image"] == 2
    out = tmp_path / "c.json"
    basis = ["--purpose", "exchange", "--legal-basis", "warrant 1/2026"]
    assert cli("export", "vics", "--case", "C", "-o", str(out), *basis).code == 0
    exported = json.loads(out.read_text())
    paths = {f["FilePath"] for m in exported["value"][0]["Media"] for f in m["MediaFiles"]}
    assert f"/{camera}" in paths  # VICS cites the phone's path
    assert sha(evidence) == before


def test_ingest_of_a_ufdr_records_the_device_paths_and_the_deleted_picture(
    cli: Any, tmp_path: Path
) -> None:
    evidence = write_ufdr(tmp_path / "phone.ufdr", report_xml(UFDR_ENTRIES))
    before = sha(evidence)
    summary = _ingest(cli, evidence, "U")
    found = _locations(cli, "U")
    kept = found["phone.ufdr!/files/Image/IMG_0001.JPG"]
    assert kept["fs_path"] == "/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG"
    assert kept["file_system"] == "ufdr" and kept["deleted"] is False
    gone = found["phone.ufdr!/files/Image/IMG_0002.JPG"]
    assert gone["deleted"] is True
    assert found["phone.ufdr!/files/Image/stray.jpg"]["file_system"] is None
    assert summary["source"]["deleted"] == 1
    assert sha(evidence) == before
