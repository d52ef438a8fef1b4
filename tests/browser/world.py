"""The browser tests' workspace: a team on one case, built through the CLI (fake faces).

Accounts, each with a password it set itself (``genkend user password NAME`` on standard
input): ``admin`` (the first account), ``ivy`` (investigator, opened the case), ``rita``
and ``rolf`` (reviewers), ``sam`` (supervisor, recorded the authorisation), ``aud``
(auditor, a member of no case). Case ``2026/0042`` (a ``/`` in its id: its URLs carry
``~``) holds five synthetic pictures: two with faces, one without, one whose MD5 is in
an imported hash set (known), and one that is not an image (an error). The faces are
clustered, ``Known-Bob`` is in the gallery, and ivy's authorised gallery search has
proposed candidates for the reviewers. No real imagery: every picture is painted.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from genkend.cli import main
from genkend.faces.fake import FakeFaceBackend

CASE = "2026/0042"
CASE_URL = "/cases/2026~0042"
ADMIN, INVESTIGATOR, REVIEWER_A, REVIEWER_B, SUPERVISOR, AUDITOR = (
    "admin",
    "ivy",
    "rita",
    "rolf",
    "sam",
    "aud",
)
ROLES = {
    ADMIN: "admin",
    INVESTIGATOR: "investigator",
    REVIEWER_A: "reviewer",
    REVIEWER_B: "reviewer",
    SUPERVISOR: "supervisor",
    AUDITOR: "auditor",
}
MEMBERS = (REVIEWER_A, REVIEWER_B, SUPERVISOR)  # ivy opens the case, so is one too
PURPOSE, LEGAL_BASIS = "identify victim", "warrant 1/2026"
FAKE = FakeFaceBackend()


def password_of(name: str) -> str:
    return f"{name}-correct-horse-battery"


@dataclass(frozen=True)
class World:
    home: Path
    files: Path  # evidence, probe, hash set
    ids: dict[str, Any]

    def moved(self, home: Path, files: Path) -> World:
        return replace(self, home=home, files=files)

    @property
    def probe(self) -> Path:
        return self.files / "probe.png"


def _painted(path: Path, faces: list[tuple[str, int, int, int]], size: tuple[int, int]) -> Path:
    pixels = FAKE.canvas(size[0], size[1], faces, background=(200, 200, 190))
    Image.fromarray(pixels).save(path, "PNG")
    return path


def cli(home: Path, user: str, *args: str, stdin: str = "") -> str:
    """``genkend --home HOME --user USER ARGS`` in this process; its standard output."""
    out = io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["--home", str(home), "--user", user, *args])
    assert code == 0, (args, out.getvalue())
    return out.getvalue()


def cli_json(home: Path, user: str, *args: str) -> Any:
    return json.loads(cli(home, user, *args, "--json"))


def build_world(root: Path) -> World:
    home, files = root / "ws", root / "files"
    evidence = files / "evidence"
    evidence.mkdir(parents=True)
    _painted(evidence / "a.png", [("alice", 100, 100, 120), ("bob", 400, 100, 120)], (800, 400))
    _painted(evidence / "b.png", [("bob", 50, 60, 100)], (400, 300))
    _painted(evidence / "c.png", [], (300, 200))
    known = _painted(evidence / "d.png", [], (320, 240))
    (evidence / "e.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)  # truncated
    _painted(files / "probe.png", [("bob", 20, 20, 120)], (360, 240))
    enrol = _painted(files / "enrol.png", [("bob", 20, 20, 80)], (240, 160))
    (files / "known.txt").write_text(hashlib.md5(known.read_bytes()).hexdigest() + "\n")
    with pytest.MonkeyPatch.context() as patch:
        for key in list(os.environ):
            if key.startswith("GENKEND_") and key != "GENKEND_TEST_DATA":
                patch.delenv(key)
        patch.setenv("GENKEND_FACE_BACKEND", "fake")
        for name, role in ROLES.items():
            cli(home, ADMIN, "user", "add", name, "--role", role)
        for name in ROLES:
            cli(home, name, "user", "password", name, stdin=password_of(name) + "\n")
        cli(home, INVESTIGATOR, "case", "create", CASE, "--title", "Operation Opal")
        for name in MEMBERS:
            cli(home, INVESTIGATOR, "case", "member", "add", CASE, name)
        cli(home, INVESTIGATOR, "hashset", "import", str(files / "known.txt"), "--name", "known")
        cli(home, INVESTIGATOR, "ingest", str(evidence), "--case", CASE, "--workers", "0")
        cli(home, INVESTIGATOR, "faces", "cluster", "--case", CASE)
        grant = ["--case", CASE, "--authority", "Court X", "--reference", "R-1"]
        cli(home, SUPERVISOR, "authorisation", "grant", *grant, "--valid-until", "2099-12-31")
        cli(home, INVESTIGATOR, "gallery", "enroll", "--identity", "Known-Bob", str(enrol))
        search = ["--image", str(files / "probe.png"), "--case", CASE, "--gallery"]
        why = ["--purpose", PURPOSE, "--legal-basis", LEGAL_BASIS]
        cli(home, INVESTIGATOR, "search", "face", *search, "--max-distance", "2", *why)
        media = cli_json(home, INVESTIGATOR, "media", "list", "--case", CASE)
        candidates = cli_json(home, REVIEWER_A, "review", "list", "--case", CASE)
    by_name = {m["locations"][0]["location"]: m["id"] for m in media}
    return World(home, files, {"media": by_name, "candidates": candidates})


def audit_events(world: World, action: str) -> list[dict[str, Any]]:
    """The audit trail's events of ``action``, in order, as the auditor reads them."""
    events: list[dict[str, Any]] = cli_json(
        world.home, AUDITOR, "audit", "show", "--action", action
    )
    return events
