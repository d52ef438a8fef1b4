"""Cases and who works on them: create, list, show, and the members of a case.

Opening a case makes its creator a member. Membership (need-to-know) is changed only by
a member who created the case or is a supervisor; the members are listed to oversight
(auditors for every case, supervisors and admins for their own cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genkend.governance import access, cases
from genkend.governance.access import ANYONE, AUDITORS, INVESTIGATORS, OVERSIGHT
from genkend.services.registry import service
from genkend.services.session import Session

OVERSEERS = frozenset({"auditor", "admin"})  # see every case without being members


@dataclass(frozen=True)
class CaseView:
    """One case and the state of its evidence sources."""

    case: cases.Case
    sources: tuple[cases.SourceStatus, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**self.case.as_dict(), "sources": [x.as_dict() for x in self.sources]}


@service("case create", INVESTIGATORS)
def create(session: Session, new_case_id: str, title: str, description: str = "") -> cases.Case:
    """Open a case; its creator becomes a member."""
    return cases.create(session.store, session.actor, new_case_id, title, description)


@service("case list", ANYONE)
def list_cases(session: Session) -> list[cases.Case]:
    """The caller's cases (auditors and admins: every case)."""
    overseer = bool(session.caller.roles & OVERSEERS)
    return cases.list_all(session.store, None if overseer else session.caller.name)


@service("case show", ANYONE, case="case_id", unscoped=OVERSEERS)
def show(session: Session, case_id: str) -> CaseView:
    """One case, erased or not, with its evidence sources."""
    with session.store.read() as conn:
        found = cases.get(conn, case_id, allow_erased=True)
        return CaseView(found, tuple(cases.sources(conn, case_id)))


def _may_manage_members(session: Session, action: str, case_id: str) -> None:
    """Membership is changed only by a member: the case's creator or a supervisor."""
    with session.store.read() as conn:
        cases.get(conn, case_id)
        need = access.membership_need(conn, session.actor, case_id, action)
    access.require(session.store, session.actor, need)


@service("case member add", ANYONE, case="case_id")
def add_member(session: Session, case_id: str, account: str) -> None:
    """Make ``account`` a member of the case."""
    _may_manage_members(session, "case member add", case_id)
    with session.store.begin() as conn:
        access.add_member(conn, session.actor, case_id, account)


@service("case member remove", ANYONE, case="case_id")
def remove_member(session: Session, case_id: str, account: str) -> None:
    """Take ``account`` off the case."""
    _may_manage_members(session, "case member remove", case_id)
    with session.store.begin() as conn:
        access.remove_member(conn, session.actor, case_id, account)


@service("case member list", OVERSIGHT, case="case_id", unscoped=AUDITORS)
def list_members(session: Session, case_id: str) -> list[dict[str, str]]:
    """The members of a case, with who added them when."""
    with session.store.read() as conn:
        cases.get(conn, case_id)
        return access.members(conn, case_id)
