"""Who is signing in: passwords with lockout, web sessions, the TOTP second factor, API
tokens, and the account local commands act as.

The web server is the enforcement point for a team (docs/security.md). A sign-in proves
an account with its password (Argon2id) and, where the account confirmed a TOTP secret
or one of its roles requires a second factor, a 6-digit code (RFC 6238: SHA-1, 30 s,
one step either side). It opens a new session row each time, stored only as the SHA-256
of the cookie value. Failed sign-ins are counted per account; after
``web_lockout_failures`` in a row the account is locked for ``web_lockout_minutes``.

Invariants: a cookie value, API token or password is never stored or audited in the
clear; a session row and a TOTP time-step are accepted at most once (rotation, replay);
a session or token of a disabled account resumes nothing; ``resume`` and
``token_account`` write at most once a minute per session or token (SQLite has one
writer). Time comes from ``genkend.clock.utc_now`` (tests move it).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from genkend import clock
from genkend.errors import AuthenticationFailed, InvalidField, NotFound
from genkend.governance import access, audit
from genkend.records import Actor
from genkend.store import Connection, Store
from genkend.store import accounts as stored_accounts
from genkend.store import web_sessions as stored_sessions

GENERIC = "wrong user name, password or code"
TOUCH_EVERY = timedelta(minutes=1)
TOTP_STEP_S = 30
MAX_SECRET_LENGTH = 512  # longer cookie values and tokens are refused unread
_HASHER = PasswordHasher()
# Verified when the account is unknown or has no password, so that a refusal takes
# as long as a wrong password and its timing does not tell which accounts exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class WebSession:
    """A resumed sign-in: who, the CSRF token of its forms, and its absolute end."""

    account: str
    csrf_token: str
    expires_at: str


@dataclass(frozen=True)
class Policy:
    """The session and lockout settings a sign-in applies (from ``Settings``)."""

    idle_minutes: int = 30
    session_hours: int = 12
    lockout_failures: int = 5
    lockout_minutes: int = 15


@dataclass(frozen=True)
class TokenInfo:
    """One API token as it may be shown: never its digest."""

    id: int
    label: str
    created_at: str
    expires_at: str | None
    last_used_at: str | None
    revoked_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "last_used_at": self.last_used_at,
            "revoked_at": self.revoked_at,
        }


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return clock.utc_now()


def _stale(last: str | None, now: datetime) -> bool:
    return last is None or now - clock.from_text(last) >= TOUCH_EVERY


# ---------------------------------------------------------------- sessions


def web_actor(user_name: str, client: str) -> Actor:
    """The actor of a web request or sign-in: the account name as given, and
    ``web <client address>`` as its host. A name that cannot be an account is refused
    as a failed sign-in is, before anything is read or written."""
    if not access.valid_name(user_name):
        raise AuthenticationFailed(GENERIC)
    return Actor(user_name, f"web {client}"[:255])


def resume(store: Store, session_token: str) -> WebSession | None:
    """The open session whose cookie value is ``session_token``; None when it is
    unknown, ended, idle or past its absolute end, or its account is disabled."""
    if not session_token or len(session_token) > MAX_SECRET_LENGTH:
        return None
    key, now = digest(session_token), _now()
    with store.read() as conn:
        row = stored_sessions.row(conn, key)
        account = access.get_account(conn, row.account) if row is not None else None
    if row is None or row.ended_at is not None or account is None or not account.enabled:
        return None
    if now >= clock.from_text(row.expires_at):
        return None
    if now - clock.from_text(row.last_seen_at) > timedelta(seconds=row.idle_seconds):
        return None
    if _stale(row.last_seen_at, now):
        # Skipped while a writer holds the store: the next request within the idle
        # period touches it again (a touch is once a minute, the idle period minutes).
        with store.begin_if_free() as conn:
            if conn is not None:
                stored_sessions.touch(conn, key, clock.to_text(now))
    return WebSession(row.account, row.csrf_token, row.expires_at)


def open_session(
    conn: Connection, actor: Actor, name: str, policy: Policy
) -> tuple[str, WebSession]:
    """A new session row for ``name`` (never a reused one); the cookie value, once."""
    now = _now()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires_at = clock.to_text(now + timedelta(hours=policy.session_hours))
    stored_sessions.insert_session(
        conn,
        digest(token),
        name,
        csrf,
        clock.to_text(now),
        expires_at,
        policy.idle_minutes * 60,
        actor.host,
    )
    stored_accounts.set_login_failures(conn, name, 0, None)
    audit.record(conn, actor, "auth.login", f"account:{name}", {"client": actor.host})
    return token, WebSession(name, csrf, expires_at)


def end_session(store: Store, actor: Actor, session_token: str) -> bool:
    """End the session of ``actor``'s account with this cookie value (audited); False
    when there is no such open session. Another account's session is not touched."""
    if not session_token or len(session_token) > MAX_SECRET_LENGTH:
        return False
    key = digest(session_token)
    with store.begin() as conn:
        row = stored_sessions.row(conn, key)
        if row is None or row.account != actor.name:
            return False
        if not stored_sessions.end(conn, key, clock.to_text(_now())):
            return False
        audit.record(conn, actor, "auth.logout", f"account:{actor.name}", {"client": actor.host})
    return True


