"""Authorisations in the store: the SQL behind ``governance.authorisations``.

Plain functions on a connection; what makes an authorisation valid stays in
``governance.authorisations``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from genkend.store.schema import authorisations, candidates


def insert_authorisation(conn: Connection, values: dict[str, Any]) -> int:
    """Insert one; its id."""
    inserted = insert(authorisations).values(**values).returning(authorisations.c.id)
    return int(conn.execute(inserted).scalar_one())


def row(conn: Connection, auth_id: int) -> Any:
    return conn.execute(select(authorisations).where(authorisations.c.id == auth_id)).first()


def set_refused(conn: Connection, auth_id: int, note: str) -> None:
    conn.execute(
        update(authorisations)
        .where(authorisations.c.id == auth_id)
        .values(status="refused", note=note)
    )


def mark_candidates_due(conn: Connection, auth_id: int) -> int:
    """Mark the candidates obtained under the authorisation for deletion; how many."""
    marked = conn.execute(
        update(candidates).where(candidates.c.authorisation_id == auth_id).values(deletion_due=True)
    ).rowcount
    return int(marked)


def case_of(conn: Connection, auth_id: int) -> str | None:
    found = conn.execute(
        select(authorisations.c.case_id).where(authorisations.c.id == auth_id)
    ).scalar()
    return None if found is None else str(found)


def newest_first(conn: Connection, case_id: str, scope: str) -> list[Any]:
    """The case's authorisations of ``scope``, the newest decision first."""
    return list(
        conn.execute(
            select(authorisations)
            .where(authorisations.c.case_id == case_id, authorisations.c.scope == scope)
            .order_by(authorisations.c.id.desc())
        ).all()
    )


def of_case(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    """The case's authorisations in the order they were recorded."""
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(authorisations)
            .where(authorisations.c.case_id == case_id)
            .order_by(authorisations.c.id)
        )
    ]


def every(conn: Connection) -> dict[int, Any]:
    """Every authorisation's row, by id (the oversight checks read them all)."""
    return {r.id: r for r in conn.execute(select(authorisations))}
