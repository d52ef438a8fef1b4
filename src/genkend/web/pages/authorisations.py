"""A case's authorisations for gallery searches: the list, the grant form, refusal.

Supervisors of the case record an authorisation and its refusal; oversight reads the
list. The services decide who may; a refusal is the error page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from genkend.services import authorisations
from genkend.web.auth import Caller
from genkend.web.paths import case_segment
from genkend.web.render import page

router = APIRouter()

Text = Annotated[str, Form(max_length=500)]


def _listing(case_id: str) -> str:
    return f"/cases/{case_segment(case_id)}/authorisations"


@router.get("/cases/{case_id:case}/authorisations")
def list_authorisations(request: Request, session: Caller, case_id: str) -> HTMLResponse:
    found = authorisations.list_authorisations(session, case_id)
    return page(request, "authorisations.html", case_id=case_id, authorisations=found)


@router.post("/cases/{case_id:case}/authorisations")
def grant(
    session: Caller,
    case_id: str,
    authority: Text,
    reference: Text,
    valid_until: Annotated[str, Form(max_length=40)],
) -> RedirectResponse:
    authorisations.grant(session, case_id, authority, reference, valid_until)
    return RedirectResponse(_listing(case_id), status_code=303)


@router.post("/cases/{case_id:case}/authorisations/{auth_id:int}/refuse")
def refuse(session: Caller, case_id: str, auth_id: int, note: Text) -> RedirectResponse:
    authorisations.refuse(session, auth_id, note, case_id=case_id)
    return RedirectResponse(_listing(case_id), status_code=303)
