"""The sign-in store contract (sessions, tokens, lockout, TOTP steps, MFA roles, the
served marker) on SQLite and PostgreSQL, and the rules above it on both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from genkend import clock
from genkend.errors import AuthenticationFailed
from genkend.governance import access, authentication
from genkend.governance.authentication import Policy
from genkend.records import Actor
from genkend.services import authentication as auth
from genkend.services.session import Session
from genkend.store import Store
from genkend.store import accounts as stored_accounts
from genkend.store import web_sessions as stored_sessions
from genkend.workspace import open_workspace

AT = "2026-01-02T03:04:05.000000Z"
LATER = "2026-01-02T04:04:05.000000Z"
ACTOR = Actor("boss", "h")


@pytest.fixture
def accounts(store: Store) -> Store:
    with store.begin() as conn:
        stored_accounts.insert_account(conn, "ana", "investigator", None, AT, "boss")
        stored_accounts.insert_account(conn, "boss", "admin", None, AT, "boss")
    return store


def test_session_rows_end_once(accounts: Store) -> None:
    with accounts.begin() as conn:
        stored_sessions.insert_session(conn, "a" * 64, "ana", "csrf", AT, LATER, 1800, "web x")
        stored_sessions.insert_session(conn, "b" * 64, "ana", "csrf2", AT, LATER, 1800, "web y")
        stored_sessions.touch(conn, "a" * 64, LATER)
    with accounts.begin() as conn:
        row = stored_sessions.row(conn, "a" * 64)
        assert (row.account, row.last_seen_at, row.ended_at, row.client) == (
            "ana",
            LATER,
            None,
            "web x",
        )
        assert stored_sessions.end(conn, "a" * 64, LATER)
        assert not stored_sessions.end(conn, "a" * 64, LATER)
        assert stored_sessions.end_all(conn, "ana", LATER) == 1
        assert stored_sessions.row(conn, "c" * 64) is None


def test_tokens_failures_totp_steps_and_mfa_roles(accounts: Store) -> None:
    with accounts.begin() as conn:
        first = stored_accounts.insert_expiring_token(conn, "ana", "1" * 64, "ci", AT, LATER)
        second = stored_accounts.insert_expiring_token(conn, "ana", "2" * 64, "x", AT, LATER)
        assert second == first + 1
        assert stored_accounts.revoke_token(conn, "ana", first, LATER)
        assert not stored_accounts.revoke_token(conn, "ana", first, LATER)
        assert not stored_accounts.revoke_token(conn, "boss", second, LATER)  # not boss's
        stored_accounts.token_used(conn, second, LATER)
        assert [t.id for t in stored_accounts.tokens(conn, "ana")] == [first, second]
        assert stored_accounts.token_row(conn, "2" * 64).last_used_at == LATER
        assert [stored_accounts.add_login_failure(conn, "ana") for _ in range(3)] == [1, 2, 3]
        stored_accounts.set_totp(conn, "ana", "SECRET", confirmed=False)
        assert stored_accounts.accept_totp_step(conn, "ana", 100)
        assert not stored_accounts.accept_totp_step(conn, "ana", 100)  # replay
        assert not stored_accounts.accept_totp_step(conn, "ana", 99)
        assert stored_accounts.accept_totp_step(conn, "ana", 101)
        assert stored_accounts.set_mfa_role(conn, "reviewer", True, "boss", AT)
        assert not stored_accounts.set_mfa_role(conn, "reviewer", True, "boss", AT)
        assert stored_accounts.mfa_roles(conn) == {"reviewer"}
        assert not stored_accounts.is_served(conn)
        stored_accounts.mark_served(conn, AT, "boss", "op@host")
        assert stored_accounts.is_served(conn)


def test_sessions_and_tokens_resume_on_both_databases(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [datetime(2026, 3, 1, 9, 0, tzinfo=UTC)]
    monkeypatch.setattr(clock, "utc_now", lambda: now[0])
    with store.begin() as conn:
        access.create_account(conn, ACTOR, "boss", ["admin"], None)
        token, opened = authentication.open_session(conn, ACTOR, "boss", Policy())
        bearer = authentication.issue_token(conn, ACTOR, "boss", "ci", 1)
    assert authentication.resume(store, token) == opened
    assert authentication.token_account(store, bearer) == "boss"
    now[0] += timedelta(minutes=31)
    assert authentication.resume(store, token) is None
    now[0] += timedelta(days=1)
    assert authentication.token_account(store, bearer) is None
    access.mark_served(store, ACTOR)
    with store.read() as conn:
        assert access.is_served(conn) and access.first_admin(conn) == "boss"


def test_sign_in_lockout_and_sign_out_on_both_databases(store_url: str, tmp_path: Path) -> None:
    flags = {"db": store_url, "web_lockout_failures": 2}
    ws = open_workspace(tmp_path / "ws", flags, env={})
    try:
        with ws.store.begin() as conn:
            access.create_account(conn, ACTOR, "boss", ["admin"], None)
            access.create_account(conn, ACTOR, "ana", ["investigator"], "a long enough password")
        web = Session(ws, authentication.web_actor("ana", "203.0.113.5"))
        signed = auth.sign_in(web, "a long enough password")
        assert authentication.resume(ws.store, signed.session_token) is not None
        auth.sign_out(web, signed.session_token)
        assert authentication.resume(ws.store, signed.session_token) is None
        for _ in range(2):
            with pytest.raises(AuthenticationFailed):
                auth.sign_in(web, "wrong password, twice")
        with pytest.raises(AuthenticationFailed, match="locked"):
            auth.sign_in(web, "a long enough password")
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(Session(ws, authentication.web_actor("nobody", "x")), "whatever")
    finally:
        ws.close()
