"""One small workspace in which every service can be called: the refusal test's world.

Built once per module through the CLI (fake face backend): case ``C1`` with two
pictures holding faces, its clusters, an authorisation recorded by a supervisor, a
gallery of two identities, and an authorised gallery search that proposed candidates.
``EXAMPLES`` maps a service parameter name to a function giving a value in this world;
each area keeps its entries in its own ``examples_*.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from genkend.cli import main
from genkend.faces.fake import FakeFaceBackend

ALL_ROLES = ("admin", "auditor", "investigator", "reviewer", "supervisor")
CASE = "C1"
TESTER = "tester"  # every role, creator and member of C1
GRANTOR = "grantor"  # supervisor, member: records the authorisation tester searches under
REVIEWER = "rev"  # reviewer, member: sees the search's candidates
FAKE = FakeFaceBackend()


@dataclass(frozen=True)
class World:
    home: Path
    files: Path  # probe image, hash-set file, evidence folder; outputs go here too
    ids: dict[str, Any]

    def moved(self, home: Path, files: Path) -> World:
        return replace(self, home=home, files=files)

    def add_account(
        self, name: str, roles: list[str] | tuple[str, ...], member: bool, enabled: bool = True
    ) -> None:
        """Test setup straight into the store: the refusals under test must be the only
        audit events after it."""
        engine = create_engine(f"sqlite:///{self.home / 'genkend.sqlite'}")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO accounts (name, roles, password_hash, enabled, created_at, "
                    "created_by) VALUES (:n, :r, NULL, :e, '2026-01-01T00:00:00Z', 'test')"
                ),
                {"n": name, "r": ",".join(sorted(roles)), "e": enabled},
            )
            if member:
                conn.execute(
                    text(
                        "INSERT INTO case_members (case_id, account, added_at, added_by) "
                        "VALUES (:c, :n, '2026-01-01T00:00:00Z', 'test')"
                    ),
                    {"c": CASE, "n": name},
                )
        engine.dispose()


def _photo(path: Path, faces: list[tuple[str, int, int, int]], size: tuple[int, int]) -> Path:
    pixels = FAKE.canvas(size[0], size[1], faces, background=(200, 200, 190))
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def _run(home: Path, user: str, *args: str) -> None:
    assert main(["--home", str(home), "--user", user, *args]) == 0, args


def _json(home: Path, user: str, *args: str) -> Any:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["--home", str(home), "--user", user, *args, "--json"]) == 0, args
    return json.loads(buf.getvalue())


def build_world(root: Path) -> World:
    home, files = root / "ws", root / "files"
    evidence = files / "evidence"
    evidence.mkdir(parents=True)
    _photo(evidence / "a.png", [("alice", 100, 100, 120), ("bob", 400, 100, 120)], (800, 400))
    _photo(evidence / "b.png", [("bob", 50, 60, 100)], (400, 300))
    probe = _photo(files / "probe.png", [("bob", 20, 20, 120)], (360, 240))
    enrol = _photo(files / "enrol.png", [("bob", 20, 20, 80)], (240, 160))
    (files / "known.txt").write_text("d41d8cd98f00b204e9800998ecf8427e\n")
    with pytest.MonkeyPatch.context() as patch:
        for key in list(os.environ):
            if key.startswith("GENKEND_") and key != "GENKEND_TEST_DATA":
                patch.delenv(key)
        patch.setenv("GENKEND_FACE_BACKEND", "fake")
        roles = [x for r in ALL_ROLES for x in ("--role", r)]
        _run(home, TESTER, "user", "add", TESTER, *roles)
        _run(home, TESTER, "user", "add", GRANTOR, "--role", "supervisor")
        _run(home, TESTER, "case", "create", CASE, "--title", "refusals")
        _run(home, TESTER, "user", "add", REVIEWER, "--role", "reviewer")
        for member in (GRANTOR, REVIEWER):
            _run(home, TESTER, "case", "member", "add", CASE, member)
        _run(home, TESTER, "ingest", str(evidence), "--case", CASE, "--workers", "0")
        _run(home, TESTER, "faces", "cluster", "--case", CASE)
        grant = ["--case", CASE, "--authority", "Court X", "--reference", "R-1"]
        _run(home, GRANTOR, "authorisation", "grant", *grant, "--valid-until", "2099-12-31")
        _run(home, TESTER, "gallery", "enroll", "--identity", "Known-Bob", str(enrol))
        search = ["--image", str(probe), "--case", CASE, "--gallery", "--max-distance", "2"]
        why = ["--purpose", "identify victim", "--legal-basis", "warrant 1/2026"]
        _run(home, TESTER, "search", "face", *search, *why)
        ids = {
            "media": _json(home, TESTER, "media", "list", "--case", CASE)[0]["id"],
            "cluster": _json(home, TESTER, "clusters", "list", "--case", CASE)[0]["id"],
            "authorisation": _json(home, TESTER, "authorisation", "list", "--case", CASE)[0]["id"],
            "identity": _json(home, TESTER, "gallery", "list", "--case", CASE, *why)[0]["id"],
            "candidate": _json(home, REVIEWER, "review", "list", "--case", CASE)[0]["id"],
        }
    return World(home, files, ids)


Example = Callable[[World], Any]
EXAMPLES: dict[str, Example] = {"case_id": lambda w: CASE}


def _merge() -> None:
    from . import examples_faces, examples_governance, examples_hashes, examples_review

    for module in (examples_governance, examples_hashes, examples_faces, examples_review):
        clash = set(EXAMPLES) & set(module.EXAMPLES)
        assert not clash, f"example parameters defined twice: {sorted(clash)}"
        EXAMPLES.update(module.EXAMPLES)


_merge()