# ---------------------------------------------------------------- passwords and lockout


def verify_sign_in(store: Store, actor: Actor, password: str, policy: Policy) -> None:
    """Check ``actor``'s password, or refuse: a locked account, or a wrong password
    (counted and audited in its own transaction; the last failure locks)."""
    now = _now()
    with store.read() as conn:
        row = stored_accounts.row(conn, actor.name)
    if row is None:
        refuse_unknown(store, actor, "unknown account")
    if row.locked_until is not None and now < clock.from_text(row.locked_until):
        _dummy_verify(password)
        with store.begin() as conn:
            detail = {"client": actor.host, "reason": "locked"}
            audit.record(conn, actor, "auth.login.failed", f"account:{actor.name}", detail)
        raise AuthenticationFailed(_locked_message(row.locked_until))
    if not _password_matches(row.password_hash, password):
        failed(store, actor, policy, "password")


def failed(store: Store, actor: Actor, policy: Policy, reason: str) -> NoReturn:
    """Count one failed sign-in of an existing account, lock it at the limit, refuse."""
    now = _now()
    with store.begin() as conn:
        failures = stored_accounts.add_login_failure(conn, actor.name)
        subject = f"account:{actor.name}"
        detail = {"client": actor.host, "failures": failures, "reason": reason}
        audit.record(conn, actor, "auth.login.failed", subject, detail)
        if failures >= policy.lockout_failures:
            until = clock.to_text(now + timedelta(minutes=policy.lockout_minutes))
            stored_accounts.set_login_failures(conn, actor.name, 0, until)
            audit.record(
                conn, actor, "auth.locked", subject, {"client": actor.host, "until": until}
            )
    raise AuthenticationFailed(GENERIC)


def refuse_unknown(store: Store, actor: Actor, reason: str) -> NoReturn:
    """Refuse a sign-in as an unknown or disabled account: as slow as a wrong password,
    audited as a failure, and with the same message."""
    _dummy_verify("")
    with store.begin() as conn:
        detail = {"client": actor.host, "reason": reason}
        audit.record(conn, actor, "auth.login.failed", f"account:{actor.name}", detail)
    raise AuthenticationFailed(GENERIC)


