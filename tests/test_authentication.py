"""Signing in to the web: lockout, sessions, the second factor and API tokens, through
the services a web handler calls, with the clock moved by the tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import text

from genkend import clock
from genkend.errors import AuthenticationFailed, InvalidField, NotFound, PermissionDenied
from genkend.governance import access, authentication
from genkend.records import Actor
from genkend.services import accounts
from genkend.services import authentication as auth
from genkend.services.session import Session
from genkend.workspace import Workspace, open_workspace

PASSWORD = "correct horse battery staple"
BOSS = Actor("boss", "test-host")
CLIENT = "web 203.0.113.5"
GENERIC = r"^wrong user name, password or code$"


class Clock:
    """A clock the tests move: ``genkend.clock.utc_now`` reads it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def moment(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(clock, "utc_now", lambda: fake.now)
    return fake


@pytest.fixture
def ws(tmp_path: Any, moment: Clock) -> Iterator[Workspace]:
    flags = {"web_lockout_failures": 3, "web_lockout_minutes": 15}
    workspace = open_workspace(tmp_path / "ws", flags, env={})
    with workspace.store.begin() as conn:
        access.create_account(conn, BOSS, "boss", ["admin"], None)
        access.create_account(conn, BOSS, "ana", ["investigator"], PASSWORD)
        access.create_account(conn, BOSS, "rev", ["reviewer"], PASSWORD)
    yield workspace
    workspace.close()


def web(ws: Workspace, name: str) -> Session:
    return Session(ws, Actor(name, CLIENT))


def events(ws: Workspace, action: str) -> list[Any]:
    with ws.store.read() as conn:
        rows = conn.execute(
            text("SELECT seq, actor, host, subject FROM audit_events WHERE action = :a"),
            {"a": action},
        )
        return list(rows)


def details(ws: Workspace, action: str) -> list[dict[str, Any]]:
    from genkend.governance import audit

    with ws.store.read() as conn:
        return [e.detail for e in audit.events(conn, action=action)]


def test_sign_in_opens_a_new_session_each_time(ws: Workspace) -> None:
    first = auth.sign_in(web(ws, "ana"), PASSWORD)
    second = auth.sign_in(web(ws, "ana"), PASSWORD)
    assert first.account == "ana" and first.session_token != second.session_token
    assert first.csrf_token != second.csrf_token
    resumed = authentication.resume(ws.store, first.session_token)
    assert resumed == authentication.WebSession("ana", first.csrf_token, first.expires_at)
    with ws.store.read() as conn:
        ids = set(conn.execute(text("SELECT id FROM web_sessions")).scalars())
    # only digests are stored, never the cookie value
    assert ids == {hashlib.sha256(s.session_token.encode()).hexdigest() for s in (first, second)}
    logins = events(ws, "auth.login")
    assert [(e.actor, e.host) for e in logins] == [("ana", CLIENT)] * 2
    assert authentication.resume(ws.store, "made-up") is None
    assert authentication.resume(ws.store, "") is None


def test_wrong_password_flood_locks_the_account(ws: Workspace, moment: Clock) -> None:
    for _ in range(3):
        with pytest.raises(AuthenticationFailed, match="wrong user name, password or code"):
            auth.sign_in(web(ws, "ana"), "not the password at all")
    failures = details(ws, "auth.login.failed")
    assert [d["failures"] for d in failures] == [1, 2, 3]
    assert all(d["client"] == CLIENT and PASSWORD not in str(d) for d in failures)
    assert len(events(ws, "auth.locked")) == 1
    # locked: even the right password is refused, and says until when
    with pytest.raises(AuthenticationFailed, match=r"locked, try again after 09:16 UTC"):
        auth.sign_in(web(ws, "ana"), PASSWORD)
    with ws.store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM web_sessions")).scalar_one() == 0
    moment.advance(minutes=16)
    assert auth.sign_in(web(ws, "ana"), PASSWORD).account == "ana"


def test_a_success_resets_the_failure_count(ws: Workspace) -> None:
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(web(ws, "ana"), "wrong wrong wrong")
    auth.sign_in(web(ws, "ana"), PASSWORD)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(web(ws, "ana"), "wrong wrong wrong")
    assert events(ws, "auth.locked") == []
    assert auth.sign_in(web(ws, "ana"), PASSWORD).account == "ana"


@pytest.mark.parametrize("name", ["nobody", "boss"])  # unknown; known without a password
def test_unknown_account_or_no_password_is_the_same_refusal(ws: Workspace, name: str) -> None:
    with pytest.raises(AuthenticationFailed, match=GENERIC):
        auth.sign_in(web(ws, name), PASSWORD)
    assert [e.actor for e in events(ws, "auth.login.failed")] == [name]


def test_disabled_account_is_refused_and_its_session_ends(ws: Workspace) -> None:
    signed = auth.sign_in(web(ws, "ana"), PASSWORD)
    accounts.disable(Session(ws, BOSS), "ana")
    assert authentication.resume(ws.store, signed.session_token) is None
    with pytest.raises(AuthenticationFailed, match=GENERIC):
        auth.sign_in(web(ws, "ana"), PASSWORD)


def test_session_after_sign_out_resumes_nothing(ws: Workspace) -> None:
    signed = auth.sign_in(web(ws, "ana"), PASSWORD)
    other = auth.sign_in(web(ws, "rev"), PASSWORD)
    # another account cannot end ana's session
    auth.sign_out(web(ws, "rev"), signed.session_token)
    assert authentication.resume(ws.store, signed.session_token) is not None
    auth.sign_out(web(ws, "ana"), signed.session_token)
    assert authentication.resume(ws.store, signed.session_token) is None
    assert authentication.resume(ws.store, other.session_token) is not None
    assert [e.actor for e in events(ws, "auth.logout")] == ["ana"]


def test_idle_and_absolute_expiry(ws: Workspace, moment: Clock) -> None:
    signed = auth.sign_in(web(ws, "ana"), PASSWORD)
    moment.advance(minutes=29)
    assert authentication.resume(ws.store, signed.session_token) is not None
    moment.advance(minutes=29)  # active: 29 minutes since the last request
    assert authentication.resume(ws.store, signed.session_token) is not None
    moment.advance(minutes=31)
    assert authentication.resume(ws.store, signed.session_token) is None  # idle

    kept = auth.sign_in(web(ws, "ana"), PASSWORD)
    for _ in range(12 * 3):  # busy all day, a request every 20 minutes
        moment.advance(minutes=20)
        resumed = authentication.resume(ws.store, kept.session_token)
        if resumed is None:
            break
    assert resumed is None
    assert moment.now >= clock.from_text(kept.expires_at)  # ended at its absolute end


def test_resume_writes_at_most_once_a_minute(ws: Workspace, moment: Clock) -> None:
    signed = auth.sign_in(web(ws, "ana"), PASSWORD)

    def last_seen() -> str:
        with ws.store.read() as conn:
            return str(conn.execute(text("SELECT last_seen_at FROM web_sessions")).scalar_one())

    start = last_seen()
    moment.advance(seconds=30)
    authentication.resume(ws.store, signed.session_token)
    assert last_seen() == start
    moment.advance(seconds=31)
    authentication.resume(ws.store, signed.session_token)
    assert last_seen() == clock.to_text(moment.now)


def _enrol(ws: Workspace, name: str) -> pyotp.TOTP:
    uri = auth.enrol_totp(web(ws, name), name)
    assert uri.startswith("otpauth://totp/genkend:")
    return pyotp.parse_uri(uri)  # type: ignore[return-value]


def test_totp_required_by_role(ws: Workspace, moment: Clock) -> None:
    assert auth.require_mfa(Session(ws, BOSS), "investigator", True)
    with pytest.raises(AuthenticationFailed, match=r"must enrol a second factor first"):
        auth.sign_in(web(ws, "ana"), PASSWORD)
    totp = _enrol(ws, "ana")
    wrong = "000000" if totp.at(moment.now) != "000000" else "111111"
    with pytest.raises(InvalidField):
        auth.confirm_totp(web(ws, "ana"), "ana", wrong)
    auth.confirm_totp(web(ws, "ana"), "ana", totp.at(moment.now))
    moment.advance(seconds=30)
    with pytest.raises(AuthenticationFailed, match=GENERIC):
        auth.sign_in(web(ws, "ana"), PASSWORD)  # no code
    code = totp.at(moment.now)
    assert auth.sign_in(web(ws, "ana"), PASSWORD, code).account == "ana"
    # the same code again (still within its window): a replay, refused
    with pytest.raises(AuthenticationFailed, match=GENERIC):
        auth.sign_in(web(ws, "ana"), PASSWORD, code)
    assert [d["reason"] for d in details(ws, "auth.login.failed")] == ["code", "code"]
    moment.advance(seconds=30)
    assert auth.sign_in(web(ws, "ana"), PASSWORD, totp.at(moment.now)).account == "ana"
    # rev's role needs no second factor and rev enrolled none
    assert auth.sign_in(web(ws, "rev"), PASSWORD).account == "rev"


def test_require_mfa_is_for_admins_and_audited(ws: Workspace) -> None:
    with pytest.raises(PermissionDenied):
        auth.require_mfa(web(ws, "ana"), "investigator", True)
    with pytest.raises(InvalidField):
        auth.require_mfa(Session(ws, BOSS), "wizard", True)
    assert auth.require_mfa(Session(ws, BOSS), "reviewer", True)
    assert not auth.require_mfa(Session(ws, BOSS), "reviewer", True)
    assert auth.require_mfa(Session(ws, BOSS), "reviewer", False)
    assert [e.subject for e in events(ws, "auth.mfa.require")] == ["role:reviewer"]
    assert [e.subject for e in events(ws, "auth.mfa.release")] == ["role:reviewer"]


def test_tokens_expire_and_are_revoked(ws: Workspace, moment: Clock) -> None:
    token = auth.issue_token(web(ws, "ana"), "ana", "scripts", days=2)
    assert authentication.token_account(ws.store, token) == "ana"
    [listed] = auth.list_tokens(web(ws, "ana"), "ana")
    assert listed.last_used_at == clock.to_text(moment.now)
    assert "token_sha256" not in listed.as_dict() and token not in str(listed.as_dict())
    moment.advance(days=2)
    assert authentication.token_account(ws.store, token) is None  # expired

    other = auth.issue_token(web(ws, "ana"), "ana", "ci")
    second = auth.list_tokens(web(ws, "ana"), "ana")[-1]
    assert authentication.token_account(ws.store, other) == "ana"
    auth.revoke_token(web(ws, "ana"), "ana", second.id)
    assert authentication.token_account(ws.store, other) is None
    with pytest.raises(NotFound):
        auth.revoke_token(web(ws, "ana"), "ana", second.id)
    assert len(events(ws, "account.token.revoke")) == 1
    with pytest.raises(InvalidField):
        auth.issue_token(web(ws, "ana"), "ana", "forever", days=100_000)


def test_token_of_a_disabled_account_authenticates_nothing(ws: Workspace) -> None:
    token = auth.issue_token(web(ws, "ana"), "ana", "scripts")
    accounts.disable(Session(ws, BOSS), "ana")
    assert authentication.token_account(ws.store, token) is None


def test_others_tokens_are_for_admins_only(ws: Workspace) -> None:
    token = auth.issue_token(web(ws, "ana"), "ana", "scripts")
    [listed] = auth.list_tokens(Session(ws, BOSS), "ana")
    with pytest.raises(PermissionDenied):
        auth.list_tokens(web(ws, "rev"), "ana")
    with pytest.raises(PermissionDenied):
        auth.revoke_token(web(ws, "rev"), "ana", listed.id)
    assert authentication.token_account(ws.store, token) == "ana"
    auth.revoke_token(Session(ws, BOSS), "ana", listed.id)
    assert authentication.token_account(ws.store, token) is None


def test_a_new_password_ends_every_session(ws: Workspace) -> None:
    signed = auth.sign_in(web(ws, "ana"), PASSWORD)
    accounts.set_password(web(ws, "ana"), "ana", lambda: "another long password")
    assert authentication.resume(ws.store, signed.session_token) is None
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(web(ws, "ana"), PASSWORD)
    assert auth.sign_in(web(ws, "ana"), "another long password").account == "ana"


def test_enrolling_again_never_drops_the_second_factor(ws: Workspace, moment: Clock) -> None:
    old = _enrol(ws, "ana")
    auth.confirm_totp(web(ws, "ana"), "ana", old.at(moment.now))
    new = _enrol(ws, "ana")  # e.g. from a stolen session: still needs a code to sign in
    moment.advance(seconds=60)
    with pytest.raises(AuthenticationFailed, match=GENERIC):
        auth.sign_in(web(ws, "ana"), PASSWORD)
    with pytest.raises(AuthenticationFailed, match=GENERIC):
        auth.sign_in(web(ws, "ana"), PASSWORD, old.at(moment.now))
    assert auth.sign_in(web(ws, "ana"), PASSWORD, new.at(moment.now)).account == "ana"


@pytest.mark.parametrize("name", ["", "a b", "x" * 201, "../etc", "ana\n"])
def test_a_name_that_cannot_be_an_account_is_refused_unread(ws: Workspace, name: str) -> None:
    with pytest.raises(AuthenticationFailed, match=GENERIC):
        authentication.web_actor(name, "203.0.113.5")
    assert authentication.web_actor("ana", "203.0.113.5") == Actor("ana", CLIENT)
