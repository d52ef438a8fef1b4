"""The case list and a case's dashboard, with its live ingest progress.

The dashboard's figures and runs are one fragment (``/cases/{case_id}/progress``),
included in the page and polled by htmx every 2 s while a run is running; a fragment
with no running run carries no trigger, so polling stops by itself.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from genkend.services import cases, dashboard
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
    board = dashboard.dashboard(session, case_id)
    return page(request, "case.html", case_id=case_id, board=board, **_running(board))


@router.get("/cases/{case_id:case}/progress")
def case_progress(request: Request, session: Caller, case_id: str) -> HTMLResponse:
    board = dashboard.dashboard(session, case_id)
    return page(request, "case_progress.html", case_id=case_id, board=board, **_running(board))


def _running(board: Any) -> dict[str, bool]:
    return {"running": any(run.status == "running" for run in board.runs)}
