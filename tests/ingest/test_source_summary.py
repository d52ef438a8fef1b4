"""The per-source summary at the end of an ingest: in ``--json``, in the CLI's table, in
the ``ingest.finish`` audit event and stored with the source (``case show``).

Real folders and zips with real damage (a cut JPEG, a decompression bomb, a member with
a bad CRC, an encrypted member, a cut zip, a symbolic link); the summary's numbers are
checked against what ``media list`` shows, and the source hash against a hash computed
here from the evidence's bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from genkend.demo.damaged import oversized_png, truncated
from genkend.evidence.root_hash import manifest_digest


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    root.mkdir()
    picture = _jpeg((200, 10, 10))
    (root / "ok.jpg").write_bytes(picture)
    (root / "cut.jpg").write_bytes(truncated(_jpeg((10, 200, 10))))
    (root / "bomb.png").write_bytes(oversized_png())
    (root / "notes.txt").write_text("not a picture\n")
    with zipfile.ZipFile(root / "good.zip", "w") as archive:
        archive.writestr("in/a.jpg", picture)
        archive.writestr("in/b.jpg", _jpeg((10, 10, 200)))
    damaged = bytearray((root / "good.zip").read_bytes())
    damaged[damaged.find(picture[200:216]) + 3] ^= 0xFF  # a member's bytes, not its CRC
    (root / "badcrc.zip").write_bytes(bytes(damaged))
    (root / "cut.zip").write_bytes((root / "good.zip").read_bytes()[:120])
    (root / "link.jpg").symlink_to(root / "ok.jpg")
    if shutil.which("zip"):
        (root / "secret.jpg").write_bytes(_jpeg((90, 90, 90)))
        subprocess.run(
            ["zip", "-q", "-P", "pw", "-j", str(root / "enc.zip"), str(root / "secret.jpg")],
            check=True,
        )
        (root / "secret.jpg").unlink()
    return root


@pytest.fixture
def case(cli: Any) -> str:
    assert cli("case", "create", "C1", "--title", "summary test").code == 0
    return "C1"


def _ingest(cli: Any, evidence: Path) -> dict[str, Any]:
    result = cli("ingest", str(evidence), "--case", "C1", "--workers", "0", "--no-faces", "--json")
    (summary,) = result.json()
    return dict(summary)


def _locations(cli: Any) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    listing = cli("media", "list", "--case", "C1", "--json").json()
    return [(entry, loc) for entry in listing for loc in entry["locations"]]


def test_a_folders_summary_counts_kinds_errors_and_bytes_of_the_whole_source(
    cli: Any, case: str, evidence: Path
) -> None:
    summary = _ingest(cli, evidence)
    found = summary["source"]
    listed = _locations(cli)
    assert found["items"] == len(listed) == summary["locations"]
    kinds: dict[str, int] = {}
    for entry, _ in listed:
        kinds[entry["kind"]] = kinds.get(entry["kind"], 0) + 1
    assert found["by_kind"] == kinds
    assert found["by_kind"]["archive"] == 3 + (evidence / "enc.zip").exists()
    assert found["bytes_read"] == sum(entry.get("size") or 0 for entry, _ in listed)
    assert found["deleted"] == 0
    expected = {"corrupt": 1, "link-not-followed": 1, "over-limit": 1, "truncated": 1}
    expected["corrupt"] += 1  # the cut zip: "File is not a zip file"
    if (evidence / "enc.zip").exists():
        expected["encrypted"] = 1
    assert found["errors_by_kind"] == expected
    assert found["errors"] == sum(expected.values()) == summary["errors"]
    # a folder's hash: the manifest of what was recorded, recomputed here
    pairs = [(loc["location"], entry.get("sha256")) for entry, loc in listed]
    assert found["hash_scope"] == "manifest"
    assert found["sha256"] == manifest_digest(pairs).sha256
    # the same summary in the audit trail and stored with the source
    (finish,) = [e for e in cli("audit", "show", "--json").json() if e["action"] == "ingest.finish"]
    assert finish["detail"]["source"] == found
    assert finish["detail"]["locations"] == summary["locations"]  # the old keys stay
    (source,) = cli("case", "show", case, "--json").json()["sources"]
    assert (source["sha256"], source["hash_scope"]) == (found["sha256"], "manifest")
    assert source["summary"] == found


def test_a_single_files_hash_is_the_sha256_of_its_bytes(
    cli: Any, case: str, evidence: Path
) -> None:
    archive = evidence / "good.zip"
    before = hashlib.sha256(archive.read_bytes()).hexdigest()
    found = _ingest(cli, archive)["source"]
    assert (found["sha256"], found["hash_scope"]) == (before, "file")
    assert found["by_kind"] == {"archive": 1, "image": 2}
    assert found["errors_by_kind"] == {} and found["errors"] == 0
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == before


def test_a_later_run_counts_the_whole_source_not_only_its_own_items(
    cli: Any, case: str, evidence: Path
) -> None:
    first = _ingest(cli, evidence)
    (evidence / "late.jpg").write_bytes(_jpeg((1, 2, 3)))
    again = _ingest(cli, evidence)
    assert again["locations"] == 1 and again["skipped_done"] == first["locations"]
    assert again["source"]["items"] == first["source"]["items"] + 1
    assert again["source"]["by_kind"]["image"] == first["source"]["by_kind"]["image"] + 1
    assert again["source"]["errors_by_kind"] == first["source"]["errors_by_kind"]
    assert again["source"]["sha256"] != first["source"]["sha256"]


def test_the_table_shows_the_summary_and_the_full_hash(cli: Any, case: str, evidence: Path) -> None:
    result = cli("ingest", str(evidence), "--case", case, "--workers", "0", "--no-faces")
    assert result.code == 0, result.err
    assert "as recorded (all runs)" in result.out
    assert "truncated" in result.out and "link-not-followed" in result.out
    (source,) = cli("case", "show", case, "--json").json()["sources"]
    assert f"sha256 (manifest of what was recorded): {source['sha256']}" in result.out
    json.dumps(source)  # plain JSON
