"""The audit log in the store: the SQL behind ``governance.audit``'s hash chain.

Plain functions on a connection; the chain's digests and its verification stay in
``governance.audit``. Invariant: ``head`` is read only by a writer holding the append
lock (on SQLite the transaction's write lock, ``BEGIN IMMEDIATE``; on PostgreSQL an
advisory transaction lock it takes here), so two appends never read the same head.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, or_, select, text

from genkend.store.schema import audit_details, audit_events

# An arbitrary constant naming genkend's audit-append lock on PostgreSQL.
_PG_AUDIT_LOCK = 0x67656E6B


def locked_head(conn: Connection) -> tuple[int, str] | None:
    """Take the append lock and read the newest event's (seq, digest); None: no events."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    head = conn.execute(
        select(audit_events.c.seq, audit_events.c.digest)
        .order_by(audit_events.c.seq.desc())
        .limit(1)
    ).first()
    return (int(head.seq), str(head.digest)) if head else None


def insert_event(conn: Connection, event: dict[str, Any], detail_json: str) -> None:
    """One event's chained fields and, in its own table, its detail."""
    conn.execute(insert(audit_events).values(**event))
    conn.execute(insert(audit_details).values(seq=event["seq"], detail=detail_json))


def rows(
    conn: Connection,
    since: int = 0,
    action: str | None = None,
    actor: str | None = None,
    subjects: Iterable[str] | None = None,
) -> Iterator[Any]:
    """Events with ``seq > since`` in order, with their detail (None: erased), optionally
    of one action (prefix ``x.*``), and if ``subjects`` is given only those about one of
    them or made by ``actor``."""
    query = _filtered(_joined().where(audit_events.c.seq > since), action, actor, subjects)
    yield from conn.execute(query.order_by(audit_events.c.seq))


def newest_rows(
    conn: Connection,
    before: int | None,
    limit: int,
    action: str | None = None,
    actor: str | None = None,
    subjects: Iterable[str] | None = None,
) -> list[Any]:
    """At most ``limit`` events with ``seq < before`` (None: the newest), newest first,
    filtered as ``rows`` filters them: one page of the trail viewer."""
    query = _joined()
    if before is not None:
        query = query.where(audit_events.c.seq < before)
    query = _filtered(query, action, actor, subjects)
    return list(conn.execute(query.order_by(audit_events.c.seq.desc()).limit(limit)))


def _joined() -> Select[Any]:
    return select(audit_events, audit_details.c.detail).outerjoin(
        audit_details, audit_details.c.seq == audit_events.c.seq
    )


def _filtered(
    query: Select[Any], action: str | None, actor: str | None, subjects: Iterable[str] | None
) -> Select[Any]:
    if subjects is not None:
        query = query.where(
            or_(audit_events.c.actor == actor, audit_events.c.subject.in_(list(subjects)))
        )
    if action:
        query = query.where(
            audit_events.c.action.like(action[:-1] + "%")
            if action.endswith("*")
            else audit_events.c.action == action
        )
    return query


def delete_details(conn: Connection, seqs: list[int]) -> None:
    conn.execute(delete(audit_details).where(audit_details.c.seq.in_(seqs)))


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(audit_events)).scalar_one())


def details_of(conn: Connection, action: str) -> Iterator[str]:
    """The details (JSON text) of the events of ``action`` that still have one."""
    found = conn.execute(
        select(audit_details.c.detail)
        .join(audit_events, audit_events.c.seq == audit_details.c.seq)
        .where(audit_events.c.action == action)
    )
    for (detail,) in found:
        yield str(detail)


def digest_at(conn: Connection, seq: int) -> str | None:
    """The stored digest of event ``seq``; None when there is no such event."""
    found = conn.execute(select(audit_events.c.digest).where(audit_events.c.seq == seq)).first()
    return str(found.digest) if found else None
