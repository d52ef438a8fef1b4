"""Fixtures of the web tests: the refusal test's world, served by ``create_app``.

``web_world`` is the services' world (case ``C1`` with media, faces, clusters, an
authorisation, a gallery and candidates; see tests/services/world.py), copied for each
test module, plus an outsider: an account with every content role that is a member of
no case. ``client`` is a TestClient over HTTPS (the session cookie is ``Secure``);
``bearer(name)`` issues an API token for an account.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from genkend.cli import main
from genkend.web import create_app
from genkend.workspace import open_workspace

from ..services.world import TESTER, World, build_world

OUTSIDER = "outsider"  # investigator, reviewer, supervisor; member of no case


@pytest.fixture(scope="session")
def web_world_template(tmp_path_factory: pytest.TempPathFactory) -> World:
    world = build_world(tmp_path_factory.mktemp("web-world"))
    roles = ("investigator", "reviewer", "supervisor")
    world.add_account(OUTSIDER, roles, member=False)
    return world


@pytest.fixture(scope="module")
def web_world(web_world_template: World, tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("web")
    shutil.copytree(web_world_template.home, root / "ws")
    shutil.copytree(web_world_template.files, root / "files")
    return web_world_template.moved(root / "ws", root / "files")


@pytest.fixture(scope="module")
def app(web_world: World) -> Iterator[FastAPI]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENKEND_FACE_BACKEND", "fake")
        # Tests sign in often from one address; the throttle has a test of its own.
        patch.setenv("GENKEND_WEB_SIGN_IN_ATTEMPTS_PER_MINUTE", "1000")
        workspace = open_workspace(web_world.home, {})
        try:
            yield create_app(workspace)
        finally:
            workspace.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as made:
        yield made


def issue_token(home: Path, name: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        args = ["--home", str(home), "--user", name, "user", "token", name, "--label", "t"]
        assert main(args) == 0
    return out.getvalue().strip()


def set_password(home: Path, name: str, password: str) -> None:
    """``genkend user password NAME`` as the account itself, the password on stdin."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(password + "\n"))
        assert main(["--home", str(home), "--user", name, "user", "password", name]) == 0


@pytest.fixture(scope="module")
def bearer(web_world: World) -> Callable[[str], dict[str, str]]:
    issued: dict[str, str] = {}

    def headers(name: str = TESTER) -> dict[str, str]:
        if name not in issued:
            issued[name] = issue_token(web_world.home, name)
        return {"Authorization": f"Bearer {issued[name]}"}

    return headers