def _password_matches(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        _dummy_verify(password)
        return False
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def _dummy_verify(password: str) -> None:
    with contextlib.suppress(VerificationError, InvalidHashError):
        _HASHER.verify(_DUMMY_HASH, password)


def _locked_message(until: str) -> str:
    moment = clock.from_text(until) + timedelta(minutes=1)  # "after" the whole minute
    return f"locked, try again after {moment:%H:%M} UTC"


def locked_until(conn: Connection, name: str) -> str | None:
    """When the lock after repeated failed sign-ins ends; None when the account is not
    locked (an admin's accounts screen shows it)."""
    row = stored_accounts.row(conn, name)
    if row is None or row.locked_until is None or _now() >= clock.from_text(row.locked_until):
        return None
    return str(row.locked_until)


# ---------------------------------------------------------------- second factor


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=6, digest=hashlib.sha1, interval=TOTP_STEP_S)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time-step (now, or one either side) whose code is ``code``."""
    code = code.strip()
    if len(code) != 6 or not code.isdigit():
        return None
    totp, step = _totp(secret), int(now.timestamp()) // TOTP_STEP_S
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def needs_second_factor(conn: Connection, name: str) -> tuple[bool, bool]:
    """(a code is needed, a confirmed secret exists): needed when the account confirmed
    a secret or one of its roles requires a second factor."""
    row = stored_accounts.row(conn, name)
    account = access.get_account(conn, name)
    confirmed = bool(row is not None and row.totp_confirmed and row.totp_secret)
    required = account is not None and bool(account.roles & stored_accounts.mfa_roles(conn))
    return confirmed or required, confirmed


def accept_code(conn: Connection, name: str, code: str | None) -> bool:
    """True (and the code's time-step used up) when ``code`` is the account's current
    code and its time-step was not accepted before; a replayed code is False."""
    row = stored_accounts.row(conn, name)
    if code is None or row is None or not row.totp_secret:
        return False
    step = _matching_step(row.totp_secret, code, _now())
    return step is not None and stored_accounts.accept_totp_step(conn, name, step)


def enrol_totp(conn: Connection, actor: Actor, name: str) -> str:
    """A new, unconfirmed TOTP secret for ``name``; its otpauth:// URI, shown once."""
    row = stored_accounts.row(conn, name)
    if row is None:
        raise NotFound(f"unknown account {name!r}")
    secret = pyotp.random_base32()
    # Enrolling again replaces a confirmed secret at once and stays confirmed: the
    # account never falls back to signing in without a code.
    stored_accounts.set_totp(conn, name, secret, confirmed=bool(row.totp_confirmed))
    audit.record(conn, actor, "auth.totp.enrol", f"account:{name}")
    return _totp(secret).provisioning_uri(name=name, issuer_name="genkend")


def confirm_totp(conn: Connection, actor: Actor, name: str, code: str) -> None:
    """Confirm the enrolled secret with a current code; from then on sign-ins need one."""
    row = stored_accounts.row(conn, name)
    if row is None:
        raise NotFound(f"unknown account {name!r}")
    if not row.totp_secret:
        raise NotFound(f"{name} has no second factor enrolled (genkend user totp {name})")
    if not accept_code(conn, name, code):
        raise InvalidField("code", "is not the current code of the enrolled secret")
    stored_accounts.confirm_totp(conn, name)
    audit.record(conn, actor, "auth.totp.confirm", f"account:{name}")


def require_mfa(conn: Connection, actor: Actor, role: str, required: bool) -> bool:
    """Require (or stop requiring) a second factor of every account holding ``role``."""
    if role not in access.ROLES:
        raise InvalidField("role", f"must be one of {', '.join(access.ROLES)}")
    changed = stored_accounts.set_mfa_role(conn, role, required, actor.name, clock.utc_now_text())
    if changed:
        action = "auth.mfa.require" if required else "auth.mfa.release"
        audit.record(conn, actor, action, f"role:{role}")
    return changed


def mfa_roles(conn: Connection) -> list[str]:
    return sorted(stored_accounts.mfa_roles(conn))


# ---------------------------------------------------------------- API tokens


def issue_token(conn: Connection, actor: Actor, name: str, label: str, days: int) -> str:
    """A new API token for ``name`` that expires after ``days``; only its SHA-256 is
    stored, so it is shown once."""
    if not 1 <= days <= 3650:
        raise InvalidField("days", "must be between 1 and 3650")
    if access.get_account(conn, name) is None:
        raise NotFound(f"unknown account {name!r}")
    now = _now()
    token = "gk_" + secrets.token_urlsafe(32)
    expires_at = clock.to_text(now + timedelta(days=days))
    token_id = stored_accounts.insert_expiring_token(
        conn, name, digest(token), label, clock.to_text(now), expires_at
    )
    detail = {"label": label, "token": token_id, "expires_at": expires_at}
    audit.record(conn, actor, "account.token", f"account:{name}", detail)
    return token


def token_account(store: Store, bearer: str) -> str | None:
    """The account of an API token that is neither revoked nor expired and whose
    account is enabled; records when it was last used (at most once a minute)."""
    if not bearer or len(bearer) > MAX_SECRET_LENGTH:
        return None
    now = _now()
    with store.read() as conn:
        row = stored_accounts.token_row(conn, digest(bearer))
        account = access.get_account(conn, row.account) if row is not None else None
    if row is None or row.revoked_at is not None or account is None or not account.enabled:
        return None
    if row.expires_at is not None and now >= clock.from_text(row.expires_at):
        return None
    if _stale(row.last_used_at, now):
        with store.begin_if_free() as conn:  # skipped while a writer holds the store
            if conn is not None:
                stored_accounts.token_used(conn, row.id, clock.to_text(now))
    return str(row.account)


def list_tokens(conn: Connection, name: str) -> list[TokenInfo]:
    if access.get_account(conn, name) is None:
        raise NotFound(f"unknown account {name!r}")
    return [
        TokenInfo(r.id, r.label, r.created_at, r.expires_at, r.last_used_at, r.revoked_at)
        for r in stored_accounts.tokens(conn, name)
    ]


def revoke_token(conn: Connection, actor: Actor, name: str, token_id: int) -> None:
    if not stored_accounts.revoke_token(conn, name, token_id, clock.utc_now_text()):
        raise NotFound(f"{name} has no open token {token_id}")
    audit.record(conn, actor, "account.token.revoke", f"account:{name}", {"token": token_id})
