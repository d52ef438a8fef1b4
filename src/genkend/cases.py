"""Cases: the unit of an investigation that evidence, media and decisions belong to.

Invariant: a case is created together with its ``case.create`` audit event and its
creator's membership, in one transaction; case identifiers are the agency's own
references and never change.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from genkend.clock import utc_now_text
from genkend.errors import AlreadyExists, NotFound, UsageError
from genkend.governance import audit
from genkend.records import Actor
from genkend.store import Store
from genkend.store.schema import case_members, cases

_CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    description: str
    status: str
    created_at: str
    created_by: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def create(store: Store, actor: Actor, case_id: str, title: str, description: str = "") -> Case:
    if not _CASE_ID.match(case_id):
        raise UsageError(
            f"invalid case id {case_id!r}: 1-100 letters, digits and . _ / -, "
            "starting with a letter or digit"
        )
    if not title.strip():
        raise UsageError("a case needs a title")
    case = Case(case_id, title.strip(), description, "open", utc_now_text(), actor.name)
    with store.begin() as conn:
        if _row(conn, case_id) is not None:
            raise AlreadyExists(f"case {case_id} already exists")
        conn.execute(insert(cases).values(**case.as_dict()))
        audit.record(
            conn,
            actor,
            "case.create",
            f"case:{case_id}",
            {"title": case.title, "description": description},
        )
        # the investigator who opens a case works on it
        conn.execute(
            insert(case_members).values(
                case_id=case_id, account=actor.name, added_at=case.created_at, added_by=actor.name
            )
        )
    return case


def list_all(store: Store, member: str | None = None) -> list[Case]:
    """Every case, or only those ``member`` belongs to."""
    query = select(cases).order_by(cases.c.id)
    if member is not None:
        query = query.join(case_members, case_members.c.case_id == cases.c.id).where(
            case_members.c.account == member
        )
    with store.read() as conn:
        return [Case(**row._asdict()) for row in conn.execute(query)]


def get(conn: Connection, case_id: str, allow_erased: bool = False) -> Case:
    """The case; an erased one (only its id and audit trail remain) only on request."""
    row = _row(conn, case_id)
    if row is None:
        raise NotFound(f"unknown case {case_id!r}")
    if row.status == "erased" and not allow_erased:
        raise NotFound(f"case {case_id!r} was erased; only its audit trail remains")
    return Case(**row._asdict())


def _row(conn: Connection, case_id: str) -> Any:
    return conn.execute(select(cases).where(cases.c.id == case_id)).first()
