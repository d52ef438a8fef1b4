"""Review of gallery candidates: those awaiting the caller, one candidate beside what it
is compared with and the blind decision form, and the disputes supervisors settle.

What a page shows of other reviewers' decisions is the service's ``View``: nothing (not
even whether one exists) while the caller may still decide.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from genkend.services import comparison, review
from genkend.web.auth import Caller
from genkend.web.paths import case_segment
from genkend.web.render import page

router = APIRouter()


def _candidate_url(case_id: str, candidate_id: int) -> str:
    return f"/cases/{case_segment(case_id)}/candidates/{candidate_id}"


@router.get("/cases/{case_id:case}/candidates")
def awaiting(request: Request, session: Caller, case_id: str) -> HTMLResponse:
    found = review.awaiting(session, case_id)
    return page(request, "candidates.html", case_id=case_id, candidates=found)


@router.get("/cases/{case_id:case}/candidates/{candidate_id:int}")
def candidate(request: Request, session: Caller, case_id: str, candidate_id: int) -> HTMLResponse:
    shown = comparison.candidate(session, candidate_id, case_id)
    return page(request, "candidate.html", case_id=case_id, shown=shown)


@router.post("/cases/{case_id:case}/candidates/{candidate_id:int}/decision")
def decide(
    session: Caller,
    case_id: str,
    candidate_id: int,
    outcome: Annotated[str, Form(max_length=30)],
    note: Annotated[str, Form(max_length=4000)],
) -> RedirectResponse:
    review.decide(session, candidate_id, outcome, note, case_id)
    return RedirectResponse(_candidate_url(case_id, candidate_id), 303)


@router.get("/cases/{case_id:case}/disputes")
def disputes(request: Request, session: Caller, case_id: str) -> HTMLResponse:
    found = comparison.disputes(session, case_id)
    return page(request, "disputes.html", case_id=case_id, disputes=found)


@router.post("/cases/{case_id:case}/candidates/{candidate_id:int}/resolution")
def resolve(
    session: Caller,
    case_id: str,
    candidate_id: int,
    outcome: Annotated[str, Form(max_length=30)],
    note: Annotated[str, Form(max_length=4000)],
) -> RedirectResponse:
    review.resolve(session, candidate_id, outcome, note, case_id)
    return RedirectResponse(f"/cases/{case_segment(case_id)}/disputes?settled={candidate_id}", 303)
