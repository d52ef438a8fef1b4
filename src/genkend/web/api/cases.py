"""Cases: the caller's cases, opening one, one case with its evidence sources, its
dashboard, and the members of a case (need-to-know)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Response

from genkend.services import cases
from genkend.services import dashboard as case_dashboard
from genkend.web.api.models import CaseOut, CaseViewOut, MemberOut, Name, NewCase, NewMember
from genkend.web.auth import Caller

router = APIRouter(tags=["cases"])


@router.get("/cases", response_model=list[CaseOut])
def list_cases(session: Caller) -> list[dict[str, Any]]:
    """The caller's cases (auditors and admins: every case)."""
    return [c.as_dict() for c in cases.list_cases(session)]


@router.post("/cases", status_code=201, response_model=CaseOut)
def create_case(session: Caller, body: NewCase) -> dict[str, Any]:
    """Open a case; its creator becomes a member."""
    return cases.create(session, body.new_case_id, body.title, body.description).as_dict()


@router.get("/cases/{case_id:case}", response_model=CaseViewOut)
def show_case(session: Caller, case_id: str) -> dict[str, Any]:
    """One case with its evidence sources."""
    return cases.show(session, case_id).as_dict()


@router.get("/cases/{case_id:case}/members", response_model=list[MemberOut])
def list_members(session: Caller, case_id: str) -> list[dict[str, str]]:
    """The members of a case, with who added them when (auditors; supervisors and admins
    who are members)."""
    return cases.list_members(session, case_id)


@router.post("/cases/{case_id:case}/members", status_code=204, response_class=Response)
def add_member(session: Caller, case_id: str, body: NewMember) -> None:
    """Make an account a member of the case (its creator, or a supervisor who is a member)."""
    cases.add_member(session, case_id, body.account)


@router.delete("/cases/{case_id:case}/members/{name}", status_code=204, response_class=Response)
def remove_member(session: Caller, case_id: str, name: Name) -> None:
    """Take an account off the case (its creator, or a supervisor who is a member)."""
    cases.remove_member(session, case_id, name)


@router.get("/cases/{case_id:case}/dashboard")
def dashboard(session: Caller, case_id: str) -> dict[str, Any]:
    """The case's figures by triage state, its faces and clusters, and every ingest run
    with its progress (read while an ingest goes on)."""
    return asdict(case_dashboard.dashboard(session, case_id))
