"""A run killed with SIGKILL and started again records every item exactly once."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

FILES = 300


def _evidence(root: Path) -> None:
    root.mkdir()
    for i in range(FILES):
        img = Image.new("RGB", (160, 120), (i % 256, 100, 200))
        ImageDraw.Draw(img).ellipse((i % 100, 10, i % 100 + 50, 90), fill=(0, i % 256, 0))
        buf = io.BytesIO()
        img.save(buf, "JPEG")
        (root / f"{i:04d}.jpg").write_bytes(buf.getvalue())


def _genkend(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "genkend", "--home", str(home), *args]


def _recorded(db: Path) -> list[str]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return [r[0] for r in conn.execute("SELECT location FROM media_locations")]
    except sqlite3.OperationalError:
        return []


def _workspace(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A workspace with case C1 and an evidence folder; the environment to run in."""
    home, evidence = tmp_path / "ws", tmp_path / "evidence"
    _evidence(evidence)
    env = {**os.environ, "GENKEND_BATCH_SIZE": "5", "GENKEND_USER": "inv"}
    roles = ("--role", "admin", "--role", "investigator", "--role", "auditor")
    subprocess.run(_genkend(home, "user", "add", "inv", *roles), check=True, env=env)
    subprocess.run(_genkend(home, "case", "create", "C1", "--title", "t"), check=True, env=env)
    return home, evidence, env


def _ingest_until(
    home: Path, evidence: Path, env: dict[str, str], recorded: int, *args: str
) -> Any:
    """An ingest of ``evidence`` started in the background, once it has recorded enough."""
    run = subprocess.Popen(
        _genkend(home, "ingest", str(evidence), "--case", "C1", *args),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(_recorded(home / "genkend.sqlite")) < recorded and time.monotonic() < deadline:
        assert run.poll() is None, "the run finished before it could be killed"
        time.sleep(0.02)
    return run


def test_killed_run_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    home, evidence, env = _workspace(tmp_path)
    run = _ingest_until(home, evidence, env, 20, "--workers", "1")
    run.send_signal(signal.SIGKILL)
    run.wait()
    at_kill = _recorded(home / "genkend.sqlite")
    assert 0 < len(at_kill) < FILES
    done = subprocess.run(
        _genkend(home, "ingest", str(evidence), "--case", "C1", "--workers", "1", "--json"),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    locations = _recorded(home / "genkend.sqlite")
    assert sorted(locations) == sorted(f"{i:04d}.jpg" for i in range(FILES))
    # this run recorded the rest; its source summary counts the whole source
    (summary,) = json.loads(done.stdout)
    assert summary["locations"] == FILES - len(at_kill)
    assert summary["source"]["items"] == FILES == summary["source"]["by_kind"]["image"]
    verified = subprocess.run(
        _genkend(home, "audit", "verify"), capture_output=True, check=False, env=env
    )
    assert verified.returncode == 0


def test_workers_exit_when_the_ingest_is_killed(tmp_path: Path) -> None:
    import psutil

    home, evidence, env = _workspace(tmp_path)
    run = _ingest_until(home, evidence, env, 10, "--workers", "2", "--no-faces")
    children = psutil.Process(run.pid).children(recursive=True)
    assert len(children) >= 2  # the two workers (and the resource tracker)
    run.send_signal(signal.SIGKILL)
    run.wait()
    _, alive = psutil.wait_procs(children, timeout=5)
    try:
        assert alive == [], f"still running after their parent was killed: {alive}"
    finally:
        for orphan in alive:
            orphan.kill()


def test_a_killed_run_shows_as_interrupted_with_what_to_do(tmp_path: Path) -> None:
    import json

    home, evidence, env = _workspace(tmp_path)
    ingest = _genkend(home, "ingest", str(evidence), "--case", "C1", "--workers", "0")

    def shown() -> dict[str, object]:
        out = subprocess.run(
            _genkend(home, "case", "show", "C1", "--json"),
            env=env,
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        (source,) = json.loads(out)["sources"]
        return dict(source)

    # with faces, so that the run is still going when it is looked at
    run = _ingest_until(home, evidence, env, 10, "--workers", "0")
    live = shown()
    assert (live["source_id"], live["status"]) == ("evidence", "running")
    run.send_signal(signal.SIGKILL)
    run.wait()
    killed = shown()
    assert killed["status"] == "interrupted"
    assert "run the same `genkend ingest` again to resume" in str(killed["advice"])
    text = subprocess.run(
        _genkend(home, "case", "show", "C1"),
        env={**env, "COLUMNS": "300"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "interrupted" in text and "again to resume" in text
    subprocess.run([*ingest, "--no-faces"], env=env, check=True, capture_output=True)
    assert shown()["status"] == "complete"
