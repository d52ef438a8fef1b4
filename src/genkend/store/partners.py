"""Unit keys and partners in the store: the SQL behind ``governance.keys``.

Plain functions on a connection. Invariant: only public keys are stored here; a retired
unit key and a revoked partner keep their rows (marked with time and actor), so that
what they signed earlier can still be checked and who revoked them stays known.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from genkend.store.schema import partners, unit_keys


def unit_key_rows(conn: Connection) -> list[Any]:
    """Every unit key, oldest first (the current one has no ``retired_at``)."""
    query = select(unit_keys).order_by(unit_keys.c.created_at, unit_keys.c.key_id)
    return list(conn.execute(query))


def insert_unit_key(conn: Connection, key_id: str, public_pem: str, at: str, by: str) -> None:
    conn.execute(
        insert(unit_keys).values(key_id=key_id, public_pem=public_pem, created_at=at, created_by=by)
    )


def retire_unit_keys(conn: Connection, at: str, by: str) -> None:
    """Mark every current unit key retired."""
    conn.execute(
        update(unit_keys)
        .where(unit_keys.c.retired_at.is_(None))
        .values(retired_at=at, retired_by=by)
    )


def partner_row(conn: Connection, name: str) -> Any:
    return conn.execute(select(partners).where(partners.c.name == name)).first()


def partner_rows(conn: Connection) -> list[Any]:
    return list(conn.execute(select(partners).order_by(partners.c.name)))


def insert_partner(
    conn: Connection, name: str, key_id: str, public_pem: str, at: str, by: str
) -> None:
    conn.execute(
        insert(partners).values(
            name=name, key_id=key_id, public_pem=public_pem, added_at=at, added_by=by
        )
    )


def revoke_partner(conn: Connection, name: str, at: str, by: str) -> None:
    conn.execute(
        update(partners).where(partners.c.name == name).values(revoked_at=at, revoked_by=by)
    )
