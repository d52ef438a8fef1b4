"""``genkend evaluate`` end to end with the fake backend, and the calibration it stores
being quoted by later searches."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from genkend.faces.fake import FakeFaceBackend

FAKE = FakeFaceBackend()


def _photo(path: Path, faces: list[tuple[str, int, int, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    Image.fromarray(FAKE.canvas(320, 240, faces, background=(210, 200, 190))).save(buf, "PNG")
    path.write_bytes(buf.getvalue())


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    root = tmp_path / "labelled"
    for name in ("alice", "bob", "carol", "dave"):
        for i in range(3):
            _photo(root / name / f"{i}.png", [(name, 40 + 30 * i, 40, 90 + 10 * i)])
    _photo(root / "erin" / "0.png", [("erin", 60, 60, 100)])
    _photo(root / "frank" / "0.png", [])  # no face: a failure to enrol
    return root


def test_evaluate_reports_and_calibrates(
    cli: Any, authorise: Any, labelled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")
    report = tmp_path / "report.html"
    result = cli(
        "evaluate",
        str(labelled),
        "--workers",
        "0",
        "--report",
        str(report),
        "--calibrate",
        "--json",
    )
    assert result.code == 0, result.err
    data = result.json()
    assert data["calibration_id"] == 1
    assert (data["data"]["photos"], data["data"]["failed_to_enrol"]) == (14, 1)
    assert data["data"]["failure_to_enrol_rate"] == pytest.approx(1 / 14)
    assert data["backend"].startswith("fake:")
    html = report.read_text()
    assert "<table" in html and "data:image/png;base64," in html and "seed" in html.lower()
    events = cli("audit", "show", "--action", "calibration.store", "--json").json()
    assert events and events[-1]["detail"]["seed"] == 0
    # a search with this backend now quotes the measured false-match rate
    cli("gallery", "enroll", "--identity", "Alice", str(labelled / "alice" / "0.png"))
    cli("case", "create", "E", "--title", "e")
    authorise("E")
    found = cli(
        "search",
        "face",
        "--image",
        str(labelled / "alice" / "1.png"),
        "--case",
        "E",
        "--gallery",
        "--purpose",
        "p",
        "--legal-basis",
        "l",
        "--json",
    ).json()
    (top,) = found["candidates"]
    assert found["calibration_id"] == 1 and top["fmr"] is not None and 0 < top["fmr"] <= 1
