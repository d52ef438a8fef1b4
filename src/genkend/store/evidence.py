"""Evidence sources in the store: one row per source of a case, with its run's state.

Plain functions on a connection; the caller owns the transaction. Invariant: a source id
is unique within its case; the row says which process runs it (``run_pid``) while its
status is ``running``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from genkend.store.schema import evidence_sources


def find(conn: Connection, case_id: str, source_id: str) -> Row[Any] | None:
    query = select(evidence_sources).where(
        evidence_sources.c.case_id == case_id, evidence_sources.c.source_id == source_id
    )
    return conn.execute(query).first()


def add(conn: Connection, **values: Any) -> int:
    """A new source row; its primary key."""
    query = insert(evidence_sources).values(**values).returning(evidence_sources.c.id)
    return int(conn.execute(query).scalar_one())


def update_run(conn: Connection, source_pk: int, **values: Any) -> None:
    """Set the run's state (status, error, run columns, finished_at) of a source."""
    conn.execute(
        update(evidence_sources).where(evidence_sources.c.id == source_pk).values(**values)
    )
