"""Accounts, API tokens, sign-in lockout, TOTP and MFA roles in the store: the SQL
behind ``governance.access`` and ``governance.authentication``.

Plain functions on a connection; the rules (names, roles, who may) stay in
``governance.access``. Invariant: a token is stored only as its SHA-256, a password
only as its Argon2id hash (both computed by the caller).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from genkend.store.schema import accounts, api_tokens, served_marks
from genkend.store.schema import mfa_roles as mfa_roles_table


def has_any(conn: Connection) -> bool:
    return bool(conn.execute(select(func.count()).select_from(accounts)).scalar_one())


def row(conn: Connection, name: str) -> Any:
    """The account's row (name, roles, password_hash, enabled, created_at, created_by)."""
    return conn.execute(select(accounts).where(accounts.c.name == name)).first()


def names(conn: Connection) -> list[str]:
    return list(conn.execute(select(accounts.c.name).order_by(accounts.c.name)).scalars())


def insert_account(
    conn: Connection,
    name: str,
    roles: str,
    password_hash: str | None,
    created_at: str,
    created_by: str,
) -> None:
    conn.execute(
        insert(accounts).values(
            name=name,
            roles=roles,
            password_hash=password_hash,
            enabled=True,
            created_at=created_at,
            created_by=created_by,
        )
    )


def set_enabled(conn: Connection, name: str, enabled: bool) -> None:
    conn.execute(update(accounts).where(accounts.c.name == name).values(enabled=enabled))


def set_password_hash(conn: Connection, name: str, password_hash: str) -> None:
    conn.execute(
        update(accounts).where(accounts.c.name == name).values(password_hash=password_hash)
    )


def insert_token(
    conn: Connection, account: str, token_sha256: str, label: str, created_at: str
) -> None:
    conn.execute(
        insert(api_tokens).values(
            account=account, token_sha256=token_sha256, label=label, created_at=created_at
        )
    )


def token_account(conn: Connection, token_sha256: str) -> str | None:
    """The account of a token that was not revoked."""
    found = conn.execute(
        select(api_tokens.c.account).where(
            api_tokens.c.token_sha256 == token_sha256, api_tokens.c.revoked_at.is_(None)
        )
    ).scalar()
    return None if found is None else str(found)


def insert_expiring_token(
    conn: Connection,
    account: str,
    token_sha256: str,
    label: str,
    created_at: str,
    expires_at: str,
) -> int:
    done = conn.execute(
        insert(api_tokens)
        .values(
            account=account,
            token_sha256=token_sha256,
            label=label,
            created_at=created_at,
            expires_at=expires_at,
        )
        .returning(api_tokens.c.id)
    )
    return int(done.scalar_one())


def token_row(conn: Connection, token_sha256: str) -> Any:
    """The token's row (id, account, revoked_at, expires_at, last_used_at, ...)."""
    return conn.execute(select(api_tokens).where(api_tokens.c.token_sha256 == token_sha256)).first()


def tokens(conn: Connection, account: str) -> list[Any]:
    """The account's tokens, oldest first, without their digests."""
    columns = [c for c in api_tokens.c if c.name != "token_sha256"]
    query = select(*columns).where(api_tokens.c.account == account).order_by(api_tokens.c.id)
    return list(conn.execute(query))


def token_used(conn: Connection, token_id: int, now: str) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now))


def revoke_token(conn: Connection, account: str, token_id: int, now: str) -> bool:
    """Revoke one open token of ``account``; False when there is none by that id."""
    done = conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.id == token_id,
            api_tokens.c.account == account,
            api_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return bool(done.rowcount)


def set_login_failures(
    conn: Connection, name: str, failures: int, locked_until: str | None
) -> None:
    conn.execute(
        update(accounts)
        .where(accounts.c.name == name)
        .values(login_failures=failures, locked_until=locked_until)
    )


def add_login_failure(conn: Connection, name: str) -> int:
    """Count one more failed sign-in; the new count (atomic: no lost increments)."""
    conn.execute(
        update(accounts)
        .where(accounts.c.name == name)
        .values(login_failures=accounts.c.login_failures + 1)
    )
    return int(
        conn.execute(select(accounts.c.login_failures).where(accounts.c.name == name)).scalar_one()
    )


def set_totp(conn: Connection, name: str, secret: str | None, confirmed: bool) -> None:
    conn.execute(
        update(accounts)
        .where(accounts.c.name == name)
        .values(totp_secret=secret, totp_confirmed=confirmed, totp_last_step=None)
    )


def accept_totp_step(conn: Connection, name: str, step: int) -> bool:
    """Record ``step`` as the last accepted TOTP time-step, only if it is later than the
    last one: False for a replayed (or older) code. One conditional UPDATE, so two
    concurrent sign-ins with the same code cannot both succeed."""
    done = conn.execute(
        update(accounts)
        .where(
            accounts.c.name == name,
            (accounts.c.totp_last_step.is_(None)) | (accounts.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return bool(done.rowcount)


def confirm_totp(conn: Connection, name: str) -> None:
    conn.execute(update(accounts).where(accounts.c.name == name).values(totp_confirmed=True))


def mfa_roles(conn: Connection) -> set[str]:
    return set(conn.execute(select(mfa_roles_table.c.role)).scalars())


def set_mfa_role(conn: Connection, role: str, required: bool, by: str, at: str) -> bool:
    """Require (or stop requiring) a second factor for ``role``; False when unchanged."""
    present = role in mfa_roles(conn)
    if required and not present:
        conn.execute(insert(mfa_roles_table).values(role=role, set_by=by, set_at=at))
        return True
    if not required and present:
        conn.execute(delete(mfa_roles_table).where(mfa_roles_table.c.role == role))
        return True
    return False


def mark_served(conn: Connection, at: str, by: str, host: str) -> None:
    conn.execute(insert(served_marks).values(served_at=at, served_by=by, host=host))


def is_served(conn: Connection) -> bool:
    return conn.execute(select(served_marks.c.id).limit(1)).first() is not None
