"""The real face model (dlib, weights from face_recognition_models) through the CLI, on the
adult photos of ../shared/data (skipped with a reason when that folder is absent)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest

PEOPLE = 2


@pytest.fixture
def photos(shared_data: Path, tmp_path: Path) -> dict[str, list[Path]]:
    """Four photos of each of two people, by path."""
    by_person: dict[str, list[Path]] = {}
    with (shared_data / "faces-dev" / "labels.csv").open() as f:
        for row in csv.DictReader(f):
            by_person.setdefault(row["identity"], []).append(
                shared_data / "faces-dev" / row["path"]
            )
    chosen = {name: paths[:4] for name, paths in sorted(by_person.items()) if len(paths) >= 4}
    if len(chosen) < PEOPLE:
        pytest.skip("the shared face photos hold too few people with 4 photos")
    return dict(list(chosen.items())[:PEOPLE])


def test_real_faces_cluster_by_person_and_gallery_finds_them(
    cli: Any, authorise: Any, photos: dict[str, list[Path]], tmp_path: Path
) -> None:
    # evidence is a temporary copy made by the test (never committed anywhere)
    linked = tmp_path / "evidence"
    linked.mkdir()
    for paths in photos.values():
        for path in paths[:3]:
            shutil.copyfile(path, linked / path.name)
    assert cli("case", "create", "R1", "--title", "real faces").code == 0
    result = cli("ingest", str(linked), "--case", "R1", "--workers", "0", "--json")
    assert result.code == 0, result.err
    assert result.json()[0]["faces"] >= 6
    assert cli("faces", "cluster", "--case", "R1").code == 0
    faces = {f["id"]: f for f in cli("faces", "list", "--case", "R1", "--json").json()}
    person_of = {
        f["id"]: f["location"].split(":", 1)[1].split("__", 1)[1].rsplit("_", 1)[0]
        for f in faces.values()
    }
    for cluster in cli("clusters", "list", "--case", "R1", "--json").json():
        people = {person_of[i] for i in cluster["face_ids"]}
        assert len(people) == 1, f"false merge: {people}"  # precision above all
    biggest = max(cli("clusters", "list", "--case", "R1", "--json").json(), key=lambda c: c["size"])
    assert biggest["size"] >= 2
    # the fourth photo of each person is the gallery; each is found by a new probe
    for identity, paths in photos.items():
        assert cli("gallery", "enroll", "--identity", identity, str(paths[3])).code == 0
    authorise("R1")
    first = next(iter(photos))
    probe = photos[first][0]
    found = cli(
        "search",
        "face",
        "--image",
        str(probe),
        "--case",
        "R1",
        "--gallery",
        "--purpose",
        "test",
        "--legal-basis",
        "test",
        "--json",
    ).json()
    assert found["candidates"][0]["label"] == first
    assert found["backend"].startswith("dlib-resnet-v1")
