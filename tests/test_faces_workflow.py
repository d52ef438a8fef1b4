"""Faces through the CLI with the fake backend (fast, identities under the test's control):
ingest finds them, clustering groups them, corrections survive, gallery and search work,
and every step is audited."""

from __future__ import annotations

import io
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from genkend.cluster import ClusterParams
from genkend.faces.fake import FakeFaceBackend
from genkend.settings import Settings

FAKE = FakeFaceBackend()


def _photo(path: Path, faces: list[tuple[str, int, int, int]], size: tuple[int, int]) -> None:
    pixels = FAKE.canvas(size[0], size[1], faces, background=(200, 200, 190))
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    path.write_bytes(buf.getvalue())


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    root.mkdir()
    # 2048 px wide: decoded at 1024 for faces, so boxes must be mapped back (x2)
    _photo(root / "a1.png", [("alice", 200, 300, 160)], (2048, 1536))
    _photo(root / "a2.png", [("alice", 900, 100, 120), ("bob", 100, 100, 140)], (2048, 1536))
    _photo(root / "b1.png", [("bob", 50, 60, 64)], (640, 480))
    _photo(root / "c1.png", [("carol", 300, 200, 100)], (800, 600))
    _photo(root / "none.png", [], (640, 480))
    return root


@pytest.fixture
def case(cli: Any, monkeypatch: pytest.MonkeyPatch, evidence: Path) -> str:
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")
    assert cli("case", "create", "F1", "--title", "faces").code == 0
    result = cli("ingest", str(evidence), "--case", "F1", "--workers", "0", "--json")
    assert result.code == 0, result.err
    assert result.json()[0]["faces"] == 5
    return "F1"


def _clusters(cli: Any) -> dict[frozenset[int], dict[str, Any]]:
    found = cli("clusters", "list", "--case", "F1", "--json").json()
    return {frozenset(c["face_ids"]): c for c in found}


def test_faces_are_recorded_in_original_pixels(cli: Any, case: str) -> None:
    faces = cli("faces", "list", "--case", case, "--json").json()
    by_location = {}
    for face in faces:
        by_location.setdefault(face["location"], []).append(face)
    (a1,) = by_location["evidence:a1.png"]
    x1, y1, x2, y2 = a1["box"]
    assert abs(x1 - 200) <= 2 and abs(y1 - 300) <= 2 and abs(x2 - 360) <= 2 and abs(y2 - 460) <= 2
    assert len(by_location["evidence:a2.png"]) == 2
    assert "evidence:none.png" not in by_location
    assert all(f["backend"].startswith("fake:") and 0 <= f["quality"] <= 1 for f in faces)


def test_clusters_corrections_and_rebuild(cli: Any, case: str) -> None:
    assert cli("faces", "cluster", "--case", case).code == 0
    clusters = _clusters(cli)
    assert sorted(len(k) for k in clusters) == [1, 2, 2]  # carol, alice x2, bob x2
    faces = {f["id"]: f for f in cli("faces", "list", "--case", case, "--json").json()}
    alice = next(
        k
        for k in clusters
        if len(k) == 2 and all(faces[i]["location"] != "evidence:b1.png" for i in k)
    )
    alice_id = clusters[alice]["id"]
    # an investigator says one of "alice" is someone else, and names the cluster
    leaving = min(alice)
    assert (
        cli("clusters", "split", "--case", case, str(alice_id), "--faces", str(leaving)).code == 0
    )
    assert cli("clusters", "name", "--case", case, str(alice_id), "Child A").code == 0
    # a rebuild from scratch keeps the correction and the confirmed cluster
    assert cli("faces", "cluster", "--case", case, "--rebuild").code == 0
    after = _clusters(cli)
    named = next(c for c in after.values() if c["label"] == "Child A")
    assert named["confirmed"] and leaving not in named["face_ids"]
    assert named["face_ids"] == sorted(alice - {leaving})
    actions = [e["action"] for e in cli("audit", "show", "--json").json()]
    for action in ("faces.cluster", "cluster.split", "cluster.name"):
        assert action in actions
    event = next(e for e in cli("audit", "show", "--action", "faces.cluster", "--json").json())
    assert event["detail"]["backend"].startswith("fake:")
    assert event["detail"]["params"] and event["detail"]["algorithm"]


