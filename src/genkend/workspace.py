"""A workspace: the folder that holds one installation's store, indexes and thumbnails.

This module only wires things together: it resolves the settings, makes sure the folder
exists, is owner-only and is writable, opens the store and migrates it. It has no
behaviour of its own.
Invariants: everything genkend writes lives under ``home`` (or in the configured
database); temporary files included (``spool_dir``). The folder holds biometric data,
so it is owner-only: created 0700, refused when other accounts may read, write or enter
it, and once a workspace is open the process umask is 077, so every file genkend
creates afterwards (database, -wal, -shm, indexes, spool, exports) is 0600.
Mode bits protect only against accounts that do not own the file, so the folder, its
settings file, its subfolders and the SQLite files (wherever the database lies) must
also be owned by the acting account or root, and the settings file, which can point
the database anywhere, must be writable by its owner alone. Both are checked before
the settings are read or anything is written.
"""

from __future__ import annotations

import logging
import os
import pwd
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genkend import settings as settings_module
from genkend.errors import WorkspaceError
from genkend.settings import SETTINGS_FILE, Effective, Settings
from genkend.store import SQLITE_FILE, Store, sqlite_database, sqlite_url

log = logging.getLogger(__name__)
# Bits a process umask clears so that new files are owner-only (0600) and folders 0700.
OWNER_ONLY_UMASK = 0o077
SUBFOLDERS = ("spool", "thumbnails", "indexes")


@dataclass
class Workspace:
    home: Path
    effective: Effective
    store: Store

    @property
    def settings(self) -> Settings:
        return self.effective.settings

    @property
    def spool_dir(self) -> Path:
        return self._subdir("spool")

    @property
    def thumbnails_dir(self) -> Path:
        return self._subdir("thumbnails")

    @property
    def index_dir(self) -> Path:
        return self._subdir("indexes")

    def _subdir(self, name: str) -> Path:
        path = self.home / name
        path.mkdir(mode=0o700, exist_ok=True)
        return path

    def close(self) -> None:
        self.store.dispose()


def resolve(
    home: Path | None, flags: Mapping[str, Any], env: Mapping[str, str] = os.environ
) -> tuple[Path, Effective]:
    """The workspace folder and the effective settings, without touching the store."""
    folder = (home or settings_module.default_home(env)).expanduser().absolute()
    _check_owner(folder, "workspace")
    _check_settings_file(folder / SETTINGS_FILE)
    return folder, settings_module.load(folder, env, flags)


def open_workspace(
    home: Path | None, flags: Mapping[str, Any], env: Mapping[str, str] = os.environ
) -> Workspace:
    folder, effective = resolve(home, flags, env)
    restrict_umask()
    url = effective.settings.db or sqlite_url(folder)
    _check_database_files(url)
    prepare_folder(folder)
    store = Store(url)
    try:
        store.upgrade()
    except BaseException:
        store.dispose()
        raise
    return Workspace(folder, effective, store)


def restrict_umask() -> None:
    """Make every file this process creates from now on owner-only (keeps stricter bits).

    The umask belongs to the whole process; genkend sets it once a workspace is open
    because from then on what it writes is case data or derived from it.
    """
    current = os.umask(OWNER_ONLY_UMASK)
    os.umask(current | OWNER_ONLY_UMASK)


def prepare_folder(folder: Path) -> None:
    """Create the folder owner-only if needed, refuse one open to others, prove it writable."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        mode = stat.S_IMODE(folder.stat().st_mode)
    except OSError as exc:
        raise WorkspaceError(f"workspace {folder} cannot be used: {exc.strerror or exc}") from exc
    if mode & 0o007:
        raise WorkspaceError(
            f"workspace {folder} is open to every account on this machine (mode {mode:04o}) "
            f"and holds biometric data; make it owner-only with: chmod 700 {folder}"
        )
    _check_owner(folder, "workspace")
    for name in SUBFOLDERS:
        _check_owner(folder / name, "folder")
    try:
        _tighten_store_files(folder)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as exc:
        raise WorkspaceError(f"workspace {folder} cannot be used: {exc.strerror or exc}") from exc


def _tighten_store_files(folder: Path) -> None:
    """Make SQLite files left by an older genkend (or a copy) owner-only again."""
    for name in (SQLITE_FILE, f"{SQLITE_FILE}-wal", f"{SQLITE_FILE}-shm"):
        path = folder / name
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            log.warning("%s was readable by others; setting it to 0600", path)
            path.chmod(0o600)


def _check_owner(path: Path, what: str) -> None:
    """Refuse ``path`` (if it exists) unless the acting account or root owns it.

    Whoever owns a file can read it whatever its mode, and change its mode back.
    """
    try:
        owner = path.stat().st_uid
    except FileNotFoundError:
        return
    except OSError as exc:
        raise WorkspaceError(f"{what} {path} cannot be used: {exc.strerror or exc}") from exc
    me = os.geteuid()
    if owner not in (me, 0):
        raise WorkspaceError(
            f"{what} {path} is owned by another account ({_account(owner)}), who could read "
            f"the biometric data genkend would write there; use only files owned by you "
            f"({_account(me)}) or root, e.g. chown -R {_account(me)} {path}"
        )


def _check_settings_file(path: Path) -> None:
    """The settings file names the database: only its owner (you or root) may change it."""
    _check_owner(path, "settings file")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o022:
        raise WorkspaceError(
            f"settings file {path} can be changed by other accounts (mode {mode:04o}) and "
            f"could point the database elsewhere; make it owner-only with: chmod 600 {path}"
        )


def _check_database_files(url: str) -> None:
    """The SQLite files of ``url``, inside the workspace or not, must be yours (or root's)."""
    database = sqlite_database(url)
    if database is not None:
        for suffix in ("", "-wal", "-shm"):
            _check_owner(Path(f"{database}{suffix}"), "database file")


def _account(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
