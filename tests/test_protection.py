"""Protection at rest: the workspace and every file genkend writes in it are owner-only,
and a workspace that other accounts can read, write or enter is refused."""

from __future__ import annotations

import os
import pwd
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text

from genkend.errors import WorkspaceError
from genkend.index import build_float_index
from genkend.settings import SETTINGS_FILE
from genkend.store import SQLITE_FILE
from genkend.workspace import open_workspace


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """Start from the common 022 (files 0644) whatever an earlier test left, and restore."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_workspace_and_its_files_are_owner_only(home: Path) -> None:
    ws = open_workspace(home, {}, env={})
    try:
        # an open write keeps the -wal and -shm files in place while we look
        with ws.store.begin() as conn:
            conn.execute(text("SELECT 1"))
        with ws.store.read() as conn:
            conn.execute(text("SELECT 1"))
            index = build_float_index(4, 1)
            index.add(np.array([1], dtype=np.int64), np.ones((1, 4), dtype=np.float32))
            index.save(ws.index_dir / "cache.faiss")
            written = {
                name: mode(home / name)
                for name in (SQLITE_FILE, f"{SQLITE_FILE}-wal", f"{SQLITE_FILE}-shm")
            }
        assert mode(home) == 0o700
        assert written == dict.fromkeys(written, 0o600)
        assert mode(ws.index_dir) == 0o700 and mode(ws.spool_dir) == 0o700
        assert mode(ws.index_dir / "cache.faiss") == 0o600
    finally:
        ws.close()


@pytest.mark.parametrize("unsafe", [0o755, 0o701, 0o702, 0o704, 0o777])
def test_workspace_open_to_others_is_refused(home: Path, unsafe: int) -> None:
    home.mkdir()
    home.chmod(unsafe)
    with pytest.raises(WorkspaceError, match=re.escape(f"chmod 700 {home}")):
        open_workspace(home, {}, env={})
    assert not (home / SQLITE_FILE).exists()  # refused before anything was written


def test_group_access_is_the_agencys_choice(home: Path) -> None:
    home.mkdir()
    home.chmod(0o750)
    open_workspace(home, {}, env={}).close()
    assert mode(home) == 0o750


def test_cli_refuses_a_world_readable_workspace(cli: Any, home: Path) -> None:
    assert cli("case", "create", "C1", "--title", "t").code == 0
    home.chmod(0o755)
    result = cli("case", "list")
    assert result.code == 1
    assert "open to every account" in result.err and f"chmod 700 {home}" in result.err
    home.chmod(0o700)
    assert cli("case", "list").code == 0


def test_store_files_left_readable_are_tightened(home: Path) -> None:
    open_workspace(home, {}, env={}).close()
    (home / SQLITE_FILE).chmod(0o644)
    open_workspace(home, {}, env={}).close()
    assert mode(home / SQLITE_FILE) == 0o600


# Ownership: mode bits alone do not keep another account out of a workspace it owns.
# The tests run as root here; as any other account they cannot give a file away.
needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="giving a file to another account (chown) needs root"
)


def other_uid() -> int:
    return pwd.getpwnam("nobody").pw_uid


@needs_root
def test_workspace_owned_by_another_account_is_refused(home: Path) -> None:
    home.mkdir(mode=0o700)
    os.chown(home, other_uid(), -1)
    with pytest.raises(WorkspaceError, match="owned by another account"):
        open_workspace(home, {}, env={})
    assert not (home / SQLITE_FILE).exists()  # refused before anything was written


@needs_root
@pytest.mark.parametrize(
    "name", [SQLITE_FILE, f"{SQLITE_FILE}-wal", f"{SQLITE_FILE}-shm", SETTINGS_FILE, "indexes"]
)
def test_file_in_workspace_owned_by_another_account_is_refused(home: Path, name: str) -> None:
    open_workspace(home, {}, env={}).close()
    planted = home / name
    if not planted.exists():
        if name == "indexes":
            planted.mkdir(mode=0o700)
        else:
            planted.write_text("")
    os.chown(planted, other_uid(), -1)
    with pytest.raises(WorkspaceError, match=re.escape(f"{planted} is owned by another account")):
        open_workspace(home, {}, env={})


@needs_root
def test_database_elsewhere_owned_by_another_account_is_refused(home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "other.sqlite"
    open_workspace(home, {"db": f"sqlite:///{elsewhere}"}, env={}).close()
    os.chown(elsewhere, other_uid(), -1)
    with pytest.raises(WorkspaceError, match="owned by another account"):
        open_workspace(home, {"db": f"sqlite:///{elsewhere}"}, env={})


@pytest.mark.parametrize("unsafe", [0o620, 0o602, 0o666])
def test_settings_file_others_can_change_is_refused(
    home: Path, tmp_path: Path, unsafe: int
) -> None:
    """Whoever can change genkend.toml can point the database somewhere they read."""
    open_workspace(home, {}, env={}).close()
    redirect = tmp_path / "theirs.sqlite"
    (home / SETTINGS_FILE).write_text(f'db = "sqlite:///{redirect}"\n')
    (home / SETTINGS_FILE).chmod(unsafe)
    with pytest.raises(WorkspaceError, match=re.escape(f"chmod 600 {home / SETTINGS_FILE}")):
        open_workspace(home, {}, env={})
    assert not redirect.exists()


@needs_root
def test_cli_refuses_a_workspace_owned_by_another_account(cli: Any, home: Path) -> None:
    assert cli("case", "create", "C1", "--title", "t").code == 0
    os.chown(home, other_uid(), -1)
    for command in (("case", "list"), ("settings",)):
        result = cli(*command)
        assert result.code == 1, command
        assert result.err.startswith(f"genkend: error: workspace {home} is owned by another")
        assert result.err.count("\n") == 1