def test_cluster_thresholds_are_settings(
    cli: Any, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    defaults = {f"cluster_{k}": v for k, v in asdict(ClusterParams()).items()}
    assert {k: getattr(Settings(), k) for k in defaults} == defaults
    monkeypatch.setenv("GENKEND_CLUSTER_MAX_DISTANCE", "0.01")
    monkeypatch.setenv("GENKEND_CLUSTER_MAX_MEAN_DISTANCE", "0.02")
    monkeypatch.setenv("GENKEND_CLUSTER_MAX_DIAMETER", "0.03")
    summary = cli("faces", "cluster", "--case", case, "--json").json()
    assert summary["params"]["max_distance"] == 0.01
    assert summary["params"]["neighbours"] == ClusterParams().neighbours
    rows = {r["name"]: r for r in cli("settings", "--json").json()["settings"]}
    assert rows["cluster_max_diameter"]["origin"] == "env"
    monkeypatch.setenv("GENKEND_CLUSTER_MAX_DIAMETER", "0.001")
    refused = cli("faces", "cluster", "--case", case)
    assert refused.code != 0 and "cluster settings" in refused.err


def test_incremental_clustering_keeps_numbers(cli: Any, case: str, evidence: Path) -> None:
    cli("faces", "cluster", "--case", case)
    before = {
        c["id"]: set(c["face_ids"])
        for c in cli("clusters", "list", "--case", case, "--json").json()
    }
    _photo(evidence / "a3.png", [("alice", 10, 10, 90), ("dave", 300, 10, 90)], (640, 480))
    assert cli("ingest", str(evidence), "--case", case, "--workers", "0").code == 0
    cli("faces", "cluster", "--case", case)
    after = {
        c["id"]: set(c["face_ids"])
        for c in cli("clusters", "list", "--case", case, "--json").json()
    }
    for cluster_id, members in before.items():
        assert members <= after[cluster_id]  # existing clusters kept their number and faces
    assert len(after) == len(before) + 1  # dave is new; the new alice joined her cluster


def test_gallery_search_needs_purpose_and_is_audited(
    cli: Any, authorise: Any, case: str, tmp_path: Path
) -> None:
    probe = tmp_path / "probe.png"
    _photo(probe, [("bob", 40, 40, 120)], (400, 300))
    enrol = tmp_path / "bob-known.png"
    _photo(enrol, [("bob", 10, 10, 80)], (300, 200))
    result = cli(
        "gallery",
        "enroll",
        "--identity",
        "Known-Bob",
        "--status",
        "identified",
        str(enrol),
        "--json",
    )
    assert result.code == 0 and result.json()[0]["enrolled"] == [str(enrol)]
    refused = cli(
        "search",
        "face",
        "--image",
        str(probe),
        "--case",
        case,
        "--gallery",
        "--purpose",
        "p",
        "--legal-basis",
        "l",
    )
    assert refused.code == 1 and "no valid authorisation" in refused.err
    assert cli("audit", "show", "--action", "search.refused", "--json").json()
    authorise(case)
    missing = cli(
        "search", "face", "--image", str(probe), "--case", case, "--gallery", "--legal-basis", "x"
    )
    assert missing.code == 2  # no --purpose
    blank = cli(
        "search",
        "face",
        "--image",
        str(probe),
        "--case",
        case,
        "--gallery",
        "--purpose",
        " ",
        "--legal-basis",
        "x",
    )
    assert blank.code == 2 and "purpose" in blank.err
    found = cli(
        "search",
        "face",
        "--image",
        str(probe),
        "--case",
        case,
        "--gallery",
        "--purpose",
        "identify victim in series",
        "--legal-basis",
        "warrant 17/2026",
        "--json",
    ).json()
    (top,) = found["candidates"]
    assert (top["label"], top["kind"], top["status"]) == ("Known-Bob", "identity", "identified")
    assert top["distance"] < 0.01 and top["max_distance"] == 0.6
    event = cli("audit", "show", "--action", "search.gallery", "--json").json()[-1]
    detail = event["detail"]
    assert detail["purpose"] == "identify victim in series"
    assert detail["legal_basis"] == "warrant 17/2026"
    assert detail["reference"] == "gallery" and detail["reference_version"] == "1:1"
    assert detail["input"]["sha256"] == found["probe_sha256"]
    assert detail["results"] == [{"id": top["id"], "distance": top["distance"]}]
    assert detail["started_at"] <= detail["ended_at"]


def test_case_search_links_faces(cli: Any, case: str, tmp_path: Path) -> None:
    probe = tmp_path / "probe.png"
    _photo(probe, [("alice", 40, 40, 120)], (400, 300))
    found = cli(
        "search",
        "face",
        "--image",
        str(probe),
        "--case",
        case,
        "--purpose",
        "link",
        "--legal-basis",
        "case law",
        "--json",
    ).json()
    locations = sorted(c["location"] for c in found["candidates"])
    assert locations == ["evidence:a1.png", "evidence:a2.png"]
    no_face = tmp_path / "empty.png"
    _photo(no_face, [], (300, 200))
    result = cli(
        "search",
        "face",
        "--image",
        str(no_face),
        "--case",
        case,
        "--purpose",
        "p",
        "--legal-basis",
        "l",
    )
    assert result.code == 2 and "no face" in result.err
    assert (
        cli("audit", "show", "--action", "search.case", "--json").json()[-1]["detail"]["input"][
            "faces_in_probe"
        ]
        == 0
    )


def test_promote_cluster_to_gallery(cli: Any, case: str) -> None:
    cli("faces", "cluster", "--case", case)
    biggest = max(cli("clusters", "list", "--case", case, "--json").json(), key=lambda c: c["size"])
    result = cli(
        "gallery",
        "promote",
        "--case",
        case,
        "--cluster",
        str(biggest["id"]),
        "--identity",
        "Series-Oak",
    )
    assert result.code == 0
    listing = ("--case", case, "--purpose", "check the promotion", "--legal-basis", "l")
    (identity,) = cli("gallery", "list", *listing, "--json").json()
    assert identity["label"] == "Series-Oak" and identity["faces"] == biggest["size"]
    assert f"cluster {biggest['id']}" in identity["provenance"]


def test_faces_export_npz(cli: Any, case: str, tmp_path: Path) -> None:
    out = tmp_path / "faces.npz"
    assert (
        cli(
            "faces",
            "export",
            "--case",
            case,
            "-o",
            str(out),
            "--purpose",
            "analysis",
            "--legal-basis",
            "test",
        ).code
        == 0
    )
    data = np.load(out)
    listed = cli("faces", "list", "--case", case, "--json").json()
    assert list(data["face_ids"]) == [f["id"] for f in listed]
    assert data["embeddings"].shape == (5, 16) and data["boxes"].shape == (5, 4)
    assert [list(b) for b in data["boxes"]] == [f["box"] for f in listed]
    assert str(data["backend"]).startswith("fake:")
    assert list(data["paths"]) == [f["location"] for f in listed]
    assert (
        cli("audit", "show", "--action", "export.faces", "--json").json()[-1]["detail"]["faces"]
        == 5
    )


def test_no_faces_flag(
    cli: Any, tmp_path: Path, evidence: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")
    cli("case", "create", "N", "--title", "n")
    result = cli("ingest", str(evidence), "--case", "N", "--workers", "0", "--no-faces", "--json")
    assert result.json()[0]["faces"] == 0
    assert cli("faces", "list", "--case", "N", "--json").json() == []
