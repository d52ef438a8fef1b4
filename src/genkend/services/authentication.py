"""Signing in and out of the web, the second factor, and API tokens: the use cases.

A shell builds the sign-in's session from the claimed user name, with the client's
address as the host (``Actor(name, "web 203.0.113.5")``). The gate refuses an unknown
or disabled account (audited); ``sign_in`` turns that refusal into the same
``AuthenticationFailed`` and the same Argon2 time as a wrong password, so neither the
message nor the timing tells which accounts exist. The rules themselves live in
``governance.authentication``.

Invariant: a sign-in either returns a new session (a cookie value never issued before)
or raises ``AuthenticationFailed`` having changed nothing but the failure count and
the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from genkend.errors import AuthenticationFailed, PermissionDenied
from genkend.governance import access, authentication
from genkend.governance.access import ADMINS, ANYONE, Need
from genkend.governance.authentication import Policy, TokenInfo
from genkend.services.accounts import _may_set_credentials
from genkend.services.registry import service
from genkend.services.session import Session


@dataclass(frozen=True)
class SignedIn:
    account: str
    session_token: str  # the cookie value: shown once, only its SHA-256 is stored
    csrf_token: str
    expires_at: str


def _policy(session: Session) -> Policy:
    s = session.settings
    return Policy(
        s.web_idle_minutes, s.web_session_hours, s.web_lockout_failures, s.web_lockout_minutes
    )


def _refused_sign_in(session: Session, refusal: PermissionDenied) -> None:
    authentication.refuse_unknown(session.store, session.actor, str(refusal))


@service("sign in", ANYONE, refused=_refused_sign_in)
def sign_in(session: Session, password: str, totp_code: str | None = None) -> SignedIn:
    """Prove the account with its password (and code): a new web session."""
    store, actor, name = session.store, session.actor, session.caller.name
    policy = _policy(session)
    authentication.verify_sign_in(store, actor, password, policy)
    with store.read() as conn:
        needed, confirmed = authentication.needs_second_factor(conn, name)
    if needed and not confirmed:
        raise AuthenticationFailed(
            f"this account must enrol a second factor first (genkend user totp {name})"
        )
    if needed:
        with store.begin() as conn:
            accepted = authentication.accept_code(conn, name, totp_code)
        if not accepted:
            authentication.failed(store, actor, policy, "code")
    with store.begin() as conn:
        token, opened = authentication.open_session(conn, actor, name, policy)
    return SignedIn(name, token, opened.csrf_token, opened.expires_at)


@service("sign out", ANYONE)
def sign_out(session: Session, session_token: str) -> None:
    """End the caller's web session with this cookie value (audited)."""
    authentication.end_session(session.store, session.actor, session_token)


@service("user totp", ANYONE)
def enrol_totp(session: Session, name: str) -> str:
    """A new TOTP secret for the account, as an otpauth:// URI shown once; it counts
    only once confirmed with a code."""
    _may_set_credentials(session, name, "user totp")
    with session.store.begin() as conn:
        return authentication.enrol_totp(conn, session.actor, name)


@service("user totp-confirm", ANYONE)
def confirm_totp(session: Session, name: str, code: str) -> None:
    """Confirm the account's enrolled TOTP secret with a current code."""
    _may_set_credentials(session, name, "user totp-confirm")
    with session.store.begin() as conn:
        authentication.confirm_totp(conn, session.actor, name, code)


@service("user require-mfa", ADMINS)
def require_mfa(session: Session, role: str, required: bool) -> bool:
    """Require (or stop requiring) a second factor of every account holding ``role``;
    False when that was already so."""
    with session.store.begin() as conn:
        return authentication.require_mfa(conn, session.actor, role, required)


@service("user token", ANYONE)
def issue_token(session: Session, name: str, label: str, days: int = 90) -> str:
    """A new API token for the account, valid ``days``, returned once (only its digest
    is stored)."""
    _may_set_credentials(session, name, "user token")
    with session.store.begin() as conn:
        return authentication.issue_token(conn, session.actor, name, label, days)


def _own_or_admin(session: Session, name: str, action: str) -> None:
    """One's own tokens, or an admin's look at (or revocation of) anyone's: neither
    hands the admin a credential."""
    if session.caller.name != name:
        access.require(session.store, session.actor, Need(action, ADMINS))


@service("user tokens", ANYONE)
def list_tokens(session: Session, name: str) -> list[TokenInfo]:
    """The account's API tokens: label, created, expires, last used, revoked."""
    _own_or_admin(session, name, "user tokens")
    with session.store.read() as conn:
        return authentication.list_tokens(conn, name)


@service("user token-revoke", ANYONE)
def revoke_token(session: Session, name: str, token_id: int) -> None:
    """Revoke one of the account's API tokens (audited)."""
    _own_or_admin(session, name, "user token-revoke")
    with session.store.begin() as conn:
        authentication.revoke_token(conn, session.actor, name, token_id)
