"""Ingest end to end through the CLI: every file recorded once, triage, bad input.

The evidence is synthetic: structured pictures (never noise, whose PDQ is not robust),
copies, look-alikes, an archive and every kind of bad input the ingest must survive.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from genkend.hashes.digests import digest_bytes
from genkend.hashes.sets.vics_write import VicsCase, VicsMedia, write_vics


def picture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A deterministic picture of coloured shapes; different seeds look different."""
    img = Image.new("RGB", size, (240 - seed * 7 % 200, 230, 220))
    draw = ImageDraw.Draw(img)
    w, h = size
    for i in range(6):
        k = (seed * 31 + i * 17) % 97
        x, y = (k * 13 + i * 50) % w, (k * 29 + i * 40) % h
        colour = ((k * 5) % 256, (k * 11 + seed * 40) % 256, (255 - k * 3) % 256)
        shape = draw.ellipse if (seed + i) % 2 else draw.rectangle
        shape((x - w // 5, y - h // 5, x + w // 5, y + h // 5), fill=colour)
    return img


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    (root / "DCIM").mkdir(parents=True)
    (root / "other").mkdir()
    for i in range(6):
        (root / "DCIM" / f"IMG_{i:04d}.jpg").write_bytes(jpeg(picture(i)))
    (root / "other" / "copy-of-0.jpg").write_bytes((root / "DCIM" / "IMG_0000.jpg").read_bytes())
    (root / "other" / "smaller-1.jpg").write_bytes(jpeg(picture(1).resize((320, 240)), 60))
    png = io.BytesIO()
    picture(9).save(png, "PNG")
    (root / "other" / "drawing.png").write_bytes(png.getvalue())
    (root / "empty.jpg").write_bytes(b"")
    (root / "truncated.jpg").write_bytes(jpeg(picture(2))[:2000])
    (root / "text.jpg").write_text("this is not a picture\n")
    (root / "huge.png").write_bytes(png_declaring(100_000, 100_000))
    (root / "loop").symlink_to(root)
    with zipfile.ZipFile(root / "backup.zip", "w") as z:
        z.writestr("photos/IMG_0003.jpg", (root / "DCIM" / "IMG_0003.jpg").read_bytes())
        z.writestr("photos/new.jpg", jpeg(picture(20)))
        z.writestr("../../etc/passwd", "root:x:0:0\n")
    return root


def tree_state(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every path under root with its size, mtime and content: to prove nothing changed."""
    state = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if path.is_symlink():
                continue
            st = path.stat()
            state[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns, path.read_bytes())
    return state


EXPECTED_LOCATIONS = {
    "DCIM/IMG_0000.jpg",
    "DCIM/IMG_0001.jpg",
    "DCIM/IMG_0002.jpg",
    "DCIM/IMG_0003.jpg",
    "DCIM/IMG_0004.jpg",
    "DCIM/IMG_0005.jpg",
    "other/copy-of-0.jpg",
    "other/smaller-1.jpg",
    "other/drawing.png",
    "empty.jpg",
    "truncated.jpg",
    "text.jpg",
    "huge.png",
    "loop",
    "backup.zip",
    "backup.zip!/photos/IMG_0003.jpg",
    "backup.zip!/photos/new.jpg",
    "backup.zip!/../../etc/passwd",
}


def by_location(listing: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {loc["location"]: m for m in listing for loc in m["locations"]}


@pytest.fixture
def case(cli: Any) -> str:
    assert cli("case", "create", "C1", "--title", "ingest test").code == 0
    return "C1"


def ingest(cli: Any, evidence: Path, *extra: str) -> dict[str, Any]:
    result = cli("ingest", str(evidence), "--case", "C1", "--workers", "0", "--json", *extra)
    assert result.code == 0, result.err
    (summary,) = result.json()
    return dict(summary)


def test_every_file_is_recorded_once_with_the_right_outcome(
    cli: Any, case: str, evidence: Path, home: Path
) -> None:
    before = tree_state(evidence)
    summary = ingest(cli, evidence)
    assert summary["locations"] == len(EXPECTED_LOCATIONS) == summary["listed"]
    listing = cli("media", "list", "--case", case, "--json").json()
    found = by_location(listing)
    assert set(found) == EXPECTED_LOCATIONS
    # exact copies are one content with several locations
    copy = found["other/copy-of-0.jpg"]
    assert copy["id"] == found["DCIM/IMG_0000.jpg"]["id"]
    assert found["backup.zip!/photos/IMG_0003.jpg"]["id"] == found["DCIM/IMG_0003.jpg"]["id"]
    image = found["DCIM/IMG_0001.jpg"]
    raw = (evidence / "DCIM" / "IMG_0001.jpg").read_bytes()
    assert image["sha256"] == digest_bytes(raw).sha256 and image["md5"] == digest_bytes(raw).md5
    assert (image["mime"], image["width"], image["height"]) == ("image/jpeg", 640, 480)
    assert image["pdq_quality"] >= 50 and len(image["pdq"]) == 64
    # the resized, recompressed copy is a near-duplicate within the case
    near = [n["media_id"] for n in found["other/smaller-1.jpg"]["near_duplicates"]]
    assert image["id"] in near
    assert all(n["threshold"] == 31 and n["distance"] <= 31 for n in image["near_duplicates"])
    # bad input: recorded with a clear error, never dropped
    assert found["truncated.jpg"]["error"] and "truncated" in found["truncated.jpg"]["error"]
    assert "pixels" in found["huge.png"]["error"] or "large" in found["huge.png"]["error"]
    assert found["text.jpg"]["kind"] != "image" and found["text.jpg"]["error"] is None
    assert found["empty.jpg"]["size"] == 0
    assert found["loop"]["id"] is None and "symbolic link" in found["loop"]["error"]
    notes = found["backup.zip!/../../etc/passwd"]["locations"][0]["notes"]
    assert any("unsafe" in n for n in notes)
    # evidence untouched, nothing spooled left behind
    assert tree_state(evidence) == before
    assert list((home / "spool").iterdir()) == []
    assert cli("audit", "verify").code == 0


def test_reingest_adds_nothing(cli: Any, case: str, evidence: Path) -> None:
    first = ingest(cli, evidence)
    before = cli("media", "list", "--case", case, "--json").json()
    events = len(cli("audit", "show", "--json").json())
    second = ingest(cli, evidence)
    assert second["skipped_done"] == first["locations"] and second["locations"] == 0
    assert cli("media", "list", "--case", case, "--json").json() == before
    later = cli("audit", "show", "--json").json()[events:]
    assert later[0]["action"] == "audit.show"  # the reading above, itself recorded
    # ... and the automatic checkpoint, skipped: this workspace has no unit key
    actions = ["ingest.start", "ingest.finish", "audit.checkpoint.skipped"]
    assert [e["action"] for e in later[1:]] == actions


def test_new_files_in_a_known_source_are_added(cli: Any, case: str, evidence: Path) -> None:
    ingest(cli, evidence)
    (evidence / "late.jpg").write_bytes(jpeg(picture(33)))
    again = ingest(cli, evidence)
    assert again["locations"] == 1 and again["new_media"] == 1


def test_worker_processes_give_the_same_result(cli: Any, case: str, evidence: Path) -> None:
    result = cli("ingest", str(evidence), "--case", case, "--workers", "2", "--json")
    assert result.code == 0, result.err
    listing = cli("media", "list", "--case", case, "--json").json()
    assert set(by_location(listing)) == EXPECTED_LOCATIONS


def _vics_for(paths: dict[Path, tuple[int, str | None]], pdq_only: set[Path]) -> Any:
    from genkend import media
    from genkend.hashes import digests as hashing

    records = []
    for n, (path, (category, series)) in enumerate(paths.items(), start=1):
        raw = path.read_bytes()
        d = digest_bytes(raw)
        image = media.decode(raw, max_pixels=10**8, max_side=512).image
        pdq = hashing.PdqHasher().hash(image)
        assert pdq is not None
        if path in pdq_only:
            # a different file (unknown digests) that looks the same: found by PDQ only
            records.append(
                VicsMedia(
                    media_id=n,
                    md5="0" * 31 + str(n),
                    category=category,
                    series=series,
                    pdq=pdq.value,
                )
            )
        else:
            records.append(
                VicsMedia(media_id=n, md5=d.md5, sha1=d.sha1, category=category, series=series)
            )
    return VicsCase(case_id="KNOWN", media=records)


def test_hash_set_triage(cli: Any, case: str, evidence: Path, tmp_path: Path) -> None:
    known = {
        evidence / "DCIM" / "IMG_0002.jpg": (1, "Series-Alder"),
        evidence / "DCIM" / "IMG_0004.jpg": (0, None),
        evidence / "DCIM" / "IMG_0005.jpg": (1, "Series-Birch"),
    }
    vics_file = tmp_path / "known.json"
    with vics_file.open("w") as out:
        write_vics(out, _vics_for(known, pdq_only={evidence / "DCIM" / "IMG_0005.jpg"}))
    imported = cli("hashset", "import", str(vics_file), "--name", "known", "--json").json()
    assert imported["entries"] == 3 and imported["problem_count"] == 0
    summary = ingest(cli, evidence)
    assert (summary["known"], summary["non_pertinent"], summary["near_known"]) == (1, 1, 1)
    found = by_location(cli("media", "list", "--case", case, "--json").json())
    alder = found["DCIM/IMG_0002.jpg"]
    assert (alder["status"], alder["category"], alder["series"]) == ("known", 1, "Series-Alder")
    assert (
        alder["hash_hits"][0]["method"] == "sha1" and alder["hash_hits"][0]["hash_set"] == "known"
    )
    assert found["DCIM/IMG_0004.jpg"]["status"] == "non_pertinent"
    birch = found["DCIM/IMG_0005.jpg"]
    assert birch["status"] == "near_known" and birch["category"] is None
    (hit,) = birch["hash_hits"]
    assert (hit["method"], hit["distance"], hit["threshold"]) == ("pdq", 0, 31)
    assert found["DCIM/IMG_0001.jpg"]["status"] == "new"
    only_new = cli("media", "list", "--case", case, "--status", "known", "--json").json()
    assert [m["id"] for m in only_new] == [alder["id"]]


def test_vics_export_reimports_without_loss(
    cli: Any, case: str, evidence: Path, tmp_path: Path
) -> None:
    from genkend.hashes import sets as hashsets
    from genkend.records import HashSetEntry

    ingest(cli, evidence)
    out = tmp_path / "case.json"
    assert (
        cli(
            "export",
            "vics",
            "--case",
            case,
            "-o",
            str(out),
            "--purpose",
            "exchange",
            "--legal-basis",
            "test",
        ).code
        == 0
    )
    listing = [m for m in cli("media", "list", "--case", case, "--json").json() if m["id"]]
    entries = [e for e in hashsets.read(out) if isinstance(e, HashSetEntry)]
    assert len(entries) == len(listing)
    exported = {e.sha256: e for e in entries}
    for m in listing:
        entry = exported[m["sha256"]]
        assert (entry.md5, entry.sha1) == (m["md5"], m["sha1"])
        assert (entry.pdq.hex() if entry.pdq else None) == m["pdq"]
    document = json.loads(out.read_text())
    files = [f for c in document["value"] for m in c["Media"] for f in m["MediaFiles"]]
    assert len(files) == sum(len(m["locations"]) for m in listing)
    events = cli("audit", "show", "--action", "export.*", "--json").json()
    assert events[-1]["detail"]["media"] == len(listing)


def test_unknown_case_and_missing_source(cli: Any, evidence: Path, tmp_path: Path) -> None:
    result = cli("ingest", str(evidence), "--case", "NOPE")
    assert result.code == 1 and "unknown case" in result.err
    cli("case", "create", "C1", "--title", "t")
    result = cli("ingest", str(tmp_path / "missing"), "--case", "C1")
    assert result.code == 1 and "cannot be opened" in result.err


def test_media_show(cli: Any, case: str, evidence: Path) -> None:
    ingest(cli, evidence)
    first = cli("media", "list", "--case", case, "--json").json()[0]
    assert cli("media", "show", str(first["id"]), "--json").json() == first
    result = cli("media", "show", "99999")
    assert result.code == 1 and "unknown media id" in result.err


def test_ingest_on_postgresql(cli: Any, evidence: Path, postgres_url: str) -> None:
    assert cli("--db", postgres_url, "case", "create", "C1", "--title", "pg").code == 0
    result = cli(
        "--db", postgres_url, "ingest", str(evidence), "--case", "C1", "--workers", "0", "--json"
    )
    assert result.code == 0, result.err
    listing = cli("--db", postgres_url, "media", "list", "--case", "C1", "--json").json()
    assert set(by_location(listing)) == EXPECTED_LOCATIONS


def test_a_run_that_raises_marks_its_source_failed(
    cli: Any, case: str, evidence: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import genkend.hashes.ingest_run
    from genkend.errors import StoreError

    def broken(*args: Any) -> Any:
        raise StoreError("the disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(genkend.hashes.ingest_run.Recorder, "write", broken)
        result = cli("ingest", str(evidence), "--case", case, "--workers", "0")
    assert result.code != 0 and "the disk is full" in result.err
    (source,) = cli("case", "show", case, "--json").json()["sources"]
    assert (source["status"], source["error"]) == ("failed", "the disk is full")
    assert "again" in source["advice"]
    (event,) = cli("audit", "show", "--action", "ingest.fail", "--json").json()
    assert event["detail"]["error"] == "the disk is full"
    assert cli("ingest", str(evidence), "--case", case, "--workers", "0").code == 0
    (source,) = cli("case", "show", case, "--json").json()["sources"]
    assert (source["status"], source["error"]) == ("complete", None)


def test_a_source_being_ingested_is_not_ingested_twice_at_once(
    cli: Any, case: str, evidence: Path, home: Path
) -> None:
    import sqlite3

    from genkend.governance import cases

    ingest(cli, evidence)
    run = cases.this_run()  # this test process: alive, as a concurrent ingest would be
    with sqlite3.connect(home / "genkend.sqlite") as conn:
        conn.execute(
            "UPDATE evidence_sources SET status = 'running', run_host = ?, run_pid = ?,"
            " run_process_started = ?",
            (run["run_host"], run["run_pid"], run["run_process_started"]),
        )
    (source,) = cli("case", "show", case, "--json").json()["sources"]
    assert source["status"] == "running" and source["advice"] is None
    result = cli("ingest", str(evidence), "--case", case, "--workers", "0")
    assert result.code == 2 and "is being ingested right now" in result.err
    with sqlite3.connect(home / "genkend.sqlite") as conn:
        conn.execute("UPDATE evidence_sources SET run_process_started = 1.0")  # pid reused
    (source,) = cli("case", "show", case, "--json").json()["sources"]
    assert source["status"] == "interrupted"
    assert cli("ingest", str(evidence), "--case", case, "--workers", "0").code == 0


def test_an_extension_that_lies_is_noted_on_its_location(
    cli: Any, case: str, evidence: Path
) -> None:
    png = (evidence / "other" / "drawing.png").read_bytes()
    (evidence / "other" / "really-a-png.jpg").write_bytes(png)
    ingest(cli, evidence)
    found = by_location(cli("media", "list", "--case", case, "--json").json())

    def notes(location: str) -> list[str]:
        (entry,) = [x for x in found[location]["locations"] if x["location"] == location]
        return list(entry["notes"])

    assert notes("text.jpg") == ["extension .jpg claims image/jpeg; content is not recognised"]
    assert notes("other/really-a-png.jpg") == [
        "extension .jpg claims image/jpeg; content is image/png"
    ]
    # the same content under its own name is not noted
    assert notes("other/drawing.png") == [] and notes("DCIM/IMG_0001.jpg") == []
    shown = cli("media", "show", str(found["text.jpg"]["id"]), "--json").json()
    assert shown["locations"][0]["notes"] == notes("text.jpg")
