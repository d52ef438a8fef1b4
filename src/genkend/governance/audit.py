"""The audit log: append-only, hash-chained events (DESIGN rule 3).

Each event stores its sequence number, UTC time, actor, host, action, subject, the
SHA-256 of its JSON detail, the digest of the previous event and its own SHA-256 digest
over a canonical serialisation of all of these. The detail itself lives in a table of
its own (``audit_details``): retention may erase a detail that is due (a search's
results after the retention period) without breaking the chain, and such an erasure is
itself an event (``retention.erase``) naming the sequence numbers it erased.
Changing, deleting, inserting or reordering any event breaks the chain at that event,
and ``verify`` names its sequence number; a detail changed, or missing without an
erasure event, is named the same way. Removing events from the end cannot be seen from
the chain alone: an auditor keeps the head (sequence and digest) that ``verify`` prints
and passes it back as an anchor.

Reading the log is a consultation too: a reader who is not an auditor sees only the
events of the cases they are members of and their own (``Scope``, from
``access.audit_scope``).

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

from genkend.clock import utc_now_text
from genkend.records import Actor
from genkend.store import Connection
from genkend.store import audit as stored

GENESIS_DIGEST = "0" * 64
ERASURE_ACTION = "retention.erase"
ERASED: dict[str, Any] = {"erased": True}


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
    detail_sha256: str = ""

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
class Scope:
    """The events one reader may see: those about ``cases`` and those ``actor`` made."""

    actor: str
    cases: frozenset[str]

    def as_detail(self) -> list[str]:
        return sorted(self.cases)


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


def detail_digest(detail_json: str) -> str:
    return hashlib.sha256(detail_json.encode("utf-8")).hexdigest()


def event_digest(
    seq: int,
    at: str,
    actor: str,
    host: str,
    action: str,
    subject: str,
    detail_sha256: str,
    prev_digest: str,
) -> str:
    """SHA-256 over the canonical JSON array of every stored field but the digest."""
    payload = json.dumps(
        [seq, at, actor, host, action, subject, detail_sha256, prev_digest],
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
    head = stored.locked_head(conn)
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS_DIGEST)
    at = utc_now_text()
    detail_json = canonical_detail(detail)
    detail_sha = detail_digest(detail_json)
    digest = event_digest(seq, at, actor.name, actor.host, action, subject, detail_sha, prev)
    stored.insert_event(
        conn,
        {
            "seq": seq,
            "at": at,
            "actor": actor.name,
            "host": actor.host,
            "action": action,
            "subject": subject,
            "detail_sha256": detail_sha,
            "prev_digest": prev,
            "digest": digest,
        },
        detail_json,
    )
    return AuditEvent(
        seq,
        at,
        actor.name,
        actor.host,
        action,
        subject,
        json.loads(detail_json),
        prev,
        digest,
        detail_sha,
    )


def events(
    conn: Connection, since: int = 0, action: str | None = None, scope: Scope | None = None
) -> Iterator[AuditEvent]:
    """Events with ``seq > since`` in order, optionally of one action (prefix ``x.*``)
    and within ``scope`` (None: every event).

    An erased detail reads as ``{"erased": true}``.
    """
    actor, subjects = _scope_filter(scope)
    for row in stored.rows(conn, since, action, actor, subjects):
        yield _event(row)


def newest(
    conn: Connection,
    before: int | None,
    limit: int,
    action: str | None = None,
    scope: Scope | None = None,
) -> list[AuditEvent]:
    """At most ``limit`` events with ``seq < before`` (None: from the newest), newest
    first, filtered as ``events`` filters them."""
    actor, subjects = _scope_filter(scope)
    return [_event(r) for r in stored.newest_rows(conn, before, limit, action, actor, subjects)]


def _scope_filter(scope: Scope | None) -> tuple[str | None, list[str] | None]:
    if scope is None:
        return None, None
    return scope.actor, [f"case:{c}" for c in sorted(scope.cases)]


def _event(row: Any) -> AuditEvent:
    return AuditEvent(
        row.seq,
        row.at,
        row.actor,
        row.host,
        row.action,
        row.subject,
        json.loads(row.detail) if row.detail is not None else dict(ERASED),
        row.prev_digest,
        row.digest,
        row.detail_sha256,
    )


def erase_details(conn: Connection, actor: Actor, seqs: list[int], reason: str) -> None:
    """Erase the details of these events (retention), recording the erasure as an event."""
    if not seqs:
        return
    stored.delete_details(conn, seqs)
    record(conn, actor, ERASURE_ACTION, "audit", {"audit_details": sorted(seqs), "reason": reason})


def count(conn: Connection) -> int:
    return stored.count(conn)


def verify(conn: Connection, anchor: tuple[int, str] | None = None) -> Verification:
    """Walk the whole chain; stop at the first event that does not hold."""
    erased = _erased_seqs(conn)
    expected_seq, prev = 1, GENESIS_DIGEST
    anchor_seen = anchor is None
    for row in stored.rows(conn):
        problem = _check_row(row, expected_seq, prev, erased)
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


def _erased_seqs(conn: Connection) -> set[int]:
    """Sequence numbers whose details an erasure event says it erased."""
    erased: set[int] = set()
    for detail in stored.details_of(conn, ERASURE_ACTION):
        try:
            erased.update(int(seq) for seq in json.loads(detail).get("audit_details", []))
        except (ValueError, TypeError, AttributeError):
            continue  # a malformed erasure record vouches for nothing
    return erased


def _check_row(row: Any, expected_seq: int, prev: str, erased: set[int]) -> tuple[int, str] | None:
    if row.seq != expected_seq:
        return expected_seq, f"event {expected_seq} is missing (next stored is {row.seq})"
    if row.prev_digest != prev:
        return row.seq, "does not follow the previous event (chain broken)"
    digest = event_digest(
        row.seq,
        row.at,
        row.actor,
        row.host,
        row.action,
        row.subject,
        row.detail_sha256,
        row.prev_digest,
    )
    if digest != row.digest:
        return row.seq, "content does not match its digest (event altered)"
    if row.detail is None:
        if row.seq not in erased:
            return row.seq, "its detail is missing and no erasure event accounts for it"
    elif detail_digest(row.detail) != row.detail_sha256:
        return row.seq, "its detail does not match the digest in the chain (detail altered)"
    return None
