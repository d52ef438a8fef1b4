"""A case's members: the list, adding an account, taking one off.

Who may change membership (the case's creator or a supervisor who is a member) and who
may read it (oversight) is the services' decision; a refusal is the error page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from genkend.services import cases
from genkend.web.auth import Caller
from genkend.web.paths import case_segment
from genkend.web.render import page

router = APIRouter()

AccountName = Annotated[str, Form(min_length=1, max_length=200)]


def _listing(case_id: str) -> str:
    return f"/cases/{case_segment(case_id)}/members"


@router.get("/cases/{case_id:case}/members")
def list_members(request: Request, session: Caller, case_id: str) -> HTMLResponse:
    found = cases.list_members(session, case_id)
    return page(request, "members.html", case_id=case_id, members=found)


@router.post("/cases/{case_id:case}/members")
def add_member(session: Caller, case_id: str, account: AccountName) -> RedirectResponse:
    cases.add_member(session, case_id, account)
    return RedirectResponse(_listing(case_id), status_code=303)


@router.post("/cases/{case_id:case}/members/remove")
def remove_member(session: Caller, case_id: str, account: AccountName) -> RedirectResponse:
    cases.remove_member(session, case_id, account)
    return RedirectResponse(_listing(case_id), status_code=303)
