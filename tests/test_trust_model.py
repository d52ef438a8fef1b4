"""The CLI's trust model: GENKEND_TOKEN, served workspaces, the operating-system user in
every audit event, and the credential commands of ``genkend user``."""

from __future__ import annotations

import getpass
import io
import json
import socket
from pathlib import Path
from typing import Any

import pyotp
import pytest

from genkend.governance import access
from genkend.records import Actor
from genkend.store import Store

PASSWORD = "correct horse battery staple"


@pytest.fixture
def team(cli: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    assert cli("user", "add", "ana", "--role", "investigator").code == 0
    assert cli("user", "add", "rev", "--role", "reviewer").code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli("--user", "ana", "user", "password", "ana").code == 0
    return cli


def _token(cli: Any, name: str, *extra: str) -> str:
    done = cli("--user", name, "user", "token", name, "--label", "scripts", *extra)
    assert done.code == 0, done.err
    return str(done.out.strip())


def _serve(home: Path) -> None:
    store = Store(f"sqlite:///{home / 'genkend.sqlite'}")
    access.mark_served(store, Actor("tester", "op@host"))
    store.dispose()


def _last(cli: Any) -> dict[str, Any]:
    return dict(cli("audit", "show", "--json").json()[-1])


def test_audit_events_name_the_operating_system_user(team: Any) -> None:
    assert team("--user", "ana", "case", "create", "T1", "--title", "t").code == 0
    event = [e for e in team("audit", "show", "--json").json() if e["action"] == "case.create"]
    assert event[-1]["host"] == f"{getpass.getuser()}@{socket.gethostname()}"
    assert event[-1]["actor"] == "ana"


def test_token_commands(team: Any) -> None:
    token = _token(team, "ana", "--days", "7")
    assert token.startswith("gk_")
    [listed] = team("--user", "ana", "user", "tokens", "ana", "--json").json()
    assert listed["label"] == "scripts" and listed["revoked_at"] is None
    assert token not in json.dumps(listed)
    done = team("--user", "ana", "user", "token-revoke", "ana", str(listed["id"]))
    assert done.code == 0
    [listed] = team("--user", "ana", "user", "tokens", "ana", "--json").json()
    assert listed["revoked_at"] is not None
    assert team("--user", "ana", "user", "token-revoke", "ana", str(listed["id"])).code == 1
    assert team("--user", "ana", "user", "token", "ana", "--label", "x", "--days", "0").code == 2


def test_totp_and_require_mfa_commands(team: Any) -> None:
    done = team("--user", "ana", "user", "totp", "ana")
    assert done.code == 0 and done.out.startswith("otpauth://totp/")
    totp = pyotp.parse_uri(done.out.strip())
    assert team("--user", "ana", "user", "totp-confirm", "ana", "--code", "abc").code == 2
    confirmed = team("--user", "ana", "user", "totp-confirm", "ana", "--code", totp.now())
    assert confirmed.code == 0, confirmed.err
    assert team("--user", "ana", "user", "require-mfa", "reviewer").code == 1  # not an admin
    assert team("user", "require-mfa", "reviewer").code == 0
    assert _last(team)["action"] == "auth.mfa.require"
    assert team("user", "require-mfa", "reviewer", "--off").code == 0
    assert _last(team)["action"] == "auth.mfa.release"


def test_genkend_token_acts_as_its_account(team: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    token = _token(team, "ana")
    monkeypatch.delenv("GENKEND_USER")
    monkeypatch.setenv("GENKEND_TOKEN", token)
    assert team("case", "create", "T2", "--title", "t").code == 0
    other = team("--user", "rev", "case", "list")
    assert other.code == 2 and "GENKEND_TOKEN is a token of ana" in other.err
    monkeypatch.setenv("GENKEND_TOKEN", token + "x")
    bad = team("case", "list")
    assert bad.code == 1 and "GENKEND_TOKEN is not a valid token" in bad.err
    monkeypatch.delenv("GENKEND_TOKEN")
    events = team("--user", "tester", "audit", "show", "--json").json()
    assert [e["actor"] for e in events if e["action"] == "case.create"] == ["ana"]


def test_revoked_token_is_refused(team: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    token = _token(team, "ana")
    assert team("--user", "ana", "user", "token-revoke", "ana", "1").code == 0
    monkeypatch.setenv("GENKEND_TOKEN", token)
    monkeypatch.delenv("GENKEND_USER")
    bad = team("case", "list")
    assert bad.code == 1 and "not a valid token" in bad.err


def test_served_workspace_acts_only_as_the_operator(
    team: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(team, "ana")
    _serve(home)
    refused = team("--user", "ana", "case", "create", "T3", "--title", "t")
    assert refused.code == 1 and "GENKEND_TOKEN" in refused.err and "operator tester" in refused.err
    assert team("case", "list").code == 0  # the operator (first admin) needs no token
    denied = [e for e in team("audit", "show", "--json").json() if e["action"] == "access.denied"]
    assert denied[-1]["actor"] == "ana" and denied[-1]["subject"] == "account:ana"
    monkeypatch.setenv("GENKEND_TOKEN", token)
    assert team("--user", "ana", "case", "create", "T3", "--title", "t").code == 0
    monkeypatch.delenv("GENKEND_TOKEN")
    monkeypatch.delenv("GENKEND_USER")
    monkeypatch.setenv("GENKEND_OPERATOR", "rev")
    refused = team("--user", "tester", "case", "list")  # now rev is the operator
    assert refused.code == 1 and "operator rev" in refused.err
    assert team("user", "list").code == 0
    monkeypatch.setenv("GENKEND_OPERATOR", "tester")
    assert _last(team)["action"] == "access.denied" and _last(team)["actor"] == "tester"
