"""The audit log: append-only, hash-chained events (DESIGN rule 3).

Each event stores its sequence number, UTC time, actor, host, action, subject, a JSON
detail, the digest of the previous event and its own SHA-256 digest over a canonical
serialisation of all of these. Changing, deleting, inserting or reordering any event
breaks the chain at that event, and ``verify`` names its sequence number. Removing
events from the end cannot be seen from the chain alone: an auditor keeps the head
(sequence and digest) that ``verify`` prints and passes it back as an anchor.

Invariants: ``record`` is called inside the caller's transaction, so an event exists
if and only if the change it describes was committed; events are numbered 1, 2, 3, ...
without gaps; the database itself refuses UPDATE and DELETE on the table (triggers
installed by the migrations).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, text

from genkend.access import Actor
from genkend.clock import utc_now_text
from genkend.store.schema import audit_events

GENESIS_DIGEST = "0" * 64
# An arbitrary constant naming genkend's audit-append lock on PostgreSQL.
_PG_AUDIT_LOCK = 0x67656E6B


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: str
    actor: str
    host: str
    action: str
    subject: str
    detail: dict[str, Any]
    prev_digest: str
    digest: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "host": self.host,
            "action": self.action,
            "subject": self.subject,
            "detail": self.detail,
            "prev_digest": self.prev_digest,
            "digest": self.digest,
        }


@dataclass(frozen=True)
class Verification:
    """The outcome of ``verify``: either intact, or the first bad sequence number."""

    ok: bool
    count: int
    head_seq: int
    head_digest: str
    first_bad_seq: int | None = None
    reason: str | None = None


def canonical_detail(detail: dict[str, Any] | None) -> str:
    return json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_digest(
    seq: int,
    at: str,
    actor: str,
    host: str,
    action: str,
    subject: str,
    detail_json: str,
    prev_digest: str,
) -> str:
    """SHA-256 over the canonical JSON array of every stored field but the digest."""
    payload = json.dumps(
        [seq, at, actor, host, action, subject, detail_json, prev_digest],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction and return it."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    head = conn.execute(
        select(audit_events.c.seq, audit_events.c.digest)
        .order_by(audit_events.c.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (head.seq + 1, head.digest) if head else (1, GENESIS_DIGEST)
    at = utc_now_text()
    detail_json = canonical_detail(detail)
    digest = event_digest(seq, at, actor.name, actor.host, action, subject, detail_json, prev)
    conn.execute(
        insert(audit_events).values(
            seq=seq,
            at=at,
            actor=actor.name,
            host=actor.host,
            action=action,
            subject=subject,
            detail=detail_json,
            prev_digest=prev,
            digest=digest,
        )
    )
    return AuditEvent(
        seq, at, actor.name, actor.host, action, subject, json.loads(detail_json), prev, digest
    )


def events(conn: Connection, since: int = 0, action: str | None = None) -> Iterator[AuditEvent]:
    """Events with ``seq > since`` in order, optionally of one action (prefix ``x.*``)."""
    query = select(audit_events).where(audit_events.c.seq > since).order_by(audit_events.c.seq)
    if action:
        query = query.where(
            audit_events.c.action.like(action[:-1] + "%")
            if action.endswith("*")
            else audit_events.c.action == action
        )
    for row in conn.execute(query):
        yield AuditEvent(
            row.seq,
            row.at,
            row.actor,
            row.host,
            row.action,
            row.subject,
            json.loads(row.detail),
            row.prev_digest,
            row.digest,
        )


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(audit_events)).scalar_one())


def verify(conn: Connection, anchor: tuple[int, str] | None = None) -> Verification:
    """Walk the whole chain; stop at the first event that does not hold."""
    expected_seq, prev = 1, GENESIS_DIGEST
    anchor_seen = anchor is None
    for row in conn.execute(select(audit_events).order_by(audit_events.c.seq)):
        problem = _check_row(row, expected_seq, prev)
        if problem:
            return Verification(
                False, expected_seq - 1, expected_seq - 1, prev, problem[0], problem[1]
            )
        if anchor is not None and row.seq == anchor[0]:
            if row.digest != anchor[1]:
                return Verification(
                    False,
                    row.seq - 1,
                    row.seq - 1,
                    prev,
                    row.seq,
                    "does not match the anchor digest",
                )
            anchor_seen = True
        expected_seq, prev = row.seq + 1, row.digest
    if not anchor_seen:
        assert anchor is not None
        return Verification(
            False,
            expected_seq - 1,
            expected_seq - 1,
            prev,
            expected_seq,
            f"the chain ends before the anchor event {anchor[0]}: events were removed from the end",
        )
    return Verification(True, expected_seq - 1, expected_seq - 1, prev)


def _check_row(row: Any, expected_seq: int, prev: str) -> tuple[int, str] | None:
    if row.seq != expected_seq:
        return expected_seq, f"event {expected_seq} is missing (next stored is {row.seq})"
    if row.prev_digest != prev:
        return row.seq, "does not follow the previous event (chain broken)"
    digest = event_digest(
        row.seq, row.at, row.actor, row.host, row.action, row.subject, row.detail, row.prev_digest
    )
    if digest != row.digest:
        return row.seq, "content does not match its digest (event altered)"
    return None
