"""Nothing outside the workspace, and no telemetry: a real command that runs the face
model (onnxruntime) in worker processes and draws plots (matplotlib) leaves the home
folder, the working folder and the temporary folder exactly as empty as it found them."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# What the test process itself has been given (by importing genkend, or by the person
# running the tests) must not decide the outcome for the child.
INHERITED = (
    "MPLCONFIGDIR",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "ORT_DISABLE_TELEMETRY",
    "_GENKEND_CACHE",
)


def everything_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.faces
def test_face_model_and_plots_write_nothing_outside_the_workspace(
    shared_data: Path, tmp_path: Path
) -> None:
    by_person: dict[str, list[str]] = {}
    with (shared_data / "faces-dev" / "labels.csv").open() as f:
        for row in csv.DictReader(f):
            by_person.setdefault(row["identity"], []).append(row["path"])
    photos = tmp_path / "photos"
    for person in [p for p, paths in sorted(by_person.items()) if len(paths) >= 2][:2]:
        (photos / person).mkdir(parents=True)
        for path in by_person[person][:2]:
            shutil.copy(shared_data / "faces-dev" / path, photos / person)
    home, temp, cwd = tmp_path / "home", tmp_path / "tmp", tmp_path / "cwd"
    for folder in (home, temp, cwd):
        folder.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in INHERITED and not k.startswith("GENKEND_") and k != "HOME"
    }
    env.update(HOME=str(home), TMPDIR=str(temp), GENKEND_USER="tester")
    workspace = tmp_path / "ws"
    genkend = [sys.executable, "-m", "genkend", "--home", str(workspace)]
    for args in (
        ["user", "add", "tester", "--role", "admin", "--role", "investigator"],
        ["evaluate", str(photos), "--workers", "2", "--report", str(workspace / "r.html")],
    ):
        done = subprocess.run(
            [*genkend, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr
    assert (workspace / "r.html").read_text().count("<img") >= 1  # the plots were drawn
    assert everything_under(home) == []
    assert everything_under(cwd) == []
    assert everything_under(temp) == []
