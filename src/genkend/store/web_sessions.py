"""Web sign-in sessions in the store: the SQL behind ``governance.authentication``.

Invariant: a session is stored only under the SHA-256 of its cookie value (computed by
the caller), so a copy of the database cannot be replayed as a cookie; a row is never
reused: ending a session sets ``ended_at`` and a sign-in always inserts a new row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from genkend.store.schema import web_sessions


def insert_session(
    conn: Connection,
    session_sha256: str,
    account: str,
    csrf_token: str,
    now: str,
    expires_at: str,
    idle_seconds: int,
    client: str,
) -> None:
    conn.execute(
        insert(web_sessions).values(
            id=session_sha256,
            account=account,
            csrf_token=csrf_token,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
            idle_seconds=idle_seconds,
            client=client,
        )
    )


def row(conn: Connection, session_sha256: str) -> Any:
    """The session's row (account, csrf_token, last_seen_at, expires_at, ended_at, ...)."""
    return conn.execute(select(web_sessions).where(web_sessions.c.id == session_sha256)).first()


def touch(conn: Connection, session_sha256: str, now: str) -> None:
    conn.execute(
        update(web_sessions).where(web_sessions.c.id == session_sha256).values(last_seen_at=now)
    )


def end(conn: Connection, session_sha256: str, now: str) -> bool:
    """End an open session; False when it was unknown or already ended."""
    done = conn.execute(
        update(web_sessions)
        .where(web_sessions.c.id == session_sha256, web_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )
    return bool(done.rowcount)


def end_all(conn: Connection, account: str, now: str) -> int:
    """End every open session of ``account`` (disabled, password changed)."""
    done = conn.execute(
        update(web_sessions)
        .where(web_sessions.c.account == account, web_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )
    return int(done.rowcount)
