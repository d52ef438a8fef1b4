"""The whole triage against the generator's manifest: what a correct ingest must find."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from genkend.demo import Manifest, generate


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    folder = tmp_path_factory.mktemp("demo")
    return folder, generate(folder, images=40, workers=1)


def test_triage_matches_the_manifest(cli: Any, demo: tuple[Path, Manifest]) -> None:
    folder, manifest = demo
    assert cli("case", "create", "D", "--title", "demo").code == 0
    for hash_set in manifest.hash_sets:
        args = ["hashset", "import", str(folder / hash_set.path), "--name", hash_set.name]
        assert cli(*args, *(["--non-pertinent"] if hash_set.non_pertinent else [])).code == 0
    result = cli(
        "ingest", str(folder / "evidence"), "--case", "D", "--workers", "0", "--no-faces", "--json"
    )
    assert result.code == 0, result.err
    listing = cli("media", "list", "--case", "D", "--json").json()
    at = {loc["location"]: m for m in listing for loc in m["locations"]}
    assert set(at) == {f.location for f in manifest.files}
    for f in manifest.files:
        if at[f.location]["id"] is not None and f.sha256:
            assert at[f.location]["sha256"] == f.sha256, f.location
    for copy in manifest.exact_copies:
        assert at[copy.location]["id"] == at[copy.original]["id"]
    for near in manifest.near_duplicates:
        mine = at[near.location]
        if near.known_media_id is not None:
            assert mine["status"] == "near_known", near.location
            assert any(h["method"] == "pdq" for h in mine["hash_hits"])
        else:
            others = {n["media_id"] for n in mine["near_duplicates"]}
            assert at[near.original]["id"] in others, (near.location, near.detail)
    for known in manifest.known_files:
        mine = at[known.location]
        if known.non_pertinent:
            assert mine["status"] == "non_pertinent", known.location
        else:
            assert (mine["status"], mine["category"], mine["series"]) == (
                "known",
                known.category,
                known.series,
            ), known.location
    for bad in manifest.bad_inputs:
        mine, location = at[bad.location], at[bad.location]["locations"][0]
        if bad.outcome in ("decode_error", "too_large"):
            assert mine["error"], bad.location
        elif bad.outcome == "empty":
            assert mine["size"] == 0 and mine["error"] is None
        elif bad.outcome in ("not_an_image", "not_media"):
            assert mine["kind"] != "image" and mine["error"] is None
        else:
            assert bad.outcome == "unsafe_member_name"
            assert any("unsafe" in note for note in location["notes"]), location
    assert cli("audit", "verify").code == 0
