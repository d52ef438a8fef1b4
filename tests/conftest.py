"""Shared fixtures: workspaces, a real PostgreSQL server, and the store contract parameter.

The PostgreSQL server is started once per test session from Debian's binaries, as the
unprivileged ``postgres`` account when the tests run as root (PostgreSQL refuses root),
in a temporary folder on a free port; each test gets a database of its own.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(
    os.environ.get("GENKEND_TEST_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def _pg_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Base URL (without database) of a PostgreSQL server private to this test session."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip(
            "no PostgreSQL server binaries on this machine (Debian: apt-get install "
            "postgresql); `make test` installs them"
        )
    root = Path(tempfile.mkdtemp(prefix="genkend-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    subprocess.run(
        _as_server_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_server_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the session's server."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_server + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield f"{postgres_server}/{name}"
    with psycopg.connect(postgres_server + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store contract: every test using this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "workspace"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA} (set GENKEND_TEST_DATA)")
    return SHARED_DATA


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        import json

        assert self.code == 0 and self.out, f"exit {self.code}: {self.err}"
        return json.loads(self.out)


TESTER = "tester"
ALL_ROLES = ("admin", "investigator", "reviewer", "supervisor", "auditor")


@pytest.fixture
def cli(home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> object:
    """Run ``genkend --home HOME ARGS...`` in-process; returns code, stdout, stderr.

    Each workspace (and database) gets, before its first command, the account ``tester``
    holding every role, and commands act as it unless they pass ``--user``. Tests of
    the very first account use ``bootstrap=False``.
    """
    from genkend.cli import main

    for key in list(os.environ):
        if key.startswith("GENKEND_") and key != "GENKEND_TEST_DATA":
            monkeypatch.delenv(key)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("GENKEND_USER", TESTER)
    ready: set[tuple[str, ...]] = set()

    def run(*args: str, home_dir: Path | None = None, bootstrap: bool = True) -> CliResult:
        where = ["--home", str(home_dir or home)]
        if args[:1] == ("--db",):
            where += list(args[:2])
        if bootstrap and tuple(where) not in ready:
            ready.add(tuple(where))
            main([*where, "user", "add", TESTER, *(x for r in ALL_ROLES for x in ("--role", r))])
        capsys.readouterr()
        code = main(["--home", str(home_dir or home), *args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


AUTHORITY = "tester.authority"


@pytest.fixture
def authorise(cli: Any) -> Any:
    """``authorise(case)``: a gallery-search authorisation for ``case`` recorded by a
    supervisor member other than ``tester``, since nobody searches under an authorisation
    they recorded; ``tester`` must be allowed to add members to ``case``."""

    def grant(case: str) -> None:
        accounts = {a["name"] for a in cli("user", "list", "--json").json()}
        if AUTHORITY not in accounts:
            assert cli("user", "add", AUTHORITY, "--role", "supervisor").code == 0
        assert cli("case", "member", "add", case, AUTHORITY).code == 0
        until = ("--valid-until", "2099-12-31")
        by = ("--authority", "Test court", "--reference", "T-1", *until)
        granted = cli("--user", AUTHORITY, "authorisation", "grant", "--case", case, *by)
        assert granted.code == 0, granted.err

    return grant


@pytest.fixture(scope="session")
def build_workspace(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``build(name, steps)``: run CLI steps once (as ``tester``, fake face backend) into a
    new workspace and return its folder; ``steps(root)`` lists the argument lists."""
    from genkend.cli import main

    def build(name: str, steps: Any) -> Path:
        root = tmp_path_factory.mktemp(name)
        with pytest.MonkeyPatch.context() as patch:
            for key in list(os.environ):
                if key.startswith("GENKEND_") and key != "GENKEND_TEST_DATA":
                    patch.delenv(key)
            patch.setenv("GENKEND_USER", TESTER)
            patch.setenv("GENKEND_FACE_BACKEND", "fake")
            for step in steps(root):
                assert main(["--home", str(root / "ws"), *step]) == 0, step
        return root / "ws"

    return build


@pytest.fixture
def run(cli: Any, home: Path, template: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The CLI on a fresh copy of the requesting module's ``template`` workspace;
    ``run(user, *args)``."""
    shutil.copytree(template, home)
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")

    def as_user(user: str, *args: str) -> Any:
        return cli("--user", user, *args)

    return as_user
