"""Candidates in the store: the proposals of gallery searches, and their status.

Rows come back as plain mappings with the identity's label and the searcher's account
(``searched_by``, the actor of the search's audit event); ``review.candidates`` makes
records of them. Invariant: a candidate is inserted in the transaction of its search's
audit event, and only its ``status`` changes afterwards (``deletion_due`` is set by
``authorisation refuse``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Select, insert, select, update

from genkend.errors import NotFound
from genkend.store.schema import audit_events, candidates, gallery_identities, review_decisions

OPEN, DISPUTED = "open", "disputed"


def insert_all(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Store the candidates ``rows``; their new ids, in order."""
    return [
        int(conn.execute(insert(candidates).values(**row).returning(candidates.c.id)).scalar_one())
        for row in rows
    ]


def _query() -> Select[Any]:
    return (
        select(
            candidates,
            gallery_identities.c.label.label("identity_label"),
            audit_events.c.actor.label("searched_by"),
        )
        .join(gallery_identities, gallery_identities.c.id == candidates.c.identity_id)
        .join(audit_events, audit_events.c.seq == candidates.c.search_seq)
    )


def get(conn: Connection, candidate_id: int, *, lock: bool = False) -> dict[str, Any]:
    """The candidate, or ``NotFound``; ``lock`` holds its row until the transaction ends."""
    query = _query().where(candidates.c.id == candidate_id)
    if lock:
        query = query.with_for_update(of=candidates)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"unknown candidate {candidate_id}")
    return dict(row._mapping)


def awaiting(conn: Connection, reviewer: str, case_id: str) -> list[dict[str, Any]]:
    """The open candidates of a case that ``reviewer`` may still decide, best first.

    Nothing here depends on other reviewers' decisions beyond leaving out closed
    candidates, whose status never changes with the first decision.
    """
    mine = select(review_decisions.c.candidate_id).where(review_decisions.c.reviewer == reviewer)
    query = (
        _query()
        .where(
            candidates.c.case_id == case_id,
            candidates.c.status == OPEN,
            candidates.c.deletion_due.is_(False),
            candidates.c.id.not_in(mine),
            audit_events.c.actor != reviewer,
        )
        .order_by(candidates.c.distance, candidates.c.id)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def disputed(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    """The disputed candidates of a case, awaiting a supervisor."""
    query = (
        _query()
        .where(
            candidates.c.case_id == case_id,
            candidates.c.status == DISPUTED,
            candidates.c.deletion_due.is_(False),
        )
        .order_by(candidates.c.id)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def set_status(conn: Connection, candidate_id: int, status: str) -> None:
    conn.execute(update(candidates).where(candidates.c.id == candidate_id).values(status=status))
