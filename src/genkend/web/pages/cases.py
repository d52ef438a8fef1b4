"""The case list and a case's dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from genkend.services import cases
from genkend.web.auth import Caller
from genkend.web.render import page

router = APIRouter()


@router.get("/")
def home(session: Caller) -> RedirectResponse:
    return RedirectResponse("/cases", status_code=303)


@router.get("/cases")
def case_list(request: Request, session: Caller) -> HTMLResponse:
    return page(request, "cases.html", cases=cases.list_cases(session))


@router.get("/cases/{case_id:case}")
def case_dashboard(request: Request, session: Caller, case_id: str) -> HTMLResponse:
    return page(request, "case.html", case_id=case_id, view=cases.show(session, case_id))
