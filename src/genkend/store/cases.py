"""Cases, their members and their evidence sources in the store: the SQL behind
``governance.cases`` and the membership part of ``governance.access``.

Plain functions on a connection; the rules (identifiers, who may, shown status) stay
with their domain modules.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select

from genkend.store.schema import case_members, cases, evidence_sources


def insert_case(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(cases).values(**values))


def row(conn: Connection, case_id: str) -> Any:
    return conn.execute(select(cases).where(cases.c.id == case_id)).first()


def creator(conn: Connection, case_id: str) -> str | None:
    found = conn.execute(select(cases.c.created_by).where(cases.c.id == case_id)).scalar()
    return None if found is None else str(found)


def list_cases(conn: Connection, member: str | None = None) -> list[dict[str, Any]]:
    """Every case in id order, or only those ``member`` belongs to."""
    query = select(cases).order_by(cases.c.id)
    if member is not None:
        query = query.join(case_members, case_members.c.case_id == cases.c.id).where(
            case_members.c.account == member
        )
    return [r._asdict() for r in conn.execute(query)]


def source_rows(conn: Connection, case_id: str) -> list[Any]:
    """The case's evidence sources in the order they were registered."""
    return list(
        conn.execute(
            select(evidence_sources)
            .where(evidence_sources.c.case_id == case_id)
            .order_by(evidence_sources.c.id)
        )
    )


def is_member(conn: Connection, case_id: str, name: str) -> bool:
    return (
        conn.execute(
            select(case_members.c.account).where(
                case_members.c.case_id == case_id, case_members.c.account == name
            )
        ).first()
        is not None
    )


def member_cases(conn: Connection, name: str) -> list[str]:
    """The cases ``name`` is a member of, in order."""
    return list(
        conn.execute(
            select(case_members.c.case_id)
            .where(case_members.c.account == name)
            .order_by(case_members.c.case_id)
        ).scalars()
    )


def members(conn: Connection, case_id: str) -> list[dict[str, str]]:
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(case_members)
            .where(case_members.c.case_id == case_id)
            .order_by(case_members.c.account)
        )
    ]


def insert_member(
    conn: Connection, case_id: str, account: str, added_at: str, added_by: str
) -> None:
    conn.execute(
        insert(case_members).values(
            case_id=case_id, account=account, added_at=added_at, added_by=added_by
        )
    )


def delete_member(conn: Connection, case_id: str, account: str) -> None:
    conn.execute(
        delete(case_members).where(
            case_members.c.case_id == case_id, case_members.c.account == account
        )
    )
