"""Blind double review of a case's gallery candidates: what awaits the caller, the
disputes, one candidate, a reviewer's decision and a supervisor's resolution.

A candidate is reached under its own case's address only; the services refuse one of
another case before anything is recorded.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from genkend.services import review
from genkend.web.api.models import MAX_ID, CandidateOut, CandidateViewOut, Decision, Settlement
from genkend.web.auth import Caller

router = APIRouter(tags=["review"])

CandidateId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/cases/{case_id:case}/candidates", response_model=list[CandidateOut])
def awaiting(session: Caller, case_id: str) -> list[dict[str, Any]]:
    """The open candidates the caller may still decide, best first (blind)."""
    return [c.as_dict() for c in review.awaiting(session, case_id)]


@router.get("/cases/{case_id:case}/disputes", response_model=list[CandidateOut])
def disputes(session: Caller, case_id: str) -> list[dict[str, Any]]:
    """The disputed candidates, awaiting a supervisor."""
    return [c.as_dict() for c in review.disputed(session, case_id)]


@router.get(
    "/cases/{case_id:case}/candidates/{candidate_id:int}",
    response_model=CandidateViewOut,
    response_model_exclude_unset=True,  # "decisions" only when not blind, as the CLI
)
def show(session: Caller, case_id: str, candidate_id: CandidateId) -> dict[str, Any]:
    """One candidate; the other decisions only once the caller's is given (or cannot be)."""
    return review.show(session, candidate_id, case_id=case_id).as_dict()


@router.post(
    "/cases/{case_id:case}/candidates/{candidate_id:int}/decision",
    response_model=CandidateViewOut,
    response_model_exclude_unset=True,
)
def decide(
    session: Caller, case_id: str, candidate_id: CandidateId, body: Decision
) -> dict[str, Any]:
    """Give the caller's decision (``potential_candidate``, ``no_candidate`` or
    ``inconclusive``); it is final and audited, and two decisions close the candidate."""
    made = review.decide(session, candidate_id, body.outcome, body.note, case_id=case_id)
    return made.as_dict()


@router.post(
    "/cases/{case_id:case}/candidates/{candidate_id:int}/resolution",
    response_model=CandidateViewOut,
    response_model_exclude_unset=True,
)
def resolve(
    session: Caller, case_id: str, candidate_id: CandidateId, body: Settlement
) -> dict[str, Any]:
    """A supervisor who did not review it settles a disputed candidate (``identified``,
    ``rejected`` or ``inconclusive``)."""
    made = review.resolve(session, candidate_id, body.outcome, body.note, case_id=case_id)
    return made.as_dict()
