"""Accounts and API tokens in the store: the SQL behind ``governance.access``.

Plain functions on a connection; the rules (names, roles, who may) stay in
``governance.access``. Invariant: a token is stored only as its SHA-256, a password
only as its Argon2id hash (both computed by the caller).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from genkend.store.schema import accounts, api_tokens


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
