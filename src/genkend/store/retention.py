"""What retention finds due and erases, in the store: the SQL behind
``governance.retention``.

Plain functions on a connection; the periods, cutoffs and audit events stay in
``governance.retention``. Ids and sequence numbers come back sorted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, select, true, update

from genkend.store.erasure import delete_dependents
from genkend.store.schema import audit_details, audit_events, candidates, evidence_sources, faces
from genkend.store.schema import cases as cases_table


def _face_column(column: str) -> Column[Any]:
    return faces.c.embedding if column == "embedding" else faces.c.thumbnail


def due_faces(conn: Connection, column: str, cutoff: str) -> list[int]:
    """Faces created before ``cutoff`` that still hold ``column`` (embedding, thumbnail)."""
    kept = _face_column(column)
    return _ids(conn, select(faces.c.id).where(kept.is_not(None), faces.c.created_at < cutoff))


def clear_faces(conn: Connection, column: str, cutoff: str) -> list[int]:
    """Empty ``column`` of the faces ``due_faces`` names; the ids emptied."""
    kept = _face_column(column)
    erased = conn.execute(
        update(faces)
        .where(kept.is_not(None), faces.c.created_at < cutoff)
        .values({kept.name: None})
        .returning(faces.c.id)
    )
    return sorted(int(i) for i in erased.scalars())


def search_logs(conn: Connection, prefix: str, cutoff: str) -> list[int]:
    """Events whose action starts with ``prefix``, older than ``cutoff``, whose detail is
    still stored."""
    return _ids(
        conn,
        select(audit_events.c.seq)
        .join(audit_details, audit_details.c.seq == audit_events.c.seq)
        .where(audit_events.c.action.startswith(prefix), audit_events.c.at < cutoff),
    )


def due_candidates(conn: Connection) -> list[int]:
    return _ids(conn, select(candidates.c.id).where(candidates.c.deletion_due.is_(true())))


def delete_due_candidates(conn: Connection) -> dict[str, int]:
    """Delete the candidates marked for deletion; the dependent rows deleted per table."""
    due = candidates.c.deletion_due.is_(true())
    counts = delete_dependents(conn, candidates, due, keep=frozenset())
    counts.pop(candidates.name, None)
    return counts


def erase_case_rows(
    conn: Connection, case_id: str, keep: frozenset[str], title: str, status: str
) -> dict[str, int]:
    """Delete every row that depends on the case (but ``keep``'s tables) and blank the
    case's own row; the rows deleted per table."""
    rows = delete_dependents(conn, cases_table, cases_table.c.id == case_id, keep=keep)
    conn.execute(
        update(cases_table)
        .where(cases_table.c.id == case_id)
        .values(title=title, description="", status=status)
    )
    return rows


def case_events(conn: Connection, case_id: str) -> list[tuple[int, str, str]]:
    """(seq, action, at) of the events with a stored detail about the case itself or one
    of its evidence sources, in order."""
    sources = conn.execute(
        select(evidence_sources.c.source_id).where(evidence_sources.c.case_id == case_id)
    ).scalars()
    subjects = [f"case:{case_id}", *(f"source:{case_id}/{s}" for s in sources)]
    found = conn.execute(
        select(audit_events.c.seq, audit_events.c.action, audit_events.c.at)
        .join(audit_details, audit_details.c.seq == audit_events.c.seq)
        .where(audit_events.c.subject.in_(subjects))
        .order_by(audit_events.c.seq)
    )
    return [(int(seq), str(action), str(at)) for seq, action, at in found]


def _ids(conn: Connection, query: Any) -> list[int]:
    return sorted(int(i) for i in conn.execute(query).scalars())
