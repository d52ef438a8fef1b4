"""A workspace: the folder that holds one installation's store, indexes and thumbnails.

This module only wires things together: it resolves the settings, makes sure the folder
exists and is writable, opens the store and migrates it. It has no behaviour of its own.
Invariant: everything genkend writes lives under ``home`` (or in the configured
database); temporary files included (``spool_dir``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genkend import settings as settings_module
from genkend.access import Actor, current_actor
from genkend.errors import WorkspaceError
from genkend.settings import Effective, Settings
from genkend.store import Store, sqlite_url


@dataclass
class Workspace:
    home: Path
    effective: Effective
    store: Store
    actor: Actor

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
    return folder, settings_module.load(folder, env, flags)


def open_workspace(
    home: Path | None, flags: Mapping[str, Any], env: Mapping[str, str] = os.environ
) -> Workspace:
    folder, effective = resolve(home, flags, env)
    prepare_folder(folder)
    store = Store(effective.settings.db or sqlite_url(folder))
    try:
        store.upgrade()
    except BaseException:
        store.dispose()
        raise
    return Workspace(folder, effective, store, current_actor(effective.settings.user))


def prepare_folder(folder: Path) -> None:
    """Create the folder owner-only if needed and prove it can be written."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as exc:
        raise WorkspaceError(f"workspace {folder} cannot be used: {exc.strerror or exc}") from exc
