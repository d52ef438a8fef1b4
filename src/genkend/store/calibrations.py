"""Calibrations in the store: per face backend, the distance -> false-match-rate tables
that search results quote.

Invariant: a calibration is only inserted; the newest one of a backend is in force.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from genkend.store.schema import calibrations


def latest(conn: Connection, backend: str) -> tuple[int, str] | None:
    """The id and table (JSON) of the backend's newest calibration, if any."""
    row = conn.execute(
        select(calibrations.c.id, calibrations.c.table_json)
        .where(calibrations.c.backend == backend)
        .order_by(calibrations.c.id.desc())
        .limit(1)
    ).first()
    return (int(row.id), str(row.table_json)) if row else None


def insert_one(conn: Connection, backend: str, table_json: str, at: str, by: str) -> int:
    return int(
        conn.execute(
            insert(calibrations)
            .values(backend=backend, table_json=table_json, created_at=at, created_by=by)
            .returning(calibrations.c.id)
        ).scalar_one()
    )
