"""A reviewer's exposure in the store: their reveals and breaks, read from the audit log.

Plain functions on a connection. Invariant: every query names one actor, a set of
actions and a time bound, and so runs on ``ix_audit_events_actor_action_at`` (or reads
one event by its sequence number, the primary key); nothing
is written here (reveals and breaks are audit events, appended by ``governance.audit``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, select

from genkend.store.schema import audit_details, audit_events


def events_since(
    conn: Connection, actor: str, actions: Sequence[str], since: str
) -> tuple[int, str | None, str | None]:
    """(count, first time, last time) of ``actor``'s events of ``actions`` after ``since``."""
    query = select(func.count(), func.min(audit_events.c.at), func.max(audit_events.c.at)).where(
        audit_events.c.actor == actor,
        audit_events.c.action.in_(list(actions)),
        audit_events.c.at > since,
    )
    count, first, last = conn.execute(query).one()
    return int(count), first, last


def event(conn: Connection, seq: int) -> tuple[str, str, str, str | None] | None:
    """(actor, action, time, detail JSON or None if erased) of event ``seq``; None: none."""
    query = (
        select(
            audit_events.c.actor, audit_events.c.action, audit_events.c.at, audit_details.c.detail
        )
        .select_from(
            audit_events.outerjoin(audit_details, audit_details.c.seq == audit_events.c.seq)
        )
        .where(audit_events.c.seq == seq)
    )
    row = conn.execute(query).one_or_none()
    return None if row is None else (row.actor, row.action, row.at, row.detail)
