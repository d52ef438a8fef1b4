"""Review decisions in the store: each reviewer's outcome and each supervisor's resolution.

Invariant: decisions are only inserted, never updated or deleted here (a unique key
keeps one decision per candidate, account and role).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select

from genkend.store.schema import review_decisions


def of_candidate(conn: Connection, candidate_id: int) -> list[dict[str, Any]]:
    """The decisions on a candidate, oldest first."""
    rows = conn.execute(
        select(review_decisions)
        .where(review_decisions.c.candidate_id == candidate_id)
        .order_by(review_decisions.c.id)
    )
    return [dict(row._mapping) for row in rows]


def insert_one(conn: Connection, row: Mapping[str, Any]) -> None:
    conn.execute(insert(review_decisions).values(**row))
