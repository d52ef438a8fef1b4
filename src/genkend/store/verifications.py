"""Evidence verifications in the store: one row per recomputation of a source's own hash.

Plain functions on a connection; the caller owns the transaction and writes the audit
event in it. Invariant: rows are only added, never changed: the history of a source's
hashes is what proves its evidence did not change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select

from genkend.store.schema import evidence_sources, evidence_verifications

_table = evidence_verifications


def add(conn: Connection, **values: Any) -> int:
    """A new verification row; its primary key."""
    query = insert(_table).values(**values).returning(_table.c.id)
    return int(conn.execute(query).scalar_one())


def baseline(conn: Connection, source_pk: int) -> Row[Any] | None:
    """The source's first verification that read the whole evidence (no error)."""
    query = (
        select(_table)
        .where(_table.c.source_pk == source_pk, _table.c.error.is_(None))
        .where(_table.c.sha256.is_not(None))
        .order_by(_table.c.id)
        .limit(1)
    )
    return conn.execute(query).first()


def of_case(conn: Connection, case_id: str, source_id: str | None = None) -> list[Row[Any]]:
    """The case's verifications, oldest first, with their source's id."""
    query = (
        select(_table, evidence_sources.c.source_id)
        .join(evidence_sources, evidence_sources.c.id == _table.c.source_pk)
        .where(_table.c.case_id == case_id)
        .order_by(_table.c.id)
    )
    if source_id is not None:
        query = query.where(evidence_sources.c.source_id == source_id)
    return list(conn.execute(query))
